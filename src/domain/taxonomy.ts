/**
 * The intent taxonomy (docs/intents.md): 37 ids including `none`. The one definition:
 * the NLU's training data, the dialogs' content check and the staff console all read it
 * from here, so the content check still catches a missing answer when the NLU files are
 * absent or incomplete.
 */
export const TAXONOMY_INTENTS = [
  'greeting', 'goodbye', 'thanks', 'help', 'book_appointment', 'causes_overview',
  'calf_strain', 'calf_cramp', 'bakers_cyst', 'achilles_tendinopathy', 'dvt',
  'vascular_disease', 'trapped_nerve', 'muscle_imbalance', 'calf_twitching', 'night_pain',
  'calf_tightness', 'calf_knot', 'pain_walking', 'pain_running', 'knee_calf_pain',
  'back_pain_link', 'hip_pain_link', 'anatomy', 'selftest', 'selftest_ankle_wall',
  'selftest_squat', 'selftest_calf_raise', 'stretches', 'foam_rolling', 'strengthening',
  'rice', 'recovery_time', 'when_to_worry', 'clinic_treatment', 'medication', 'none',
] as const;

/** The fallback intent: answered by the "I can help with…" menu, not by a dialog file. */
export const FALLBACK_INTENT = 'none';

/**
 * What staff read instead of an intent id (the staff console's titles, the teach menu,
 * stats). Short plain words from the taxonomy's "the user wants…" column.
 */
export const INTENT_LABELS: Readonly<Record<(typeof TAXONOMY_INTENTS)[number], string>> = {
  greeting: 'Greeting',
  goodbye: 'Goodbye',
  thanks: 'Thanks',
  help: 'What the bot can do',
  book_appointment: 'Booking an appointment',
  causes_overview: 'Causes of calf pain',
  calf_strain: 'Calf strain or tear',
  calf_cramp: 'Calf cramps',
  bakers_cyst: "Baker's cyst",
  achilles_tendinopathy: 'Achilles tendon pain',
  dvt: 'DVT / blood clot',
  vascular_disease: 'Circulation (vascular) disease',
  trapped_nerve: 'Trapped nerve, sciatica',
  muscle_imbalance: 'Weakness or muscle imbalance',
  calf_twitching: 'Calf twitching',
  night_pain: 'Pain or cramps at night',
  calf_tightness: 'Tight calves',
  calf_knot: 'Knots or a lump in the calf',
  pain_walking: 'Pain when walking',
  pain_running: 'Pain when running',
  knee_calf_pain: 'Knee and calf pain',
  back_pain_link: 'Calves and back pain',
  hip_pain_link: 'Calves and hip pain',
  anatomy: 'Calf anatomy',
  selftest: 'Self-tests',
  selftest_ankle_wall: 'Self-test: knee to wall',
  selftest_squat: 'Self-test: squat',
  selftest_calf_raise: 'Self-test: heel raises',
  stretches: 'Stretches',
  foam_rolling: 'Foam rolling and massage',
  strengthening: 'Strengthening exercises',
  rice: 'First aid (RICE)',
  recovery_time: 'Recovery time',
  when_to_worry: 'When to worry',
  clinic_treatment: 'Treatment at the clinic',
  medication: 'Medication',
  none: 'Not understood (fallback)',
};

/** An intent's label for staff; an id outside the taxonomy is shown as it is. */
export function intentLabel(id: string): string {
  return (INTENT_LABELS as Readonly<Record<string, string>>)[id] ?? id;
}
