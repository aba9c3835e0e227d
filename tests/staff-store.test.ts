/**
 * The staff store behaves the same on every backend: in-process memory, SQLite (also
 * what `memory:` databases use) and PostgreSQL (skipped when no server answers).
 * Plus a smoke test of the API end to end on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage';
import type { Database } from '../src/storage/types';
import { createStaffStore, MemoryStaffStore } from '../src/staff/store';
import { DuplicateAccountError, type StaffStore } from '../src/staff/store/types';
import { hashSecret } from '../src/staff/tokens';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';
import { startTestService } from './helpers/service';
import { addStaff, EchoDialog, freePort, seedConversation } from './staffHarness';

function contract(name: string, open: () => Promise<{ store: StaffStore; close: () => Promise<void> }>) {
  describe(`staff store: ${name}`, () => {
    let store: StaffStore;
    let close: () => Promise<void>;
    beforeAll(async () => ({ store, close } = await open()));
    afterAll(async () => close?.());

    const t0 = '2026-03-01T09:00:00.000Z';

    it('creates accounts, finds them by token hash, refuses a duplicate active name', async () => {
      const a = await store.createAccount({ id: 'acc_1', name: 'Ada', role: 'admin', tokenHash: hashSecret('t1'), createdAt: t0 });
      expect(a).toEqual({ id: 'acc_1', name: 'Ada', role: 'admin', createdAt: t0, revokedAt: null, lastLoginAt: null });
      expect(await store.findActiveAccountByTokenHash(hashSecret('t1'))).toMatchObject({ id: 'acc_1', role: 'admin' });
      expect(await store.findActiveAccountByTokenHash(hashSecret('nope'))).toBeNull();
      await expect(store.createAccount({ id: 'acc_2', name: 'Ada', role: 'reviewer', tokenHash: hashSecret('t2'), createdAt: t0 })).rejects.toBeInstanceOf(DuplicateAccountError);
    });

    it('keeps sessions until they expire or the account is revoked', async () => {
      await store.createAccount({ id: 'acc_3', name: 'Rhea', role: 'reviewer', tokenHash: hashSecret('t3'), createdAt: t0 });
      await store.createSession({ idHash: 's1', accountId: 'acc_3', createdAt: t0, expiresAt: '2026-03-01T17:00:00.000Z' });
      await store.createSession({ idHash: 's2', accountId: 'acc_3', createdAt: t0, expiresAt: '2026-03-01T10:00:00.000Z' });
      expect(await store.findSession('s1', '2026-03-01T12:00:00.000Z')).toMatchObject({ idHash: 's1', expiresAt: '2026-03-01T17:00:00.000Z', account: { name: 'Rhea' } });
      expect(await store.findSession('s2', '2026-03-01T12:00:00.000Z')).toBeNull();
      expect(await store.deleteExpiredSessions('2026-03-01T12:00:00.000Z')).toBe(1);
      await store.touchLogin('acc_3', '2026-03-01T12:00:00.000Z');
      const revoked = await store.revokeAccount({ name: 'Rhea' }, '2026-03-01T12:30:00.000Z');
      expect(revoked.map((r) => r.id)).toEqual(['acc_3']);
      expect(await store.findSession('s1', '2026-03-01T12:31:00.000Z')).toBeNull();
      expect(await store.findActiveAccountByTokenHash(hashSecret('t3'))).toBeNull();
      expect(await store.revokeAccount({ id: 'acc_3' }, t0)).toEqual([]);
      // The name is free again once revoked.
      await store.createAccount({ id: 'acc_4', name: 'Rhea', role: 'reviewer', tokenHash: hashSecret('t4'), createdAt: t0 });
      const all = await store.listAccounts();
      expect(all.find((a) => a.id === 'acc_3')).toMatchObject({ revokedAt: '2026-03-01T12:30:00.000Z', lastLoginAt: '2026-03-01T12:00:00.000Z' });
    });

    it('appends audit entries and pages them newest first, with filters', async () => {
      for (let i = 0; i < 7; i++) {
        await store.appendAudit({
          at: `2026-03-01T1${i}:00:00.000Z`,
          actor: { id: 'acc_1', name: 'Ada', role: 'admin' },
          action: i % 2 ? 'conversation.view' : 'conversation.export',
          target: { channel: 'webchat', id: `c${i % 3}` },
          detail: i % 2 ? null : { format: 'csv' },
          ip: '127.0.0.1',
        });
      }
      await store.appendAudit({ at: t0, actor: null, action: 'login.failed', ip: '10.0.0.1' });
      const p1 = await store.listAudit({}, null, 5);
      expect(p1.items).toHaveLength(5);
      expect(p1.items[0]).toMatchObject({ action: 'login.failed', actor: null, target: null, ip: '10.0.0.1' });
      expect(p1.items[1]).toMatchObject({ action: 'conversation.export', actor: { name: 'Ada', role: 'admin' }, target: { channel: 'webchat', id: 'c0' }, detail: { format: 'csv' } });
      const p2 = await store.listAudit({}, p1.nextBeforeId, 5);
      expect(p2.items).toHaveLength(3);
      expect(p2.nextBeforeId).toBeNull();
      const ids = [...p1.items, ...p2.items].map((e) => e.id);
      expect(new Set(ids).size).toBe(8);
      expect((await store.listAudit({ action: 'conversation.view' }, null, 50)).items).toHaveLength(3);
      expect((await store.listAudit({ target: { channel: 'webchat', id: 'c1' } }, null, 50)).items.map((e) => e.at)).toEqual(['2026-03-01T14:00:00.000Z', '2026-03-01T11:00:00.000Z']);
      expect((await store.listAudit({ actorName: 'Ada' }, null, 50)).items).toHaveLength(7);
    });
  });
}

contract('memory', async () => ({ store: new MemoryStaffStore(), close: async () => {} }));

contract('SQLite (memory: database)', async () => {
  const db = await openDatabase('memory:');
  return { store: createStaffStore(db), close: () => db.close() };
});

let pg: PgSchema | undefined;
let pgDb: Database | undefined;
describePg('staff store on PostgreSQL', () => {
  beforeAll(async () => {
    pg = await createPgSchema('calfbot_staff');
  });
  afterAll(async () => {
    await pgDb?.close();
    await pg?.drop();
  });
  contract('PostgreSQL', async () => {
    pgDb = await openDatabase(pg!.url);
    return { store: createStaffStore(pgDb), close: async () => {} };
  });

  it('stores only hashes, with timestamps as timestamptz', async () => {
    const rows = await pg!.query<{ token_hash: string }>('SELECT token_hash FROM staff_accounts');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describePg('staff API on PostgreSQL', () => {
  let schema: PgSchema;
  beforeAll(async () => {
    schema = await createPgSchema('calfbot_staffapi');
  });
  afterAll(async () => schema?.drop());

  it('signs in, lists, views, reviews, exports and audits', async () => {
    const service = await startTestService({ PORT: await freePort(), DATABASE_URL: schema.url }, { overrides: { dialog: new EchoDialog() } });
    try {
      const { token } = await addStaff(service.db, 'Pat Admin', 'admin');
      await seedConversation(service.db, 'webchat', 'pg-1', new Date(Date.now() - 3600_000), [{ user: 'sudden calf pain', bot: 'Please call 911.', intent: 'red_flag_dvt', urgency: 'emergency' }]);
      const auth = { authorization: `Bearer ${token}` };
      const login = await fetch(`${service.url}/staff/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-requested-with': 'calfbot-console' }, body: JSON.stringify({ token }) });
      expect(login.status).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const list = await (await fetch(`${service.url}/staff/api/conversations?urgency=emergency`, { headers: { cookie } })).json() as { items: { key: string }[] };
      expect(list.items.map((i) => i.key)).toEqual(['webchat:pg-1']);
      const key = encodeURIComponent('webchat:pg-1');
      expect((await fetch(`${service.url}/staff/api/conversations/${key}`, { headers: auth })).status).toBe(200);
      const patch = await fetch(`${service.url}/staff/api/conversations/${key}`, { method: 'PATCH', headers: { cookie, 'content-type': 'application/json', 'x-requested-with': 'calfbot-console' }, body: JSON.stringify({ status: 'reviewed' }) });
      expect(patch.status).toBe(200);
      const transcript = await (await fetch(`${service.url}/staff/api/conversations/${key}/export?format=transcript`, { headers: auth })).json() as { text: string }[];
      expect(transcript.map((a) => a.text)).toEqual(['sudden calf pain', 'Please call 911.']);
      const audit = await (await fetch(`${service.url}/staff/api/audit`, { headers: auth })).json() as { items: { action: string; conversation: string | null }[] };
      expect(audit.items.filter((e) => e.conversation === 'webchat:pg-1').map((e) => e.action)).toEqual(['conversation.export', 'conversation.review', 'conversation.view']);
    } finally {
      await service.stop();
    }
  });
});
