/**
 * Delete means delete: an admin deleting a conversation in the staff console removes
 * its transcript, review data (status, tags, note), bot state and the self-hosted
 * Direct Line's in-memory copy, on SQLite and on PostgreSQL. Every table of the schema
 * is checked, and a table nobody classified fails the test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/service';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';
import { messageActivity, postActivity, startTestService, type ReplyActivity } from './helpers/service';
import { addStaff } from './staffHarness';

/** Tables that hold a conversation's data: deleting the conversation must leave nothing of it there. */
const CONVERSATION_TABLES = ['activities', 'conversations', 'state_items'];
/** Tables without per-conversation content, and why. */
const OTHER_TABLES: Record<string, string> = {
  schema_migrations: 'migration bookkeeping',
  staff_accounts: 'staff accounts',
  staff_sessions: 'staff sessions',
  // The audit log keeps that an admin deleted conversation <id> (and who viewed it before):
  // ids, times and actors only, never message text or the note.
  staff_audit: 'accountability record of staff actions',
  replayed_batches: 'ids of replayed outbox batches',
  // Redacted copies of labelled messages: deleted with their conversation (checked below
  // like every table), kept through retention purges as reviewed training data.
  staff_labels: "reviewers' labels",
};
/** Created on PostgreSQL only when rate limits are shared through it. */
const OPTIONAL_TABLES = new Set(['rate_limits']);

interface Backend {
  /** Every table in the schema. */
  tables(): Promise<string[]>;
  /** Every row of a table, as text. */
  rows(table: string): Promise<string[]>;
  /** Makes a conversation's transcript three days old (its bot state stays fresh). */
  ageTranscript(conv: string): Promise<void>;
}

const lastIntent = (replies: ReplyActivity[]): string | null | undefined => replies.filter((r) => r.type === 'message').at(-1)?.channelData?.intent;

function deleteSuite(name: string, setup: () => Promise<{ env: Record<string, string>; backend: (service: Service) => Backend; cleanup: () => Promise<void> }>): void {
  describe(`delete a conversation (${name})`, () => {
    let service: Service;
    let backend: Backend;
    let cleanup: () => Promise<void>;
    let admin: string;
    let dl: string;

    beforeAll(async () => {
      const s = await setup();
      cleanup = s.cleanup;
      service = await startTestService({ ...s.env, RATE_LIMIT_MESSAGES: '1000' });
      backend = s.backend(service);
      admin = (await addStaff(service.db, 'Ada Admin', 'admin')).token;
      dl = `${service.url}/v3/directline`;
    });

    afterAll(async () => {
      await service?.stop();
      await cleanup?.();
    });

    const staff = (method: string, key: string, body?: unknown) =>
      fetch(`${service.url}/staff/api/conversations/${encodeURIComponent(key)}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });

    const dlCall = async (method: string, p: string, token?: string, body?: unknown) => {
      const res = await fetch(`${dl}${p}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    };

    it('removes transcript, review data, bot state and the Direct Line copy; the next message starts afresh', async () => {
      const conv = `del-${name}-${Date.now()}`;
      const keep = `kept-${name}-${Date.now()}`;
      const opening = await postActivity(service.url, messageActivity('wall test', conv));
      const promptIntent = lastIntent(opening.replies);
      expect(promptIntent).toBeTruthy();
      await postActivity(service.url, messageActivity('wall test', keep));
      expect((await staff('PATCH', `test:${conv}`, { status: 'follow_up', tags: ['dvt'], note: 'called back' })).status).toBe(200);

      // The same through the self-hosted Direct Line (Web Chat).
      const gen = await dlCall('POST', '/tokens/generate', undefined, {});
      const started = await dlCall('POST', '/conversations', gen.json.token as string, { user: { id: 'x', name: 'Pat' } });
      const token = started.json.token as string;
      const dlConv = started.json.conversationId as string;
      expect((await dlCall('POST', `/conversations/${dlConv}/activities`, token, { type: 'message', text: 'wall test', from: { id: 'x', role: 'user' } })).status).toBe(200);
      expect((await dlCall('GET', `/conversations/${dlConv}/activities`, token)).status).toBe(200);

      const before = await Promise.all(CONVERSATION_TABLES.map(async (t) => (await backend.rows(t)).filter((r) => r.includes(conv)).length));
      expect(before.every((n) => n > 0), `rows before: ${before.join(', ')}`).toBe(true);

      expect((await staff('DELETE', `test:${conv}`)).status).toBe(204);
      expect((await staff('DELETE', `webchat:${dlConv}`)).status).toBe(204);

      // Every table is classified, so a new table cannot escape this test.
      const tables = (await backend.tables()).filter((t) => !OPTIONAL_TABLES.has(t));
      expect([...tables].sort()).toEqual([...CONVERSATION_TABLES, ...Object.keys(OTHER_TABLES)].sort());
      for (const table of tables) {
        if (table === 'staff_audit') continue;
        const rows = await backend.rows(table);
        expect(rows.filter((r) => r.includes(conv) || r.includes(dlConv)), `${table} still holds the deleted conversation`).toEqual([]);
      }
      const audit = (await backend.rows('staff_audit')).filter((r) => r.includes(conv));
      expect(audit.some((r) => r.includes('called back'))).toBe(false);
      // The other conversation is untouched.
      expect((await backend.rows('activities')).filter((r) => r.includes(keep)).length).toBeGreaterThan(0);
      expect((await backend.rows('state_items')).filter((r) => r.includes(keep)).length).toBe(1);

      // The Direct Line copy is gone, and the patient does not resume the old prompt.
      expect((await dlCall('GET', `/conversations/${dlConv}/activities`, token)).status).toBe(404);
      const again = await postActivity(service.url, messageActivity('yes', conv));
      expect(again.status).toBe(200);
      expect(lastIntent(again.replies), JSON.stringify(again.replies.map((r) => r.text))).not.toBe(promptIntent);
    });

    it('a retention purge removes a purged conversation\'s bot state too', async () => {
      const conv = `purge-${name}-${Date.now()}`;
      await postActivity(service.url, messageActivity('wall test', conv));
      // Make its transcript old, but leave its state freshly written.
      await backend.ageTranscript(conv);
      const result = await service.db.purgeOlderThan(1);
      expect(result.conversations).toBeGreaterThanOrEqual(1);
      for (const table of CONVERSATION_TABLES) expect((await backend.rows(table)).filter((r) => r.includes(conv)), table).toEqual([]);
    });
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-delete-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

deleteSuite('sqlite', async () => ({
  env: { DATABASE_URL: `sqlite:${path.join(tmp, 'calfbot.db')}` },
  backend: (service): Backend => {
    if (service.db.raw.kind !== 'sqlite') throw new Error('expected SQLite');
    const db = service.db.raw.db;
    return {
      tables: async () => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name),
      rows: async (table) => (db.prepare(`SELECT * FROM "${table}"`).all() as unknown[]).map((r) => JSON.stringify(r)),
      ageTranscript: async (conv) => {
        const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
        db.prepare('UPDATE activities SET ts = ? WHERE conversation_id = ?').run(old, conv);
        db.prepare('UPDATE conversations SET first_at = ?, last_at = ? WHERE conversation_id = ?').run(old, old, conv);
      },
    };
  },
  cleanup: async () => undefined,
}));

describePg('PostgreSQL', () => {
  let pg: PgSchema;
  deleteSuite('postgres', async () => {
    pg = await createPgSchema('calfbot_delete');
    return {
      env: { DATABASE_URL: pg.url },
      backend: (): Backend => ({
        tables: async () => (await pg.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'", [pg.schema])).map((r) => r.t),
        rows: async (table) => (await pg.query<{ r: string }>(`SELECT t::text AS r FROM "${table}" t`)).map((r) => r.r),
        ageTranscript: async (conv) => {
          await pg.query("UPDATE activities SET ts = now() - interval '3 days' WHERE conversation_id = $1", [conv]);
          await pg.query("UPDATE conversations SET first_at = now() - interval '3 days', last_at = now() - interval '3 days' WHERE conversation_id = $1", [conv]);
        },
      }),
      cleanup: async () => pg.drop(),
    };
  });
});
