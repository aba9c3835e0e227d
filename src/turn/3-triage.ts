/**
 * Red-flag triage on EVERY incoming message, before intent recognition and before any
 * active dialog continues (a red flag typed in the middle of a self-test interrupts it).
 *
 * On `urgent` or `emergency`:
 *   1. the escalation card goes out FIRST (src/turn/escalator.ts), before any state is
 *      saved, so it reaches the user even when the database is unreachable; the
 *      escalation is remembered for the conversation and the staff alert fires;
 *   2. the active dialog is cancelled and state saved (storage errors are logged);
 *   3. the turn ends: the dialogs do not run.
 * Before any escalation, the signs of the last two messages (src/turn/recentSigns.ts) are
 * read with the new one's, as if told in one message: a red flag told in pieces escalates.
 * After an escalation, the signs remembered from it count with the new message's, and
 * a higher level escalates again. On a warning sign that is not enough to escalate, the
 * turn is marked for the screening questions; on a past clot, a clear scan or a
 * question with no sign now, for the safety-net line. An escalation raised by one short
 * message may be taken back by the very next one ("ok not literally lol", src/turn/takeBack.ts):
 * that message is then answered as if it had come first, with the safety-net line.
 */
import { ActivityTypes, type ConversationState, type Middleware, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { Logger } from '../logger';
import { isEscalation, urgencyRank } from '../domain/urgency';
import { escalatingReasons, NO_FLAG, type Triage, type TriageResult } from '../triage';
import type { EscalationMemory, EscalationRecord } from './escalationMemory';
import type { Escalator } from './escalator';
import type { RecentSigns, Told } from './recentSigns';
import type { TakeBack } from './takeBack';
import { turnMeta } from './turnMeta';

export interface TriageMiddlewareOptions {
  triage: Triage;
  escalator: Escalator;
  conversationState: ConversationState;
  memory: EscalationMemory;
  recent: RecentSigns;
  takeBack: TakeBack;
  dialogState: StatePropertyAccessor<DialogState>;
  logger: Logger;
}

export class TriageMiddleware implements Middleware {
  constructor(private readonly options: TriageMiddlewareOptions) {}

  /**
   * After an escalation, signs add up across turns: a red, hot leg escalated as urgent,
   * then "now I've got the shivers and a temperature of 39" is an emergency (sepsis). Only
   * a level HIGHER than both the one remembered and this message's own counts, so the
   * earlier signs alone never send the same card again.
   */
  private async withEarlierSigns(context: TurnContext, text: string, result: TriageResult): Promise<TriageResult> {
    const { triage, memory } = this.options;
    if (!triage.assessWithEarlier) return result;
    let record: EscalationRecord | null;
    try {
      record = await memory.get(context);
    } catch {
      return result; // state unreadable: this message was triaged on its own
    }
    if (!record) return this.withRecentSigns(context, text, result);
    const combined = record.signs?.length ? triage.assessWithEarlier(text, record.signs, result) : result;
    const higher = urgencyRank(combined.level) > Math.max(urgencyRank(record.level), urgencyRank(result.level));
    const added = escalatingReasons(combined).filter((r) => !record.redFlags.includes(r));
    if (record.takeBack) {
      // "ok not literally lol" right after "i think ive snapped my leg": answered as if it had come first
      const takenBack = !isEscalation(result.level) && !higher && added.length === 0 && this.options.takeBack.takesBack(text);
      if (takenBack) return this.takeBack(context, record, result);
      await this.closeTakeBack(context, record);
    }
    // The user has been sent to be checked already: the screening questions would only hold them up.
    if (!isEscalation(result.level)) result = { ...result, screen: false, screenFor: [] };
    if (higher) return combined;
    // A new sign after an emergency never gets a lower card than the one already sent
    // ("they checked me for clots last week" after "call 999" stays at "call 999").
    if (isEscalation(result.level) && urgencyRank(record.level) > urgencyRank(result.level)) return { ...result, level: record.level };
    // "I flew back yesterday, does that matter?": no new card, but a red-flag reason the escalation
    // did not have, so the reply is about getting seen, not the usual answer (5-afterEscalation.ts)
    if (!isEscalation(result.level) && isEscalation(combined.level) && added.length > 0) turnMeta(context).addsToEscalation = true;
    return result;
  }

  /** Not taken back: from now on the escalation stays. Saved now, as the dialogs' turn may load state afresh (retry.ts). */
  private async closeTakeBack(context: TurnContext, record: EscalationRecord): Promise<void> {
    try {
      await this.options.memory.closeTakeBack(context, record);
      await this.options.conversationState.saveChanges(context);
    } catch (err) {
      this.options.logger.warn({ err: { name: (err as Error).name }, conversationId: context.activity.conversation?.id }, 'could not save the escalation as kept');
    }
  }

  /** The escalation ends, said so first; the message is then answered with the safety-net line (and its own screening). */
  private async takeBack(context: TurnContext, record: EscalationRecord, result: TriageResult): Promise<TriageResult> {
    const { memory, conversationState, takeBack, logger } = this.options;
    logger.info({ conversationId: context.activity.conversation?.id, level: record.level, redFlags: record.redFlags }, 'escalation taken back by the writer');
    await context.sendActivity(takeBack.reply);
    try {
      await memory.takeBack(context);
      // Saved now: the dialogs' turn may load state afresh (src/turn/retry.ts) and must see it ended.
      await conversationState.saveChanges(context);
    } catch (err) {
      logger.warn({ err: { name: (err as Error).name }, conversationId: context.activity.conversation?.id }, 'could not save the escalation taken back');
    }
    return { ...result, safetyNet: true };
  }

  /**
   * Before any escalation: the last messages' signs read with this one's, their checks and
   * contexts included ("a DVT in 2019, treated" stays past). Only an escalation that this
   * message alone does not reach counts; the warning-sign questions stay this message's own.
   */
  private async withRecentSigns(context: TurnContext, text: string, result: TriageResult): Promise<TriageResult> {
    const { triage, recent } = this.options;
    if (!triage.assessAcross) return result;
    let told: Told;
    try {
      told = await recent.get(context);
    } catch {
      return result;
    }
    const earlier = told.signs;
    if (earlier.length === 0) return result;
    const combined = triage.assessAcross(text, earlier, told.denied, result);
    const best = isEscalation(combined.level) && urgencyRank(combined.level) > urgencyRank(result.level) ? combined : result;
    // an escalation remembers the signs told before it too, so later messages add to all of them
    return isEscalation(best.level) ? { ...best, signs: [...new Set([...earlier, ...best.signs])] } : best;
  }

  private async noteAllClear(context: TurnContext): Promise<void> {
    try {
      await this.options.memory.noteAllClear(context);
      await this.options.recent.forget(context);
      await this.options.conversationState.saveChanges(context);
    } catch (err) {
      this.options.logger.warn({ err: { name: (err as Error).name }, conversationId: context.activity.conversation?.id }, 'could not note the all-clear');
    }
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    if (context.activity.type !== ActivityTypes.Message) return next();
    const text = context.activity.text ?? '';
    const { logger } = this.options;
    let result: TriageResult = NO_FLAG;
    try {
      const { triage } = this.options;
      result = triage.assessAsync ? await triage.assessAsync(text) : triage.assess(text);
    } catch (err) {
      // A broken assessor must not take the bot down; log without the text and go on.
      logger.error({ err: { name: (err as Error).name }, conversationId: context.activity.conversation?.id }, 'triage failed');
      return next();
    }
    const own = result;
    result = await this.withEarlierSigns(context, text, result);
    const meta = turnMeta(context);
    if (!isEscalation(result.level)) {
      meta.screen = result.screen;
      meta.screenFor = result.screenFor;
      meta.safetyNet = result.safetyNet;
      meta.redFlags = result.reasons;
      meta.signs = result.signs;
      meta.denied = result.denied;
      // "A doctor ruled out a clot last week": that check is an all-clear given in this
      // conversation, so repeating it after a later escalation does not end that one.
      // Saved now: the dialogs' turn may load state afresh (src/turn/retry.ts).
      if (result.allClear) await this.noteAllClear(context);
      return next();
    }

    await this.options.escalator.escalate(context, result.level, { redFlags: result.reasons, conditions: result.conditions, whys: result.whys }, text, { remember: false });
    try {
      // raised by this short message on its own: the next message may take it back
      const canTakeBack = own.level === result.level && this.options.takeBack.eligible(text, result);
      await this.options.memory.remember(context, result.level, result.conditions, result.reasons, result.signs, canTakeBack);
      await this.options.recent.forget(context);
      await this.options.dialogState.set(context, { dialogStack: [] });
      await this.options.conversationState.saveChanges(context, true);
    } catch (err) {
      // State unreadable (database down, state never seen here): start the conversation afresh
      // without reading it; the storage keeps this write until the database is back.
      try {
        await this.options.conversationState.clear(context);
        await this.options.memory.rememberWithoutReading(context, result.level, result.conditions, result.reasons, result.signs);
        await this.options.conversationState.saveChanges(context, true);
      } catch {
        logger.error({ err: { name: (err as Error).name, message: (err as Error).message }, conversationId: context.activity.conversation?.id }, 'could not save the conversation after an escalation');
      }
    }
  }
}
