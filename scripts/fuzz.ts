/**
 * npm run fuzz -- [--runs N] [--seconds S] [--seed X] [--concurrency C]
 *
 * The long fuzz run: the full service (real triage, NLU and dialogs, in-memory storage)
 * in this process on 127.0.0.1 only, bombarded with generated requests until N requests
 * (default 50,000) or S seconds (default 300), whichever comes first: half are hostile
 * /api/messages activities (tests/fuzzArbitraries.ts), half go to EVERY public route —
 * Direct Line, Web Chat, staff API and console, health, static files — with odd methods,
 * content encodings (gzip, deflate, br, lists, unknown, invalid bodies, a 200 MB gzip
 * bomb), deep JSON, oversized bodies and wrong field types (tests/fuzzRoutes.ts).
 * A progress line every second; a summary at the end. Exit code 1 if any answer broke the
 * rules (a 5xx, a non-JSON API error, an error without `{ error: { code, message } }`),
 * if a request got no answer, or if the service no longer works afterwards.
 * Replay a failure with the printed --seed; add it to tests/data/fuzz-regressions.json.
 */
import fc from 'fast-check';
import { testConfig } from '../src/config';
import { silentLogger } from '../src/logger';
import { startService } from '../src/service';
import { checkResult, describeCase, fuzzCaseArbitrary, sendCase, type FuzzCase } from '../tests/fuzzArbitraries';
import { checkRouteResult, describeRouteCase, directLineContext, routeCaseArbitrary, sendRouteCase, type RouteCase } from '../tests/fuzzRoutes';

type AnyCase = { route: false; c: FuzzCase } | { route: true; c: RouteCase };

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  const n = raw === undefined ? def : Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`fuzz: --${name} must be a non-negative number\n`);
    process.exit(2);
  }
  return n;
}

const runs = Math.min(arg('runs', 50_000), 5_000_000);
const seconds = Math.min(arg('seconds', 300), 24 * 3600);
const seed = arg('seed', Math.floor(Math.random() * 2 ** 31));
const concurrency = Math.max(1, Math.min(arg('concurrency', 4), 32));

async function main(): Promise<void> {
  // Loopback only; limits high enough that cases reach the handlers instead of a 429.
  const service = await startService(testConfig({
    PORT: '0', HOST: '127.0.0.1', RATE_LIMIT_MESSAGES: '10000', RATE_LIMIT_ADDRESS_PER_MINUTE: '1000000',
    RATE_LIMIT_CONVERSATION_PER_MINUTE: '1000000', RATE_LIMIT_NEW_CONVERSATIONS_PER_MINUTE: '1000000',
  }), silentLogger);
  const ctx = await directLineContext(service.url);
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  const byStatus = new Map<number, number>();
  const byKind = new Map<string, number>();
  const failures: string[] = [];
  let done = 0;
  let transportErrors = 0;
  let batch = 0;

  const progress = setInterval(() => {
    const elapsed = (Date.now() - started) / 1000;
    process.stderr.write(`\rfuzz: ${done}/${runs} requests, ${failures.length} failures, ${(done / Math.max(elapsed, 0.001)).toFixed(0)} req/s, ${elapsed.toFixed(0)}/${seconds} s   `);
  }, 1000);

  try {
    while (done < runs && Date.now() < deadline) {
      const size = Math.min(1000, runs - done);
      const cases: AnyCase[] = fc.sample(
        fc.oneof(
          fuzzCaseArbitrary(`${service.url}/fake-channel/`).map((c): AnyCase => ({ route: false, c })),
          routeCaseArbitrary.map((c): AnyCase => ({ route: true, c })),
        ),
        { numRuns: size, seed: seed + batch++ },
      );
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < cases.length && Date.now() < deadline) {
          const item = cases[next++];
          if (!item) break;
          const tally = (k: string) => byKind.set(k, (byKind.get(k) ?? 0) + 1);
          if (item.route) {
            const [method, path, ...rest] = item.c.kind.split(' ');
            const encoding = rest.join(' ');
            tally(`route ${path}`);
            tally(`method ${method}`);
            tally(encoding.startsWith('encoding:') ? encoding.replace(/^encoding:/, 'content-encoding ') : 'content-encoding none');
          } else tally(`/api/messages ${item.c.kind}`);
          const described = item.route ? describeRouteCase(item.c) : describeCase(item.c);
          try {
            const r = item.route ? await sendRouteCase(ctx, item.c) : await sendCase(service.url, item.c);
            byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
            const problem = item.route ? checkRouteResult(item.c, { ...r, contentType: '' }) : checkResult(item.c, r);
            if (problem && failures.length < 1000) failures.push(`${problem}\n    case: ${described}\n    answer: ${r.body.slice(0, 200)}`);
          } catch (error) {
            transportErrors++;
            const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
            if (failures.length < 1000) failures.push(`transport error ${(error as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}\n    case: ${described}`);
          }
          done++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }
  } finally {
    clearInterval(progress);
    process.stderr.write('\n');
  }

  // Still alive and uncorrupted?
  const post = async (text: string) => {
    const r = await fetch(`${service.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text, channelId: 'test', serviceUrl: 'http://localhost', deliveryMode: 'expectReplies', conversation: { id: `fuzz-after-${Date.now()}` }, from: { id: 'u' }, recipient: { id: 'bot' } }),
    });
    return { status: r.status, body: (await r.json()) as { activities?: { channelData?: { urgency?: string } }[] } };
  };
  const after: string[] = [];
  const hello = await post('hello');
  if (hello.status !== 200 || !hello.body.activities?.length) after.push(`a normal message got ${hello.status} with ${hello.body.activities?.length ?? 0} replies`);
  const flag = await post('I think I have a blood clot in my calf');
  if (flag.body.activities?.[0]?.channelData?.urgency === 'none' || !flag.body.activities?.length) after.push('a red flag no longer escalates');
  const poll = await fetch(`${service.url}/v3/directline/conversations/${ctx.conversationId}/activities`, { headers: { authorization: `Bearer ${ctx.token}` } });
  if (poll.status !== 200) after.push(`the fuzzed Direct Line conversation polls ${poll.status}`);
  const ready = await fetch(`${service.url}/readyz`);
  if (ready.status !== 200) after.push(`/readyz is ${ready.status}`);
  await service.stop();

  const elapsed = (Date.now() - started) / 1000;
  const statuses = [...byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ');
  const kinds = [...byKind.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}×${n}`).join('\n              ');
  process.stdout.write(
    [
      '',
      `fuzz summary (seed ${seed})`,
      `  requests:   ${done} in ${elapsed.toFixed(1)} s (${(done / Math.max(elapsed, 0.001)).toFixed(0)} req/s, concurrency ${concurrency})`,
      `  statuses:   ${statuses}`,
      `  kinds:      ${kinds}`,
      `  transport:  ${transportErrors} errors`,
      `  failures:   ${failures.length}`,
      ...failures.slice(0, 10).map((f) => `    - ${f}`),
      `  afterwards: ${after.length === 0 ? 'normal conversation, red-flag escalation and /readyz all fine' : after.join('; ')}`,
      failures.length === 0 && after.length === 0 ? 'RESULT: PASS' : `RESULT: FAIL (replay with --seed ${seed})`,
      '',
    ].join('\n'),
  );
  process.exit(failures.length === 0 && after.length === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`fuzz: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
