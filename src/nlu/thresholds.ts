/**
 * The NLU thresholds from configuration (NLU_ANSWER_THRESHOLD, NLU_FALLBACK_FLOOR,
 * NLU_CLARIFY_MARGIN) and the intent a tool reports for a classification.
 */
import { configSchema } from '../config';
import { decide } from './decision';
import type { Decision, Thresholds } from './decision';
import type { Classification } from './recognizer';

const nluSchema = configSchema.pick({ NLU_ANSWER_THRESHOLD: true, NLU_FALLBACK_FLOOR: true, NLU_CLARIFY_MARGIN: true });

/** Read only the three NLU keys (other settings do not matter to the NLU tools). Throws on a bad value. */
export function thresholdsFromEnv(env: Record<string, string | undefined> = process.env): Thresholds {
  const parsed = nluSchema.safeParse(env);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `Invalid configuration: ${i.path.join('.')} ${i.message}`).join('\n');
    throw new Error(msg);
  }
  const c = parsed.data;
  return { answer: c.NLU_ANSWER_THRESHOLD, floor: c.NLU_FALLBACK_FLOOR, margin: c.NLU_CLARIFY_MARGIN };
}

/** The two-stage decision for a classification. */
export function decideClassification(c: Classification, t: Thresholds): Decision {
  const intents: Record<string, { score: number }> = {};
  for (const r of c.ranked) intents[r.intent] = { score: r.score };
  return decide({ text: '', intents, entities: {} }, t);
}

/**
 * The intent a tool reports: the top intent, or `none` when the decision falls back
 * (top score below the floor). A "Did you mean…?" case keeps its top intent.
 */
export function reportedIntent(c: Classification, t: Thresholds): string {
  return decideClassification(c, t).kind === 'fallback' ? 'none' : c.intent;
}
