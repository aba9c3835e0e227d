/** What every dialog shares: the content, the recognizer, the configuration. */
import type { TurnContext } from 'botbuilder';
import type { Config } from '../config';
import { fillPlaceholders } from '../domain/placeholders';
import type { Content } from '../content/schema';
import type { IntentRecognizer } from '../nlu/types';
import { decide, type Decision } from '../nlu/decision';
import type { ScreeningWording } from '../triage/wording';

export interface Runtime {
  recognizer: IntentRecognizer;
  content: Content;
  config: Config;
  /** Escalate as the named triage rule does (same card, same level as the typed sign). */
  escalate(context: TurnContext, ruleId: string): Promise<void>;
  /** The screening questions and what to say around them (triage/escalation.yaml). */
  screening: ScreeningWording;
  /** Added to answers when triage saw a past clot or clear scan and no current sign. */
  safetyNet: string;
}

/** How a tree ended: normally, by handing over to another dialog, or by a command. */
export interface TreeResult {
  next?: string;
  action?: 'cancel' | 'startOver' | 'escalated' | 'reroute';
}

export type Command = 'help' | 'cancel' | 'startOver';

export function normalise(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}\s']/gu, ' ').replace(/\s+/g, ' ').trim();
}

/** help / cancel / start over, by the words listed in `_system.yaml` (whole message only). */
export function matchCommand(text: string, commands: Content['system']['commands']): Command | undefined {
  const t = normalise(text);
  for (const c of ['help', 'cancel', 'startOver'] as const) {
    if (commands[c].some((w) => normalise(w) === t)) return c;
  }
  return undefined;
}

export async function recognizeAndDecide(runtime: Runtime, context: TurnContext): Promise<Decision> {
  const result = await runtime.recognizer.recognize(context);
  const { NLU_ANSWER_THRESHOLD: answer, NLU_FALLBACK_FLOOR: floor, NLU_CLARIFY_MARGIN: margin } = runtime.config;
  return decide(result, { answer, floor, margin });
}

/** Fill the settings' placeholders ({clinicName}, …: src/domain/placeholders.ts), {title} and saved answers. */
export const fill = fillPlaceholders;
