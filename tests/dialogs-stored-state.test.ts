/**
 * Conversations in progress survive a deploy: the dialog state stored after every turn of a
 * few hundred scripted turns (every tree, several paths, a new question mid-tree and going
 * back) was recorded once with an earlier build in tests/fixtures/dialog-states.json. Each
 * turn is replayed here from the stored state of the turn before it, as a new build would
 * find it in the database, and must give the same replies and store the same state.
 *
 * Record again (only when the stored format is meant to change, which breaks conversations
 * in progress): RECORD_DIALOG_STATES=1 npx vitest run tests/dialogs-stored-state.test.ts
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { expect, it } from 'vitest';
import { MainDialog } from '../src/dialogs/mainDialog';
import { ReplyMetadataMiddleware } from '../src/turn/7-replyMetadata';
import { config, content, fakeRecognizer } from './dialogsHarness';
import { dialogRuntime } from './helpers/turn';

interface Turn {
  text: string;
  /** The stored conversation state after the turn (timestamps and instance ids blanked). */
  state: unknown;
  /** SHA-256 of the turn's replies (text, buttons, attachments, channel data). */
  replies: string;
}
interface Recorded {
  script: string;
  turns: Turn[];
}

const FIXTURE = path.join(__dirname, 'fixtures', 'dialog-states.json');
const CHANNEL = 'test';
const KEY = `${CHANNEL}/conversations/Convo1/`;
const ANSWERS = ['yes', '3', 'no', '7', 'left'];

// every intent answers to "ask <intent>"
const nluMap = Object.fromEntries(Object.keys(content.intentDialog).map((i) => [`ask ${i}`, i]));

/** Timestamps and waterfalls' random instance ids blanked. */
function blank(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null)
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'T')
    .replace(/"instanceId":"[^"]*"/g, '"instanceId":"I"'));
}

/** One bot as the dialog tests wire it, on a storage the test can read and seed. */
function bot() {
  const storage = new MemoryStorage();
  const state = new ConversationState(storage);
  const main = new MainDialog(dialogRuntime(fakeRecognizer(nluMap), content, state, config));
  const accessor = state.createProperty<DialogState>('DialogState');
  const adapter = new TestAdapter(async (context) => {
    await main.run(context, accessor);
    await state.saveChanges(context);
  }, { channelId: CHANNEL });
  adapter.use(new ReplyMetadataMiddleware());
  return {
    async seed(stored: unknown): Promise<void> {
      await storage.delete([KEY]);
      if (stored) await storage.write({ [KEY]: { ...(stored as object), eTag: '*' } });
    },
    async send(text: string): Promise<{ replies: Partial<Activity>[]; state: unknown }> {
      await adapter.receiveActivity(text);
      const replies = adapter.activeQueue.splice(0).filter((a) => a.type === ActivityTypes.Message);
      const stored = (await storage.read([KEY]))[KEY] as Record<string, unknown> | undefined;
      const { eTag: _eTag, ...rest } = stored ?? {};
      return { replies, state: blank(rest) };
    },
  };
}

function repliesHash(replies: Partial<Activity>[]): string {
  const seen = replies.map((r) => ({ text: r.text, suggestedActions: r.suggestedActions, attachments: r.attachments, channelData: r.channelData, inputHint: r.inputHint }));
  return createHash('sha256').update(JSON.stringify(blank(seen))).digest('hex');
}

/** The scripts: each tree by its first intent, on two paths; then new questions mid-tree. */
function* scripts(): Generator<{ name: string; first: string[]; variant: number }> {
  for (const d of content.dialogs) {
    const intent = d.intents[0];
    if (!intent) continue;
    for (const variant of [0, 1]) yield { name: `${d.id}/${variant}`, first: [`ask ${intent}`], variant };
  }
  yield { name: 'interrupted, then back', first: ['ask selftest_ankle_wall', 'ask causes_overview'], variant: 0 };
  yield { name: 'interrupted, not back', first: ['ask selftest_calf_raise', 'ask bakers_cyst'], variant: 1 };
  yield { name: 'menu, help, cancel', first: ['menu', 'help', 'cancel', 'start over'], variant: 0 };
}

/** Pick the next message: a button of the last reply (by variant and turn), else a stock answer. */
function nextText(replies: Partial<Activity>[], variant: number, turn: number): string {
  const actions = replies.at(-1)?.suggestedActions?.actions ?? [];
  if (actions.length > 0) return String(actions[(variant + turn) % actions.length]!.value ?? actions[0]!.title);
  return ANSWERS[(variant * 2 + turn) % ANSWERS.length]!;
}

async function record(): Promise<Recorded[]> {
  const out: Recorded[] = [];
  for (const s of scripts()) {
    const b = bot();
    const turns: Turn[] = [];
    let last: Partial<Activity>[] = [];
    for (let t = 0; t < s.first.length + 5; t++) {
      const text = s.first[t] ?? nextText(last, s.variant, t);
      const r = await b.send(text);
      turns.push({ text, state: r.state, replies: repliesHash(r.replies) });
      last = r.replies;
    }
    out.push({ script: s.name, turns });
  }
  return out;
}

it('replays every recorded turn from the state stored before it: same replies, same stored state', async () => {
  if (process.env.RECORD_DIALOG_STATES === '1') writeFileSync(FIXTURE, `${JSON.stringify(await record())}\n`);
  const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Recorded[];
  let turns = 0;
  let midTree = 0;
  for (const { script, turns: list } of recorded) {
    const b = bot();
    let before: unknown = null;
    for (const [i, turn] of list.entries()) {
      await b.seed(before);
      const r = await b.send(turn.text);
      expect({ script, turn: i, replies: repliesHash(r.replies) }).toEqual({ script, turn: i, replies: turn.replies });
      expect({ script, turn: i, state: r.state }).toEqual({ script, turn: i, state: turn.state });
      if (JSON.stringify(before).includes('"id":"node:')) midTree++;
      before = turn.state;
      turns++;
    }
  }
  expect(turns).toBeGreaterThan(300);
  expect(midTree).toBeGreaterThan(100);
});
