/**
 * One request must never break the service: deep JSON, missing required fields, client
 * timestamps, per-address and per-conversation limits, and what staff see afterwards.
 * Against the real service (memory storage) on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageActivity, postActivity, startTestService } from './helpers/service';
import { addStaff, EchoDialog, freePort } from './staffHarness';
import type { Service } from '../src/service';

const deepObject = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepArray = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

interface DirectLine { base: string; token: string; conversationId: string }

async function openDirectLine(url: string): Promise<DirectLine> {
  const gen = (await (await fetch(`${url}/v3/directline/tokens/generate`, { method: 'POST' })).json()) as { token: string; conversationId: string };
  const started = await fetch(`${url}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${gen.token}` } });
  expect(started.status).toBe(201);
  return { base: `${url}/v3/directline/conversations/${gen.conversationId}`, token: gen.token, conversationId: gen.conversationId };
}

async function dlPost(dl: DirectLine, raw: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${dl.base}/activities`, { method: 'POST', headers: { authorization: `Bearer ${dl.token}`, 'content-type': 'application/json' }, body: raw });
  return { status: res.status, body: await res.text() };
}

async function dlPoll(dl: DirectLine, watermark?: string): Promise<{ status: number; activities: { type: string; text?: string; from?: { role?: string } }[]; watermark: string }> {
  const res = await fetch(`${dl.base}/activities${watermark ? `?watermark=${watermark}` : ''}`, { headers: { authorization: `Bearer ${dl.token}` } });
  const body = (await res.json()) as { activities?: []; watermark?: string };
  return { status: res.status, activities: body.activities ?? [], watermark: body.watermark ?? '' };
}

async function staff(service: Service, token: string, path: string, method = 'GET'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${service.url}/staff/api/${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

describe('deep and oversized JSON is refused where it enters, so nothing stored can break a read', () => {
  let service: Service;
  let admin: string;
  beforeAll(async () => {
    service = await startTestService({ PORT: await freePort() }, { overrides: { dialog: new EchoDialog() } });
    admin = (await addStaff(service.db, 'Ada Admin', 'admin')).token;
  });
  afterAll(async () => service?.stop());

  it('Direct Line: a 5,000-deep value is a 400 naming value, and the conversation keeps working', async () => {
    const dl = await openDirectLine(service.url);
    for (const depth of [33, 3000, 5000]) {
      const res = await dlPost(dl, `{"type":"message","text":"hi","value":${deepObject(depth)}}`);
      expect(res.status, `depth ${depth}: ${res.body}`).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: { field: 'value' } });
    }
    const channelData = await dlPost(dl, `{"type":"message","text":"hi","channelData":{"x":${deepArray(5000)}}}`);
    expect(channelData.status).toBe(400);
    // An extra field nobody validates is still bounded by the body-wide depth check.
    const extra = await dlPost(dl, `{"type":"message","text":"hi","whatever":${deepArray(5000)}}`);
    expect(extra.status).toBe(400);

    const ok = await dlPost(dl, JSON.stringify({ type: 'message', text: 'still here?' }));
    expect(ok.status).toBe(200);
    const poll = await dlPoll(dl);
    expect(poll.status).toBe(200);
    expect(poll.activities.map((a) => a.text)).toContain('echo: still here?');
  });

  it('a value at the depth limit is accepted, and polls, the transcript view and every export still answer', async () => {
    const dl = await openDirectLine(service.url);
    const res = await dlPost(dl, `{"type":"message","text":"card","value":${deepObject(32)}}`);
    expect(res.status, res.body).toBe(200);
    expect((await dlPoll(dl)).status).toBe(200);
    const key = encodeURIComponent(`webchat:${dl.conversationId}`);
    expect((await staff(service, admin, `conversations/${key}`)).status).toBe(200);
    for (const format of ['transcript', 'json', 'csv']) {
      expect((await staff(service, admin, `conversations/${key}/export?format=${format}`)).status, format).toBe(200);
    }
  });

  it('/api/messages: deep value, channelData, attachments or entities are a 400 naming the field', async () => {
    const base = JSON.stringify(messageActivity('hello', 'deep-1')).slice(0, -1);
    for (const [field, json] of [
      ['value', deepObject(40)],
      ['channelData', `{"x":${deepArray(5000)}}`],
      ['attachments', `[{"contentType":"application/json","content":${deepObject(100)}}]`],
      ['entities', `[{"type":"x","y":${deepArray(3000)}}]`],
    ] as const) {
      const res = await fetch(`${service.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `${base},"${field}":${json}}` });
      const body = (await res.json()) as { error?: { field?: string } };
      expect(res.status, field).toBe(400);
      expect(body.error?.field).toBe(field);
    }
    const big = await postActivity(service.url, messageActivity('hello', 'deep-2', { value: { blob: 'x'.repeat(100 * 1024) } }));
    expect(big.status).toBe(400);
    expect(big.body).toMatchObject({ error: { field: 'value' } });
  });

  it('a Content-Encoding header on a request without a body is harmless; with a body it is a 415', async () => {
    expect((await fetch(`${service.url}/healthz`, { headers: { 'content-encoding': 'gzip' } })).status).toBe(200);
    const res = await fetch(`${service.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: JSON.stringify(messageActivity('hi', 'enc-x')) });
    expect(res.status).toBe(415);
    expect(res.headers.get('accept-encoding')).toBe('identity');
  });

  it('/api/messages: channelId, conversation.id and from.id are required (a red flag without a channel was answered but never stored)', async () => {
    for (const [field, extra] of [
      ['channelId', { channelId: undefined }],
      ['channelId', { channelId: '' }],
      ['conversation.id', { conversation: {} }],
      ['from.id', { from: { name: 'x' } }],
    ] as const) {
      const res = await postActivity(service.url, messageActivity('I think I have a clot in my calf', 'req-1', extra));
      expect(res.status, field).toBe(400);
      expect(res.body).toMatchObject({ error: { field } });
    }
  });
});

describe('the stored time of an activity is the server\'s', () => {
  let service: Service;
  let admin: string;
  beforeAll(async () => {
    service = await startTestService({ PORT: await freePort() }, { overrides: { dialog: new EchoDialog() } });
    admin = (await addStaff(service.db, 'Ada Admin', 'admin')).token;
  });
  afterAll(async () => service?.stop());

  it('a timestamp in 2999 does not pin a conversation to the top, 1970 does not get it purged; the claim is kept as clientTimestamp', async () => {
    const before = Date.now();
    expect((await postActivity(service.url, messageActivity('from the future', 'ts-future', { timestamp: '2999-01-01T00:00:00.000Z' }))).status).toBe(200);
    expect((await postActivity(service.url, messageActivity('from the past', 'ts-past', { timestamp: '1970-01-01T00:00:00.000Z' }))).status).toBe(200);
    expect((await postActivity(service.url, messageActivity('now', 'ts-now'))).status).toBe(200);
    const after = Date.now();

    const list = JSON.parse((await staff(service, admin, 'conversations')).text) as { items: { id: string; lastAt: string; firstAt: string }[] };
    // Newest first: the conversation posted last is on top, whatever the others claimed.
    expect(list.items[0]?.id).toBe('ts-now');
    for (const item of list.items) {
      expect(Date.parse(item.lastAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(item.lastAt)).toBeLessThanOrEqual(after + 1000);
    }

    const purged = await service.db.purgeOlderThan(1);
    expect(purged.conversations).toBe(0);

    const transcript = JSON.parse((await staff(service, admin, `conversations/${encodeURIComponent('test:ts-future')}/export?format=transcript`)).text) as { timestamp: string; clientTimestamp?: string; from: { role: string } }[];
    const user = transcript.find((a) => a.from.role === 'user')!;
    expect(user.clientTimestamp).toBe('2999-01-01T00:00:00.000Z');
    expect(Date.parse(user.timestamp)).toBeLessThanOrEqual(after + 1000);
  });
});

describe('per-address and per-conversation limits', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startTestService({
      PORT: await freePort(), RATE_LIMIT_ADDRESS_PER_MINUTE: '6', RATE_LIMIT_CONVERSATION_PER_MINUTE: '3', RATE_LIMIT_MESSAGES: '1000',
    }, { overrides: { dialog: new EchoDialog() } });
  });
  afterAll(async () => service?.stop());

  it('/api/messages: the 4th message of a conversation in a minute is a 429 with Retry-After; then the address runs out', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postActivity(service.url, messageActivity(`m${i}`, 'lim-a'))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await fetch(`${service.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(messageActivity('again', 'lim-a')) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } });

    // 5 requests from this address so far; new conversations do not escape the address limit.
    const more: number[] = [];
    for (let i = 0; i < 3; i++) more.push((await postActivity(service.url, messageActivity('hi', `lim-new-${i}`))).status);
    expect(more).toEqual([200, 429, 429]);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });
});

describe('Direct Line limits', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startTestService({ PORT: await freePort(), RATE_LIMIT_CONVERSATION_PER_MINUTE: '3', RATE_LIMIT_MESSAGES: '1000' }, { overrides: { dialog: new EchoDialog() } });
  });
  afterAll(async () => service?.stop());

  it('posts per conversation are limited (429), typing indicators are not counted', async () => {
    const dl = await openDirectLine(service.url);
    expect((await dlPost(dl, JSON.stringify({ type: 'typing' }))).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await dlPost(dl, JSON.stringify({ type: 'message', text: `m${i}` }))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
