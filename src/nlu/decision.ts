/**
 * Two-stage fallback: answer when confident, ask "Did you mean…?" when the top intents
 * are close or the score is in the ambiguous band, fall back to `none` below the floor.
 */
import type { RecognizerResult } from 'botbuilder';

export interface Thresholds {
  /** At or above this score (and clear of the runner-up) the top intent is answered. */
  answer: number;
  /** Below this score the message is treated as `none`. */
  floor: number;
  /** If the runner-up is within this margin of the top score, ask which one was meant. */
  margin: number;
}

export type Decision =
  | { kind: 'answer'; intent: string; score: number }
  | { kind: 'clarify'; candidates: string[]; score: number }
  | { kind: 'fallback'; score: number };

export function rankedIntents(result: RecognizerResult): { intent: string; score: number }[] {
  return Object.entries(result.intents ?? {})
    .map(([intent, v]) => ({ intent, score: v.score ?? 0 }))
    .sort((a, b) => b.score - a.score);
}

export function decide(result: RecognizerResult, t: Thresholds): Decision {
  const ranked = rankedIntents(result);
  const top = ranked[0];
  if (!top || top.intent === 'none' || top.score < t.floor) return { kind: 'fallback', score: top?.score ?? 0 };
  const contenders = ranked.filter((r) => r.intent !== 'none' && r.score >= t.floor && top.score - r.score <= t.margin);
  if (top.score >= t.answer && contenders.length === 1) return { kind: 'answer', intent: top.intent, score: top.score };
  const candidates = (contenders.length > 1 ? contenders : ranked.filter((r) => r.intent !== 'none')).slice(0, 3).map((r) => r.intent);
  return { kind: 'clarify', candidates, score: top.score };
}
