/**
 * Group commit (src/storage/groupCommit.ts): writes that arrive together share one
 * transaction, yet each keeps its own outcome — an eTag conflict or a refused write
 * fails only its own caller — and nothing queued is lost when the database closes.
 * Direct Line replies are delivered only once their turn is over (committed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity } from 'botbuilder';
import { isEtagConflict, openDatabase, type Database } from '../src/storage';
import { GroupCommit } from '../src/storage/groupCommit';
import { ABSENT_ETAG } from '../src/storage/concurrency';
import { ConversationStore } from '../src/channels/conversationStore';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-group-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function message(conv: string, text: string): Partial<Activity> {
  return { type: 'message', id: `m-${conv}-${text}`, text, channelId: 'test', conversation: { id: conv } as Activity['conversation'], from: { id: 'u1', name: 'Patient', role: 'user' } };
}

function contract(name: string, open: () => Promise<{ db: Database; reopen: () => Promise<Database> }>): void {
  describe(name, () => {
    /** Runs `fn` on a freshly opened database, closed afterwards whatever happens. */
    const withDb = async (fn: (db: Database) => Promise<void>): Promise<void> => {
      const { db } = await open();
      try {
        await fn(db);
      } finally {
        await db.close();
      }
    };

    it('writes arriving together each get their own outcome: the stale one conflicts, the others are stored', async () => {
      await withDb(async (db) => {
        await db.storage.write({ k1: { v: 1 } });
        const { k1 } = await db.storage.read(['k1']);
        const base = (k1 as { eTag: string }).eTag;
        const results = await Promise.allSettled([
          db.storage.write({ k1: { v: 2, eTag: base } }),
          db.storage.write({ k1: { v: 3, eTag: base } }),
          db.storage.write({ k2: { v: 1 } }),
          db.transcripts.logActivities([message('g1', 'hello')]),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect(isEtagConflict((results[1] as PromiseRejectedResult).reason)).toBe(true);
        const after = await db.storage.read(['k1', 'k2']);
        expect(after.k1).toMatchObject({ v: 2 });
        expect(after.k2).toMatchObject({ v: 1 });
        expect((await db.getConversationActivities({ channel: 'test', id: 'g1' })).map((a) => a.text)).toEqual(['hello']);
        expect(db.outboxPending()).toBe(0);
      });
    });

    it('a multi-key write with one stale key writes none of its keys, and does not hold back its neighbours', async () => {
      await withDb(async (db) => {
        await db.storage.write({ a: { v: 1 }, b: { v: 1 } });
        const results = await Promise.allSettled([
          db.storage.write({ a: { v: 2 }, b: { v: 2, eTag: 'not-the-stored-one' } }),
          db.storage.write({ c: { v: 1 } }),
        ]);
        expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
        const after = await db.storage.read(['a', 'b', 'c']);
        expect(after.a).toMatchObject({ v: 1 });
        expect(after.b).toMatchObject({ v: 1 });
        expect(after.c).toMatchObject({ v: 1 });
      });
    });

    it('new keys written together on the condition that they are still absent: each is stored once, a second such write of a key conflicts, a later unconditional one wins', async () => {
      await withDb(async (db) => {
        // 200 writes and the three below: one group (at most 256)
        const keys = Array.from({ length: 200 }, (_, i) => `fresh-${String(i).padStart(3, '0')}`);
        const results = await Promise.allSettled([
          ...keys.map((key, i) => db.storage.write({ [key]: { v: i, eTag: ABSENT_ETAG } })),
          db.storage.write({ 'fresh-000': { v: 'second', eTag: ABSENT_ETAG } }),
          db.storage.write({ 'fresh-001': { v: 'last', eTag: '*' } }),
          db.storage.write({ 'fresh-002': { v: 'stale', eTag: 'not-the-stored-one' } }),
        ]);
        expect(results.slice(0, 200).every((r) => r.status === 'fulfilled')).toBe(true);
        const [second, last, stale] = results.slice(200);
        expect(second?.status).toBe('rejected');
        expect(isEtagConflict((second as PromiseRejectedResult).reason)).toBe(true);
        expect(last?.status).toBe('fulfilled');
        expect(stale?.status).toBe('rejected');
        expect(isEtagConflict((stale as PromiseRejectedResult).reason)).toBe(true);
        const after = await db.storage.read(keys);
        expect(Object.keys(after)).toHaveLength(200);
        expect(after['fresh-000']).toMatchObject({ v: 0 });
        expect(after['fresh-001']).toMatchObject({ v: 'last' });
        expect(after['fresh-002']).toMatchObject({ v: 2 });
        expect(after['fresh-199']).toMatchObject({ v: 199 });
        // the eTag a write reported is the stored one: a write based on it holds
        const base = (after['fresh-003'] as { eTag: string }).eTag;
        await db.storage.write({ 'fresh-003': { v: 'next', eTag: base } });
        expect((await db.storage.read(['fresh-003']))['fresh-003']).toMatchObject({ v: 'next' });
        expect(db.outboxPending()).toBe(0);
      });
    });

    it('transcript batches arriving together, more rows than one statement holds: every row stored once, in order, with its empty fields empty', async () => {
      await withDb(async (db) => {
        const batches = Array.from({ length: 150 }, (_, i) => {
          const conv = `many-${i % 3}`;
          const reply: Partial<Activity> = { type: 'message', text: `reply ${i}`, channelId: 'test', conversation: { id: conv } as Activity['conversation'], from: { id: 'bot', role: 'bot' } as Activity['from'], replyToId: `m-${conv}-ask ${i}` };
          const event: Partial<Activity> = { type: 'event', channelId: 'test', conversation: { id: conv } as Activity['conversation'], from: { id: 'u1', role: 'user' } as Activity['from'] };
          return [message(conv, `ask ${i}`), reply, event];
        });
        await Promise.all(batches.map((b) => db.transcripts.logActivities(b)));
        for (let c = 0; c < 3; c++) {
          const stored = await db.getConversationActivities({ channel: 'test', id: `many-${c}` });
          const expected = batches.filter((_, i) => i % 3 === c).flatMap((b) => b.map((a) => a.text ?? null));
          expect(stored.map((a) => a.text ?? null)).toEqual(expected);
          expect(stored.filter((a) => a.type === 'event').every((a) => a.text === null && a.intent === null && a.urgency === null)).toBe(true);
          expect(await db.getConversation({ channel: 'test', id: `many-${c}` })).toMatchObject({ turnCount: 50 });
        }
      });
    });

    it('close() commits what is still queued: nothing a caller was waiting for is lost', async () => {
      const { db, reopen } = await open();
      const pending = [
        db.storage.write({ queued: { v: 'kept' } }),
        db.transcripts.logActivities([message('q1', 'still queued')]),
      ];
      await db.close();
      await Promise.all(pending);
      const again = await reopen();
      try {
        expect((await again.storage.read(['queued'])).queued).toMatchObject({ v: 'kept' });
        expect((await again.getConversationActivities({ channel: 'test', id: 'q1' })).map((a) => a.text)).toEqual(['still queued']);
      } finally {
        await again.close();
      }
    });
  });
}

let n = 0;
contract('group commit on SQLite', async () => {
  const url = `sqlite:${path.join(dir, `g${n++}.db`)}`;
  return { db: await openDatabase(url), reopen: () => openDatabase(url) };
});

describePg('group commit on PostgreSQL', () => {
  let pg: PgSchema;
  beforeAll(async () => {
    pg = await createPgSchema();
  });
  afterAll(async () => {
    await pg.drop();
  });
  contract('PostgreSQL', async () => ({ db: await openDatabase(pg.url), reopen: () => openDatabase(pg.url) }));

  /** Two bot instances on the one schema, closed afterwards whatever happens. */
  const withTwoInstances = async (fn: (a: Database, b: Database) => Promise<void>): Promise<void> => {
    const a = await openDatabase(pg.url);
    const b = await openDatabase(pg.url);
    try {
      await fn(a, b);
    } finally {
      await a.close();
      await b.close();
    }
  };

  /** Of instance a's and instance b's writes of `key`, exactly one holds, the other is an eTag conflict, and the stored value is the winner's. */
  const expectOneWinner = async ([fromA, fromB]: PromiseSettledResult<void>[], reader: Database, key: string): Promise<void> => {
    expect([fromA, fromB].filter((r) => r?.status === 'fulfilled')).toHaveLength(1);
    const loser = [fromA, fromB].find((r): r is PromiseRejectedResult => r?.status === 'rejected');
    expect(isEtagConflict(loser?.reason)).toBe(true);
    const stored = (await reader.storage.read([key]))[key] as { v: string };
    expect(stored.v).toBe(fromA?.status === 'fulfilled' ? 'a' : 'b');
  };

  it('two instances writing one key on the same eTag at once: exactly one is stored, the other conflicts', async () => {
    await withTwoInstances(async (a, b) => {
      for (let round = 0; round < 5; round++) {
        const key = `race-${round}`;
        await a.storage.write({ [key]: { v: 0 } });
        const base = ((await a.storage.read([key]))[key] as { eTag: string }).eTag;
        const results = await Promise.allSettled([a.storage.write({ [key]: { v: 'a', eTag: base } }), b.storage.write({ [key]: { v: 'b', eTag: base } })]);
        await expectOneWinner(results, b, key);
      }
    });
  });

  it('two instances creating one key at once, each on the condition that it is still absent: exactly one is stored, the other conflicts, their neighbours are stored', async () => {
    await withTwoInstances(async (a, b) => {
      for (let round = 0; round < 5; round++) {
        const key = `new-race-${round}`;
        const results = await Promise.allSettled([
          a.storage.write({ [key]: { v: 'a', eTag: ABSENT_ETAG } }),
          a.storage.write({ [`${key}-a`]: { v: 'a', eTag: ABSENT_ETAG } }),
          b.storage.write({ [`${key}-b`]: { v: 'b', eTag: ABSENT_ETAG } }),
          b.storage.write({ [key]: { v: 'b', eTag: ABSENT_ETAG } }),
        ]);
        expect(results[1]?.status).toBe('fulfilled');
        expect(results[2]?.status).toBe('fulfilled');
        await expectOneWinner([results[0]!, results[3]!], b, key);
      }
    });
  });

  it('a conditional write to a row deleted meanwhile is stored as new, and one write of the same key in its group still applies in order', async () => {
    const db = await openDatabase(pg.url);
    try {
      await db.storage.write({ gone: { v: 0 } });
      const base = ((await db.storage.read(['gone']))['gone'] as { eTag: string }).eTag;
      await db.storage.delete(['gone']);
      const results = await Promise.allSettled([db.storage.write({ gone: { v: 1, eTag: base } }), db.storage.write({ other: { v: 1 } })]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      const after = await db.storage.read(['gone', 'other']);
      expect((after['gone'] as { v: number }).v).toBe(1);
      expect((after['other'] as { v: number }).v).toBe(1);
    } finally {
      await db.close();
    }
  });
});

describe('GroupCommit', () => {
  it('when the database fails, the group and everything queued behind it fail at once (to the outbox), not one timeout each', async () => {
    let commits = 0;
    const queue = new GroupCommit<{ reject(e: unknown): void; resolve(): void }>(async () => {
      commits++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('connection lost');
    });
    const submit = (): Promise<void> => new Promise((resolve, reject) => queue.submit({ resolve, reject }));
    const first = submit();
    await new Promise((resolve) => setImmediate(resolve)); // the first group is running
    const queued = [submit(), submit()];
    const results = await Promise.allSettled([first, ...queued]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(commits).toBe(1);
    await queue.flush();
  });

  it('commits what arrives in the same turn of the event loop as one group', async () => {
    const groups: number[] = [];
    const queue = new GroupCommit<{ reject(e: unknown): void; resolve(): void }>((ops) => {
      groups.push(ops.length);
      for (const op of ops) op.resolve();
    });
    const submit = (): Promise<void> => new Promise((resolve, reject) => queue.submit({ resolve, reject }));
    await Promise.all([submit(), submit(), submit()]);
    await submit();
    expect(groups).toEqual([3, 1]);
  });
});

describe('Direct Line delivery waits for the turn', () => {
  it('a held reply (and what follows it) is not polled until released', () => {
    const store = new ConversationStore();
    const { conversation } = store.open('c1', 'u1');
    store.append(conversation, { type: 'message', text: 'my question' });
    store.append(conversation, { type: 'message', text: 'the answer' }, true);
    const before = store.since(conversation, undefined);
    expect(before.activities.map((a) => a.text)).toEqual(['my question']);
    expect(store.since(conversation, Number(before.watermark)).activities).toEqual([]);
    store.release(conversation);
    expect(store.since(conversation, Number(before.watermark)).activities.map((a) => a.text)).toEqual(['the answer']);
  });
});
