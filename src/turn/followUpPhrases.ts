/**
 * How the replies after an escalation are recognised (triage/escalation.yaml,
 * `after_escalation`: "I'll wait and see", "ok not literally lol"): each phrase is a regular
 * expression over the message as plain words, and matches whole words only.
 */
import { normaliseText } from '../triage/matcher';

/** Phrases that match between word boundaries, never inside a word. */
export function compileFollowUpPhrases(phrases: readonly string[]): RegExp[] {
  return phrases.map((p) => new RegExp(`(?<![a-z0-9])(?:${p})(?![a-z0-9])`));
}

/** The message as the phrases read it: normalised, punctuation as spaces, one space between words. */
export function followUpText(text: string): string {
  return normaliseText(text).replace(/[^a-z0-9 ]+/g, ' ').replace(/\s+/g, ' ').trim();
}
