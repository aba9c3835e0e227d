/**
 * The bot: greets new conversations once, and hands each
 * message to the main dialog. State is saved at the end of every turn.
 */
import {
  ActivityTypes,
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
    /** Writes what the turn noted into the state, inside each attempt before it is saved (e.g. the message's signs). */
    private readonly noteTurn: (context: TurnContext) => Promise<void> = async () => undefined,
  ) {
    super();
    this.dialogState = conversationState.createProperty<DialogState>('DialogState');
    this.welcomed = conversationState.createProperty<boolean>('welcomed');

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
        await this.dispatch(context);
        await this.noteTurn(context);
        await this.conversationState.saveChanges(context, false);
      },
      { states: [this.conversationState], onRetry: () => void (turnMeta(context).intent = null) },
    );
  }

  /**
   * A message goes straight to the main dialog; every other activity through the
   * ActivityHandler's dispatch (members added, feedback events, Teams invokes). For a message
   * that dispatch only ran the bot's one message handler (no `onTurn`, `onMessage` or
   * `onDialog` handler is registered here): about ten nested awaits on every message.
   */
  private async dispatch(context: TurnContext): Promise<void> {
    if (context.activity?.type === ActivityTypes.Message) await this.dialog.run(context, this.dialogState);
    else await super.run(context);
  }
}
