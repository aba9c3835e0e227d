/**
 * Property-based fuzzing of POST /api/messages over loopback: ≥ 5,000 generated requests
 * per run (FUZZ_RUNS to change, FUZZ_SEED to replay). Every answer is 2xx or 4xx with a
 * JSON body (4xx: `{ error: { code, message } }`); afterwards the server still serves a
 * normal conversation, still escalates a red flag, and /readyz is still 200.
 * Fixed regression cases for what fuzzing found live in tests/data/fuzz-regressions.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResult, describeCase, fuzzCaseArbitrary, sendCase, type FuzzCase } from './fuzzArbitraries';
import { ESCALATION_TEXT, startHarness, type Harness } from './securityHarness';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);

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
