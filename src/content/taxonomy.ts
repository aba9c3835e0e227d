/**
 * The intent taxonomy (shared/spec/intents.md): 37 ids including `none`.
 * Kept here as well as in `intents/*.yaml` so the content check still catches a
 * missing answer when the NLU files are absent or incomplete.
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
