/**
 * Property-based fuzzing over loopback, kept small for `npm test` (a few hundred cases;
 * `npm run fuzz` runs thousands): POST /api/messages (FUZZ_RUNS, default 300) and every
 * public route with odd methods, content encodings, depth, sizes and field types
 * (FUZZ_ROUTE_RUNS, default 300; FUZZ_SEED to replay). Every answer is 2xx or 4xx
 * (never 5xx) with a JSON error body on APIs; afterwards the server still serves a
 * normal conversation, still escalates a red flag, and /readyz is still 200.
 * Fixed regression cases for what fuzzing found live in tests/data/fuzz-regressions.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResult, describeCase, fuzzCaseArbitrary, sendCase, type FuzzCase } from './fuzzArbitraries';
import { ESCALATION_TEXT, startHarness, type Harness } from './securityHarness';
import { checkRouteResult, describeRouteCase, directLineContext, routeCaseArbitrary, sendRouteCase, type RouteCase } from './fuzzRoutes';
import { startTestService } from './helpers/service';
import { EchoDialog, freePort } from './staffHarness';
import type { Service } from '../src/service';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const ROUTE_RUNS = Number(process.env.FUZZ_ROUTE_RUNS ?? 300);

interface Regression {
  name: string;
  contentType: string;
  body: string;
  status: number;
  field?: string;
}

const regressions = JSON.parse(readFileSync(join(__dirname, 'data', 'fuzz-regressions.json'), 'utf8')) as Regression[];

function materialise(body: string): string {
  const deep = /^DEEP:(\d+)$/.exec(body);
  return deep ? `${'['.repeat(Number(deep[1]))}${']'.repeat(Number(deep[1]))}` : body;
}

async function post(url: string, activity: Record<string, unknown>): Promise<{ status: number; texts: string[]; urgencies: string[] }> {
  const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const body = (await res.json()) as { activities?: { text?: string; channelData?: { urgency?: string } }[] };
  return { status: res.status, texts: (body.activities ?? []).map((a) => a.text ?? ''), urgencies: (body.activities ?? []).map((a) => a.channelData?.urgency ?? '') };
}

const normal = (text: string, conversation: string) => ({
  type: 'message', text, channelId: 'test', serviceUrl: 'http://localhost', deliveryMode: 'expectReplies',
  conversation: { id: conversation }, from: { id: 'user-1' }, recipient: { id: 'bot' },
});

describe('fuzzing /api/messages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.stop());

  it.each(regressions.map((r) => [r.name, r] as const))('regression: %s', async (_name, r) => {
    const res = await sendCase(h.url, { kind: 'regression', contentType: r.contentType, body: materialise(r.body) });
    expect(checkResult({ kind: 'regression', contentType: r.contentType, body: r.body }, res)).toBeUndefined();
    expect(res.status).toBe(r.status);
    if (r.field) expect(JSON.parse(res.body)).toMatchObject({ error: { field: r.field } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it(`survives ${RUNS} generated requests: only 2xx/4xx, JSON errors, no crash`, { timeout: 240_000 }, async () => {
    const started = Date.now();
    // Two properties side by side (keep-alive loopback), each with its own seed.
    const baseSeed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
    const lanes = 2;
    await Promise.all(
      Array.from({ length: lanes }, (_, lane) =>
        fc.assert(
          fc.asyncProperty(fuzzCaseArbitrary(h.channelUrl), async (c: FuzzCase) => {
            const res = await sendCase(h.url, c);
            const problem = checkResult(c, res);
            if (problem) throw new Error(`${problem}\n  case: ${describeCase(c)}\n  answer: ${res.body.slice(0, 300)}\n  replay: FUZZ_SEED=${baseSeed}`);
          }),
          { numRuns: Math.ceil(RUNS / lanes), seed: baseSeed + lane },
        ),
      ),
    );
    // Nothing leaked onto Object.prototype from "__proto__" keys.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    console.info(`fuzz: ${RUNS} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('still works afterwards: a conversation, a red flag, readiness', async () => {
    const first = await post(h.url, normal('hello after the storm', 'fz-after'));
    expect(first.status).toBe(200);
    expect(first.texts).toEqual(['echo(1): hello after the storm']);
    const second = await post(h.url, normal('and again', 'fz-after'));
    expect(second.texts).toEqual(['echo(2): and again']);
    const flagged = await post(h.url, normal('I think I have a clot in my calf', 'fz-after-flag'));
    expect(flagged.texts[0]).toBe(ESCALATION_TEXT);
    expect(flagged.urgencies[0]).toBe('urgent');
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});

describe('fuzzing every public route (methods, encodings, depth, size, field types)', () => {
  let service: Service;
  beforeAll(async () => {
    // Limits high enough that the cases reach the handlers instead of meeting a 429.
    service = await startTestService({
      PORT: await freePort(), RATE_LIMIT_MESSAGES: '10000', RATE_LIMIT_ADDRESS_PER_MINUTE: '1000000',
      RATE_LIMIT_CONVERSATION_PER_MINUTE: '1000000', RATE_LIMIT_NEW_CONVERSATIONS_PER_MINUTE: '1000000',
    }, { overrides: { dialog: new EchoDialog() } });
  });
  afterAll(async () => service?.stop());

  it(`answers ${ROUTE_RUNS} generated requests with no 5xx and keeps working`, { timeout: 240_000 }, async () => {
    const ctx = await directLineContext(service.url);
    const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(routeCaseArbitrary, async (c: RouteCase) => {
        const res = await sendRouteCase(ctx, c);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const problem = checkRouteResult(c, res);
        if (problem) throw new Error(`${problem}\n  case: ${describeRouteCase(c)}\n  answer: ${res.body.slice(0, 300)}\n  replay: FUZZ_SEED=${seed}`);
      }),
      { numRuns: ROUTE_RUNS, seed },
    );
    expect([...statuses.keys()].filter((s) => s >= 500 && s !== 501)).toEqual([]);
    // The Direct Line conversation the cases posted into still polls, and a new one works.
    const poll = await fetch(`${service.url}/v3/directline/conversations/${ctx.conversationId}/activities`, { headers: { authorization: `Bearer ${ctx.token}` } });
    expect(poll.status).toBe(200);
    const res = await postActivityJson(service.url, normal('hello after the route storm', 'fz-routes-after'));
    expect(res.status).toBe(200);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });
});

async function postActivityJson(url: string, activity: Record<string, unknown>): Promise<{ status: number }> {
  const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  await res.text();
  return { status: res.status };
}
