/**
 * runTurnWithRetry: two turns of one conversation at once (another instance, or a
 * concurrent request) lose nothing — the loser's save hits an eTag conflict, its turn is
 * re-run on fresh state, and only the successful attempt's replies are sent and logged.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationState, TestAdapter, type Activity, type TurnContext } from 'botbuilder';
import { openDatabase, type Database } from '../src/storage';
import { TranscriptMiddleware } from '../src/turn/2-transcript';
import { runTurnWithRetry } from '../src/turn/retry';
import { CalfConversationState } from '../src/turn/conversationState';
import { outsideTurnScope } from '../src/storage/concurrency';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-retry-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Harness {
  db: Database;
  adapter: TestAdapter;
  state: ConversationState;
}

type MakeState = (db: Database) => ConversationState;
/** botbuilder's ConversationState (its eTag scope comes from an AsyncLocalStorage) or the bot's own (from the context). */
let makeState: MakeState = (db) => new ConversationState(db.storage);

function harness(db: Database, conv: string, logic: (context: TurnContext, h: Harness) => Promise<void>): Harness {
  const state = makeState(db);
  const h = { db, state } as Harness;
  h.adapter = new TestAdapter((ctx) => logic(ctx, h), { channelId: 'test', conversation: { id: conv } as Activity['conversation'] });
  h.adapter.use(new TranscriptMiddleware(db.transcripts));
  return h;
}

function barrier(n: number): () => Promise<void> {
  let waiting = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return () => {
    waiting += 1;
    if (waiting === n) release();
    return all;
  };
}

function retrySuite(open: () => Promise<Database>, stateOf?: MakeState): void {
  if (stateOf) {
    let before: MakeState;
    beforeAll(() => {
      before = makeState;
      makeState = stateOf;
    });
    afterAll(() => {
      makeState = before;
    });
  }
  it('re-runs the turn on fresh state after a concurrent write; only the final replies are sent and logged', async () => {
    const db = await open();
    const attempts: number[] = [];
    const h = harness(db, 'conflict', async (ctx, { state }) => {
      const count = state.createProperty<number>('count');
      await runTurnWithRetry(
        ctx,
        async (attempt) => {
          attempts.push(attempt);
          const n = (await count.get(ctx, 0)) + 1;
          await ctx.sendActivity({ text: `count ${n}`, channelData: { intent: 'count', urgency: 'none' } });
          if (attempt === 1) {
            // Another instance finishes a turn of the same conversation in the meantime.
            const key = state.getStorageKey(ctx)!;
            await outsideTurnScope(() => db.storage.write({ [key]: { count: 10, eTag: '*' } }));
          }
          await count.set(ctx, n);
          await state.saveChanges(ctx);
        },
        { states: [state] },
      );
    });
    await h.adapter.processActivity({ type: 'message', text: 'go', id: 'm1' });
    expect(attempts).toEqual([1, 2]);
    expect(h.adapter.activeQueue.map((a) => a.text)).toEqual(['count 11']);
    const logged = await db.getConversationActivities({ channel: 'test', id: 'conflict' });
    expect(logged.map((a) => [a.role, a.text])).toEqual([['user', 'go'], ['bot', 'count 11']]);
    const key = 'test/conversations/conflict/';
    expect((await db.storage.read([key]))[key]).toMatchObject({ count: 11 });
    await db.close();
  });

  it('two simultaneous turns of one conversation both count (without the helper one is lost)', async () => {
    const db = await open();
    const run = async (useHelper: boolean, conv: string): Promise<number> => {
      const meet = barrier(2);
      const logic = async (ctx: TurnContext, { state }: Harness) => {
        const count = state.createProperty<number>('count');
        const body = async (attempt: number) => {
          const n = (await count.get(ctx, 0)) + 1;
          if (attempt === 1) await meet(); // both have read the same state
          await count.set(ctx, n);
          await ctx.sendActivity(`count ${n}`);
          await state.saveChanges(ctx);
        };
        if (useHelper) await runTurnWithRetry(ctx, body, { states: [state] });
        else await body(1);
      };
      const a = harness(db, conv, logic);
      const b = harness(db, conv, logic); // a second instance: its own ConversationState
      await Promise.all([a.adapter.processActivity({ type: 'message', text: 'one', id: 'x1' }), b.adapter.processActivity({ type: 'message', text: 'two', id: 'x2' })]);
      const key = `test/conversations/${conv}/`;
      const replies = [...a.adapter.activeQueue, ...b.adapter.activeQueue].map((r) => r.text).sort();
      if (useHelper) expect(replies).toEqual(['count 1', 'count 2']);
      const logged = await db.getConversationActivities({ channel: 'test', id: conv });
      expect(logged.filter((l) => l.role === 'user')).toHaveLength(2);
      expect(logged.filter((l) => l.role === 'bot')).toHaveLength(2);
      return (await db.storage.read([key]))[key].count as number;
    };
    expect(await run(false, 'no-helper')).toBe(1); // the lost update this helper exists for
    expect(await run(true, 'with-helper')).toBe(2);
    await db.close();
  });

  it('gives up after `attempts` conflicts: throws the conflict, sends nothing', async () => {
    const db = await open();
    let retries = 0;
    const h = harness(db, 'always', async (ctx, { state }) => {
      const count = state.createProperty<number>('count');
      await runTurnWithRetry(
        ctx,
        async () => {
          const n = (await count.get(ctx, 0)) + 1;
          await ctx.sendActivity(`count ${n}`);
          const key = state.getStorageKey(ctx)!;
          await outsideTurnScope(() => db.storage.write({ [key]: { count: 0, eTag: '*' } }));
          await count.set(ctx, n);
          await state.saveChanges(ctx);
        },
        { states: [state], attempts: 3, backoffMs: 1, onRetry: () => void (retries += 1) },
      );
    });
    await expect(h.adapter.processActivity({ type: 'message', text: 'go', id: 'm1' })).rejects.toThrow(/eTag conflict/);
    expect(retries).toBe(2);
    expect(h.adapter.activeQueue).toHaveLength(0);
    const logged = await db.getConversationActivities({ channel: 'test', id: 'always' });
    expect(logged.map((l) => l.role)).toEqual(['user']);
    await db.close();
  });

  it('other errors are not retried; what the attempt said is still sent', async () => {
    const db = await open();
    let calls = 0;
    const h = harness(db, 'boom', async (ctx) => {
      await runTurnWithRetry(ctx, async () => {
        calls += 1;
        await ctx.sendActivity('before the failure');
        throw new Error('boom');
      });
    });
    await expect(h.adapter.processActivity({ type: 'message', text: 'go', id: 'm1' })).rejects.toThrow('boom');
    expect(calls).toBe(1);
    expect(h.adapter.activeQueue.map((a) => a.text)).toEqual(['before the failure']);
    await db.close();
  });

  it('without conflicts it is a plain turn: replies in order, state saved once, logged under the ids the channel gave them', async () => {
    const db = await open();
    const h = harness(db, 'plain', async (ctx, { state }) => {
      const count = state.createProperty<number>('count');
      await runTurnWithRetry(
        ctx,
        async () => {
          const n = (await count.get(ctx, 0)) + 1;
          await count.set(ctx, n);
          await ctx.sendActivities([{ text: `a${n}` }, { text: `b${n}` }]);
          await ctx.sendActivity(`c${n}`);
          await state.saveChanges(ctx);
          await count.set(ctx, n + 100);
          await state.saveChanges(ctx); // saving twice in one turn is fine
        },
        { states: [state] },
      );
    });
    await h.adapter.processActivity({ type: 'message', text: 'go', id: 'm1' });
    expect(h.adapter.activeQueue.map((a) => a.text)).toEqual(['a1', 'b1', 'c1']);
    // held back until the attempt saved, each reply is logged with the id the channel gave it on
    // release, not one generated for the transcript
    const sent = h.adapter.activeQueue.map((a) => [a.text, a.id]);
    expect(sent.every(([, id]) => typeof id === 'string' && id.length > 0)).toBe(true);
    const logged = await db.getConversationActivities({ channel: 'test', id: 'plain' });
    expect(logged.filter((l) => l.role === 'bot').map((l) => [l.text, l.activity.id])).toEqual(sent);
    const key = 'test/conversations/plain/';
    expect((await db.storage.read([key]))[key]).toMatchObject({ count: 101 });
    await db.close();
  });
}

describe('runTurnWithRetry on memory', () => retrySuite(() => openDatabase('memory:')));
describe('runTurnWithRetry on SQLite', () => retrySuite(() => openDatabase(`sqlite:${path.join(dir, `retry-${Date.now()}-${Math.random()}.db`)}`)));
describe('runTurnWithRetry on SQLite, with the bot\'s own ConversationState (eTag scope on the context)', () =>
  retrySuite(() => openDatabase(`sqlite:${path.join(dir, `retry-own-${Date.now()}-${Math.random()}.db`)}`), (db) => new CalfConversationState(db.storage)));
describePg('runTurnWithRetry on PostgreSQL', () => {
  let pg: PgSchema;
  beforeAll(async () => {
    pg = await createPgSchema('calfbot_retry');
  });
  afterAll(async () => {
    await pg?.drop();
  });
  retrySuite(() => openDatabase(pg.url));
});

/**
 * The bot's ConversationState keeps what the turn read before its first attempt (the triage
 * step reads it on every message) when nothing changed it: one read per turn instead of two,
 * and still no lost update when someone else writes between that read and the save.
 */
describe('the first attempt keeps the state read earlier in the turn (CalfConversationState)', () => {
  async function counting(): Promise<{ db: Database; reads: () => number }> {
    const db = await openDatabase(`sqlite:${path.join(dir, `adopt-${Date.now()}-${Math.random()}.db`)}`);
    let reads = 0;
    const storage = db.storage as unknown as { inner: { read(keys: string[]): Promise<unknown> } };
    const read = storage.inner.read.bind(storage.inner);
    storage.inner.read = (keys) => {
      reads++;
      return read(keys);
    };
    return { db, reads: () => reads };
  }

  it('reads once when the state was read before the attempt and not changed', async () => {
    const { db, reads } = await counting();
    const state = new CalfConversationState(db.storage);
    const count = state.createProperty<number>('count');
    const adapter = new TestAdapter(async (ctx) => {
      await count.get(ctx); // as the triage step reads it (no default: nothing changes)
      await runTurnWithRetry(ctx, async () => {
        await count.set(ctx, ((await count.get(ctx)) ?? 0) + 1);
        await state.saveChanges(ctx);
      }, { states: [state] });
    }, { channelId: 'test', conversation: { id: 'adopt' } as Activity['conversation'] });
    for (const id of ['m1', 'm2', 'm3']) await adapter.processActivity({ type: 'message', text: 'go', id });
    expect(reads()).toBe(3);
    const key = 'test/conversations/adopt/';
    expect((await db.storage.read([key]))[key]).toMatchObject({ count: 3 });
    await db.close();
  });

  it('reads afresh when the state was changed (or saved) before the attempt', async () => {
    const { db, reads } = await counting();
    const state = new CalfConversationState(db.storage);
    const count = state.createProperty<number>('count');
    const seen: (number | undefined)[] = [];
    const adapter = new TestAdapter(async (ctx) => {
      await count.set(ctx, 50); // changed, not saved: the attempt starts from the stored state, as always
      await runTurnWithRetry(ctx, async () => {
        seen.push(await count.get(ctx));
        await count.set(ctx, ((await count.get(ctx)) ?? 0) + 1);
        await state.saveChanges(ctx);
      }, { states: [state] });
    }, { channelId: 'test', conversation: { id: 'changed' } as Activity['conversation'] });
    await adapter.processActivity({ type: 'message', text: 'go', id: 'm1' });
    await adapter.processActivity({ type: 'message', text: 'go', id: 'm2' });
    expect(seen).toEqual([undefined, 1]);
    expect(reads()).toBe(4);
    await db.close();
  });

  it('a write made elsewhere after that read is a conflict: the turn runs again on fresh state', async () => {
    const { db } = await counting();
    const state = new CalfConversationState(db.storage);
    const count = state.createProperty<number>('count');
    const attempts: number[] = [];
    const key = 'test/conversations/raced/';
    await db.storage.write({ [key]: { count: 1, eTag: '*' } });
    const adapter = new TestAdapter(async (ctx) => {
      await count.get(ctx);
      // another instance saves this conversation between the triage read and the dialogs' turn
      await outsideTurnScope(() => db.storage.write({ [key]: { count: 10, eTag: '*' } }));
      await runTurnWithRetry(ctx, async (attempt) => {
        attempts.push(attempt);
        await count.set(ctx, ((await count.get(ctx)) ?? 0) + 1);
        await state.saveChanges(ctx);
      }, { states: [state], backoffMs: 1 });
    }, { channelId: 'test', conversation: { id: 'raced' } as Activity['conversation'] });
    await adapter.processActivity({ type: 'message', text: 'go', id: 'm1' });
    expect(attempts).toEqual([1, 2]);
    expect((await db.storage.read([key]))[key]).toMatchObject({ count: 11 });
    await db.close();
  });
});
