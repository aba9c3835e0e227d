/**
 * Red-flag triage: the public interface. `loadTriage()` reads the lexicon from
 * `intents/red-flags.yaml` and returns an assessor used by the triage middleware
 * and the classify CLI.
 *
 * NOTE: early placeholder so dependents can compile; the full matcher follows.
 */
export type TriageLevel = 'none' | 'urgent' | 'emergency';

export interface TriageResult {
  level: TriageLevel;
  /** Rule ids that fired (never the message text). */
  reasons: string[];
}

export interface Triage {
  assess(text: string): TriageResult;
}

const PLACEHOLDER_EMERGENCY = /\b(chest pain|short(ness)? of breath|breathless|cough(ing)? (up )?blood)\b/i;
const PLACEHOLDER_URGENT = /\b(dvt|clot|thrombo|embol|pvd|pad|claudication|circulation)/i;

export function loadTriage(dir = 'intents'): Triage {
  void dir;
  return {
    assess(text: string): TriageResult {
      if (PLACEHOLDER_EMERGENCY.test(text)) return { level: 'emergency', reasons: ['placeholder-emergency'] };
      if (PLACEHOLDER_URGENT.test(text)) return { level: 'urgent', reasons: ['placeholder-urgent'] };
      return { level: 'none', reasons: [] };
    },
  };
}
