import { ConversationState, MemoryStorage, TestAdapter } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../src/config';
import { silentLogger } from '../src/logger';
import { useNock } from './helpers/nock';
import { triageMiddleware } from './helpers/turn';

import { createEscalationAlert, EscalationAlert } from '../src/triage/alert';

const HOOK = 'https://hooks.example.org';
const PATH = '/webhook/abc';

function alert(overrides: Partial<ConstructorParameters<typeof EscalationAlert>[0]> = {}): EscalationAlert {
  return new EscalationAlert({ url: HOOK + PATH, includeText: false, logger: silentLogger, backoffMs: [5, 10, 20], timeoutMs: 200, ...overrides });
}

interface Card { attachments: { contentType: string; content: { body: { type: string; text?: string; facts?: { title: string; value: string }[] }[]; actions: { url: string }[] } }[] }

useNock();
beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});

describe('EscalationAlert', () => {
  it('posts a Teams-style Adaptive Card with level, time, conversation id and transcript link; no text by default', async () => {
    let body: Card | undefined;
    const scope = nock(HOOK).post(PATH, (b: Card) => {
      body = b;
      return true;
    }).reply(200, '1');
    const ok = await alert({ publicBaseUrl: 'https://bot.example.org/' }).send({ level: 'urgent', reasons: ['dvt_term'], conversationId: 'conv-1', text: 'secret health text', time: new Date('2025-01-01T10:00:00Z') });
    expect(ok).toBe(true);
    expect(scope.isDone()).toBe(true);
    const card = body?.attachments[0];
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const facts = card?.content.body.flatMap((b) => b.facts ?? []) ?? [];
    expect(facts).toContainEqual({ title: 'Level', value: 'urgent' });
    expect(facts).toContainEqual({ title: 'Conversation', value: 'conv-1' });
    expect(facts).toContainEqual({ title: 'Time', value: '2025-01-01T10:00:00.000Z' });
    expect(card?.content.actions[0]?.url).toBe('https://bot.example.org/staff/#/c/unknown%3Aconv-1');
    expect(JSON.stringify(body)).not.toContain('secret health text');
  });

  it('includes the message text only with ESCALATION_INCLUDE_TEXT, and uses a relative link without PUBLIC_BASE_URL', async () => {
    let raw = '';
    nock(HOOK).post(PATH, (b: unknown) => {
      raw = JSON.stringify(b);
      return true;
    }).reply(200);
    const a = createEscalationAlert(testConfig({ ESCALATION_WEBHOOK_URL: HOOK + PATH, ESCALATION_INCLUDE_TEXT: 'true' }), silentLogger, { backoffMs: [1] });
    expect(a).toBeDefined();
    expect(await a?.send({ level: 'emergency', reasons: ['chest_pain'], conversationId: 'c 2', channelId: 'webchat', text: 'chest pain now, call me on 07700 900123' })).toBe(true);
    expect(raw).toContain('chest pain now, call me on [phone]');
    expect(raw).not.toContain('07700');
    expect(raw).toContain('"/staff/#/c/webchat%3Ac%202"');
  });

  it('is not created when ESCALATION_WEBHOOK_URL is unset', () => {
    expect(createEscalationAlert(testConfig(), silentLogger)).toBeUndefined();
  });

  it('retries after a 500 and then succeeds', async () => {
    const scope = nock(HOOK).post(PATH).reply(500).post(PATH).reply(200);
    expect(await alert().send({ level: 'urgent', reasons: ['swelling'], conversationId: 'c3' })).toBe(true);
    expect(scope.isDone()).toBe(true);
  });

  it('gives up after 3 attempts that time out, without throwing', async () => {
    const scope = nock(HOOK).post(PATH).times(3).delay(1000).reply(200);
    expect(await alert({ timeoutMs: 50 }).send({ level: 'urgent', reasons: ['swelling'], conversationId: 'c4' })).toBe(false);
    expect(scope.isDone()).toBe(true);
  });

  it('alerts once per conversation and level while a red flag is repeated, again for a new level or later', async () => {
    const scope = nock(HOOK).post(PATH).times(3).reply(200);
    const a = alert({ dedupeMs: 60_000 });
    const at = (minutes: number) => new Date(Date.UTC(2025, 0, 1, 10, minutes));
    const event = { level: 'urgent' as const, reasons: ['swelling'], conversationId: 'c6', channelId: 'webchat' };
    expect(await a.send({ ...event, time: at(0) })).toBe(true);
    expect(await a.send({ ...event, time: at(0) })).toBe(false);
    expect(await a.send({ ...event, level: 'emergency', time: at(0) })).toBe(true);
    expect(await a.send({ ...event, time: at(2) })).toBe(true);
    expect(scope.isDone()).toBe(true);
  });

  it('a timeout then a success is delivered', async () => {
    nock(HOOK).post(PATH).delay(1000).reply(200).post(PATH).reply(200);
    expect(await alert({ timeoutMs: 50 }).send({ level: 'urgent', reasons: ['swelling'], conversationId: 'c5' })).toBe(true);
  });
});

describe('TriageMiddleware with an alert', () => {
  it('replies to the user before the webhook completes (fire and forget)', async () => {
    const events: string[] = [];
    nock(HOOK).post(PATH).delay(300).reply(200, () => {
      events.push('webhook answered');
      return 'ok';
    });
    const a = alert({ timeoutMs: 2000 });
    const conversationState = new ConversationState(new MemoryStorage());
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    const adapter = new TestAdapter(async () => {
      events.push('bot ran');
    });
    adapter.use(triageMiddleware({ conversationState, dialogState, alert: a }));
    await adapter.send('could it be a blood clot?').assertReply((reply) => {
      events.push('user got reply');
      expect(reply.attachments?.length).toBe(1);
    });
    events.push('turn finished');
    await a.flush();
    expect(events).toEqual(['user got reply', 'turn finished', 'webhook answered']);
  });

  it('a failing webhook does not break the reply', async () => {
    nock(HOOK).post(PATH).times(3).reply(500);
    const a = alert();
    const conversationState = new ConversationState(new MemoryStorage());
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    const adapter = new TestAdapter(async () => undefined);
    adapter.use(triageMiddleware({ conversationState, dialogState, alert: a }));
    await adapter.send('my foot is cold and white').assertReply((reply) => {
      expect((reply.channelData as { urgency: string }).urgency).toBe('emergency');
    });
    await a.flush();
  });
});
