/**
 * What this turn has learned about the user's message, shared along the pipeline:
 * the triage middleware sets the urgency, the dialogs set the intent, and the
 * reply-metadata middleware stamps both onto every reply as `channelData`.
 */
import type { TurnContext } from 'botbuilder';
import type { Urgency } from '../domain/urgency';

export interface TurnMeta {
  urgency: Urgency;
  /** Rule ids from triage that fired on this message (never the message text). */
  redFlags: string[];
  /** The recognized intent this turn answers, or null. */
  intent: string | null;
  /** Set when triage already answered the turn with an escalation. */
  escalated: boolean;
}

const TURN_META_KEY = Symbol('calfbot.turnMeta');

export function turnMeta(context: TurnContext): TurnMeta {
  let meta = context.turnState.get(TURN_META_KEY) as TurnMeta | undefined;
  if (!meta) {
    meta = { urgency: 'none', redFlags: [], intent: null, escalated: false };
    context.turnState.set(TURN_META_KEY, meta);
  }
  return meta;
}
