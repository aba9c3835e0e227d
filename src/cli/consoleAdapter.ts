/**
 * An in-process adapter for the terminal: no channel, no Emulator, no HTTP.
 * Each line typed becomes a message activity; each reply is printed as text, with
 * buttons (suggested actions and card buttons) as a numbered list.
 */
import {
  ActivityTypes,
  BotAdapter,
  TurnContext,
  type Activity,
  type CardAction,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';

const CHANNEL_ID = 'console';

export class ConsoleAdapter extends BotAdapter {
  private seq = 0;
  private readonly reference: ConversationReference;

  /**
   * `write` prints each reply as text (the terminal chat); `onActivity`, if given, also
   * receives every reply as sent (the evaluation and tests read channelData from it).
   */
  constructor(
    private readonly write: (line: string) => void,
    private readonly onActivity?: (activity: Partial<Activity>) => void,
    conversationId = `console-${process.pid}-${Date.now()}`,
  ) {
    super();
    this.reference = {
      channelId: CHANNEL_ID,
      serviceUrl: 'http://localhost',
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: 'console' },
      user: { id: 'user', name: 'You' },
      bot: { id: 'calfbot', name: 'calfbot' },
    };
  }

  /** Start the conversation: the user "joins", which triggers the welcome. */
  async join(logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = this.incoming({ type: ActivityTypes.ConversationUpdate, membersAdded: [this.reference.user!] });
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  async say(text: string, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.runMiddleware(new TurnContext(this, this.incoming({ type: ActivityTypes.Message, text })), logic);
  }

  async sendActivities(_context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    for (const activity of activities) {
      if (activity.type !== ActivityTypes.Message) continue;
      this.print(activity);
      this.onActivity?.(activity);
    }
    return activities.map(() => ({ id: String(++this.seq) }));
  }

  async updateActivity(): Promise<void> {}
  async deleteActivity(): Promise<void> {}
  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'continueConversation' }, reference, true);
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  private incoming(partial: Partial<Activity>): Partial<Activity> {
    return TurnContext.applyConversationReference(
      { ...partial, id: String(++this.seq), timestamp: new Date(), from: this.reference.user, recipient: this.reference.bot },
      this.reference,
      true,
    );
  }

  private print(activity: Partial<Activity>): void {
    const urgency = (activity.channelData as { urgency?: string } | undefined)?.urgency;
    const label = urgency && urgency !== 'none' ? `bot [${urgency.toUpperCase()}]> ` : 'bot> ';
    const text = activity.text ?? '';
    this.write(label + text.split('\n').join('\n' + ' '.repeat(label.length)));
    // Links and phone numbers a card's text fallback already spells out are not listed twice.
    const buttons = buttonsOf(activity).filter((b) => b.type !== 'openUrl' || !text.includes(String(b.value).replace(/^tel:/, '')));
    buttons.forEach((b, i) => this.write(`${' '.repeat(label.length)}${i + 1}. ${b.title}${b.type === 'openUrl' ? ` (${String(b.value)})` : ''}`));
  }
}

/** The buttons a channel would show: suggested actions, else the first card's actions. */
export function buttonsOf(activity: Partial<Activity>): CardAction[] {
  if (activity.suggestedActions?.actions?.length) return activity.suggestedActions.actions;
  for (const attachment of activity.attachments ?? []) {
    const content = attachment.content as { buttons?: CardAction[]; actions?: { title: string; url?: string; data?: unknown }[] } | undefined;
    if (content?.buttons?.length) return content.buttons;
    if (content?.actions?.length) {
      return content.actions.map((a) => ({ type: a.url ? 'openUrl' : 'imBack', title: a.title, value: a.url ?? a.title }));
    }
  }
  return [];
}
