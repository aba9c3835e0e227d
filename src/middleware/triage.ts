/**
 * Red-flag triage on EVERY incoming message, before intent recognition and before any
 * active dialog continues. On `urgent` or `emergency` it:
 *   1. marks the turn (turnMeta: urgency, redFlags, escalated) so every reply carries
 *      `channelData.urgency`;
 *   2. sends the escalation card FIRST, before touching state, so it goes out even
 *      when the database is unreachable;
 *   3. fires the optional staff alert (never awaited);
 *   4. cancels the active dialog (empty dialog stack) and saves conversation state,
 *      logging (not throwing) storage errors;
 *   5. ends the turn without calling the bot.
 * Otherwise the turn continues (`next()`).
 */
import { ActivityTypes, type ConversationState, type Middleware, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { turnMeta } from '../turnMeta';
import type { Triage, TriageResult } from '../triage';
import type { EscalationAlert } from '../triage/alert';
import { buildEscalation, fallbackEscalationSource, type EscalationLevel, type EscalationSource } from '../triage/escalation';

export interface TriageMiddlewareOptions {
  triage: Triage;
  config: Config;
  conversationState: ConversationState;
  dialogState: StatePropertyAccessor<DialogState>;
  logger: Logger;
  alert?: EscalationAlert;
  /** Escalation wording; defaults to the triage's own (loadTriage) or the lexicon in `intents/`. */
  escalation?: EscalationSource;
}

function isEscalationSource(t: unknown): t is EscalationSource {
  return !!t && typeof (t as EscalationSource).responses === 'function' && typeof (t as EscalationSource).why === 'function';
}

/** The text to triage: the message text plus any text in a card submit value. */
export function triageText(context: TurnContext): string {
  const parts: string[] = [];
  const { text, value } = context.activity;
  if (typeof text === 'string' && text.trim()) parts.push(text);
  const collect = (v: unknown, depth: number): void => {
    if (depth > 3 || v === null || v === undefined) return;
    if (typeof v === 'string') {
      if (v.trim() && !parts.includes(v)) parts.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) collect(x, depth + 1);
    } else if (typeof v === 'object') {
      for (const x of Object.values(v as Record<string, unknown>)) collect(x, depth + 1);
    }
  };
  collect(value, 0);
  return parts.join('\n');
}

export class TriageMiddleware implements Middleware {
  private readonly escalation: EscalationSource;

  constructor(private readonly options: TriageMiddlewareOptions) {
    this.escalation = options.escalation ?? (isEscalationSource(options.triage) ? options.triage : fallbackEscalationSource());
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    if (context.activity.type !== ActivityTypes.Message) return next();
    const text = triageText(context);
    if (!text) return next();

    const { logger } = this.options;
    let result: TriageResult;
    try {
      result = this.options.triage.assess(text);
    } catch (err) {
      // A broken assessor must not take the bot down; log without the text and go on.
      logger.error({ err: { name: (err as Error).name }, conversationId: context.activity.conversation?.id }, 'triage failed');
      return next();
    }
    if (result.level === 'none') return next();

    const level: EscalationLevel = result.level;
    const conversationId = context.activity.conversation?.id ?? 'unknown';
    const meta = turnMeta(context);
    meta.urgency = level;
    meta.redFlags = [...result.reasons];
    meta.escalated = true;
    logger.warn({ conversationId, urgency: level, redFlags: result.reasons }, 'red flag: escalating');

    // 1. The escalation goes out first, before any state is touched.
    await context.sendActivity(buildEscalation(this.escalation, level, result.reasons, this.options.config));

    // 2. Staff alert: fire and forget; its failures are handled and logged inside.
    if (this.options.alert) {
      void this.options.alert.send({
        level,
        reasons: result.reasons,
        conversationId,
        channelId: context.activity.channelId,
        time: new Date(),
        text,
      });
    }

    // 3. Cancel the active dialog and save, surviving an unreachable database.
    try {
      await this.options.dialogState.set(context, { dialogStack: [] });
      await this.options.conversationState.saveChanges(context, true);
    } catch (err) {
      // State unreadable (database down, state never seen here): start the conversation afresh
      // without reading it; the storage keeps this write until the database is back.
      try {
        await this.options.conversationState.clear(context);
        await this.options.conversationState.saveChanges(context, true);
      } catch {
        logger.error({ err: { name: (err as Error).name, message: (err as Error).message }, conversationId }, 'could not clear the dialog after an escalation');
      }
    }
    // 4. The turn ends here: the bot does not run.
  }
}
