/**
 * The load generator: autocannon, in this process, replaying the conversation scripts
 * over N keep-alive connections. Each connection plays one conversation at a time;
 * every replay gets a fresh conversation id and user id.
 */
import autocannon from 'autocannon';
import { activityFor, hasReplies, SCRIPTS, MAX_TURNS, type Script } from './conversations';

export interface LoadOptions {
  url: string;
  label: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  seconds: number;
  /** Stop after exactly this many requests instead of a duration. */
  amount?: number;
  /** With `amount`: stop anyway after this many seconds. */
  maxSeconds?: number;
  /** Scripts to replay (default: all). */
  scripts?: Script[];
  /** Prefix of conversation ids, unique per run. */
  idPrefix: string;
  /** Seconds before autocannon gives up on a response (default 10). */
  timeoutSeconds?: number;
  /** Print a progress line every second. */
  progress?: boolean;
  /** Fixed offered load, turns per second over all connections (default: as fast as answered). */
  rate?: number;
}

export interface LoadResult {
  label: string;
  connections: number;
  durationS: number;
  turns: number;
  turnsPerSec: number;
  conversations: number;
  /** True when `maxSeconds` stopped the run before `amount` requests. */
  capped: boolean;
  /** Mean response size. */
  bytesPerTurn: number;
  latencyMs: { p50: number; p97_5: number; p99: number; max: number; mean: number };
  errors: { non2xx: number; socket: number; timeouts: number; badReplies: number; total: number };
  /** Responses per HTTP status code. */
  statusCodes: Record<string, number>;
  /** A few response bodies of errors (non-2xx or no replies), to tell what went wrong. */
  errorSamples: string[];
}

interface Ctx {
  conv?: string;
  user?: string;
  script?: Script;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const scripts = opts.scripts ?? SCRIPTS;
  const maxTurns = opts.scripts ? Math.max(...scripts.map((s) => s.turns.length)) : MAX_TURNS;
  let conversations = 0;
  let badReplies = 0;
  const errorSamples: string[] = [];
  const sample = (status: number, body: string): void => {
    if (errorSamples.length < 5) errorSamples.push(`${status} ${body.slice(0, 300)}`);
  };

  const requests: autocannon.Request[] = [];
  for (let i = 0; i < maxTurns; i++) {
    requests.push({
      method: 'POST',
      path: '/api/messages',
      setupRequest: (req, context) => {
        const ctx = context as Ctx;
        if (i === 0) {
          const n = conversations++;
          ctx.conv = `${opts.idPrefix}-${n}`;
          ctx.user = `${opts.idPrefix}-u${n}`;
          ctx.script = scripts[n % scripts.length];
        }
        const turn = ctx.script?.turns[i];
        if (!turn || !ctx.conv || !ctx.user) return undefined as unknown as autocannon.Request; // script over: restart with a new conversation
        return { ...req, body: JSON.stringify(activityFor(turn, ctx.conv, ctx.user)) };
      },
      onResponse: (status, body, context) => {
        void context;
        // every turn (the join too) must be answered: 2xx without replies counts as an error
        if (status >= 200 && status < 300 && !hasReplies(body, true)) {
          badReplies++;
          sample(status, body);
        } else if (status < 200 || status >= 300) sample(status, body);
      },
    });
  }

  let finish: (r: autocannon.Result) => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const instance = autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    amount: opts.amount,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    timeout: opts.timeoutSeconds ?? 10,
    headers: { 'content-type': 'application/json' },
    requests,
  }, (err, result) => (err ? fail(err instanceof Error ? err : new Error(String(err))) : finish(result)));

  instance.on('reqError', (err: Error) => {
    if (errorSamples.length < 5) errorSamples.push(`socket error: ${err.message}`);
  });
  let capped = false;
  const cap = opts.amount && opts.maxSeconds
    ? setTimeout(() => {
      capped = true;
      instance.stop();
    }, opts.maxSeconds * 1000)
    : undefined;
  let ticker: NodeJS.Timeout | undefined;
  if (opts.progress !== false) {
    let done = 0;
    let lastDone = 0;
    let errs = 0;
    const t0 = Date.now();
    instance.on('response', (_client: unknown, status: number) => {
      done++;
      if (status < 200 || status >= 300) errs++;
    });
    instance.on('reqError', () => errs++);
    ticker = setInterval(() => {
      const elapsed = (Date.now() - t0) / 1000;
      const goal = opts.amount ? `${done}/${opts.amount} turns` : `${elapsed.toFixed(0)}/${opts.seconds}s`;
      process.stderr.write(`\r  ${opts.label}: ${goal}, ${done - lastDone} turns/s, ${conversations} conversations, ${errs + badReplies} errors   `);
      lastDone = done;
    }, 1000);
  }

  const result = await finished;
  if (cap) clearTimeout(cap);
  if (ticker) {
    clearInterval(ticker);
    process.stderr.write('\n');
  }

  const turns = result.requests.total;
  const socket = result.errors - result.timeouts;
  return {
    label: opts.label,
    connections: opts.connections,
    durationS: result.duration,
    turns,
    turnsPerSec: turns / result.duration,
    conversations,
    capped,
    bytesPerTurn: turns > 0 ? Math.round(result.throughput.total / turns) : 0,
    latencyMs: {
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    errors: {
      non2xx: result.non2xx,
      socket,
      timeouts: result.timeouts,
      badReplies,
      total: result.non2xx + result.errors + badReplies,
    },
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, v]) => [code, v.count ?? 0])),
    errorSamples,
  };
}
