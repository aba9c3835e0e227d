/**
 * Staff transcript review API, against the real service (memory storage, port 0):
 * authentication and roles, every filter, cursor paging, detail, the three export
 * formats, review changes, deletion, stats and the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity } from 'botbuilder';
import { messageActivity, postActivity, startTestService } from './helpers/service';
import { addStaff, daysAgo, EchoDialog, freePort, seedConversation } from './staffHarness';
import type { Service } from '../src/service';
import { createStaffStore } from '../src/staff/store';
import { hashSecret, newSessionId } from '../src/staff/tokens';

const CSRF = { 'X-Requested-With': 'calfbot-console' };

interface Json { [k: string]: unknown }

async function call(service: Service, path: string, init: { method?: string; token?: string; cookie?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.cookie) headers.cookie = init.cookie;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${service.url}/staff/api/${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  let json: Json | null = null;
  try {
    json = text ? (JSON.parse(text) as Json) : null;
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function login(service: Service, token: string): Promise<string> {
  const res = await call(service, 'login', { method: 'POST', body: { token }, headers: CSRF });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0] ?? '';
}

type Summary = { key: string; channel: string; id: string; maxUrgency: string; intents: string[]; reviewStatus: string; tags: string[]; note: string; lastAt: string };
const ids = (r: { json: Json | null }) => ((r.json?.items ?? []) as Summary[]).map((i) => i.id);
const convUrl = (channel: string, id: string) => `conversations/${encodeURIComponent(`${channel}:${id}`)}`;

describe('staff API', () => {
  let service: Service;
  let admin: string;
  let reviewer: string;
  let chestLog: Partial<Activity>[];

  beforeAll(async () => {
    service = await startTestService({ PORT: await freePort() }, { overrides: { dialog: new EchoDialog() } });
    const { db } = service;
    admin = (await addStaff(db, 'Ada Admin', 'admin')).token;
    reviewer = (await addStaff(db, 'Rhea Reviewer', 'reviewer')).token;

    chestLog = await seedConversation(db, 'webchat', 'conv-chest', daysAgo(0), [
      { user: 'my calf is swollen and I feel short of breath', bot: 'Please call 911 now.', intent: 'red_flag_dvt', urgency: 'emergency' },
      { user: 'ok thanks', bot: 'Take care.', intent: 'goodbye', urgency: 'none' },
    ]);
    await seedConversation(db, 'webchat', 'conv-urgent', daysAgo(1), [
      { user: 'my calf is hot and red since yesterday', bot: 'Please see a doctor today.', intent: 'red_flag_infection', urgency: 'urgent', sources: [{ document: 'red-flags.md', section: 'Infection' }] },
    ]);
    await seedConversation(db, 'msteams', '19:abc@thread.v2', daysAgo(2), [
      { user: 'how do I book an appointment', bot: 'You can book online.', intent: 'book_appointment', sources: [{ document: 'booking.md', section: 'Online booking' }] },
      { user: 'and stretches for a calf strain?', bot: 'Here are gentle stretches.', intent: 'calf_strain_exercises', sources: [{ document: 'calf-strain.md', section: 'Stretches' }] },
    ]);
    await seedConversation(db, 'webchat', 'conv-old', daysAgo(20), [
      { user: 'opening hours?', bot: 'We are open 8 to 6.', intent: 'opening_hours' },
    ]);
    await seedConversation(db, 'webchat', 'conv-fallback', daysAgo(3), [
      { user: 'what about my cat', bot: "Sorry, I didn't get that.", intent: 'none' },
    ]);
    // Formula-injection and quoting material for the CSV export.
    await seedConversation(db, 'webchat', 'conv-csv', daysAgo(4), [
      { user: '=HYPERLINK("http://evil.example","click")', bot: 'He said "hi", then left,\nthen came back', intent: 'smalltalk' },
      { user: '+1+2', bot: '@SUM(A1)', intent: 'smalltalk' },
    ]);
    // One conversation through the real pipeline: POST /api/messages.
    const posted = await postActivity(service.url, messageActivity('hello from the widget', 'conv-live'));
    expect(posted.status).toBe(200);
  });
  afterAll(async () => service?.stop());

  describe('authentication', () => {
    const routes: [string, string][] = [
      ['GET', 'me'], ['GET', 'conversations'], ['GET', 'conversations/webchat%3Aconv-chest'],
      ['GET', 'conversations/webchat%3Aconv-chest/export?format=csv'], ['PATCH', 'conversations/webchat%3Aconv-chest'],
      ['DELETE', 'conversations/webchat%3Aconv-chest'], ['GET', 'stats'], ['GET', 'audit'], ['POST', 'logout'], ['GET', 'no-such-route'],
    ];

    it('answers 401 on every staff route without credentials', async () => {
      for (const [method, path] of routes) {
        const res = await call(service, path, { method, body: method === 'PATCH' ? { status: 'reviewed' } : undefined, headers: CSRF });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.json).toMatchObject({ error: { code: 'unauthenticated' } });
      }
    });

    it('answers 401 to a bad or malformed bearer token and to a bad login', async () => {
      expect((await call(service, 'me', { token: 'cb_' + 'x'.repeat(43) })).status).toBe(401);
      expect((await call(service, 'me', { headers: { authorization: 'Basic Zm9vOmJhcg==' } })).status).toBe(401);
      const bad = await call(service, 'login', { method: 'POST', body: { token: 'cb_nope' }, headers: CSRF });
      expect(bad.status).toBe(401);
      expect(bad.json).toMatchObject({ error: { code: 'invalid_token', field: 'token' } });
      expect(bad.headers.get('set-cookie')).toBeNull();
    });

    it('accepts a bearer token', async () => {
      const res = await call(service, 'me', { token: reviewer });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ name: 'Rhea Reviewer', role: 'reviewer', via: 'token' });
    });

    it('exchanges a token for an httpOnly, SameSite=Strict session cookie with an expiry', async () => {
      const res = await call(service, 'login', { method: 'POST', body: { token: reviewer }, headers: CSRF });
      expect(res.status).toBe(200);
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^calfbot_staff=[A-Za-z0-9_-]{43};/);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      expect(cookie).toContain('Path=/staff');
      expect(cookie).toContain(`Max-Age=${8 * 3600}`);
      expect(cookie).not.toContain('Secure'); // plain http test server, no https PUBLIC_BASE_URL
      expect(res.json).toMatchObject({ name: 'Rhea Reviewer', role: 'reviewer' });
      const me = await call(service, 'me', { cookie: cookie.split(';')[0] });
      expect(me.json).toMatchObject({ name: 'Rhea Reviewer', via: 'session' });
    });

    it('refuses a login without the console header (CSRF)', async () => {
      const res = await call(service, 'login', { method: 'POST', body: { token: reviewer } });
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ error: { code: 'csrf' } });
    });

    it('requires the X-Requested-With header on cookie-authenticated changes, not on bearer ones', async () => {
      const cookie = await login(service, reviewer);
      const noHeader = await call(service, convUrl('webchat', 'conv-old'), { method: 'PATCH', cookie, body: { tags: ['x'] } });
      expect(noHeader.status).toBe(403);
      expect(noHeader.json).toMatchObject({ error: { code: 'csrf' } });
      const withHeader = await call(service, convUrl('webchat', 'conv-old'), { method: 'PATCH', cookie, body: { tags: [] }, headers: CSRF });
      expect(withHeader.status).toBe(200);
      const bearer = await call(service, convUrl('webchat', 'conv-old'), { method: 'PATCH', token: reviewer, body: { tags: [] } });
      expect(bearer.status).toBe(200);
    });

    it('ends the session on logout', async () => {
      const cookie = await login(service, reviewer);
      const out = await call(service, 'logout', { method: 'POST', cookie, headers: CSRF });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/calfbot_staff=;.*Max-Age=0/);
      expect((await call(service, 'me', { cookie })).status).toBe(401);
    });

    it('stops a revoked token and its sessions immediately', async () => {
      const temp = await addStaff(service.db, 'Temp Locum', 'admin');
      const cookie = await login(service, temp.token);
      expect((await call(service, 'me', { cookie })).status).toBe(200);
      expect((await call(service, 'me', { token: temp.token })).status).toBe(200);
      await createStaffStore(service.db).revokeAccount({ name: 'Temp Locum' }, new Date().toISOString());
      expect((await call(service, 'me', { cookie })).status).toBe(401);
      expect((await call(service, 'me', { token: temp.token })).status).toBe(401);
      const relogin = await call(service, 'login', { method: 'POST', body: { token: temp.token }, headers: CSRF });
      expect(relogin.status).toBe(401);
    });

    it('rejects an expired session', async () => {
      const store = createStaffStore(service.db);
      const account = (await store.listAccounts()).find((a) => a.name === 'Rhea Reviewer')!;
      const sid = newSessionId();
      const past = Date.now() - 60_000;
      await store.createSession({ idHash: hashSecret(sid), accountId: account.id, createdAt: new Date(past - 8 * 3600_000).toISOString(), expiresAt: new Date(past).toISOString() });
      expect((await call(service, 'me', { cookie: `calfbot_staff=${sid}` })).status).toBe(401);
      // The same session a minute before expiry worked: prove the cookie format is right.
      const live = newSessionId();
      await store.createSession({ idHash: hashSecret(live), accountId: account.id, createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString() });
      expect((await call(service, 'me', { cookie: `calfbot_staff=${live}` })).status).toBe(200);
    });

    it('gives reviewers 403 on admin routes, admins get through', async () => {
      const del = await call(service, convUrl('webchat', 'conv-old'), { method: 'DELETE', token: reviewer });
      expect(del.status).toBe(403);
      expect(del.json).toMatchObject({ error: { code: 'forbidden' } });
      expect((await call(service, 'audit', { token: reviewer })).status).toBe(403);
      expect((await call(service, 'audit', { token: admin })).status).toBe(200);
    });

    it('sends no-store and a deny-all CSP on API answers', async () => {
      const res = await call(service, 'conversations', { token: reviewer });
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });

  describe('conversation list', () => {
    const list = (query: string) => call(service, `conversations${query}`, { token: reviewer });

    it('lists newest first with summaries', async () => {
      const res = await list('');
      expect(res.status).toBe(200);
      const items = res.json!.items as Summary[];
      expect(items.map((i) => i.id)).toEqual(['conv-live', 'conv-chest', 'conv-urgent', '19:abc@thread.v2', 'conv-fallback', 'conv-csv', 'conv-old']);
      const chest = items.find((i) => i.id === 'conv-chest')!;
      expect(chest).toMatchObject({ key: 'webchat:conv-chest', channel: 'webchat', maxUrgency: 'emergency', intents: ['red_flag_dvt', 'goodbye'], reviewStatus: 'new' });
      expect(res.json!.nextCursor).toBeNull();
    });

    it('filters by urgency', async () => {
      expect(ids(await list('?urgency=emergency'))).toEqual(['conv-chest']);
      expect(ids(await list('?urgency=urgent'))).toEqual(['conv-urgent']);
      expect(ids(await list('?urgency=none'))).not.toContain('conv-chest');
    });

    it('filters by intent', async () => {
      expect(ids(await list('?intent=book_appointment'))).toEqual(['19:abc@thread.v2']);
      expect(ids(await list('?intent=goodbye'))).toEqual(['conv-chest']);
    });

    it('filters by channel', async () => {
      expect(ids(await list('?channel=msteams'))).toEqual(['19:abc@thread.v2']);
      expect(ids(await list('?channel=test'))).toEqual(['conv-live']);
    });

    it('filters by date range', async () => {
      const from = daysAgo(5).toISOString().slice(0, 10);
      const to = daysAgo(1).toISOString().slice(0, 10);
      expect(ids(await list(`?from=${from}&to=${to}`))).toEqual(['conv-urgent', '19:abc@thread.v2', 'conv-fallback', 'conv-csv']);
      expect(ids(await list(`?to=${daysAgo(10).toISOString()}`))).toEqual(['conv-old']);
    });

    it('searches the redacted text (q), case-insensitively', async () => {
      expect(ids(await list('?q=SHORT%20OF%20BREATH'))).toEqual(['conv-chest']);
      expect(ids(await list('?q=stretches'))).toEqual(['19:abc@thread.v2']);
      expect(ids(await list('?q=nothing-like-this'))).toEqual([]);
    });

    it('filters by review status, and combines filters', async () => {
      const patched = await call(service, convUrl('webchat', 'conv-urgent'), { method: 'PATCH', token: reviewer, body: { status: 'follow_up' } });
      expect(patched.status).toBe(200);
      expect(ids(await list('?status=follow_up'))).toEqual(['conv-urgent']);
      expect(ids(await list('?status=new&urgency=urgent'))).toEqual([]);
      expect(ids(await list('?status=follow_up&channel=msteams'))).toEqual([]);
      expect(ids(await list('?status=new&channel=webchat&urgency=emergency'))).toEqual(['conv-chest']);
    });

    it('answers 400 naming the parameter for bad query values', async () => {
      const cases: [string, string][] = [
        ['?urgency=panic', 'urgency'],
        ['?status=done', 'status'],
        ['?from=yesterday', 'from'],
        ['?to=2026-13-45', 'to'],
        ['?limit=0', 'limit'],
        ['?limit=abc', 'limit'],
        ['?limit=1000', 'limit'],
        ['?urgence=urgent', 'urgence'],
        ['?q=' + 'a'.repeat(300), 'q'],
        ['?urgency=urgent&urgency=emergency', 'urgency'],
        ['?cursor=not-a-cursor', 'cursor'],
      ];
      for (const [query, field] of cases) {
        const res = await list(query);
        expect(res.status, query).toBe(400);
        expect(res.json, query).toMatchObject({ error: { code: 'invalid_request', field } });
        expect(String((res.json!.error as Json).message)).toContain(field);
      }
    });

    it('pages with a cursor without gaps or repeats', async () => {
      for (let i = 0; i < 23; i++) {
        await seedConversation(service.db, 'paging', `p-${String(i).padStart(2, '0')}`, new Date(Date.now() - (i + 1) * 3600_000), [{ user: `question ${i}`, bot: 'answer', intent: 'faq' }]);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await list(`?channel=paging&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        const items = res.json!.items as Summary[];
        expect(items.length).toBeLessThanOrEqual(5);
        seen.push(...items.map((i) => i.id));
        cursor = res.json!.nextCursor as string | null;
        pages++;
      } while (cursor && pages < 20);
      expect(pages).toBe(5);
      expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `p-${String(i).padStart(2, '0')}`));
    });
  });

  describe('one conversation', () => {
    it('returns activities in order with intent, urgency and sources per bot reply', async () => {
      const res = await call(service, convUrl('webchat', 'conv-urgent'), { token: reviewer });
      expect(res.status).toBe(200);
      const activities = res.json!.activities as Json[];
      expect(activities.map((a) => [a.role, a.text])).toEqual([
        ['user', 'my calf is hot and red since yesterday'],
        ['bot', 'Please see a doctor today.'],
      ]);
      expect(activities[0]).toMatchObject({ intent: null, urgency: null, sources: [] });
      expect(activities[1]).toMatchObject({ intent: 'red_flag_infection', urgency: 'urgent', sources: [{ document: 'red-flags.md', section: 'Infection' }] });
      expect(res.json!.conversation).toMatchObject({ key: 'webchat:conv-urgent', maxUrgency: 'urgent' });
    });

    it('handles conversation ids with colons and slashes (Teams)', async () => {
      const res = await call(service, convUrl('msteams', '19:abc@thread.v2'), { token: reviewer });
      expect(res.status).toBe(200);
      expect((res.json!.activities as Json[]).length).toBe(4);
    });

    it('answers 404 for an unknown conversation and 400 for a key without a channel', async () => {
      expect((await call(service, convUrl('webchat', 'nope'), { token: reviewer })).status).toBe(404);
      const bad = await call(service, 'conversations/no-channel-here', { token: reviewer });
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ error: { field: 'id' } });
    });
  });

  describe('exports', () => {
    it('exports an Emulator .transcript that parses back into the same activities', async () => {
      const res = await call(service, `${convUrl('webchat', 'conv-chest')}/export?format=transcript`, { token: reviewer });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="conv-chest.transcript"');
      expect(res.headers.get('content-type')).toContain('application/json');
      const transcript = JSON.parse(res.text) as Partial<Activity>[];
      expect(Array.isArray(transcript)).toBe(true);
      // Same activities, in order: ids, types, text, timestamps, roles, reply links, channelData.
      expect(transcript.map((a) => a.id)).toEqual(chestLog.map((a) => a.id));
      transcript.forEach((a, i) => {
        const original = chestLog[i];
        if (!original) throw new Error(`no original activity ${i}`);
        expect(a.type).toBe(original.type);
        expect(a.text).toBe(original.text);
        expect(new Date(String(a.timestamp)).toISOString()).toBe((original.timestamp as Date).toISOString());
        expect(a.from?.role).toBe(original.from?.role);
        expect(a.conversation?.id).toBe('conv-chest');
        expect(a.channelId).toBe('webchat');
        expect(a.replyToId).toBe(original.replyToId);
        if (original.from?.role === 'bot') expect(a.channelData).toEqual(original.channelData);
      });
      // And exactly what the store holds (redacted), nothing else changed.
      const stored = await service.db.getConversationActivities({ channel: 'webchat', id: 'conv-chest' });
      expect(transcript).toEqual(stored.map((s) => s.activity));
    });

    it('exports JSON with the summary and the activities', async () => {
      const res = await call(service, `${convUrl('webchat', 'conv-urgent')}/export?format=json`, { token: reviewer });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="conv-urgent.json"');
      const body = JSON.parse(res.text) as Json;
      expect(body).toMatchObject({ conversation: { key: 'webchat:conv-urgent' }, exportedBy: 'Rhea Reviewer' });
      expect((body.activities as Json[]).map((a) => a.role)).toEqual(['user', 'bot']);
    });

    it('exports CSV with proper quoting and no spreadsheet formulas', async () => {
      const res = await call(service, `${convUrl('webchat', 'conv-csv')}/export?format=csv`, { token: reviewer });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="conv-csv.csv"');
      const rows = parseCsv(res.text.replace(/^\ufeff/, ''));
      expect(rows[0]).toEqual(['seq', 'timestamp', 'role', 'type', 'text', 'intent', 'urgency', 'red_flags', 'sources']);
      const texts = rows.slice(1).map((r) => r[4]);
      expect(texts).toEqual([
        `'=HYPERLINK("http://evil.example","click")`,
        'He said "hi", then left,\nthen came back',
        "'+1+2",
        "'@SUM(A1)",
      ]);
      expect(rows.slice(1).map((r) => r[2])).toEqual(['user', 'bot', 'user', 'bot']);
      expect(rows[2]?.[5]).toBe('smalltalk');
      // Every data cell that a spreadsheet would evaluate is neutralised.
      for (const row of rows.slice(1)) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/);
    });

    it('rejects an unknown format naming the parameter', async () => {
      const res = await call(service, `${convUrl('webchat', 'conv-csv')}/export?format=xlsx`, { token: reviewer });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { field: 'format' } });
    });
  });

  describe('review changes', () => {
    it('sets status, tags and a note', async () => {
      const res = await call(service, convUrl('webchat', 'conv-chest'), { method: 'PATCH', token: reviewer, body: { status: 'reviewed', tags: ['called back', 'dvt', 'dvt'], note: 'Patient went to A&E.' } });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ key: 'webchat:conv-chest', reviewStatus: 'reviewed', tags: ['called back', 'dvt'], note: 'Patient went to A&E.' });
      const again = await call(service, convUrl('webchat', 'conv-chest'), { token: reviewer });
      expect(again.json!.conversation).toMatchObject({ reviewStatus: 'reviewed', tags: ['called back', 'dvt'] });
    });

    it('validates the body and names the field', async () => {
      const cases: [unknown, string][] = [
        [{ status: 'done' }, 'status'],
        [{ tags: 'x' }, 'tags'],
        [{ tags: ['<script>'] }, 'tags.0'],
        [{ note: 'x'.repeat(2001) }, 'note'],
        [{}, 'status'],
        [{ status: 'reviewed', extra: 1 }, 'extra'],
      ];
      for (const [body, field] of cases) {
        const res = await call(service, convUrl('webchat', 'conv-chest'), { method: 'PATCH', token: reviewer, body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.json, JSON.stringify(body)).toMatchObject({ error: { code: 'invalid_request', field } });
      }
    });

    it('answers 404 for a review of an unknown conversation', async () => {
      expect((await call(service, convUrl('webchat', 'ghost'), { method: 'PATCH', token: reviewer, body: { status: 'reviewed' } })).status).toBe(404);
    });
  });

  describe('stats', () => {
    it('gives conversations per day, escalations, top intents and the fallback rate', async () => {
      const res = await call(service, 'stats?days=7', { token: reviewer });
      expect(res.status).toBe(200);
      const stats = res.json!;
      expect(stats.days).toBe(7);
      expect(stats.escalations).toEqual({ urgent: 1, emergency: 1 });
      const perDay = stats.conversationsPerDay as { date: string; count: number }[];
      expect(perDay.length).toBeGreaterThan(0);
      expect(perDay.find((d) => d.date === daysAgo(1).toISOString().slice(0, 10))?.count).toBeGreaterThanOrEqual(1);
      expect((stats.topIntents as { intent: string }[]).map((t) => t.intent)).toContain('smalltalk');
      expect(stats.fallbackRate).toBeGreaterThan(0);
      expect(stats.fallbackRate).toBeLessThan(1);
      const esc = stats.escalationsPerDay as { date: string; urgent: number; emergency: number }[];
      expect(esc.reduce((n, d) => n + d.urgent, 0)).toBe(1);
      expect(esc.reduce((n, d) => n + d.emergency, 0)).toBe(1);
      // The old conversation is outside 7 days, inside 30.
      const d30 = await call(service, 'stats?days=30', { token: reviewer });
      expect((d30.json!.topIntents as { intent: string }[]).map((t) => t.intent)).toContain('opening_hours');
      expect((stats.topIntents as { intent: string }[]).map((t) => t.intent)).not.toContain('opening_hours');
    });

    it('accepts only 1, 7, 30 or 90 days', async () => {
      for (const days of ['2', 'x', '365']) {
        const res = await call(service, `stats?days=${days}`, { token: reviewer });
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({ error: { field: 'days' } });
      }
    });
  });

  describe('deletion and the audit log', () => {
    it('lets an admin delete a conversation', async () => {
      const del = await call(service, convUrl('webchat', 'conv-old'), { method: 'DELETE', token: admin });
      expect(del.status).toBe(204);
      expect((await call(service, convUrl('webchat', 'conv-old'), { token: admin })).status).toBe(404);
      expect((await call(service, convUrl('webchat', 'conv-old'), { method: 'DELETE', token: admin })).status).toBe(404);
    });

    it('records views, exports, review changes and deletions: who, what, when, which conversation', async () => {
      const res = await call(service, 'audit?limit=200', { token: admin });
      expect(res.status).toBe(200);
      const items = res.json!.items as { id: number; at: string; action: string; actor: { name: string; role: string } | null; conversation: string | null; detail: Json | null }[];
      const find = (action: string, conversation: string) => items.filter((e) => e.action === action && e.conversation === conversation);

      const view = find('conversation.view', 'webchat:conv-urgent');
      expect(view.length).toBeGreaterThan(0);
      expect(view[0]?.actor).toMatchObject({ name: 'Rhea Reviewer', role: 'reviewer' });
      expect(Date.now() - Date.parse(view[0]?.at ?? '')).toBeLessThan(60_000);

      const exports = find('conversation.export', 'webchat:conv-chest').concat(find('conversation.export', 'webchat:conv-csv'));
      expect(exports.map((e) => e.detail?.format).sort()).toEqual(['csv', 'transcript']);

      const review = find('conversation.review', 'webchat:conv-chest');
      expect(review[0]?.detail).toEqual({ status: 'reviewed', tags: ['called back', 'dvt'], noteChanged: true });
      expect(JSON.stringify(items)).not.toContain('A&E'); // the note's text is not copied into the audit log

      const del = find('conversation.delete', 'webchat:conv-old');
      expect(del).toHaveLength(1);
      expect(del[0]?.actor).toMatchObject({ name: 'Ada Admin', role: 'admin' });

      expect(items.some((e) => e.action === 'session.login' && e.actor?.name === 'Rhea Reviewer')).toBe(true);
      expect(items.some((e) => e.action === 'login.failed' && e.actor === null)).toBe(true);
      expect(items.some((e) => e.action === 'conversations.list')).toBe(true);
      // Newest first.
      const idsDesc = items.map((e) => e.id);
      expect([...idsDesc].sort((a, b) => b - a)).toEqual(idsDesc);
      // Nothing for refused requests (e.g. the reviewer's forbidden delete).
      expect(items.filter((e) => e.action === 'conversation.delete')).toHaveLength(1);
    });

    it('pages and filters the audit log', async () => {
      const first = await call(service, 'audit?limit=3', { token: admin });
      expect((first.json!.items as unknown[]).length).toBe(3);
      const cursor = first.json!.nextCursor as string;
      expect(cursor).toMatch(/^\d+$/);
      const second = await call(service, `audit?limit=3&cursor=${cursor}`, { token: admin });
      const a = (first.json!.items as { id: number }[]).map((e) => e.id);
      const b = (second.json!.items as { id: number }[]).map((e) => e.id);
      expect(Math.min(...a)).toBeGreaterThan(Math.max(...b));

      const byConv = await call(service, `audit?conversation=${encodeURIComponent('webchat:conv-chest')}&action=conversation.export`, { token: admin });
      expect((byConv.json!.items as { action: string }[]).every((e) => e.action === 'conversation.export')).toBe(true);
      expect((byConv.json!.items as unknown[]).length).toBe(1);

      const bad = await call(service, 'audit?cursor=abc', { token: admin });
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ error: { field: 'cursor' } });
    });
  });
});

describe('staff login throttling and secure cookies', () => {
  let service: Service;
  let token: string;
  beforeAll(async () => {
    service = await startTestService({ PORT: await freePort(), PUBLIC_BASE_URL: 'https://clinic.example.org' }, { overrides: { dialog: new EchoDialog() } });
    token = (await addStaff(service.db, 'Sam Staff', 'reviewer')).token;
  });
  afterAll(async () => service?.stop());

  it('marks the session cookie Secure when the public URL is https', async () => {
    const res = await call(service, 'login', { method: 'POST', body: { token }, headers: CSRF });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toContain('Secure');
  });

  it('allows 5 failed logins per minute, then answers 429 with Retry-After, even for a good token', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await call(service, 'login', { method: 'POST', body: { token: `cb_${'y'.repeat(43)}` }, headers: CSRF });
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    const limited = await call(service, 'login', { method: 'POST', body: { token: 'cb_wrong' }, headers: CSRF });
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ error: { code: 'rate_limited' } });
    const retry = Number(limited.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(120);
    const good = await call(service, 'login', { method: 'POST', body: { token }, headers: CSRF });
    expect(good.status).toBe(429);
    // Bearer guesses from the same address are blocked too.
    expect((await call(service, 'me', { token })).status).toBe(429);
  });
});

/** RFC 4180 parser, for checking the export. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += ch;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}
