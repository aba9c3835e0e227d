/**
 * An open-loop load at a fixed rate: turn i is due at start + i / rate, evenly spaced, whatever
 * the server is doing, and its latency is counted from when it was due (so a slow server is not
 * let off by sending less: no coordinated omission).
 *
 * autocannon's own rate limit is not this: each connection sends its share of a second back to
 * back and then waits for the next second, so every second starts with a burst of the whole
 * second's load and the latency it reports is queueing behind that burst.
 *
 * Conversations are replayed as in the closed loop (scripts/bench/conversations.ts): a due turn
 * goes to a conversation whose last turn has been answered, or starts a new one, so every
 * conversation's turns stay in order.
 */
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { activityFor, hasReplies, SCRIPTS, type Script } from './conversations';
import type { LoadResult } from './load';
import { percentile } from './stats';

export interface OpenLoadOptions {
  url: string;
  label: string;
  /** Turns per second, evenly spaced. */
  rate: number;
  seconds: number;
  /** Keep-alive sockets at most; turns beyond them wait for a socket (and that wait counts). */
  connections: number;
  idPrefix: string;
  /** When given, every answered turn's latency (ms) is pushed here, so slices can be pooled. */
  latencies?: number[];
  /** When given, every answered turn's latency with the turn it was (`script#turn`), for finding what makes the tail. */
  byTurn?: { ms: number; turn: string; at: number }[];
  timeoutSeconds?: number;
  /** Print a progress line every second. */
  progress?: boolean;
}

interface Conversation {
  id: string;
  user: string;
  script: Script;
  next: number;
}

/** The open loop's result, with the generator's own event-loop delay: a stall here delays answers being read, whichever server it is. */
export interface OpenLoadResult extends LoadResult {
  generatorLoopMs: { max: number };
}

export async function runOpenLoad(o: OpenLoadOptions): Promise<OpenLoadResult> {
  const generatorLoop = monitorEventLoopDelay({ resolution: 1 });
  generatorLoop.enable();
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const target = new URL('/api/messages', o.url);
  const latencies = o.latencies ?? [];
  const firstSample = latencies.length;
  const ready: Conversation[] = [];
  const statusCodes: Record<string, number> = {};
  const errorSamples: string[] = [];
  const errors = { non2xx: 0, socket: 0, timeouts: 0, badReplies: 0, total: 0 };
  let conversations = 0;
  let sent = 0;
  let answered = 0;
  let bytes = 0;
  let inFlight = 0;
  const sample = (line: string): void => {
    if (errorSamples.length < 5) errorSamples.push(line.slice(0, 300));
  };
  const conversation = (): Conversation => {
    const n = conversations++;
    return { id: `${o.idPrefix}-${n}`, user: `${o.idPrefix}-u${n}`, script: SCRIPTS[n % SCRIPTS.length]!, next: 0 };
  };

  let settle: () => void = () => undefined;
  const drained = new Promise<void>((resolve) => (settle = resolve));
  let scheduling = true;
  const done = (): void => {
    inFlight--;
    if (!scheduling && inFlight === 0) settle();
  };

  const send = (dueAt: number): void => {
    const c = ready.shift() ?? conversation();
    const body = JSON.stringify(activityFor(c.script.turns[c.next]!, c.id, c.user));
    inFlight++;
    sent++;
    const req = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: (o.timeoutSeconds ?? 10) * 1000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const ms = performance.now() - dueAt;
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        statusCodes[status] = (statusCodes[status] ?? 0) + 1;
        bytes += text.length;
        answered++;
        if (status < 200 || status >= 300) {
          errors.non2xx++;
          sample(`${status} ${text}`);
        } else if (!hasReplies(text, true)) {
          errors.badReplies++;
          sample(`${status} ${text}`);
        } else {
          latencies.push(ms);
          o.byTurn?.push({ ms, turn: `${c.script.name}#${c.next}`, at: dueAt });
        }
        c.next++;
        if (c.next < c.script.turns.length) ready.push(c);
        done();
      });
    });
    req.on('timeout', () => {
      errors.timeouts++;
      req.destroy(new Error('timeout'));
    });
    req.on('error', (e) => {
      if (e.message !== 'timeout') errors.socket++;
      sample(`socket error: ${e.message}`);
      done();
    });
    req.end(body);
  };

  const intervalMs = 1000 / o.rate;
  const total = Math.round(o.rate * o.seconds);
  const start = performance.now();
  let ticker: NodeJS.Timeout | undefined;
  if (o.progress !== false) {
    let last = 0;
    ticker = setInterval(() => {
      process.stderr.write(`\r  ${o.label}: ${((performance.now() - start) / 1000).toFixed(0)}/${o.seconds}s, ${answered - last} turns/s answered, ${inFlight} in flight, ${errors.non2xx + errors.socket + errors.timeouts + errors.badReplies} errors   `);
      last = answered;
    }, 1000);
  }
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      // every turn that is due by now goes out, each stamped with the moment it was due
      while (sent < total && start + sent * intervalMs <= now) send(start + sent * intervalMs);
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
    };
    tick();
  });
  scheduling = false;
  if (inFlight > 0) await drained;
  const durationS = (performance.now() - start) / 1000;
  if (ticker) {
    clearInterval(ticker);
    process.stderr.write('\n');
  }
  agent.destroy();
  generatorLoop.disable();

  errors.total = errors.non2xx + errors.socket + errors.timeouts + errors.badReplies;
  const own = latencies.slice(firstSample);
  return {
    label: o.label,
    connections: o.connections,
    durationS,
    turns: answered,
    turnsPerSec: answered / durationS,
    conversations,
    capped: false,
    bytesPerTurn: answered > 0 ? Math.round(bytes / answered) : 0,
    latencyMs: { p50: percentile(own, 50), p97_5: percentile(own, 97.5), p99: percentile(own, 99), max: percentile(own, 100), mean: own.length ? own.reduce((n, x) => n + x, 0) / own.length : 0 },
    errors,
    statusCodes,
    errorSamples,
    generatorLoopMs: { max: generatorLoop.max / 1e6 },
  };
}
