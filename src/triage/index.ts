/**
 * Red-flag triage: the public interface. `loadTriage()` reads the lexicon from
 * `intents/red-flags.yaml` (validated at load) and returns an assessor used by the
 * triage middleware and the classify CLI. See docs/triage.md.
 */
import { loadLexicon, type EscalationText, type Lexicon } from './lexicon';
import { Matcher, type Analysis } from './matcher';

export type TriageLevel = 'none' | 'urgent' | 'emergency';

export interface TriageResult {
  level: TriageLevel;
  /** Rule ids that fired, most severe first (never the message text). */
  reasons: string[];
}

export interface Triage {
  assess(text: string): TriageResult;
}

/** The full triage: assessment plus what the escalation needs from the lexicon. */
export interface LoadedTriage extends Triage {
  readonly lexicon: Lexicon;
  /** Debug view: tokens, concept occurrences with negation, fired rules. */
  analyse(text: string): Analysis;
  /** The escalation wording for a level (with {placeholders}). */
  responses(level: Exclude<TriageLevel, 'none'>): EscalationText;
  /** The one-line "why" for a rule id, if any. */
  why(ruleId: string): string | undefined;
}

export function createTriage(lexicon: Lexicon): LoadedTriage {
  const matcher = new Matcher(lexicon);
  const whys = new Map(lexicon.rules.map((r) => [r.id, r.why]));
  return {
    lexicon,
    analyse: (text) => matcher.analyse(text),
    assess(text: string): TriageResult {
      if (typeof text !== 'string' || text.trim() === '') return { level: 'none', reasons: [] };
      const a = matcher.analyse(text);
      return { level: a.level, reasons: a.fired.map((r) => r.id) };
    },
    responses: (level) => lexicon.responses[level],
    why: (ruleId) => whys.get(ruleId),
  };
}

export function loadTriage(dir = 'intents'): LoadedTriage {
  return createTriage(loadLexicon(dir));
}
