/**
 * Input validation of incoming activities: validateActivity's rules, and the HTTP answers
 * of /api/messages for bad input (400 JSON naming the field, 413 JSON, never a 500).
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TEXT_CHARS } from '../src/domain/text';
import { inputNotice } from '../src/turn/4-inputGuard';
import { validateActivity, withDateFields } from '../src/web/request/activitySchema';
import type { Service } from '../src/service';
import { messageActivity, postActivity, startTestService } from './helpers/service';

const base = (extra: Record<string, unknown> = {}) => ({
  type: 'message', text: 'hello', channelId: 'test', serviceUrl: 'http://localhost',
  conversation: { id: 'c' }, from: { id: 'u' }, recipient: { id: 'b' }, ...extra,
});

describe('validateActivity', () => {
  const rejected: [string, unknown, string][] = [
    ['a non-object body', 'hello', 'body'],
    ['an array body', [base()], 'body'],
    ['null', null, 'body'],
    ['a missing type', { ...base(), type: undefined }, 'type'],
    ['an unknown type', base({ type: 'teleport' }), 'type'],
    ['a numeric type', base({ type: 7 }), 'type'],
    ['a missing conversation', { ...base(), conversation: undefined }, 'conversation'],
    ['an empty conversation id', base({ conversation: { id: ' ' } }), 'conversation.id'],
    ['a missing from', { ...base(), from: undefined }, 'from'],
    ['a numeric from.id', base({ from: { id: 42 } }), 'from.id'],
    ['text that is not a string', base({ text: { a: 1 } }), 'text'],
    ['NUL in text', base({ text: 'a\u0000b' }), 'text'],
    ['a control character in text', base({ text: 'a\u001bb' }), 'text'],
    ['a C1 control in text', base({ text: 'a\u0085b' }), 'text'],
    ['a lone high surrogate', base({ text: 'a\ud83d' }), 'text'],
    ['a lone low surrogate', base({ text: '\ude00b' }), 'text'],
    ['an RTL override', base({ text: 'abc\u202Eevil' }), 'text'],
    ['a bidi isolate', base({ text: 'abc\u2066x' }), 'text'],
    ['a noncharacter', base({ text: 'a\uffffb' }), 'text'],
    ['a newline in a conversation id', base({ conversation: { id: 'a\nb' } }), 'conversation.id'],
    ['a javascript: serviceUrl', base({ serviceUrl: 'javascript:alert(1)' }), 'serviceUrl'],
    ['attachments that are not an array', base({ attachments: 'x' }), 'attachments'],
    ['an attachment without contentType', base({ attachments: [{}] }), 'attachments.0.contentType'],
    ['a null entity', base({ entities: [null] }), 'entities.0'],
    ['an invoke without a name', base({ type: 'invoke' }), 'name'],
    ['an unknown deliveryMode', base({ deliveryMode: 'carrier-pigeon' }), 'deliveryMode'],
  ];
  for (const [name, body, field] of rejected) {
    it(`rejects ${name} (field ${field})`, () => {
      const r = validateActivity(body);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.status).toBe(400);
        expect(r.field).toBe(field);
        expect(r.message).toContain(field === 'body' ? 'body' : field);
      }
    });
  }

  it('keeps tabs, newlines, emoji, accents and non-Latin scripts', () => {
    const text = 'line one\n\tline two 😀 👨‍👩‍👧 café Ελληνικά العربية 日本語';
    const r = validateActivity(base({ text }));
    expect(r.ok && r.activity.text).toBe(text);
  });

  it('removes invisible characters so triage sees the words', () => {
    const r = validateActivity(base({ text: 'cl\u200Bot in my ca\u00ADlf\uFEFF, b\u200Dlood' }));
    expect(r.ok && r.activity.text).toBe('clot in my calf, blood');
  });

  it('passes oversized text through whole, for triage; the input guard then calls it too long', () => {
    const long = 'a'.repeat(MAX_TEXT_CHARS + 1);
    const r = validateActivity(base({ text: long }));
    expect(r.ok && r.activity.text).toBe(long);
    expect(r.ok && inputNotice(r.activity)).toBe('tooLong');
    expect(inputNotice(base({ text: 'a'.repeat(MAX_TEXT_CHARS) }))).toBeNull();
  });

  it('the input guard decides from the message itself, whatever the channel', () => {
    // No HTTP validation ran on these (the terminal chat, a test adapter).
    expect(inputNotice({ type: 'message', attachments: [{ contentType: 'image/png' }] })).toBe('attachmentsOnly');
    expect(inputNotice({ type: 'message', text: '  ', attachments: [{ contentType: 'image/png' }] })).toBe('attachmentsOnly');
    expect(inputNotice({ type: 'message', text: 'what is this?', attachments: [{ contentType: 'image/png' }] })).toBeNull();
    expect(inputNotice({ type: 'message', value: { choice: 'yes' }, attachments: [{ contentType: 'image/png' }] })).toBeNull();
    expect(inputNotice({ type: 'conversationUpdate', text: 'a'.repeat(MAX_TEXT_CHARS + 1) })).toBeNull();
  });

  it('a client cannot make a message "too long" or "attachments only" through JSON', () => {
    const r = validateActivity(JSON.parse(JSON.stringify(base({ channelData: { oversized: true, attachmentsOnly: true } }))));
    expect(r.ok && inputNotice(r.activity)).toBeNull();
  });
});

describe('withDateFields (what botbuilder does to an activity before the turn)', () => {
  it('turns sent dates into Dates and keeps the strings as sent, with their UTC offset', () => {
    const r = validateActivity(base({ timestamp: '2024-05-01T10:00:00.000Z', localTimestamp: '2024-05-01T12:00:00.000+02:00' }));
    if (!r.ok) throw new Error(r.message);
    const a = withDateFields(r.activity);
    expect(a.timestamp).toEqual(new Date('2024-05-01T10:00:00.000Z'));
    expect(a.localTimestamp).toEqual(new Date('2024-05-01T10:00:00.000Z'));
    expect(a).toMatchObject({ rawTimestamp: '2024-05-01T10:00:00.000Z', rawLocalTimestamp: '2024-05-01T12:00:00.000+02:00' });
  });

  it('leaves an activity without dates as it is', () => {
    const r = validateActivity(base());
    if (!r.ok) throw new Error(r.message);
    const a = withDateFields(r.activity);
    expect(a.timestamp).toBeUndefined();
    expect(a).not.toHaveProperty('rawTimestamp');
  });
});

describe('/api/messages answers to bad input', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => service?.stop());

  const raw = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${service.url}/api/messages`, { method: 'POST', headers, body });

  it('malformed JSON → 400 JSON, even when the client asks for HTML', async () => {
    const res = await raw('{"type":"message","text":"my secret symptoms', { 'content-type': 'application/json', accept: 'text/html' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body).toEqual({ error: { code: 'invalid_json', message: expect.any(String), field: 'body' } });
    expect(body.error.message).not.toContain('secret symptoms');
  });

  it('a body over 256 KB → 413 JSON', async () => {
    const res = await raw(JSON.stringify(base({ text: 'x'.repeat(300 * 1024) })));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  /** POST with Transfer-Encoding: chunked (no Content-Length), the body in 16 KB pieces. */
  const chunked = (body: string, headers: Record<string, string> = {}) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${service.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.slice(i, i + 16 * 1024));
    req.end();
  });

  it('a chunked body is read whole; over 256 KB it is 413 JSON as with a Content-Length', async () => {
    const ok = await chunked(JSON.stringify({ ...messageActivity('hello', 'val-chunked'), deliveryMode: 'expectReplies' }));
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.body) as { activities: unknown[] }).activities.length).toBeGreaterThan(0);
    const big = await chunked(JSON.stringify(base({ text: 'x'.repeat(300 * 1024) })));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('a Content-MD5 that does not match the body → 400 JSON; one that matches is accepted', async () => {
    const body = JSON.stringify({ ...messageActivity('hello', 'val-md5'), deliveryMode: 'expectReplies' });
    const wrong = await raw(body, { 'content-type': 'application/json', 'content-md5': createHash('md5').update('something else').digest('base64') });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    const right = await raw(body, { 'content-type': 'application/json', 'content-md5': createHash('md5').update(body).digest('base64') });
    expect(right.status).toBe(200);
  });

  it('a missing field → 400 naming it', async () => {
    const { status, body } = await postActivity(service.url, { ...messageActivity('hi', 'val-1'), from: undefined });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'invalid_activity', field: 'from' } });
  });

  it('a red flag hidden with zero-width characters still escalates (real triage)', async () => {
    const { status, replies } = await postActivity(service.url, messageActivity('I think I have a blood c\u200Blo\u200Dt in my calf', 'val-2'));
    expect(status).toBe(200);
    expect(replies[0]?.channelData?.urgency).not.toBe('none');
  });

  it('a normal message is answered by the real bot', async () => {
    const { status, replies } = await postActivity(service.url, messageActivity('hello', 'val-3'));
    expect(status).toBe(200);
    expect(replies.length).toBeGreaterThan(0);
  });
});
