/**
 * Abuse limits: the per-address limiter (X-Forwarded-For only when TRUST_PROXY), the
 * failed sign-in guard, and the per-conversation limit in the bot pipeline, which sits
 * after triage so a limited message with a red flag still escalates.
 */
import type { AddressInfo } from 'node:net';
import restify from 'restify';
import type { Request } from 'restify';
import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginGuard } from '../src/staff/loginGuard';
import { addressKey, clientAddress } from '../src/web/request/clientAddress';
import { createRateLimiter, limitByAddress } from '../src/web/request/limits';
import { ATTACHMENTS_ONLY_TEXT, TOO_LONG_TEXT } from '../src/turn/4-inputGuard';
import type { ConversationDialog } from '../src/turn/6-dialogs';
import type { Service } from '../src/service';
import { messageActivity, postActivity, startTestService } from './helpers/service';

describe('rate limits (rate-limiter-flexible, one library for every limit)', () => {
  it('allows `points` requests per window, then refuses with a Retry-After; keys are independent', async () => {
    const limiter = createRateLimiter({ name: 'unit', points: 3, durationSec: 10 });
    expect((await Promise.all([1, 2, 3].map(() => limiter.consume('a')))).map((d) => d.allowed)).toEqual([true, true, true]);
    const refused = await limiter.consume('a');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSec).toBeLessThanOrEqual(10);
    expect((await limiter.consume('b')).allowed).toBe(true);
  });

  it('blocks an address after too many failed sign-ins, and only failures count', async () => {
    const guard = new LoginGuard({ limit: 2, windowSeconds: 60 });
    expect(await guard.blocked('x')).toBe(0);
    expect(await guard.fail('x')).toBe(0);
    expect(await guard.fail('x')).toBe(0);
    expect(await guard.blocked('x')).toBe(0); // at the limit, not over it
    const wait = await guard.fail('x');
    expect(wait).toBeGreaterThan(0);
    expect(await guard.blocked('x')).toBeGreaterThan(0);
    expect(await guard.blocked('y')).toBe(0);
  });

  it('groups IPv6 by /64 and unwraps IPv4-mapped addresses', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('not an address')).toBe('unknown');
  });

  it('uses X-Forwarded-For only when TRUST_PROXY, and then the rightmost entry', () => {
    const req = { headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.9:4711' }, socket: { remoteAddress: '10.0.0.1' } } as unknown as Request;
    expect(clientAddress(req, false)).toBe('10.0.0.1');
    expect(clientAddress(req, true)).toBe('203.0.113.9');
  });
});

describe('limitByAddress handler', () => {
  const server = restify.createServer({ handleUncaughtExceptions: false });
  let url = '';
  beforeAll(async () => {
    const limiter = createRateLimiter({ name: 'handler', points: 2, durationSec: 60 });
    server.post('/limited', limitByAddress(limiter, false), async (_req, res) => {
      res.send(200, { ok: true });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/limited`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers 429 JSON with Retry-After over the limit; a forged X-Forwarded-For does not help', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await fetch(url, { method: 'POST', headers: { 'x-forwarded-for': `198.51.100.${i}` } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await last?.json()).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
  });
});

class EchoDialog implements ConversationDialog {
  async run(context: TurnContext, _accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
  }
  async sendWelcome(): Promise<void> {}
}

describe('per-conversation rate limit (full pipeline, real triage)', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startTestService({ RATE_LIMIT_MESSAGES: '3', RATE_LIMIT_WINDOW_SECONDS: '60' }, { overrides: { dialog: new EchoDialog() } });
  });
  afterAll(async () => service?.stop());

  it('answers politely once when a conversation goes over the limit, then stays quiet', async () => {
    const texts: string[][] = [];
    for (let i = 0; i < 6; i++) texts.push((await postActivity(service.url, messageActivity(`question ${i}`, 'rl-1'))).replies.map((r) => r.text ?? ''));
    expect(texts.slice(0, 3)).toEqual([['echo: question 0'], ['echo: question 1'], ['echo: question 2']]);
    expect(texts[3]).toHaveLength(1);
    expect(texts[3]?.[0]).toMatch(/faster than I can answer/);
    expect(texts[4]).toEqual([]);
    expect(texts[5]).toEqual([]);
    // Other conversations are not affected.
    const other = await postActivity(service.url, messageActivity('hello', 'rl-2'));
    expect(other.replies.map((r) => r.text)).toEqual(['echo: hello']);
  });

  it('still escalates a red flag in a rate-limited conversation', async () => {
    for (let i = 0; i < 4; i++) await postActivity(service.url, messageActivity(`filler ${i}`, 'rl-3'));
    const { status, replies } = await postActivity(service.url, messageActivity('my calf is swollen and I think I have a blood clot', 'rl-3'));
    expect(status).toBe(200);
    expect(replies.length).toBeGreaterThan(0);
    expect(replies[0]?.channelData?.urgency).not.toBe('none');
  });

  it('triages an oversized message in full (a red flag past 4,000 characters escalates) and answers politely otherwise', async () => {
    // Benign on its own (a tired leg after walking now counts as a circulation sign, so it cannot be the padding).
    const padding = 'I would like to ask about the stretches you suggested for my calves last week. '.repeat(60);
    const flagged = await postActivity(service.url, messageActivity(`${padding} Now I think I have a blood clot in my calf.`, 'rl-4'));
    expect(flagged.replies[0]?.channelData?.urgency).not.toBe('none');
    const plain = await postActivity(service.url, messageActivity(padding, 'rl-5'));
    expect(plain.status).toBe(200);
    expect(plain.replies.map((r) => r.text)).toEqual([TOO_LONG_TEXT]);
  });

  it('answers an attachments-only message politely', async () => {
    const { replies } = await postActivity(service.url, messageActivity('', 'rl-6', { text: undefined, attachments: [{ contentType: 'image/png', contentUrl: 'http://127.0.0.1:9/a.png' }] }));
    expect(replies.map((r) => r.text)).toEqual([ATTACHMENTS_ONLY_TEXT]);
  });
});
