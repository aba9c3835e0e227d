/**
 * The smaller hardening points, each as a staff member or operator would notice them:
 * Direct Line memory capped in bytes, CSV cells that a spreadsheet would run, conversation
 * keys whose channel holds a ':', audit entries for failed tokens, forbidden deletes and
 * retention purges, and rate limits shared between instances through PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Activity } from 'botbuilder';
import { ConversationStore } from '../src/channels/conversationStore';
import { csvCell, toCsv } from '../src/staff/export';
import { createRateLimiter } from '../src/web/request/limits';
import { sharedCounters } from '../src/web/request/sharedCounters';
import { measureJson, jsonBoundsProblem } from '../src/web/request/jsonLimits';
import { openDatabase } from '../src/storage';
import { startRetentionJob } from '../src/storage/retention';
import { recordSystemAudit } from '../src/staff/audit';
import { createStaffStore } from '../src/staff/store';
import { silentLogger } from '../src/logger';
import type { Service } from '../src/service';
import type { StoredActivity } from '../src/storage/types';
import { startTestService } from './helpers/service';
import { addStaff, daysAgo, EchoDialog, freePort, seedConversation } from './staffHarness';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';

const message = (text: string): Partial<Activity> => ({ type: 'message', text });

describe('Direct Line memory is capped in bytes as well as activities', () => {
  it('one conversation keeps at most its byte budget (oldest activities go first)', () => {
    const store = new ConversationStore({ maxConversationBytes: 20_000, maxTotalBytes: 1_000_000 });
    const conv = store.open('c1', 'u1').conversation;
    for (let i = 0; i < 50; i++) store.append(conv, message(`${i}:${'x'.repeat(2_000)}`));
    expect(conv.bytes).toBeLessThanOrEqual(20_000);
    expect(store.bytes).toBe(conv.bytes);
    const texts = store.since(conv, undefined).activities.map((a) => a.text ?? '');
    expect(texts.at(-1)?.startsWith('49:')).toBe(true);
    expect(texts.length).toBeLessThan(11);
  });

  it('all conversations together stay under the global budget; the longest idle are evicted', () => {
    let now = 0;
    const store = new ConversationStore({ maxConversationBytes: 100_000, maxTotalBytes: 50_000, now: () => now });
    for (let c = 0; c < 20; c++) {
      now += 1000;
      const conv = store.open(`c${c}`, 'u').conversation;
      store.append(conv, message('y'.repeat(10_000)));
      expect(store.bytes).toBeLessThanOrEqual(50_000);
    }
    expect(store.get('c0')).toBeUndefined();
    expect(store.get('c19')).toBeDefined();
  });

  it('a poll answers at most maxPollBytes and the next poll continues from its watermark', () => {
    const store = new ConversationStore({ maxPollBytes: 25_000 });
    const conv = store.open('c1', 'u1').conversation;
    for (let i = 0; i < 10; i++) store.append(conv, message(`${i}:${'z'.repeat(10_000)}`));
    const seen: string[] = [];
    let watermark: number | undefined;
    for (let polls = 0; polls < 10 && seen.length < 10; polls++) {
      const page = store.since(conv, watermark);
      expect(Buffer.byteLength(JSON.stringify(page.activities))).toBeLessThanOrEqual(25_000 + 100);
      seen.push(...page.activities.map((a) => (a.text ?? '').split(':')[0] ?? ''));
      watermark = Number(page.watermark);
    }
    expect(seen).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });
});

describe('JSON bounds are measured without recursion', () => {
  it('measures a 200,000-deep array without overflowing the stack', () => {
    let v: unknown = 1;
    for (let i = 0; i < 200_000; i++) v = [v];
    expect(measureJson(v).depth).toBe(200_000);
    expect(jsonBoundsProblem(v)).toMatch(/deeper than 32/);
    expect(jsonBoundsProblem({ a: [[{ b: 'ok' }]] })).toBeUndefined();
  });
});

describe('CSV export neutralises every formula start', () => {
  it.each([' =1+1', '\n=1+1', '\t=1', '\r=1', '＝HYPERLINK("x")', '＋1', '－1', '＠SUM(A1)', '=1', '+1', '-1', '@x', '\u00a0=1', '\u3000=1'])('%j', (text) => {
    const cell = csvCell(text);
    const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
    expect(unquoted.startsWith("'")).toBe(true);
  });

  it('ordinary text is left alone', () => {
    expect(csvCell('my calf hurts')).toBe('my calf hurts');
    const row: StoredActivity = { seq: 1, at: '2026-01-01T00:00:00.000Z', role: 'user', type: 'message', text: ' =cmd|x', intent: null, urgency: null, activity: {} };
    expect(toCsv([row])).toContain(",' =cmd|x,");
  });
});

describe('staff console: keys, audit', () => {
  let service: Service;
  let admin: string;
  let reviewer: string;
  beforeAll(async () => {
    service = await startTestService({ PORT: await freePort() }, { overrides: { dialog: new EchoDialog() } });
    admin = (await addStaff(service.db, 'Ada Admin', 'admin')).token;
    reviewer = (await addStaff(service.db, 'Rhea Reviewer', 'reviewer')).token;
    await seedConversation(service.db, 'odd:channel', 'id:with:colons', daysAgo(0), [{ user: 'hello', bot: 'hi' }]);
    await seedConversation(service.db, 'webchat', 'keep-me', daysAgo(0), [{ user: 'hello', bot: 'hi' }]);
  });
  afterAll(async () => service?.stop());

  const call = async (path: string, token: string, method = 'GET') => {
    const res = await fetch(`${service.url}/staff/api/${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as Record<string, unknown> | null };
  };

  it('a conversation whose channel id holds a ":" opens, exports and is found by its key', async () => {
    const list = await call('conversations', admin);
    const item = (list.json!.items as { key: string; channel: string; id: string }[]).find((i) => i.channel === 'odd:channel')!;
    expect(item.id).toBe('id:with:colons');
    const detail = await call(`conversations/${encodeURIComponent(item.key)}`, admin);
    expect(detail.status).toBe(200);
    expect(detail.json!.conversation).toMatchObject({ channel: 'odd:channel', id: 'id:with:colons' });
    const exported = await fetch(`${service.url}/staff/api/conversations/${encodeURIComponent(item.key)}/export?format=csv`, { headers: { authorization: `Bearer ${admin}` } });
    expect(exported.status).toBe(200);
    // Keys from before the encoding (raw colons in the conversation id) still open.
    expect((await call(`conversations/${encodeURIComponent('webchat:keep-me')}`, admin)).status).toBe(200);
  });

  it('a wrong API token and a reviewer\'s delete are in the audit log', async () => {
    expect((await call('conversations', 'cb_not-a-real-token-000000000000000000000000')).status).toBe(401);
    const del = await call(`conversations/${encodeURIComponent('webchat:keep-me')}`, reviewer, 'DELETE');
    expect(del.status).toBe(403);
    const audit = await call('audit?limit=50', admin);
    const items = audit.json!.items as { action: string; actor: { name: string } | null; conversation: string | null; detail: Record<string, unknown> | null }[];
    expect(items.find((e) => e.action === 'auth.failed')).toMatchObject({ actor: null, detail: { via: 'bearer' } });
    expect(items.find((e) => e.action === 'access.denied')).toMatchObject({ actor: { name: 'Rhea Reviewer' }, conversation: 'webchat:keep-me', detail: { method: 'DELETE' } });
    // Still there: the reviewer could not delete it.
    expect((await call(`conversations/${encodeURIComponent('webchat:keep-me')}`, admin)).status).toBe(200);
  });
});

describe('the retention job is audited', () => {
  it('a purge that deleted something leaves an entry with its counts, by "retention"', async () => {
    const db = await openDatabase('memory:');
    try {
      await seedConversation(db, 'webchat', 'ancient', daysAgo(200), [{ user: 'old', bot: 'old' }]);
      const job = startRetentionJob(db, 90, silentLogger, { initialDelayMs: 3_600_000, audit: (action, detail) => recordSystemAudit(db, action, detail, null, 'retention') });
      const result = await job.runNow();
      job.stop();
      expect(result?.conversations).toBe(1);
      const page = await createStaffStore(db).listAudit({ action: 'transcripts.purge' }, null, 10);
      expect(page.items[0]).toMatchObject({ action: 'transcripts.purge', actor: { name: 'retention' }, detail: { days: 90, conversations: 1 } });
    } finally {
      await db.close();
    }
  });

  it('a failed purge is audited too', async () => {
    const entries: string[] = [];
    const job = startRetentionJob({ purgeOlderThan: () => Promise.reject(new Error('disk on fire')) }, 30, silentLogger, {
      initialDelayMs: 3_600_000,
      audit: async (action) => void entries.push(action),
    });
    expect(await job.runNow()).toBeNull();
    job.stop();
    expect(entries).toEqual(['transcripts.purge_failed']);
  });
});

describe('rate limits in memory', () => {
  it('allows `points` per window and then says when to retry; long keys work', async () => {
    const limiter = createRateLimiter({ name: 't', points: 2, durationSec: 60 });
    const key = `webchat:${'k'.repeat(2000)}`;
    expect((await limiter.consume(key)).allowed).toBe(true);
    expect((await limiter.consume(key)).allowed).toBe(true);
    const third = await limiter.consume(key);
    expect(third.allowed).toBe(false);
    expect(third.retryAfterSec).toBeGreaterThan(0);
    expect((await limiter.consume('other')).allowed).toBe(true);
  });
});

describePg('rate limits shared between instances through PostgreSQL', () => {
  let pg: PgSchema;
  beforeAll(async () => {
    pg = await createPgSchema();
  });
  afterAll(async () => pg?.drop());

  it('two instances (two pools) count against one limit; a long key is hashed into the table', async () => {
    const a = await openDatabase(pg.url);
    const b = await openDatabase(pg.url);
    try {
      const la = createRateLimiter({ name: 'conv', points: 3, durationSec: 60, raw: a.raw });
      await la.ready;
      const lb = createRateLimiter({ name: 'conv', points: 3, durationSec: 60, raw: b.raw });
      await lb.ready;
      const key = `msteams:${'19:x'.repeat(100)}`;
      const answers = [await la.consume(key), await lb.consume(key), await la.consume(key), await lb.consume(key)];
      expect(answers.map((x) => x.allowed)).toEqual([true, true, true, false]);
      const rows = await pg.query<{ key: string; points: number }>('SELECT key, points FROM rate_limits');
      expect(rows).toHaveLength(1);
      expect(rows[0]?.key.length).toBeLessThanOrEqual(255);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('counts asked for together go to the database as one statement, each with its own place in the count; a window that has passed starts again', async () => {
    const db = await openDatabase(pg.url);
    try {
      if (db.raw.kind !== 'postgres') throw new Error('expected PostgreSQL');
      const counters = await sharedCounters(db.raw);
      const pool = db.raw.pool;
      const sent: { name?: string; text: string }[] = [];
      const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
      const spy = vi.spyOn(pool, 'query').mockImplementation(((...args: unknown[]) => {
        const statement = typeof args[0] === 'string' ? { text: args[0] } : (args[0] as { name?: string; text: string });
        if (statement.text.includes('rate_limits')) sent.push(statement);
        return query(...args);
      }) as typeof pool.query);
      const counts = await Promise.all([counters.count('batch:a', 0.3), counters.count('batch:a', 0.3), counters.count('batch:b', 0.3), counters.count('batch:a', 0.3)]);
      spy.mockRestore();
      expect(sent).toHaveLength(1);
      // named: each connection has PostgreSQL parse and plan it once
      expect(sent[0]?.name).toBe('calfbot_rate_count');
      expect(counts.map((c) => c.points)).toEqual([1, 2, 1, 3]);
      expect(counts.every((c) => c.msBeforeNext > 0 && c.msBeforeNext <= 300)).toBe(true);
      await new Promise((r) => setTimeout(r, 350));
      expect((await counters.count('batch:a', 0.3)).points).toBe(1);
    } finally {
      await db.close();
    }
  });
});
