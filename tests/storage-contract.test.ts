/**
 * One contract, three backends: memory, SQLite (temp file) and PostgreSQL (own schema).
 * Covers botbuilder's Storage contract (eTags), the TranscriptStore contract (paging)
 * and the conversation index the staff console uses.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestAdapter, TranscriptLoggerMiddleware, type Activity } from 'botbuilder';
import { openDatabase, type Database } from '../src/storage';
import { TranscriptMiddleware } from '../src/turn/2-transcript';
import { safeId } from '../src/storage/redact';
import { outsideTurnScope, runInTurnScope } from '../src/storage/concurrency';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';

type Opener = () => Promise<Database>;

let seq = 0;
function userMsg(conv: string, text: string, extra: Partial<Activity> = {}, channel = 'test'): Partial<Activity> {
  seq += 1;
  return {
    type: 'message', id: `u${seq}`, text, channelId: channel, conversation: { id: conv } as Activity['conversation'],
    from: { id: 'user1', name: 'Jane Patient', role: 'user' }, recipient: { id: 'bot', name: 'calfbot' }, ...extra,
  };
}
function botMsg(conv: string, replyTo: string, text: string, intent: string | null, urgency = 'none', extra: Partial<Activity> = {}, channel = 'test'): Partial<Activity> {
  seq += 1;
  return {
    type: 'message', id: `b${seq}`, replyToId: replyTo, text, channelId: channel, conversation: { id: conv } as Activity['conversation'],
    from: { id: 'bot', name: 'calfbot', role: 'bot' }, recipient: { id: 'user1', name: 'Jane Patient' }, channelData: { intent, urgency }, ...extra,
  };
}
async function turn(db: Database, conv: string, text: string, intent: string | null, urgency = 'none', at?: Date, channel = 'test'): Promise<void> {
  const u = userMsg(conv, text, at ? { timestamp: at } : {}, channel);
  const b = botMsg(conv, u.id!, `reply to ${intent}`, intent, urgency, at ? { timestamp: new Date(at.getTime() + 1) } : {}, channel);
  await db.transcripts.logActivities([u, b]);
}

function storageContract(open: Opener, opts: { atomicBatches: boolean }): void {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db.close();
  });

  describe('Storage', () => {
    it('reads unknown keys as nothing', async () => {
      expect(await db.storage.read(['nope', 'also-nope'])).toEqual({});
      expect(await db.storage.read([])).toEqual({});
    });

    it('round-trips items and assigns an eTag', async () => {
      await db.storage.write({ rt: { count: 1, nested: { list: [1, 'two', null], flag: true } } });
      const { rt } = await db.storage.read(['rt']);
      expect(rt).toMatchObject({ count: 1, nested: { list: [1, 'two', null], flag: true } });
      expect(typeof rt.eTag).toBe('string');
      expect(rt.eTag).not.toBe('*');
    });

    it('accepts any key string', async () => {
      const keys = ['unicode ✓ 日本語 🦵', `quotes ' " \``, 'slashes / \\ //a/b', `crazy !@#$%^&*()~/\\><,.?';"\`~ key`, 'k'.repeat(1000), 'percent%_under_', ''];
      const changes = Object.fromEntries(keys.map((k, i) => [k, { i }]));
      await db.storage.write(changes);
      const read = await db.storage.read(keys);
      for (const [i, k] of keys.entries()) expect(read[k]).toMatchObject({ i });
      await db.storage.delete(keys);
      expect(await db.storage.read(keys)).toEqual({});
    });

    it('always overwrites items without an eTag', async () => {
      await db.storage.write({ noetag: { v: 1 } });
      await db.storage.write({ noetag: { v: 2 } });
      expect((await db.storage.read(['noetag'])).noetag).toMatchObject({ v: 2 });
    });

    it('rejects a stale eTag, accepts the current one and "*"', async () => {
      await db.storage.write({ et: { v: 1 } });
      const first = (await db.storage.read(['et'])).et;
      await db.storage.write({ et: { ...first, v: 2 } });
      const second = (await db.storage.read(['et'])).et;
      expect(second.eTag).not.toBe(first.eTag);
      await expect(db.storage.write({ et: { ...first, v: 3 } })).rejects.toThrow(/eTag conflict/);
      await expect(db.storage.write({ et: { ...first, v: 3 } })).rejects.toThrow(/"et"/);
      expect((await db.storage.read(['et'])).et).toMatchObject({ v: 2 });
      await db.storage.write({ et: { ...first, v: 4, eTag: '*' } });
      expect((await db.storage.read(['et'])).et).toMatchObject({ v: 4 });
    });

    it('writes an item with an eTag when the key does not exist yet (like MemoryStorage)', async () => {
      await db.storage.write({ fresh: { v: 1, eTag: 'whatever' } });
      expect((await db.storage.read(['fresh'])).fresh).toMatchObject({ v: 1 });
    });

    it('deletes, and deleting unknown keys is fine', async () => {
      await db.storage.write({ del: { v: 1 } });
      await db.storage.delete(['del', 'never-existed']);
      expect(await db.storage.read(['del'])).toEqual({});
      await db.storage.delete([]);
    });

    it('reads, writes and deletes in batches', async () => {
      await db.storage.write({ b1: { v: 1 }, b2: { v: 2 }, b3: { v: 3 } });
      const read = await db.storage.read(['b1', 'b2', 'b3', 'b4']);
      expect(Object.keys(read).sort()).toEqual(['b1', 'b2', 'b3']);
      await db.storage.delete(['b1', 'b3']);
      expect(Object.keys(await db.storage.read(['b1', 'b2', 'b3']))).toEqual(['b2']);
    });

    it.runIf(opts.atomicBatches)('writes a batch in one transaction (a conflict writes nothing)', async () => {
      await db.storage.write({ tx1: { v: 1 }, tx2: { v: 1 } });
      const stale = (await db.storage.read(['tx2'])).tx2;
      await db.storage.write({ tx2: { v: 2 } });
      await expect(db.storage.write({ tx1: { v: 9 }, tx2: { ...stale, v: 9 } })).rejects.toThrow(/eTag conflict/);
      expect((await db.storage.read(['tx1'])).tx1).toMatchObject({ v: 1 });
    });

    it('inside a turn scope, BotState "*" saves become conditional (lost updates are caught)', async () => {
      const key = 'turn-scope-key';
      await db.storage.write({ [key]: { n: 1 } });
      await expect(
        runInTurnScope(async () => {
          const item = (await db.storage.read([key]))[key];
          await runOutside(() => db.storage.write({ [key]: { n: 2 } }));
          await db.storage.write({ [key]: { ...item, n: item.n + 1, eTag: '*' } });
        }),
      ).rejects.toThrow(/eTag conflict/);
      // Saving twice in one scope is fine (the scope learns its own new eTag).
      await runInTurnScope(async () => {
        const item = (await db.storage.read([key]))[key];
        await db.storage.write({ [key]: { ...item, n: 10, eTag: '*' } });
        await db.storage.write({ [key]: { ...item, n: 11, eTag: '*' } });
      });
      expect((await db.storage.read([key]))[key]).toMatchObject({ n: 11 });
      // A key read as absent may only be created if it is still absent.
      await expect(
        runInTurnScope(async () => {
          await db.storage.read(['created-twice']);
          await runOutside(() => db.storage.write({ 'created-twice': { by: 'other' } }));
          await db.storage.write({ 'created-twice': { by: 'me', eTag: '*' } });
        }),
      ).rejects.toThrow(/eTag conflict/);
    });
  });

  describe('TranscriptStore', () => {
    it('pages a conversation with continuation tokens and honours startDate', async () => {
      const t0 = new Date('2030-01-01T10:00:00Z');
      const acts: Partial<Activity>[] = [];
      for (let i = 0; i < 45; i++) acts.push(userMsg('paged', `message ${i}`, { timestamp: new Date(t0.getTime() + i * 1000) }));
      for (const a of acts) await db.transcripts.logActivity(a as Activity);
      const p1 = await db.transcripts.getTranscriptActivities('test', 'paged');
      expect(p1.items).toHaveLength(20);
      expect(p1.continuationToken).toBeTruthy();
      const p2 = await db.transcripts.getTranscriptActivities('test', 'paged', p1.continuationToken);
      const p3 = await db.transcripts.getTranscriptActivities('test', 'paged', p2.continuationToken);
      expect(p2.items).toHaveLength(20);
      expect(p3.items).toHaveLength(5);
      expect(p3.continuationToken).toBeFalsy();
      expect([...p1.items, ...p2.items, ...p3.items].map((a) => a.text)).toEqual(acts.map((a) => a.text));
      expect(p1.items[0]!.timestamp).toBeInstanceOf(Date);
      const late = await db.transcripts.getTranscriptActivities('test', 'paged', undefined, new Date(t0.getTime() + 40_000));
      expect(late.items.map((a) => a.text)).toEqual(['message 40', 'message 41', 'message 42', 'message 43', 'message 44']);
      expect((await db.transcripts.getTranscriptActivities('test', 'unknown-conv')).items).toEqual([]);
    });

    it('lists transcripts of a channel with paging, and deletes one', async () => {
      for (let i = 0; i < 25; i++) await db.transcripts.logActivity(userMsg(`list-${String(i).padStart(2, '0')}`, 'hi', {}, 'listchan') as Activity);
      const p1 = await db.transcripts.listTranscripts('listchan');
      const p2 = await db.transcripts.listTranscripts('listchan', p1.continuationToken);
      expect(p1.items).toHaveLength(20);
      expect(p2.items).toHaveLength(5);
      expect(p2.continuationToken).toBeFalsy();
      const ids = [...p1.items, ...p2.items].map((t) => t.id);
      expect(new Set(ids).size).toBe(25);
      expect(p1.items[0]).toMatchObject({ channelId: 'listchan' });
      expect(p1.items[0]!.created).toBeInstanceOf(Date);
      await db.transcripts.deleteTranscript('listchan', 'list-00');
      expect((await db.transcripts.getTranscriptActivities('listchan', 'list-00')).items).toEqual([]);
      expect(await db.getConversation({ channel: 'listchan', id: 'list-00' })).toBeNull();
      await db.transcripts.deleteTranscript('listchan', 'does-not-exist');
    });

    it('redacts before writing and drops display names', async () => {
      await db.transcripts.logActivity(userMsg('redact-1', 'I am jane@example.com, call 07700 900123', { value: { phone: '+1 555 123 4567' } }) as Activity);
      const [a] = (await db.transcripts.getTranscriptActivities('test', 'redact-1')).items;
      expect(a!.text).toBe('I am [email], call [phone]');
      expect(a!.value).toEqual({ phone: '[phone]' });
      expect(a!.from.name).toBeUndefined();
    });

    it('stores a conversation id holding an e-mail address redacted, and still finds it by the original id', async () => {
      const conv = 'pii|jane.doe@example.com';
      await turn(db, conv, 'my calf hurts', 'calf_strain', 'none', undefined, 'piich');
      const listed = (await db.transcripts.listTranscripts('piich')).items.map((t) => t.id);
      expect(listed).toEqual([safeId(conv)]);
      expect(listed[0]).toMatch(/^pii\|\[email\]\[~[a-p]{12}\]$/);
      const acts = (await db.transcripts.getTranscriptActivities('piich', conv)).items;
      expect(acts.map((a) => a.text)).toEqual(['my calf hurts', 'reply to calf_strain']);
      expect(JSON.stringify(acts)).not.toContain('jane.doe');
      // The console opens it by the listed id.
      expect(await db.getConversation({ channel: 'piich', id: listed[0]! })).toMatchObject({ turnCount: 1 });
      await db.transcripts.deleteTranscript('piich', conv);
      expect((await db.transcripts.listTranscripts('piich')).items).toEqual([]);
    });

    it('works behind botbuilder TranscriptLoggerMiddleware and our TranscriptMiddleware', async () => {
      for (const [conv, mw] of [['tlm', new TranscriptLoggerMiddleware(db.transcripts)], ['tm', new TranscriptMiddleware(db.transcripts)]] as const) {
        const adapter = new TestAdapter(
          async (ctx) => {
            await ctx.sendActivity({ text: `echo ${ctx.activity.text}`, channelData: { intent: 'echo', urgency: 'none' } });
          },
          { channelId: 'test', conversation: { id: conv } as Activity['conversation'] },
        );
        adapter.use(mw);
        await adapter.send('one').assertReply('echo one').send('two').assertReply('echo two');
        // TranscriptLoggerMiddleware does not await its writes: give them a moment.
        let acts = await db.getConversationActivities({ channel: 'test', id: conv });
        for (let i = 0; i < 100 && acts.length < 4; i++) {
          await new Promise((r) => setTimeout(r, 20));
          acts = await db.getConversationActivities({ channel: 'test', id: conv });
        }
        expect(acts.map((a) => [a.role, a.text])).toEqual([['user', 'one'], ['bot', 'echo one'], ['user', 'two'], ['bot', 'echo two']]);
        expect(await db.getConversation({ channel: 'test', id: conv })).toMatchObject({ turnCount: 2, intents: ['echo'] });
      }
    });
  });

  describe('conversation index', () => {
    const ch = 'idx';
    beforeAll(async () => {
      const day = (d: number, h = 12) => new Date(Date.UTC(2031, 0, d, h));
      await turn(db, 'a', 'my calf hurts after running', 'calf_pain', 'none', day(1), ch);
      await turn(db, 'a', 'it is swollen and hot', 'red_flag_dvt', 'urgent', day(1, 13), ch);
      await turn(db, 'a', 'ok thanks', 'thanks', 'none', day(2), ch); // urgency must not drop
      await turn(db, 'b', 'sudden chest pain and short of breath', 'emergency', 'emergency', day(3), ch);
      await turn(db, 'c', 'what are your opening hours', 'opening_hours', 'none', day(4), ch);
      await turn(db, 'c', 'blorp', 'none', 'none', day(4, 13), ch);
      await turn(db, 'd', 'stretches for the calf please', 'exercise_stretch', 'none', day(5), ch);
      await turn(db, 'other', 'hello', 'greeting', 'none', day(5), 'otherchan');
    });

    it('keeps turn count, highest urgency and intents per conversation', async () => {
      expect(await db.getConversation({ channel: ch, id: 'a' })).toEqual({
        channel: ch, id: 'a', firstAt: '2031-01-01T12:00:00.000Z', lastAt: '2031-01-02T12:00:00.001Z', turnCount: 3, maxUrgency: 'urgent',
        intents: ['calf_pain', 'red_flag_dvt', 'thanks'], reviewStatus: 'new', tags: [], note: '',
      });
      expect((await db.getConversation({ channel: ch, id: 'b' }))!.maxUrgency).toBe('emergency');
      expect(await db.getConversation({ channel: ch, id: 'zzz' })).toBeNull();
    });

    it('lists newest first and filters', async () => {
      const ids = async (filter: Parameters<Database['listConversations']>[0]) => (await db.listConversations({ channel: ch, ...filter })).items.map((c) => c.id);
      expect(await ids({})).toEqual(['d', 'c', 'b', 'a']);
      expect(await ids({ urgency: 'urgent' })).toEqual(['a']);
      expect(await ids({ urgency: 'emergency' })).toEqual(['b']);
      expect(await ids({ intent: 'opening_hours' })).toEqual(['c']);
      expect(await ids({ q: 'SWOLLEN' })).toEqual(['a']);
      expect(await ids({ q: '100%' })).toEqual([]);
      expect(await ids({ from: '2031-01-03', to: '2031-01-04' })).toEqual(['c', 'b']);
      expect(await ids({ to: '2031-01-02T12:00:00.001Z' })).toEqual(['a']);
      expect((await db.listConversations({ channel: 'otherchan' })).items.map((c) => c.id)).toEqual(['other']);
      await expect(db.listConversations({ from: 'not a date' })).rejects.toThrow(RangeError);
    });

    it('pages with an opaque cursor', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Awaited<ReturnType<Database['listConversations']>> = await db.listConversations({ channel: ch }, cursor, 3);
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor);
      expect(seen).toEqual(['d', 'c', 'b', 'a']);
      expect(pages).toBe(2);
      await expect(db.listConversations({}, 'garbage')).rejects.toThrow(/cursor/i);
    });

    it('updates review status, tags and note', async () => {
      const ref = { channel: ch, id: 'b' };
      expect(await db.updateReview(ref, { status: 'follow_up', tags: ['dvt', 'call back', 'dvt'], note: 'rang patient' })).toMatchObject({ reviewStatus: 'follow_up', tags: ['dvt', 'call back'], note: 'rang patient' });
      expect(await db.updateReview(ref, { status: 'reviewed' })).toMatchObject({ reviewStatus: 'reviewed', tags: ['dvt', 'call back'], note: 'rang patient' });
      expect((await db.listConversations({ channel: ch, status: 'reviewed' })).items.map((c) => c.id)).toEqual(['b']);
      expect((await db.listConversations({ channel: ch, status: 'new' })).items.map((c) => c.id)).toEqual(['d', 'c', 'a']);
      expect(await db.updateReview({ channel: ch, id: 'nope' }, { status: 'reviewed' })).toBeNull();
      await expect(db.updateReview(ref, { status: 'bogus' as never })).rejects.toThrow(RangeError);
    });

    it('returns the activities of one conversation, oldest first', async () => {
      const acts = await db.getConversationActivities({ channel: ch, id: 'a' });
      expect(acts.map((a) => a.role)).toEqual(['user', 'bot', 'user', 'bot', 'user', 'bot']);
      expect(acts[1]).toMatchObject({ role: 'bot', intent: 'calf_pain', urgency: 'none', type: 'message' });
      expect(acts[0]!.activity.text).toBe('my calf hurts after running');
      expect(await db.getConversationActivities({ channel: ch, id: 'nope' })).toEqual([]);
    });

    it('computes stats over N days', async () => {
      const now = Date.now();
      const recent = (msAgo: number) => new Date(now - msAgo);
      const s0 = await db.stats(1);
      await turn(db, 's1', 'calf hurts', 'calf_pain', 'none', recent(60_000), 'statschan');
      await turn(db, 's1', 'swollen', 'red_flag_dvt', 'urgent', recent(50_000), 'statschan');
      await turn(db, 's2', 'chest pain', 'emergency', 'emergency', recent(40_000), 'statschan');
      await turn(db, 's2', 'huh', 'none', 'none', recent(30_000), 'statschan');
      const s = await db.stats(1);
      expect(s.days).toBe(1);
      expect(s.userMessages - s0.userMessages).toBe(4);
      expect(s.fallbackMessages - s0.fallbackMessages).toBe(1);
      expect(s.escalations.urgent - s0.escalations.urgent).toBe(1);
      expect(s.escalations.emergency - s0.escalations.emergency).toBe(1);
      expect(s.topIntents.map((t) => t.intent)).toEqual(expect.arrayContaining(['calf_pain', 'red_flag_dvt', 'emergency']));
      expect(s.topIntents.map((t) => t.intent)).not.toContain('none');
      expect(s.fallbackRate).toBeGreaterThan(0);
      expect(s.fallbackRate).toBeLessThanOrEqual(1);
      const today = new Date(now).toISOString().slice(0, 10);
      expect(s.conversationsPerDay.find((d) => d.date === today)?.count ?? 0).toBeGreaterThanOrEqual(2);
      // The 2031 conversations are in the future, i.e. inside the window too; none from the past leak in:
      expect(s.conversationsPerDay.every((d) => d.date >= s.since.slice(0, 10))).toBe(true);
    });

    it('deletes a conversation', async () => {
      expect(await db.deleteConversation({ channel: ch, id: 'd' })).toBe(true);
      expect(await db.deleteConversation({ channel: ch, id: 'd' })).toBe(false);
      expect(await db.getConversationActivities({ channel: ch, id: 'd' })).toEqual([]);
    });

    it('purges transcripts older than N days', async () => {
      const old = new Date(Date.now() - 100 * 86_400_000);
      await turn(db, 'old-1', 'old message', 'calf_pain', 'none', old, 'purgechan');
      await turn(db, 'old-2', 'old message', 'calf_pain', 'none', old, 'purgechan');
      await turn(db, 'mixed', 'old message', 'calf_pain', 'none', old, 'purgechan');
      await turn(db, 'mixed', 'new message', 'calf_pain', 'none', undefined, 'purgechan');
      const r = await db.purgeOlderThan(90);
      expect(r.conversations).toBe(2);
      expect(r.activities).toBe(6);
      expect(await db.getConversation({ channel: 'purgechan', id: 'old-1' })).toBeNull();
      expect((await db.getConversationActivities({ channel: 'purgechan', id: 'mixed' })).map((a) => a.text)).toEqual(['new message', 'reply to calf_pain']);
      expect((await db.purgeOlderThan(90)).conversations).toBe(0);
    });
  });

  it('pings', async () => {
    await expect(db.ping()).resolves.toBeUndefined();
  });
}

/** Runs `fn` outside the current turn scope (like another instance would). */
const runOutside = outsideTurnScope;

describe('memory backend', () => {
  storageContract(() => openDatabase('memory:'), { atomicBatches: false });
});

describe('SQLite backend', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-contract-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  storageContract(() => openDatabase(`sqlite:${path.join(dir, 'nested', 'dir', 'contract.db')}`), { atomicBatches: true });
});

describePg('PostgreSQL backend', () => {
  let pg: PgSchema;
  beforeAll(async () => {
    pg = await createPgSchema('calfbot_contract');
  });
  afterAll(async () => {
    await pg?.drop();
  });
  storageContract(() => openDatabase(pg.url), { atomicBatches: true });
});
