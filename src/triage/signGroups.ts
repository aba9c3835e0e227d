/**
 * Named lists of concepts in `triage/red-flags.yaml` (`sign_groups:`), written once and used in
 * rules as `"@name"`: the signs of a clot in the leg, the clot risks, a course told as new. A
 * group may name other groups. Expanded before validation, so a parsed lexicon (and its cache)
 * holds plain concept ids only; an unknown group, a cycle or a group nothing uses is reported.
 */

/** The rule fields whose entries may name a group. */
const LIST_FIELDS = ['exclude', 'unless_negated'] as const;

export interface GroupExpansion {
  raw: unknown;
  problems: string[];
}

type Groups = Record<string, unknown>;

/** The lexicon with every `@name` in its rules replaced by the group's concepts (in order, without repeats). */
export function expandSignGroups(raw: unknown): GroupExpansion {
  if (!raw || typeof raw !== 'object') return { raw, problems: [] };
  const { sign_groups: declared, conditions, ...rest } = raw as { sign_groups?: unknown; conditions?: unknown };
  const groups: Groups = declared && typeof declared === 'object' ? (declared as Groups) : {};
  const problems: string[] = [];
  const used = new Set<string>();

  const members = (name: string, where: string, path: string[]): unknown[] => {
    const list = groups[name];
    if (!Array.isArray(list)) {
      problems.push(`${where}: unknown sign group "@${name}"`);
      return [];
    }
    if (path.includes(name)) {
      problems.push(`sign_groups.${name}: names itself through ${[...path, name].map((p) => `@${p}`).join(' → ')}`);
      return [];
    }
    used.add(name);
    return list.flatMap((entry) => expandEntry(entry, `sign_groups.${name}`, [...path, name]));
  };
  const expandEntry = (entry: unknown, where: string, path: string[] = []): unknown[] =>
    typeof entry === 'string' && entry.startsWith('@') ? members(entry.slice(1), where, path) : [entry];
  const expandList = (list: unknown, where: string): unknown =>
    Array.isArray(list) ? [...new Set(list.flatMap((entry) => expandEntry(entry, where)))] : list;

  const expandedConditions = Array.isArray(conditions)
    ? conditions.map((condition: unknown) => {
        if (!condition || typeof condition !== 'object') return condition;
        const c = condition as Record<string, unknown>;
        if (!Array.isArray(c.rules)) return c;
        return {
          ...c,
          rules: c.rules.map((rule: unknown) => {
            if (!rule || typeof rule !== 'object') return rule;
            const r = { ...(rule as Record<string, unknown>) };
            const where = `conditions[${String(c.id)}].rules[${String(r.id)}]`;
            if (Array.isArray(r.require)) r.require = r.require.map((group) => expandList(group, `${where}.require`));
            for (const field of LIST_FIELDS) if (field in r) r[field] = expandList(r[field], `${where}.${field}`);
            if (r.exclude_unless !== undefined) {
              const pairs = Array.isArray(r.exclude_unless) ? r.exclude_unless : [r.exclude_unless];
              const expanded = pairs.map((pair: unknown) => {
                if (!pair || typeof pair !== 'object') return pair;
                const p = pair as Record<string, unknown>;
                return { ...p, any_of: expandList(p.any_of, `${where}.exclude_unless.any_of`), exclude: expandList(p.exclude, `${where}.exclude_unless.exclude`) };
              });
              r.exclude_unless = Array.isArray(r.exclude_unless) ? expanded : expanded[0];
            }
            return r;
          }),
        };
      })
    : conditions;
  for (const name of Object.keys(groups)) {
    if (!Array.isArray(groups[name])) problems.push(`sign_groups.${name}: must be a list of concept ids or "@group" names`);
    else if (!used.has(name)) problems.push(`sign_groups.${name}: not used by any rule`);
  }
  return { raw: { ...rest, conditions: expandedConditions }, problems };
}
