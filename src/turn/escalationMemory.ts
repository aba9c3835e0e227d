/**
 * An escalation is remembered for the whole conversation, in conversation state (so
 * it survives restarts and is shown to staff through the transcripts): until the user
 * says a clinician has examined them, later messages are answered with the escalation
 * in mind (src/turn/5-afterEscalation.ts).
 */
import type { ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { maxUrgency, type EscalationLevel } from '../domain/urgency';

export interface EscalationRecord {
  level: EscalationLevel;
  conditions: string[];
  redFlags: string[];
  /** The signs named in the escalating messages (concept ids, never text): later signs add to them. */
  signs?: string[];
  /**
   * This escalation came after a clinician's all-clear in the same conversation: that
   * earlier check does not cover the new signs, so a second "they ruled it out" does not
   * end it (src/turn/5-afterEscalation.ts).
   */
  afterAllClear?: boolean;
  /**
   * Raised by one short message on its own, and no message since: the next one may take it
   * back ("ok not literally lol": src/turn/takeBack.ts).
   */
  takeBack?: boolean;
  /** ISO time of the first escalation in this conversation. */
  at: string;
}

export class EscalationMemory {
  private readonly property: StatePropertyAccessor<EscalationRecord | null>;
  /** Set when a clinician's all-clear ended an escalation in this conversation. */
  private readonly allClear: StatePropertyAccessor<boolean>;

  constructor(conversationState: ConversationState) {
    this.property = conversationState.createProperty<EscalationRecord | null>('escalation');
    this.allClear = conversationState.createProperty<boolean>('escalationAllClear');
  }

  /** Reads without a default: botbuilder would store the default in the state, a change that makes the turn read it again (retry.ts). */
  async get(context: TurnContext): Promise<EscalationRecord | null> {
    return (await this.property.get(context)) ?? null;
  }

  /** Keep the highest level and every condition seen so far. */
  async remember(context: TurnContext, level: EscalationLevel, conditions: string[], redFlags: string[], signs: string[] = [], takeBack = false): Promise<void> {
    const prior = await this.get(context);
    await this.property.set(context, {
      level: prior ? maxUrgency(prior.level, level) : level,
      conditions: [...new Set([...(prior?.conditions ?? []), ...conditions])],
      redFlags: [...new Set([...(prior?.redFlags ?? []), ...redFlags])],
      signs: [...new Set([...(prior?.signs ?? []), ...signs])],
      afterAllClear: prior?.afterAllClear ?? ((await this.allClear.get(context, false)) === true),
      // a second escalation rests on more than one message
      ...(takeBack && !prior ? { takeBack: true } : {}),
      at: prior?.at ?? new Date().toISOString(),
    });
  }

  /** After the state was cleared without reading it (storage down): set the record as new. */
  async rememberWithoutReading(context: TurnContext, level: EscalationLevel, conditions: string[], redFlags: string[], signs: string[] = []): Promise<void> {
    await this.property.set(context, { level, conditions, redFlags, signs, at: new Date().toISOString() });
  }

  /** A clinician's check reported with no escalation open ("they ruled out a clot last week"). */
  async noteAllClear(context: TurnContext): Promise<void> {
    await this.allClear.set(context, true);
  }

  /** A message came after the escalation without taking it back: from now on it stays. */
  async closeTakeBack(context: TurnContext, record: EscalationRecord): Promise<void> {
    await this.property.set(context, { ...record, takeBack: undefined });
  }

  /** The writer took back the words that escalated: the escalation ends (no all-clear was given). */
  async takeBack(context: TurnContext): Promise<void> {
    await this.property.set(context, null);
  }

  /** A clinician's all-clear: the escalation ends, and the conversation remembers that it was given. */
  async clear(context: TurnContext): Promise<void> {
    await this.property.set(context, null);
    await this.noteAllClear(context);
  }
}
