/**
 * The bot: greets new conversations once, and hands each
 * message to the main dialog. State is saved at the end of every turn.
 */
import {
  TeamsActivityHandler,
  TurnContext,
  type ConversationState,
  type StatePropertyAccessor,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { runTurnWithRetry } from './retry';
import { turnMeta } from './turnMeta';
import { handleFeedbackEvent } from './feedback';
import { silentLogger, type Logger } from '../logger';

/** What the bot needs from its dialog layer (the MainDialog; tests may pass a fake). */
export interface ConversationDialog {
  run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void>;
  sendWelcome(context: TurnContext): Promise<void>;
}

export class CalfBot extends TeamsActivityHandler {
  readonly dialogState: StatePropertyAccessor<DialogState>;
  private readonly welcomed: StatePropertyAccessor<boolean>;

  constructor(
    private readonly conversationState: ConversationState,
    private readonly dialog: ConversationDialog,
    logger: Logger = silentLogger,
  ) {
    super();
    this.dialogState = conversationState.createProperty<DialogState>('DialogState');
    this.welcomed = conversationState.createProperty<boolean>('welcomed');

    this.onMessage(async (context, next) => {
      await this.dialog.run(context, this.dialogState);
      await next();
    });

    // 👍/👎 on an answer: validated and logged; the transcript stores it. No reply.
    this.onEvent(async (context, next) => {
      handleFeedbackEvent(context, logger);
      await next();
    });

    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      const humans = (context.activity.membersAdded ?? []).filter((m) => m.id !== botId);
      if (humans.length > 0 && !(await this.welcomed.get(context, false))) {
        await this.welcomed.set(context, true);
        await this.dialog.sendWelcome(context);
      }
      await next();
    });
  }

  /**
   * One turn. If another instance changed this conversation's state meanwhile (an eTag
   * conflict on save), the turn runs again on fresh state; replies go out only after a
   * successful save, so the user never sees the failed attempt.
   */
  async run(context: TurnContext): Promise<void> {
    await runTurnWithRetry(
      context,
      async () => {
        await super.run(context);
        await this.conversationState.saveChanges(context, false);
      },
      { states: [this.conversationState], onRetry: () => void (turnMeta(context).intent = null) },
    );
  }
}
