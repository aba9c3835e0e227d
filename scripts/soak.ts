/**
 * npm run soak -- [--seconds N] [--conversations C] [--max-rss-growth-mb M]
 *
 * Starts the real service as a child process (`npx tsx src/index.ts`, SQLite in a temp
 * folder, 127.0.0.1 only) and runs C concurrent conversations (default 100) against it
 * for N seconds (default 60). Each conversation loops over a short script of patient
 * messages (one of them a red flag) with deliveryMode expectReplies, one turn at a time,
 * pausing enough to stay under the per-conversation rate limit.
 *
 * Reports: errors (must be 0: any non-200, missing reply, missed escalation or transport
 * error), throughput, latency p50/p90/p99/max, and the server's RSS: idle (after a few
 * turns), at the start of the measured part (after the first third of the run, under load)
 * and at the end. Exit code 1 if there were errors or RSS grew by more than
 * --max-rss-growth-mb (default 150 MB): a leak shows up as growth proportional to the
 * number of turns, whereas caches and the conversation/limiter maps are bounded.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Agent, request } from 'node:http';

// FIFO reuse keeps every pooled socket busy, so none sits idle past the server's
// keep-alive timeout (5 s) and gets closed just as it is reused (ECONNRESET race).
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'fifo' });

/** POST JSON over a keep-alive node:http agent (one socket per concurrent conversation). */
function postJson(url: string, payload: unknown, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(payload));
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  const n = raw === undefined ? def : Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`soak: --${name} must be a positive number\n`);
    process.exit(2);
  }
  return n;
}

const SECONDS = Math.min(arg('seconds', 60), 3600);
const CONVERSATIONS = Math.min(Math.floor(arg('conversations', 100)), 1000);
const MAX_RSS_GROWTH_MB = arg('max-rss-growth-mb', 150);
// RATE_LIMIT_MESSAGES=20 per 10 s: one turn every 600 ms per conversation stays under it.
const MIN_TURN_INTERVAL_MS = 600;

const SCRIPT: { text: string; redFlag?: boolean }[] = [
  { text: 'hi' },
  { text: 'I pulled my calf playing football yesterday, what should I do?' },
  { text: 'how long does a calf strain take to heal?' },
  { text: 'can I book an appointment?' },
  { text: 'my calf is swollen, red and hot and I think it might be a blood clot', redFlag: true },
  { text: 'what stretches help with tight calves?' },
  { text: 'thanks, bye' },
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function rssMb(pid: number): number {
  // Linux: VmRSS of the server process (the tsx child runs node in the same process tree;
  // we read the process that listens, found via its /proc children if needed).
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function descendants(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return children.flatMap((c) => [c, ...descendants(c)]);
  } catch {
    return [];
  }
}

/** RSS of the node process that runs the service: the largest in the child's tree. */
function serverRss(rootPid: number): number {
  return Math.max(...[rootPid, ...descendants(rootPid)].map((p) => {
    try {
      return rssMb(p);
    } catch {
      return 0;
    }
  }));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'calfbot-soak-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('npx', ['tsx', 'src/index.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dir, 'soak.db')}`, LOG_LEVEL: 'warn', MicrosoftAppId: '', MicrosoftAppPassword: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const stopChild = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', stopChild);

  try {
    // Wait for readiness (bounded).
    const readyBy = Date.now() + 60_000;
    for (;;) {
      if (Date.now() > readyBy) throw new Error(`the service did not become ready in 60 s\n${stderr}`);
      if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode})\n${stderr}`);
      try {
        if ((await fetch(`${url}/readyz`)).status === 200) break;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }

    let errors = 0;
    const errorSamples: string[] = [];
    const latencies: number[] = [];
    const slowest: { ms: number; at: number; text: string }[] = [];
    let runStarted = Date.now();
    let turns = 0;
    const fail = (why: string) => {
      errors++;
      if (errorSamples.length < 10) errorSamples.push(why);
    };

    const turn = async (conversation: string, step: { text: string; redFlag?: boolean }, seq: number): Promise<void> => {
      const started = performance.now();
      try {
        const res = await postJson(`${url}/api/messages`, {
          type: 'message', id: `s${seq}`, text: step.text, channelId: 'soak', serviceUrl: 'http://localhost', deliveryMode: 'expectReplies',
          conversation: { id: conversation }, from: { id: `${conversation}-user`, name: 'Soak' }, recipient: { id: 'bot' },
        }, 30_000);
        const body = JSON.parse(res.body) as { activities?: { channelData?: { urgency?: string } }[] };
        const ms = performance.now() - started;
        latencies.push(ms);
        if (slowest.length < 5 || ms > (slowest.at(-1)?.ms ?? 0)) {
          slowest.push({ ms, at: (Date.now() - ms - runStarted) / 1000, text: step.text });
          slowest.sort((a, b) => b.ms - a.ms);
          slowest.length = Math.min(slowest.length, 5);
        }
        turns++;
        if (res.status !== 200) return fail(`status ${res.status}`);
        if (!body.activities?.length) return fail(`no reply to "${step.text.slice(0, 20)}…"`);
        if (step.redFlag && body.activities[0]?.channelData?.urgency === 'none') return fail('a red flag did not escalate');
      } catch (error) {
        fail(`transport at ${((Date.now() - runStarted) / 1000).toFixed(1)} s: ${(error as Error).message}`);
      }
    };

    // A few turns to load everything; RSS now is the idle baseline. The growth bound is
    // checked against the RSS after the first third of the run under full load (V8 sizes its
    // heap to the load first; that is not a leak), so a leak shows as growth after that.
    for (const [i, step] of SCRIPT.entries()) await turn(`soak-warmup`, step, i);
    const rssIdle = serverRss(child.pid ?? 0);
    const started = Date.now();
    runStarted = started;
    slowest.length = 0;
    const deadline = started + SECONDS * 1000;
    let rssPeak = rssIdle;
    let rssStart = rssIdle;
    const baseline = setTimeout(() => {
      rssStart = serverRss(child.pid ?? 0);
    }, Math.max(5, SECONDS / 3) * 1000);

    const progress = setInterval(() => {
      const elapsed = (Date.now() - started) / 1000;
      const rss = serverRss(child.pid ?? 0);
      rssPeak = Math.max(rssPeak, rss);
      process.stderr.write(`\rsoak: ${elapsed.toFixed(0)}/${SECONDS} s, ${turns} turns, ${(turns / Math.max(elapsed, 0.001)).toFixed(0)} turns/s, ${errors} errors, RSS ${rss.toFixed(0)} MB   `);
    }, 1000);

    let seq = 0;
    const conversation = async (n: number): Promise<void> => {
      let round = 0;
      while (Date.now() < deadline) {
        const id = `soak-${n}-${round++}`; // a fresh conversation after each script
        for (const step of SCRIPT) {
          if (Date.now() >= deadline) return;
          const t = Date.now();
          await turn(id, step, seq++);
          const wait = MIN_TURN_INTERVAL_MS - (Date.now() - t);
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      }
    };
    await Promise.all(Array.from({ length: CONVERSATIONS }, (_, i) => conversation(i)));
    clearInterval(progress);
    clearTimeout(baseline);
    process.stderr.write('\n');

    const rssEnd = serverRss(child.pid ?? 0);
    const elapsed = (Date.now() - started) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    const growth = rssEnd - rssStart;
    const ok = errors === 0 && growth <= MAX_RSS_GROWTH_MB;
    process.stdout.write(
      [
        '',
        `soak summary: ${CONVERSATIONS} concurrent conversations for ${SECONDS} s against ${url} (SQLite)`,
        `  turns:       ${turns} (${(turns / elapsed).toFixed(1)} turns/s)`,
        `  errors:      ${errors}${errorSamples.length ? `\n    - ${errorSamples.join('\n    - ')}` : ''}`,
        `  latency ms:  p50 ${percentile(sorted, 50).toFixed(1)}  p90 ${percentile(sorted, 90).toFixed(1)}  p99 ${percentile(sorted, 99).toFixed(1)}  max ${(sorted[sorted.length - 1] ?? 0).toFixed(1)}`,
        `  slowest:     ${slowest.map((x) => `${x.ms.toFixed(0)} ms at ${x.at.toFixed(1)} s ("${x.text.slice(0, 24)}…")`).join('; ')}`,
        `  RSS MB:      idle ${rssIdle.toFixed(1)}  start (after ${Math.max(5, SECONDS / 3).toFixed(0)} s of load) ${rssStart.toFixed(1)}  end ${rssEnd.toFixed(1)}  peak ${rssPeak.toFixed(1)}  growth ${growth.toFixed(1)} (bound ${MAX_RSS_GROWTH_MB})`,
        ok ? 'RESULT: PASS' : `RESULT: FAIL${errors ? ` (${errors} errors)` : ''}${growth > MAX_RSS_GROWTH_MB ? ` (RSS grew ${growth.toFixed(0)} MB)` : ''}`,
        '',
      ].join('\n'),
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    stopChild();
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
