/**
 * The signs kept for a red flag told in pieces (src/turn/recentSigns.ts): the last two
 * messages' signs count, for a day, as concept ids only; an escalation or an all-clear clears them.
 */
import { ConversationState, MemoryStorage, TestAdapter, TurnContext, type Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { RECENT_FOR_MS, RecentSigns } from '../src/turn/recentSigns';

function harness() {
  let now = Date.parse('2026-12-05T09:00:00Z');
  const storage = new MemoryStorage();
  const state = new ConversationState(storage);
  const recent = new RecentSigns(state, () => now);
  const adapter = new TestAdapter();
  const activity: Partial<Activity> = { type: 'message', text: 'x', channelId: 'test', conversation: { id: 'c1' } as Activity['conversation'], from: { id: 'u' } as Activity['from'], recipient: { id: 'b' } as Activity['recipient'] };
  /** One turn: reads the state, runs `fn`, saves, like the bot does. */
  async function turn<T>(fn: (context: TurnContext) => Promise<T>): Promise<T> {
    const context = new TurnContext(adapter, activity);
    await state.load(context);
    const out = await fn(context);
    await state.saveChanges(context);
    return out;
  }
  return { recent, storage, turn, later: (ms: number) => void (now += ms) };
}

describe('the signs of recent messages', () => {
  it('count the last two messages, oldest first, and drop the one before', async () => {
    const h = harness();
    await h.turn((c) => h.recent.note(c, ['pain', 'calf_or_leg']));
    await h.turn((c) => h.recent.note(c, ['after_surgery']));
    expect((await h.turn((c) => h.recent.get(c))).signs).toEqual(['pain', 'calf_or_leg', 'after_surgery']);
    await h.turn((c) => h.recent.note(c, []));
    expect((await h.turn((c) => h.recent.get(c))).signs).toEqual(['after_surgery']);
    await h.turn((c) => h.recent.note(c, []));
    expect((await h.turn((c) => h.recent.get(c))).signs).toEqual([]);
  });
  it('no longer count after a day', async () => {
    const h = harness();
    await h.turn((c) => h.recent.note(c, ['swelling']));
    h.later(RECENT_FOR_MS - 60_000);
    expect((await h.turn((c) => h.recent.get(c))).signs).toEqual(['swelling']);
    h.later(120_000);
    expect((await h.turn((c) => h.recent.get(c))).signs).toEqual([]);
  });
  it('are cleared when an escalation takes over or a clinician gives the all-clear', async () => {
    const h = harness();
    await h.turn((c) => h.recent.note(c, ['swelling']));
    await h.turn((c) => h.recent.forget(c));
    expect((await h.turn((c) => h.recent.get(c))).signs).toEqual([]);
  });
  it('store concept ids and times only, never the message text, and nothing at all for messages without signs', async () => {
    const h = harness();
    await h.turn((c) => h.recent.note(c, []));
    const key = 'test/conversations/c1/';
    expect((await h.storage.read([key]))[key]?.recentSigns).toBeUndefined();
    await h.turn((c) => h.recent.note(c, ['warmth']));
    const stored = (await h.storage.read([key]))[key]?.recentSigns as unknown;
    expect(stored).toEqual([{ signs: ['warmth'], denied: [], at: '2026-12-05T09:00:00.000Z' }]);
  });
  it('a stored value of the wrong shape (an older version, a hand edit) counts as nothing, not an error', async () => {
    const h = harness();
    const key = 'test/conversations/c1/';
    await h.storage.write({ [key]: { recentSigns: [{ signs: 'swelling', at: '2026-12-05T08:00:00.000Z' }, { signs: [1], at: '2026-12-05T08:00:00.000Z' }, { signs: ['warmth'], at: 'yesterday' }, null, 'x'], eTag: '*' } });
    expect((await h.turn((c) => h.recent.get(c))).signs).toEqual([]);
  });
  it('keep what a message denied beside its signs, unless another message names it as a sign; entries from before denials were kept still count', async () => {
    const h = harness();
    const key = 'test/conversations/c1/';
    await h.storage.write({ [key]: { recentSigns: [{ signs: ['pain'], at: '2026-12-05T08:00:00.000Z' }], eTag: '*' } });
    await h.turn((c) => h.recent.note(c, ['one_sided', 'pain'], ['swelling', 'warmth']));
    expect(await h.turn((c) => h.recent.get(c))).toEqual({ signs: ['pain', 'one_sided', 'pain'], denied: ['swelling', 'warmth'] });
    await h.turn((c) => h.recent.note(c, ['warmth']));
    expect(await h.turn((c) => h.recent.get(c))).toEqual({ signs: ['one_sided', 'pain', 'warmth'], denied: ['swelling'] });
  });
});
