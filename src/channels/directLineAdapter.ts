/**
 * The adapter behind the self-hosted Direct Line endpoint. It runs each incoming
 * activity through the same middleware as /api/messages (the service attaches the
 * pipeline with `app.attach(adapter)`: transcript, reply metadata, normalize, triage)
 * and then the bot; replies are appended to the conversation's activity list, where
 * Web Chat picks them up by polling.
 */
import {
  BotAdapter,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import type { ConversationStore, StoredConversation } from './conversationStore';

export const DIRECT_LINE_CHANNEL_ID = 'webchat';

/** Marks a turn of `processActivity`: its replies are held until the turn (and its commit) is done. */
const HOLD_REPLIES = Symbol('calfbot.directLineHold');

export interface DirectLineAdapterOptions {
  store: ConversationStore;
  bot: ChannelAccount;
  /** The serviceUrl stamped on activities (this endpoint's base URL). */
  serviceUrl: string;
}

export class DirectLineAdapter extends BotAdapter {
  readonly store: ConversationStore;
  readonly botAccount: ChannelAccount;
  readonly serviceUrl: string;

  constructor(options: DirectLineAdapterOptions) {
    super();
    this.store = options.store;
    this.botAccount = options.bot;
    this.serviceUrl = options.serviceUrl;
  }

  /**
   * Process one activity from the user: echo it into the conversation (Web Chat needs the
   * echo to mark the message as sent), then run the pipeline and the bot. Turns of one
   * conversation run one at a time. Resolves when the turn has finished.
   *
   * Replies become visible to polling only when the turn is over, i.e. after its state and
   * transcript were committed: a reply Web Chat has shown is never lost to a crash.
   */
  async processActivity(conv: StoredConversation, activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>, echo = true): Promise<string | undefined> {
    // The same object is kept: the validated activity, with the channel's fields set.
    const incoming: Partial<Activity> = Object.assign(activity, {
      channelId: DIRECT_LINE_CHANNEL_ID,
      serviceUrl: this.serviceUrl,
      conversation: { id: conv.id, isGroup: false, conversationType: 'personal', name: '' },
      recipient: { ...this.botAccount, role: 'bot' },
      timestamp: new Date(),
    });
    const id = echo ? this.store.append(conv, { ...incoming }) : undefined;
    if (id) incoming.id = id;
    const turn = conv.queue.then(async () => {
      const context = new TurnContext(this, incoming);
      context.turnState.set(HOLD_REPLIES, true);
      try {
        await this.runMiddleware(context, logic);
      } finally {
        this.store.release(conv);
      }
    });
    conv.queue = turn.catch(() => undefined);
    await turn;
    return id;
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const conversationId = context.activity.conversation?.id ?? '';
    const conv = this.store.get(conversationId);
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === 'delay') {
        await new Promise((resolve) => setTimeout(resolve, Math.min(Number(activity.value) || 0, 5_000)));
        responses.push({ id: '' });
        continue;
      }
      if (activity.type === 'invokeResponse' || activity.type === 'trace' || !conv) {
        responses.push({ id: '' });
        continue;
      }
      const reply: Partial<Activity> = {
        ...activity,
        id: undefined,
        channelId: DIRECT_LINE_CHANNEL_ID,
        serviceUrl: this.serviceUrl,
        conversation: { id: conv.id, isGroup: false, conversationType: 'personal', name: '' },
        from: { ...this.botAccount, role: 'bot' },
        recipient: { id: conv.userId, name: '', role: 'user' },
        timestamp: new Date(),
        replyToId: activity.replyToId ?? context.activity.id,
      };
      responses.push({ id: this.store.append(conv, reply, context.turnState.get(HOLD_REPLIES) === true) });
    }
    return responses;
  }

  async updateActivity(context: TurnContext, activity: Partial<Activity>): Promise<ResourceResponse | void> {
    const conv = this.store.get(context.activity.conversation?.id ?? '');
    const found = conv && activity.id ? this.store.find(conv, activity.id) : undefined;
    if (!found) return;
    found.activity = { ...found.activity, ...activity, id: found.activity.id };
    return { id: found.activity.id ?? '' };
  }

  async deleteActivity(context: TurnContext, reference: Partial<ConversationReference>): Promise<void> {
    const conv = this.store.get(reference.conversation?.id ?? context.activity.conversation?.id ?? '');
    if (conv && reference.activityId) this.store.remove(conv, reference.activityId);
  }

  /** Proactive messages into a live conversation (e.g. a staff follow-up). */
  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: 'event', name: 'continueConversation' }, reference, true);
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }
}
