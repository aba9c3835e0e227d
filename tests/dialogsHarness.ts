/**
 * Test harness for the dialog tests: the MainDialog in botbuilder-testing's
 * DialogTestClient (a TestAdapter with MemoryStorage, ConversationState saved after each
 * turn) with the reply-metadata middleware, and a fake recognizer (a map from message
 * text to intent scores). Expected texts are read from the YAML by key, never retyped.
 */
import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import { DialogTestClient } from 'botbuilder-testing';
import { testConfig, type Config } from '../src/config';
import { loadContent } from '../src/content/loader';
import type { Content, DialogNode, NodeOf, NodeKind } from '../src/content/schema';
import { dialogRuntime } from './helpers/turn';
import { MainDialog } from '../src/dialogs/mainDialog';
import { fill, normalise } from '../src/dialogs/runtime';
import { ReplyMetadataMiddleware } from '../src/turn/7-replyMetadata';
import type { IntentRecognizer } from '../src/nlu/types';

/** text → intent (score 0.95), or text → explicit scores. Unknown text → none. */
export type FakeNlu = Record<string, string | Record<string, number>>;

export function fakeRecognizer(map: FakeNlu): IntentRecognizer & { calls: string[] } {
  const table = new Map(Object.entries(map).map(([k, v]) => [normalise(k), v] as const));
  const calls: string[] = [];
  return {
    calls,
    async recognize(context) {
      const text = context.activity.text ?? '';
      calls.push(text);
      const hit = table.get(normalise(text));
      const scores = typeof hit === 'string' ? { [hit]: 0.95 } : (hit ?? { none: 0.9 });
      return { text, intents: Object.fromEntries(Object.entries(scores).map(([k, score]) => [k, { score }])), entities: {} };
    },
  };
}

export const content: Content = loadContent('dialogs');
export const config: Config = testConfig();

export function node<K extends NodeKind>(dialog: string, id: string, kind: K): NodeOf<K> {
  const d = content.dialogs.find((f) => f.id === dialog);
  const n: DialogNode | undefined = d?.nodes.find((x) => x.id === id);
  if (!n || n.kind !== kind) throw new Error(`no ${kind} node ${dialog}/${id}`);
  return n as NodeOf<K>;
}

export function dialogTitle(dialog: string): string {
  return content.dialogs.find((f) => f.id === dialog)!.title;
}

/** A data text with its placeholders filled as the bot fills them. */
export function f(text: string, extra: Record<string, unknown> = {}): string {
  return fill(text, config, extra);
}

export interface Harness {
  /** The DialogTestClient running the MainDialog (sendActivity, getNextReply, dialogTurnResult). */
  client: DialogTestClient;
  /** Sends one message; all the message replies of that turn, in order. */
  turn(text: string): Promise<Partial<Activity>[]>;
  /** The welcome the bot sends when the user joins. */
  welcome(): Promise<Partial<Activity>[]>;
  nlu: ReturnType<typeof fakeRecognizer>;
}

export function harness(map: FakeNlu = {}, opts: { config?: Config; channelId?: string } = {}): Harness {
  const nlu = fakeRecognizer(map);
  const state = new ConversationState(new MemoryStorage());
  const main = new MainDialog(dialogRuntime(nlu, content, state, opts.config ?? config));
  const channelId = opts.channelId ?? 'test';
  const client = new DialogTestClient(channelId, main, undefined, [new ReplyMetadataMiddleware()], state);
  /** `first` and every reply after it that the turn sent. */
  const rest = (first: Partial<Activity> | undefined): Partial<Activity>[] => {
    const all: Partial<Activity>[] = [];
    for (let reply = first; reply; reply = client.getNextReply()) if (reply.type === ActivityTypes.Message) all.push(reply);
    return all;
  };
  return {
    client,
    nlu,
    turn: async (text) => rest(await client.sendActivity(text)),
    async welcome() {
      // The welcome answers the user joining (a conversationUpdate, handled by the bot, not by a
      // dialog turn), so it runs on an adapter of its own, on the same channel.
      const adapter = new TestAdapter((context) => main.sendWelcome(context), { channelId });
      adapter.use(new ReplyMetadataMiddleware());
      await adapter.receiveActivity({ type: ActivityTypes.ConversationUpdate, membersAdded: [{ id: 'user1', name: 'User' }] });
      return adapter.activeQueue.splice(0).filter((a) => a.type === ActivityTypes.Message);
    },
  };
}

/** All reply texts of a turn, joined (for `toContain`). */
export function texts(replies: Partial<Activity>[]): string {
  return replies.map((r) => r.text ?? '').join('\n---\n');
}
