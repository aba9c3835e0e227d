/**
 * Red-flag conditions as staff read them. Escalation replies carry `channelData.redFlags`
 * (rule ids such as "swollen_calf", or condition-scoped ids such as "dvt/swollen_calf")
 * and may carry `channelData.conditions`; both are shown as they come, with a label
 * where the condition is known.
 */
export const CONDITION_LABELS: Readonly<Record<string, string>> = {
  dvt: 'Deep vein thrombosis (DVT)',
  pulmonary_embolism: 'Pulmonary embolism',
  acute_limb_ischaemia: 'Acute limb ischaemia',
  peripheral_arterial_disease: 'Peripheral arterial disease',
  compartment_syndrome: 'Compartment syndrome',
  rupture: 'Tendon or muscle rupture',
  infection: 'Infection',
  neuro_deficit: 'Nerve deficit',
};

export const CONDITION_IDS = Object.keys(CONDITION_LABELS);

export function conditionLabel(id: string): string {
  return CONDITION_LABELS[id] ?? id.replace(/_/g, ' ');
}

export interface RedFlagView {
  /** As carried: "swollen_calf" or "dvt/swollen_calf". */
  id: string;
  rule: string;
  condition: string | null;
  conditionLabel: string | null;
}

/** Reads `redFlags` and `conditions` from a reply's channelData, whatever their shape. */
export function redFlagsOf(channelData: Record<string, unknown> | null): { redFlags: RedFlagView[]; conditions: { id: string; label: string }[] } {
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);
  const redFlags = strings(channelData?.redFlags).map((id): RedFlagView => {
    const slash = id.indexOf('/');
    const condition = slash > 0 ? id.slice(0, slash) : null;
    return { id, rule: slash > 0 ? id.slice(slash + 1) : id, condition, conditionLabel: condition ? conditionLabel(condition) : null };
  });
  const ids = new Set(strings(channelData?.conditions));
  for (const f of redFlags) if (f.condition) ids.add(f.condition);
  return { redFlags, conditions: [...ids].map((id) => ({ id, label: conditionLabel(id) })) };
}
