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
 * On a warning sign that is not enough to escalate, the turn is marked for the
 * screening questions; on a past clot or clear scan, for the safety-net line.
 */
import { ActivityTypes, type ConversationState, type Middleware, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { Logger } from '../logger';
import { isEscalation } from '../domain/urgency';
import { NO_FLAG, type Triage, type TriageResult } from '../triage';
import type { EscalationMemory } from './escalationMemory';
import type { Escalator } from './escalator';
import { turnMeta } from './turnMeta';

export interface TriageMiddlewareOptions {
  triage: Triage;
  escalator: Escalator;
  conversationState: ConversationState;
  memory: EscalationMemory;
  dialogState: StatePropertyAccessor<DialogState>;
  logger: Logger;
}

export class TriageMiddleware implements Middleware {
  constructor(private readonly options: TriageMiddlewareOptions) {}

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
    const meta = turnMeta(context);
    if (!isEscalation(result.level)) {
      meta.screen = result.screen;
      meta.safetyNet = result.safetyNet;
      meta.redFlags = result.reasons;
      return next();
    }

    await this.options.escalator.escalate(context, result.level, { redFlags: result.reasons, conditions: result.conditions, whys: result.whys }, text, { remember: false });
    try {
      await this.options.memory.remember(context, result.level, result.conditions, result.reasons);
      await this.options.dialogState.set(context, { dialogStack: [] });
      await this.options.conversationState.saveChanges(context, true);
    } catch (err) {
      // State unreadable (database down, state never seen here): start the conversation afresh
      // without reading it; the storage keeps this write until the database is back.
      try {
        await this.options.conversationState.clear(context);
        await this.options.memory.rememberWithoutReading(context, result.level, result.conditions, result.reasons);
        await this.options.conversationState.saveChanges(context, true);
      } catch {
        logger.error({ err: { name: (err as Error).name, message: (err as Error).message }, conversationId: context.activity.conversation?.id }, 'could not save the conversation after an escalation');
      }
    }
  }
}
