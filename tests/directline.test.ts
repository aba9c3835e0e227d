/**
 * The self-hosted Direct Line endpoint (/v3/directline) and the Azure token exchange,
 * against the real service (in-process, port 0, memory storage). The dialog and the
 * recognizer are fakes (their content is tested elsewhere); triage and the rest of the
 * pipeline are the real ones.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import nock from 'nock';
import type { TurnContext } from 'botbuilder';
import { startTestService } from './helpers/service';
import { useNock } from './helpers/nock';
import type { Service } from '../src/service';
import type { ConversationDialog } from '../src/turn/6-dialogs';
import type { IntentRecognizer } from '../src/nlu/types';
import { cardMessage } from '../src/cards';
import { TokenIssuer } from '../src/channels/tokens';
import { ConversationStore } from '../src/channels/conversationStore';

interface DlActivity {
  id: string;
  type: string;
  text?: string;
  from: { id: string; role?: string };
  conversation: { id: string };
  channelId: string;
  replyToId?: string;
  channelData?: { intent: string | null; urgency: string; clientActivityID?: string };
  attachments?: { contentType: string }[];
  suggestedActions?: { actions: { title: string }[] };
}

const fakeDialog: ConversationDialog = {
  async run(context: TurnContext) {
    await context.sendActivity(`You said: ${context.activity.text}`);
  },
  async sendWelcome(context: TurnContext) {
    await context.sendActivity(cardMessage({ title: 'Welcome to the clinic', paragraphs: ['Ask me about calf pain.'], buttons: [{ title: 'Self-test', kind: 'imBack', value: 'self-test' }] }));
  },
};
const fakeRecognizer: IntentRecognizer = {
  async recognize() {
    return { text: '', intents: { None: { score: 1 } }, entities: {} };
  },
};

useNock();

let service: Service;
let base: string;

beforeAll(async () => {
  service = await startTestService({}, { overrides: { dialog: fakeDialog, recognizer: fakeRecognizer } });
  base = `${service.url}/v3/directline`;
});
afterAll(async () => {
  await service?.stop();
});

async function call(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** What Web Chat does: get a token from our page API, then start the conversation with it. */
async function startConversation(): Promise<{ token: string; conversationId: string; userId: string }> {
  const gen = await call('POST', '/tokens/generate', undefined, {});
  expect(gen.status).toBe(200);
  const start = await call('POST', '/conversations', gen.json.token as string, { user: { id: 'ignored', name: 'Pat' } });
  expect(start.status).toBe(201);
  expect(start.json.conversationId).toBe(gen.json.conversationId);
  return { token: start.json.token as string, conversationId: start.json.conversationId as string, userId: gen.json.userId as string };
}

async function activities(conversationId: string, token: string, watermark?: string): Promise<{ status: number; activities: DlActivity[]; watermark: string }> {
  const r = await call('GET', `/conversations/${conversationId}/activities${watermark !== undefined ? `?watermark=${watermark}` : ''}`, token);
  return { status: r.status, activities: (r.json.activities as DlActivity[]) ?? [], watermark: r.json.watermark as string };
}

function post(conversationId: string, token: string, text: string, extra: Record<string, unknown> = {}) {
  return call('POST', `/conversations/${conversationId}/activities`, token, { type: 'message', text, from: { id: 'whoever', role: 'user' }, channelData: { clientActivityID: `c-${text.length}` }, ...extra });
}

describe('self-hosted Direct Line', () => {
  it('starts a conversation with the welcome from the pipeline (conversationUpdate with the user added)', async () => {
    const { token, conversationId } = await startConversation();
    const got = await activities(conversationId, token);
    expect(got.status).toBe(200);
    expect(got.activities).toHaveLength(1);
    const welcome = got.activities[0]!;
    expect(welcome.from.role).toBe('bot');
    expect(welcome.channelId).toBe('webchat');
    expect(welcome.conversation.id).toBe(conversationId);
    expect(welcome.channelData).toMatchObject({ urgency: 'none' });
    expect(welcome.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(welcome.suggestedActions?.actions.map((a) => a.title)).toEqual(['Self-test']);
  });

  it('echoes the user message, then the reply; the watermark returns only new activities', async () => {
    const { token, conversationId, userId } = await startConversation();
    const first = await activities(conversationId, token, '');
    expect(first.activities).toHaveLength(1);

    const posted = await post(conversationId, token, 'hello there');
    expect(posted.status).toBe(200);
    expect(typeof posted.json.id).toBe('string');

    const next = await activities(conversationId, token, first.watermark);
    expect(next.activities.map((a) => a.text)).toEqual(['hello there', 'You said: hello there']);
    const [echo, reply] = next.activities as [DlActivity, DlActivity];
    expect(echo.id).toBe(posted.json.id);
    expect(echo.from).toMatchObject({ id: userId, role: 'user' }); // the token's user, not the one posted
    expect(echo.channelData?.clientActivityID).toBe('c-11'); // Web Chat matches its pending message by this
    expect(reply.replyToId).toBe(echo.id);
    expect(reply.channelData).toMatchObject({ urgency: 'none' });

    const none = await activities(conversationId, token, next.watermark);
    expect(none.activities).toEqual([]);
    expect(none.watermark).toBe(next.watermark);

    // A card button pressed in Web Chat: Action.Submit data, no text → normalized to text.
    await post(conversationId, token, '', { text: undefined, value: { msteams: { type: 'imBack', value: 'self-test' } } });
    const pressed = await activities(conversationId, token, next.watermark);
    expect(pressed.activities.at(-1)?.text).toBe('You said: self-test');
  });

  it("a second conversation's token cannot read or post to the first one", async () => {
    const a = await startConversation();
    const b = await startConversation();
    expect(a.conversationId).not.toBe(b.conversationId);
    await post(a.conversationId, a.token, 'private words');

    const read = await activities(a.conversationId, b.token);
    expect(read.status).toBe(403);
    expect(read.activities).toEqual([]);
    expect((await post(a.conversationId, b.token, 'intrusion')).status).toBe(403);
    expect((await call('GET', `/conversations/${a.conversationId}`, b.token)).status).toBe(403);

    const own = await activities(b.conversationId, b.token);
    expect(own.activities.some((x) => x.text?.includes('private'))).toBe(false);
  });

  it('a bad token gets 403, a missing token 401', async () => {
    const { token, conversationId } = await startConversation();
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: 9_999_999_999 })).toString('base64url')}.${s}`;
    for (const bad of ['nonsense', 'a.b.c', forged, `${token}x`]) {
      expect((await activities(conversationId, bad)).status).toBe(403);
      expect((await post(conversationId, bad, 'hi')).status).toBe(403);
      expect((await call('POST', '/tokens/refresh', bad)).status).toBe(403);
    }
    const missing = await activities(conversationId, undefined as unknown as string);
    expect(missing.status).toBe(401);
  });

  it('refreshes a token: the new one works for the same conversation', async () => {
    const { token, conversationId } = await startConversation();
    const refreshed = await call('POST', '/tokens/refresh', token);
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.conversationId).toBe(conversationId);
    expect(refreshed.json.expires_in).toBe(1800);
    expect((await activities(conversationId, refreshed.json.token as string)).status).toBe(200);
    // Resuming (DirectLineJS: GET /conversations/:id?watermark=) answers with a token too.
    const resumed = await call('GET', `/conversations/${conversationId}?watermark=1`, token);
    expect(resumed.status).toBe(200);
    expect(typeof resumed.json.token).toBe('string');
  });

  it('posting runs triage: an urgent message gets a reply with channelData.urgency "urgent"', async () => {
    const { token, conversationId } = await startConversation();
    const before = await activities(conversationId, token);
    await post(conversationId, token, 'my calf is swollen and red after a long flight');
    const after = await activities(conversationId, token, before.watermark);
    const replies = after.activities.filter((a) => a.from.role === 'bot');
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.every((r) => r.channelData?.urgency === 'urgent')).toBe(true);
  });

  it('logs Direct Line turns in the transcript store, as /api/messages does', async () => {
    const { token, conversationId } = await startConversation();
    await post(conversationId, token, 'hello transcript');
    const page = await service.db.transcripts.getTranscriptActivities('webchat', conversationId);
    const texts = page.items.map((a) => a.text);
    expect(texts).toContain('You said: hello transcript');
  });

  it('validates bodies with 400 naming the field', async () => {
    const { token, conversationId } = await startConversation();
    const bad = await call('POST', `/conversations/${conversationId}/activities`, token, { type: 'bogus', text: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ field: 'type' });
    const badText = await call('POST', `/conversations/${conversationId}/activities`, token, { type: 'message', text: 42 });
    expect(badText.status).toBe(400);
    expect(badText.json.error).toMatchObject({ field: 'text' });
    const badWatermark = await activities(conversationId, token, 'abc');
    expect(badWatermark.status).toBe(400);
  });

  it('unknown conversation → 404 (DirectLineJS ends the conversation)', async () => {
    const gen = await call('POST', '/tokens/generate', undefined, {});
    const r = await activities(gen.json.conversationId as string, gen.json.token as string);
    expect(r.status).toBe(404);
  });
});

describe('tokens and the in-memory store', () => {
  it('an expired token is refused, and so is one signed by another instance or garbled', async () => {
    let now = 1_000_000_000_000;
    const issuer = new TokenIssuer(60, undefined, () => now);
    const { token } = await issuer.issue('c1', 'dl_u');
    expect(await issuer.verify(token)).toMatchObject({ ok: true, claims: { conv: 'c1', user: 'dl_u' } });
    now += 61_000;
    expect(await issuer.verify(token)).toEqual({ ok: false, reason: 'expired' });
    expect(await new TokenIssuer().verify(token)).toEqual({ ok: false, reason: 'signature' });
    expect(await issuer.verify('not.a.token')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('keeps the last N activities per conversation and drops idle conversations', () => {
    let now = 0;
    const store = new ConversationStore({ maxActivities: 3, idleMs: 1000, maxConversations: 2, now: () => now });
    const { conversation } = store.open('c1', 'u');
    for (let i = 0; i < 5; i++) store.append(conversation, { type: 'message', text: String(i) });
    expect(store.since(conversation, undefined)).toEqual({ activities: expect.any(Array), watermark: '5' });
    expect(store.since(conversation, undefined).activities.map((a) => a.text)).toEqual(['2', '3', '4']);
    expect(store.since(conversation, 4).activities.map((a) => a.text)).toEqual(['4']);
    store.open('c2', 'u');
    store.open('c3', 'u'); // over maxConversations: the longest idle goes
    expect(store.size).toBe(2);
    now += 2000;
    expect(store.get('c3')).toBeUndefined();
  });
});

describe('widget configuration and the Azure token exchange', () => {
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('self-hosted mode by default: /api/webchat/config points at /v3/directline', async () => {
    const res = await fetch(`${service.url}/api/webchat/config`);
    expect(await res.json()).toMatchObject({ mode: 'self-hosted', domain: '/v3/directline', tokenUrl: '/v3/directline/tokens/generate', webSocket: false });
    expect((await fetch(`${service.url}/api/directline/token`, { method: 'POST' })).status).toBe(404);
  });

  describe('with DIRECT_LINE_SECRET', () => {
    const SECRET = 'super-secret-direct-line-key-1234567890';
    let azure: Service;
    beforeAll(async () => {
      azure = await startTestService({ DIRECT_LINE_SECRET: SECRET, DIRECT_LINE_ENDPOINT: 'https://directline.example.test' }, { overrides: { dialog: fakeDialog, recognizer: fakeRecognizer } });
    });
    afterAll(async () => {
      await azure?.stop();
    });

    it('exchanges the secret for a conversation token; the secret never reaches the browser', async () => {
      nock.disableNetConnect();
      nock.enableNetConnect('127.0.0.1');
      let seenAuth = '';
      let seenUser = '';
      const scope = nock('https://directline.example.test')
        .post('/v3/directline/tokens/generate', (body: { user?: { id?: string } }) => {
          seenUser = body.user?.id ?? '';
          return true;
        })
        .reply(function () {
          seenAuth = String(this.req.headers.authorization);
          return [200, { conversationId: 'azure-conv-1', token: 'azure-token-abc', expires_in: 3600 }];
        });
      const res = await fetch(`${azure.url}/api/directline/token`, { method: 'POST' });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(JSON.parse(text)).toMatchObject({ token: 'azure-token-abc', conversationId: 'azure-conv-1', expires_in: 3600 });
      expect(text).not.toContain(SECRET);
      expect(seenAuth).toBe(`Bearer ${SECRET}`);
      expect(seenUser).toMatch(/^dl_/);
      expect(scope.isDone()).toBe(true);

      const config = await (await fetch(`${azure.url}/api/webchat/config`)).json();
      expect(config).toMatchObject({ mode: 'azure', domain: 'https://directline.example.test/v3/directline', tokenUrl: '/api/directline/token' });
      expect(JSON.stringify(config)).not.toContain(SECRET);
      // The chat page may connect to Azure's Direct Line (https and wss).
      const csp = (await fetch(`${azure.url}/chat`)).headers.get('content-security-policy') ?? '';
      expect(csp).toContain('https://directline.example.test');
      expect(csp).toContain('wss://directline.example.test');
    });

    it('an upstream error becomes 502 without leaking the secret', async () => {
      nock.disableNetConnect();
      nock.enableNetConnect('127.0.0.1');
      nock('https://directline.example.test').post('/v3/directline/tokens/generate').reply(403, { error: { code: 'BadArgument', message: `secret ${SECRET} rejected` } });
      const res = await fetch(`${azure.url}/api/directline/token`, { method: 'POST' });
      const text = await res.text();
      expect(res.status).toBe(502);
      expect(text).not.toContain(SECRET);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_error' } });

      nock('https://directline.example.test').post('/v3/directline/tokens/generate').replyWithError('connect ECONNREFUSED');
      const down = await fetch(`${azure.url}/api/directline/token`, { method: 'POST' });
      expect(down.status).toBe(502);
      expect(await down.text()).not.toContain(SECRET);
    });
  });
});

describe('widget pages', () => {
  it('serves the demo page, the chat page, the embed script and Web Chat from the bot itself', async () => {
    const page = await fetch(`${service.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('/widget.js');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i); // no inline scripts
    expect(html).not.toMatch(/https?:\/\/(?!your-bot\.example)/); // nothing from outside

    const chat = await fetch(`${service.url}/chat`);
    const csp = chat.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toMatch(/frame-ancestors 'self'/);
    const chatHtml = await chat.text();
    expect(chatHtml).toMatch(/\/vendor\/webchat\.[0-9a-f]{16}\.js/);
    expect(chatHtml).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);

    const widget = await fetch(`${service.url}/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get('content-type')).toContain('javascript');
    expect(widget.headers.get('cross-origin-resource-policy')).toBe('cross-origin');

    const vendor = await fetch(`${service.url}/vendor/webchat.js`);
    expect(vendor.status).toBe(200);
    expect((await vendor.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);

    expect((await fetch(`${service.url}/site/../../package.json`)).status).toBe(404);
    expect((await fetch(`${service.url}/site/nothing.js`)).status).toBe(404);
  });

  it('the chat page honours FRAME_ANCESTORS', async () => {
    const framed = await startTestService({ FRAME_ANCESTORS: 'https://clinic.example' }, { overrides: { dialog: fakeDialog, recognizer: fakeRecognizer } });
    try {
      const csp = (await fetch(`${framed.url}/chat`)).headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/frame-ancestors 'self' https:\/\/clinic\.example/);
      const demo = await fetch(`${framed.url}/`);
      expect(demo.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self'(;|$)/);
    } finally {
      await framed.stop();
    }
  });
});
