/** What every dialog shares: the content, the recognizer, the configuration. */
import type { RecognizerResult, TurnContext } from 'botbuilder';
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
  /**
   * While an escalation is open: says "not until you have been checked" (with the card's
   * buttons) and returns true. A dialog marked `hold_while_escalated` then does not run.
   */
  holdIfEscalated(context: TurnContext): Promise<boolean>;
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

type Commands = Content['system']['commands'];

/** Each content's command words, normalised once (they are asked about on most turns). */
const commandTables = new WeakMap<Commands, Map<string, Command>>();

function commandTable(commands: Commands): Map<string, Command> {
  let table = commandTables.get(commands);
  if (table === undefined) {
    table = new Map();
    // the first command listing a word wins, as when they were tested in this order
    for (const c of ['help', 'cancel', 'startOver'] as const) {
      for (const w of commands[c]) {
        const key = normalise(w);
        if (!table.has(key)) table.set(key, c);
      }
    }
    commandTables.set(commands, table);
  }
  return table;
}

/** help / cancel / start over, by the words listed in `_system.yaml` (whole message only). */
export function matchCommand(text: string, commands: Commands): Command | undefined {
  return commandTable(commands).get(normalise(text));
}

const RECOGNIZED = Symbol('calfbot.recognized');

/**
 * The recognizer's result for this turn's text. A turn can ask twice (an interruption check, then
 * the screening's skipped reply or the menu), and the answer cannot differ, so it is kept in the turn.
 */
async function recognizeOnce(runtime: Runtime, context: TurnContext): Promise<RecognizerResult> {
  const text = context.activity.text ?? '';
  const kept = context.turnState.get(RECOGNIZED) as { text: string; result: RecognizerResult } | undefined;
  if (kept?.text === text) return kept.result;
  const result = await runtime.recognizer.recognize(context);
  context.turnState.set(RECOGNIZED, { text, result });
  return result;
}

export async function recognizeAndDecide(runtime: Runtime, context: TurnContext): Promise<Decision> {
  const result = await recognizeOnce(runtime, context);
  const { NLU_ANSWER_THRESHOLD: answer, NLU_FALLBACK_FLOOR: floor, NLU_CLARIFY_MARGIN: margin } = runtime.config;
  return decide(result, { answer, floor, margin });
}

/** Fill the settings' placeholders ({clinicName}, …: src/domain/placeholders.ts), {title} and saved answers. */
export const fill = fillPlaceholders;
