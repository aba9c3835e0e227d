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
  /** The conditions behind this turn's escalation (dvt, pulmonary_embolism…). */
  conditions: string[];
  /** Set once this turn has sent an escalation card. */
  escalated: boolean;
  /** Triage found a warning sign that is not enough to escalate: ask the screening questions. */
  screen: boolean;
  /** The conditions whose warning signs brought the questions (they choose the set asked). */
  screenFor: string[];
  /** A past clot or a clear scan, no current sign: the answer carries the safety-net line. */
  safetyNet: boolean;
  /** The concepts this message names (never its text): kept for the next messages' triage (recentSigns.ts). */
  signs: string[];
  /** The concepts it names only denied ("no swelling"), kept with the signs (recentSigns.ts). */
  denied: string[];
  /** A dialog that moves the calf was held back because an escalation is open (5-afterEscalation.ts). */
  held: boolean;
  /** While escalated, this message's signs add a red-flag reason to the open escalation (3-triage.ts). */
  addsToEscalation: boolean;
}

const TURN_META_KEY = Symbol('calfbot.turnMeta');

export function turnMeta(context: TurnContext): TurnMeta {
  let meta = context.turnState.get(TURN_META_KEY) as TurnMeta | undefined;
  if (!meta) {
    meta = { urgency: 'none', redFlags: [], conditions: [], intent: null, escalated: false, screen: false, screenFor: [], safetyNet: false, signs: [], denied: [], held: false, addsToEscalation: false };
    context.turnState.set(TURN_META_KEY, meta);
  }
  return meta;
}
