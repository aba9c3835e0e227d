/**
 * Teaching through the staff API, against the real service (no language models: an
 * echo dialog; conversations are seeded as the bot would log them):
 * labels (who may, what is checked, what is audited), the needs-teaching inbox, the
 * export (admins only), the weekly stats, the urgency and empty-conversation filters,
 * and the teaching store on SQLite and PostgreSQL alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity } from 'botbuilder';
import { openDatabase } from '../src/storage';
import type { Database } from '../src/storage/types';
import { startTestService } from './helpers/service';
import { addStaff, daysAgo, EchoDialog, freePort, seedConversation } from './staffHarness';
import type { Service } from '../src/service';
import { createStaffStore, createTeachingStore } from '../src/staff/store';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';

const CSRF = { 'X-Requested-With': 'calfbot-console' };
interface Json { [k: string]: unknown }

async function call(service: Service, path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { ...CSRF };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${service.url}/staff/api/${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as Json | null };
}

const conv = (id: string) => `conversations/${encodeURIComponent(`webchat:${id}`)}`;
const nlu = (outcome: string, confidence: number) => ({ outcome, confidence, threshold: 0.75 });

/** A bot reply with extra channelData, and a patient event, logged as the bot logs them. */
async function logBot(db: Database, id: string, at: Date, replyToId: string, text: string, channelData: Record<string, unknown>): Promise<void> {
  await db.transcripts.logActivity({
    type: 'message', id: `${replyToId}-r`, replyToId, text, channelId: 'webchat', timestamp: at,
    conversation: { id, isGroup: false, conversationType: 'personal', name: '' }, from: { id: 'bot', role: 'bot' }, recipient: { id: 'p', role: 'user' },
    channelData,
  } as Activity);
}
async function logEvent(db: Database, id: string, at: Date, event: Partial<Activity>): Promise<void> {
  await db.transcripts.logActivity({
    id: `${id}-e${at.getTime()}`, channelId: 'webchat', timestamp: at,
    conversation: { id, isGroup: false, conversationType: 'personal', name: '' }, from: { id: 'p', role: 'user' }, recipient: { id: 'bot', role: 'bot' },
    ...event,
  } as Activity);
}

async function seed(db: Database): Promise<void> {
  const t = daysAgo(1);
  // Not understood, twice in other words; one "did you mean"; one unsure answer.
  await seedConversation(db, 'webchat', 'fb-1', t, [{ user: 'Do you take insurance?', bot: 'Sorry, I did not get that.', intent: 'none' }]);
  await seedConversation(db, 'webchat', 'fb-2', daysAgo(0), [{ user: 'do you take insurance', bot: 'Sorry, I did not get that.', intent: 'none' }]);
  await seedConversation(db, 'webchat', 'cl-1', t, [{ user: 'my leg aches', bot: 'intro', intent: 'greeting' }]);
  await logBot(db, 'cl-1', new Date(t.getTime() + 1000), 'cl-1-u1', 'Did you mean one of these?', { intent: null, urgency: 'none', nlu: nlu('clarified', 0.52) });
  await seedConversation(db, 'webchat', 'low-1', t, [{ user: 'stretching for tight calf', bot: 'Here are stretches.', intent: 'stretches' }]);
  await logBot(db, 'low-1', new Date(t.getTime() + 2000), 'low-1-u1', 'More stretches.', { intent: 'stretches', urgency: 'none', nlu: nlu('answered', 0.6) });
  // A confident answer, rated 👎 by the patient (and another rated 👍).
  await seedConversation(db, 'webchat', 'thumbs', t, [
    { user: 'how long until I can run again', bot: 'Usually 2 to 6 weeks.', intent: 'recovery_time' },
    { user: 'what about cramps', bot: 'Cramps are common.', intent: 'calf_cramp' },
  ]);
  await logEvent(db, 'thumbs', new Date(t.getTime() + 200_000), { type: 'event', name: 'feedback', value: { rating: 'down', replyToId: 'thumbs-b1' }, replyToId: 'thumbs-b1' });
  await logEvent(db, 'thumbs', new Date(t.getTime() + 210_000), { type: 'event', name: 'feedback', value: { rating: 'up', replyToId: 'thumbs-b2' }, replyToId: 'thumbs-b2' });
  // An escalation with condition-scoped red flags; a fallback inside an escalated turn is not for teaching.
  await seedConversation(db, 'webchat', 'esc', t, [{ user: 'calf swollen after flight', bot: 'Please get medical advice today.', intent: null, urgency: 'urgent' }]);
  await logBot(db, 'esc', new Date(t.getTime() + 1000), 'esc-u1', 'Please get medical advice today.', { intent: null, urgency: 'urgent', redFlags: ['dvt/swollen_calf', 'dvt/after_immobility'], conditions: ['dvt'] });
  await logBot(db, 'esc', new Date(t.getTime() + 2000), 'esc-u1', 'Sorry?', { intent: 'none', urgency: 'urgent' });
  await seedConversation(db, 'webchat', 'emer', t, [{ user: 'chest pain and swollen leg', bot: 'Call 911.', intent: null, urgency: 'emergency' }]);
  // The widget opened, nothing typed.
  await logEvent(db, 'opened', t, { type: 'conversationUpdate', membersAdded: [{ id: 'p', name: '' }] });
}

describe('teaching through the staff API', () => {
  let service: Service;
  let admin: string;
  let reviewer: string;

  beforeAll(async () => {
    service = await startTestService({ PORT: await freePort() }, { overrides: { dialog: new EchoDialog() } });
    admin = (await addStaff(service.db, 'Ada Admin', 'admin')).token;
    reviewer = (await addStaff(service.db, 'Rhea Reviewer', 'reviewer')).token;
    await seed(service.db);
  });
  afterAll(async () => service?.stop());

  it('answers 401 on the new routes without credentials', async () => {
    for (const [method, path] of [['GET', 'inbox'], ['GET', 'taxonomy'], ['GET', 'labels/export'], ['GET', 'stats/weekly'], ['POST', `${conv('fb-1')}/labels`]] as const) {
      expect((await call(service, path, { method, body: method === 'POST' ? { seq: 1, kind: 'out_of_scope' } : undefined })).status, path).toBe(401);
    }
  });

  it('lists what needs teaching, grouped, with why; escalated turns left out', async () => {
    const res = await call(service, 'inbox', { token: reviewer });
    expect(res.status).toBe(200);
    const groups = res.json!.groups as { text: string; count: number; reasons: Record<string, number>; messages: { key: string }[] }[];
    const byText = Object.fromEntries(groups.map((g) => [g.text, g]));
    expect(byText['do you take insurance']).toMatchObject({ count: 2, reasons: { fallback: 2 } });
    expect(groups[0]!.text).toBe('do you take insurance'); // newest first
    expect(byText['my leg aches']).toMatchObject({ count: 1, reasons: { clarified: 1 } });
    expect(byText['stretching for tight calf']).toMatchObject({ reasons: { low_confidence: 1 } });
    expect(byText['how long until I can run again']).toMatchObject({ reasons: { thumbs_down: 1 } });
    expect(byText['what about cramps']).toBeUndefined(); // 👍
    expect(byText['calf swollen after flight']).toBeUndefined();
    expect(Object.keys(byText)).toHaveLength(4);
  });

  it('lets a reviewer label a patient message, checks the label and audits it without the text', async () => {
    const detail = await call(service, conv('fb-1'), { token: reviewer });
    const activities = detail.json!.activities as { seq: number; role: string }[];
    const user = activities.find((a) => a.role === 'user')!;
    const bot = activities.find((a) => a.role === 'bot')!;

    const bad = [
      [{ seq: user.seq, kind: 'intent' }, 'intent'],
      [{ seq: user.seq, kind: 'intent', intent: 'opening_hours' }, 'intent'],
      [{ seq: user.seq, kind: 'missed_red_flag', condition: 'dvt' }, 'level'],
      [{ seq: user.seq, kind: 'missed_red_flag', condition: 'gout', level: 'urgent' }, 'condition'],
      [{ seq: user.seq, kind: 'out_of_scope', intent: 'dvt' }, 'intent'],
      [{ seq: user.seq, kind: 'praise' }, 'kind'],
      [{ kind: 'out_of_scope' }, 'seq'],
    ] as const;
    for (const [body, field] of bad) {
      const res = await call(service, `${conv('fb-1')}/labels`, { method: 'POST', token: reviewer, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json, JSON.stringify(body)).toMatchObject({ error: { field } });
    }
    expect((await call(service, `${conv('fb-1')}/labels`, { method: 'POST', token: reviewer, body: { seq: bot.seq, kind: 'out_of_scope' } })).json).toMatchObject({ error: { field: 'seq' } });
    expect((await call(service, `${conv('fb-1')}/labels`, { method: 'POST', token: reviewer, body: { seq: 999_999, kind: 'out_of_scope' } })).status).toBe(404);

    const ok = await call(service, `${conv('fb-1')}/labels`, { method: 'POST', token: reviewer, body: { seq: user.seq, kind: 'intent', intent: 'book_appointment' } });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ kind: 'intent', intent: 'book_appointment', intentLabel: 'Booking an appointment', text: 'Do you take insurance?', actor: { name: 'Rhea Reviewer' } });
    const flag = await call(service, `${conv('cl-1')}/labels`, { method: 'POST', token: reviewer, body: { seq: (await firstUserSeq(service, 'cl-1')), kind: 'missed_red_flag', condition: 'dvt', level: 'urgent' } });
    expect(flag.status).toBe(201);

    // Shown with the conversation, and gone from the inbox.
    expect(((await call(service, conv('fb-1'), { token: reviewer })).json!.labels as unknown[])).toHaveLength(1);
    const inbox = (await call(service, 'inbox', { token: reviewer })).json!.groups as { text: string; count: number }[];
    expect(inbox.find((g) => /insurance/i.test(g.text))).toMatchObject({ count: 1 });
    expect(inbox.find((g) => g.text === 'my leg aches')).toBeUndefined();

    const audit = await createStaffStore(service.db).listAudit({ action: 'message.label' }, null, 10);
    expect(audit.items.map((e) => e.detail)).toEqual([
      { seq: expect.any(Number), kind: 'missed_red_flag', condition: 'dvt', level: 'urgent' },
      { seq: user.seq, kind: 'intent', intent: 'book_appointment' },
    ]);
    expect(audit.items[1]).toMatchObject({ actor: { name: 'Rhea Reviewer', role: 'reviewer' }, target: { channel: 'webchat', id: 'fb-1' } });
    expect(JSON.stringify(audit.items)).not.toContain('insurance');
  });

  it('exports labels for admins only, and audits the export', async () => {
    const denied = await call(service, 'labels/export', { token: reviewer });
    expect(denied.status).toBe(403);
    const res = await call(service, 'labels/export', { token: admin });
    expect(res.status).toBe(200);
    const files = res.json!.files as { path: string; content: string }[];
    expect(files.map((f) => f.path)).toEqual(['intents/reviewed/book_appointment.yaml', 'tests/data/triage-reviewed.yaml']);
    expect(files[0]!.content).toContain('  - "Do you take insurance?"');
    expect(files[1]!.content).toContain('- { text: "my leg aches", expect: urgent }  # dvt');
    const audit = await createStaffStore(service.db).listAudit({ action: 'labels.export' }, null, 5);
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({ actor: { name: 'Ada Admin' }, detail: { labels: 2 } });
  });

  it('filters "at least urgent" and hides chats without a patient message unless asked', async () => {
    const ids = async (q: string) => ((await call(service, `conversations${q}`, { token: reviewer })).json!.items as { id: string }[]).map((i) => i.id).sort();
    expect(await ids('?urgency=urgent')).toEqual(['esc']);
    expect(await ids('?urgency=urgent%2B')).toEqual(['emer', 'esc']);
    expect(await ids('?urgency=urgent+')).toEqual(['emer', 'esc']); // an unencoded + arrives as a space
    expect(await ids('?minUrgency=urgent')).toEqual(['emer', 'esc']);
    expect(await ids('')).not.toContain('opened');
    expect(await ids('?includeEmpty=1')).toContain('opened');
    const bad = await call(service, 'conversations?urgency=urgentish', { token: reviewer });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { field: 'urgency' } });
    const list = (await call(service, 'conversations?urgency=urgent', { token: reviewer })).json!.items as { firstMessage: string }[];
    expect(list[0]!.firstMessage).toBe('calf swollen after flight');
  });

  it('shows a transcript with system lines, red flags and conditions', async () => {
    const esc = (await call(service, conv('esc'), { token: reviewer })).json!.activities as { role: string; redFlags: { rule: string; conditionLabel: string }[]; conditions: { label: string }[] }[];
    const flagged = esc.find((a) => a.redFlags.length > 0)!;
    expect(flagged.redFlags).toEqual([
      { id: 'dvt/swollen_calf', rule: 'swollen_calf', condition: 'dvt', conditionLabel: 'Deep vein thrombosis (DVT)' },
      { id: 'dvt/after_immobility', rule: 'after_immobility', condition: 'dvt', conditionLabel: 'Deep vein thrombosis (DVT)' },
    ]);
    expect(flagged.conditions).toEqual([{ id: 'dvt', label: 'Deep vein thrombosis (DVT)' }]);
    const opened = (await call(service, conv('opened'), { token: reviewer })).json!.activities as { role: string; system: string }[];
    expect(opened).toEqual([expect.objectContaining({ role: 'system', system: 'Chat opened' })]);
    const thumbs = (await call(service, conv('thumbs'), { token: reviewer })).json!.activities as { role: string; system: string | null }[];
    expect(thumbs.filter((a) => a.role === 'system').map((a) => a.system)).toEqual(['Patient rated the answer 👎 not helpful', 'Patient rated the answer 👍 helpful']);
  });

  it('does not log a note change when the note is unchanged', async () => {
    await call(service, conv('emer'), { method: 'PATCH', token: reviewer, body: { status: 'follow_up', note: '' } });
    await call(service, conv('emer'), { method: 'PATCH', token: reviewer, body: { status: 'reviewed', note: 'called' } });
    const audit = await createStaffStore(service.db).listAudit({ action: 'conversation.review', target: { channel: 'webchat', id: 'emer' } }, null, 5);
    expect(audit.items.map((e) => e.detail)).toEqual([{ status: 'reviewed', noteChanged: true }, { status: 'follow_up' }]);
  });

  it('reports per week: escalations by level and condition, unanswered share, feedback per intent, time to review', async () => {
    const res = await call(service, 'stats/weekly?weeks=4', { token: reviewer });
    expect(res.status).toBe(200);
    const r = res.json as { weeks: { escalations: { urgent: number; emergency: number }; byCondition: Record<string, number>; unanswered: number; patientMessages: number }[]; topUnanswered: { text: string; count: number }[]; feedback: { intent: string; up: number; down: number }[]; medianMinutesToReview: number | null; reviewedEscalations: number };
    expect(r.weeks).toHaveLength(4);
    const sum = (f: (w: (typeof r.weeks)[number]) => number) => r.weeks.reduce((n, w) => n + f(w), 0);
    expect(sum((w) => w.escalations.urgent)).toBe(1);
    expect(sum((w) => w.escalations.emergency)).toBe(1);
    expect(sum((w) => w.byCondition.dvt ?? 0)).toBe(1);
    expect(sum((w) => w.unanswered)).toBe(3); // two "insurance" fallbacks and one "did you mean"
    expect(r.topUnanswered[0]).toEqual({ text: 'do you take insurance', count: 2 });
    expect(r.feedback).toEqual(expect.arrayContaining([
      expect.objectContaining({ intent: 'recovery_time', up: 0, down: 1 }),
      expect.objectContaining({ intent: 'calf_cramp', up: 1, down: 0 }),
    ]));
    expect(r.reviewedEscalations).toBe(1);
    expect(r.medianMinutesToReview).toBeGreaterThan(0);
    expect((await call(service, 'stats/weekly?weeks=99', { token: reviewer })).json).toMatchObject({ error: { field: 'weeks' } });
  });
});

async function firstUserSeq(service: Service, id: string): Promise<number> {
  const res = await call(service, conv(id), { token: (await addStaff(service.db, `t-${Math.random()}`, 'reviewer')).token });
  return (res.json!.activities as { seq: number; role: string }[]).find((a) => a.role === 'user')!.seq;
}

function teachingContract(name: string, open: () => Promise<{ db: Database; close: () => Promise<void> }>) {
  describe(`teaching store: ${name}`, () => {
    let db: Database;
    let close: () => Promise<void>;
    beforeAll(async () => ({ db, close } = await open()));
    afterAll(async () => close?.());

    it('stores labels with who and when, and reads transcripts, first messages and reviews', async () => {
      await seed(db);
      const store = createTeachingStore(db);
      const rows = await store.transcriptSince(daysAgo(3).toISOString(), 1000);
      expect(rows.some((r) => r.type === 'event' && r.name === 'feedback')).toBe(true);
      const user = rows.find((r) => r.conversationId === 'fb-1' && r.role === 'user')!;
      expect(await store.activity({ channel: 'webchat', id: 'fb-1' }, user.seq)).toMatchObject({ text: 'Do you take insurance?', role: 'user' });
      const label = await store.addLabel({
        channel: 'webchat', conversationId: 'fb-1', seq: user.seq, text: user.text!, kind: 'missed_red_flag', intent: null, condition: 'infection', level: 'emergency',
        actor: { id: 'acc_1', name: 'Ada' }, createdAt: '2026-03-01T09:00:00.000Z',
      });
      expect(label.id).toBeGreaterThan(0);
      expect(await store.labelsFor({ channel: 'webchat', id: 'fb-1' })).toEqual([label]);
      expect(await store.allLabels()).toEqual([label]);
      const first = await store.firstUserTexts([{ channel: 'webchat', id: 'thumbs' }, { channel: 'webchat', id: 'opened' }]);
      expect([...first]).toEqual([['webchat:thumbs', 'how long until I can run again']]);
      await createStaffStore(db).appendAudit({ at: new Date().toISOString(), actor: null, action: 'conversation.review', target: { channel: 'webchat', id: 'esc' }, detail: { status: 'reviewed' } });
      expect(await store.firstReviews(daysAgo(3).toISOString())).toEqual([expect.objectContaining({ channel: 'webchat', id: 'esc' })]);
    });
  });
}

teachingContract('SQLite', async () => {
  const db = await openDatabase('memory:');
  return { db, close: () => db.close() };
});

let pg: PgSchema | undefined;
describePg('teaching store on PostgreSQL', () => {
  beforeAll(async () => {
    pg = await createPgSchema('calfbot_teach');
  });
  afterAll(async () => pg?.drop());
  teachingContract('PostgreSQL', async () => {
    const db = await openDatabase(pg!.url);
    return { db, close: () => db.close() };
  });
});
