/**
 * Child processes for the benchmark: start a server, wait until it answers a turn,
 * sample its memory, stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { activityFor } from './conversations';

export interface Server {
  name: string;
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  /** Milliseconds from spawn to the first answered turn. */
  startupMs: number;
  /** CPU time (all threads, user + system) the server used until then: less sensitive to other load. */
  startupCpuMs: number;
  stderr(): string;
  stop(): Promise<void>;
}

/** Event-loop delay and GC pauses of a server started with the loop probe (loop-probe.mjs), in ms. */
export interface ProbeReport {
  loop: { p50: number; p99: number; max: number; mean: number };
  gc: { count: number; totalMs: number; maxMs: number; majorCount: number; majorMaxMs: number };
}

/** Starts a new measuring window in the server's loop probe (no-op without one). */
export function probeReset(server: Server): void {
  if (server.child.connected) server.child.send('probe:reset');
}

/** The server's loop probe report since the last reset, or null (no probe, no answer within 2 s). */
export function probeReport(server: Server): Promise<ProbeReport | null> {
  const child = server.child;
  if (!child.connected) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(null);
    }, 2000);
    const onMessage = (m: unknown): void => {
      const probe = (m as { probe?: ProbeReport } | null)?.probe;
      if (!probe) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(probe);
    };
    child.on('message', onMessage);
    child.send('probe:report');
  });
}

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Kill every server this process started (on Ctrl-C or a crash). */
export function killAll(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** POST one activity; resolves with the status and body, or null when the connection failed. */
export function post(url: string, activity: unknown, timeoutMs = 5000): Promise<{ status: number; body: string } | null> {
  const data = JSON.stringify(activity);
  return new Promise((resolve) => {
    const req = request(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => req.destroy());
    req.end(data);
  });
}

/** True when a POST got 200 with at least one reply. */
function answered(r: { status: number; body: string } | null): boolean {
  if (!r || r.status !== 200) return false;
  try {
    const body = JSON.parse(r.body) as { activities?: unknown[] };
    return Array.isArray(body.activities) && body.activities.length > 0;
  } catch {
    return false;
  }
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Give up after this long. */
  timeoutMs?: number;
  /** Open an IPC channel (for the loop probe). */
  ipc?: boolean;
}

/**
 * Spawn a server and poll POST /api/messages (a message with expectReplies) every 10 ms
 * until it answers with 200 and a reply. The time to that answer is the start-up time.
 */
export async function startServer(opts: StartOptions): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    // own process group: `npm start` and `tsx` are wrappers around the node process
    detached: true,
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let err = '';
  const keep = (chunk: Buffer): void => {
    err += chunk.toString('utf8');
    if (err.length > 20_000) err = err.slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => { exited = code; resolve(); }));

  const deadline = t0 + (opts.timeoutMs ?? 30_000);
  let startupMs = -1;
  let startupCpuMs = -1;
  let n = 0;
  while (performance.now() < deadline && exited === undefined) {
    const r = await post(url, activityFor({ text: 'hello' }, `startup-probe-${n++}`, `startup-user-${n}`), 2000);
    if (answered(r)) {
      startupMs = performance.now() - t0;
      startupCpuMs = child.pid !== undefined ? treeCpuMs(child.pid) : -1;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const server: Server = {
    name: opts.name,
    child,
    pid: child.pid ?? -1,
    url,
    port,
    startupMs,
    startupCpuMs,
    stderr: () => err,
    async stop() {
      if (exited !== undefined) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
  if (startupMs < 0) {
    await server.stop();
    throw new Error(`${opts.name} did not answer a turn within ${opts.timeoutMs ?? 30_000} ms (exit ${String(exited)}):\n${err.split('\n').filter((l) => !/DeprecationWarning|--trace-deprecation/.test(l)).join('\n').slice(-3000)}`);
  }
  return server;
}

/** /proc counts CPU time in USER_HZ ticks, 100 a second on Linux. */
const MS_PER_TICK = 10;

/** Resident set size of a process and all its descendants, in bytes (Linux /proc). */
export function treeRss(pid: number): number {
  let total = 0;
  const seen = new Set<number>();
  const visit = (p: number): void => {
    if (seen.has(p)) return;
    seen.add(p);
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      if (m) total += Number(m[1]) * 1024;
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const c of children ? children.split(/\s+/) : []) visit(Number(c));
    } catch {
      // the process ended between reads
    }
  };
  visit(pid);
  return total;
}

/** CPU time (user + system) a process and its descendants have used so far, in milliseconds (Linux /proc). */
export function treeCpuMs(pid: number): number {
  let total = 0;
  const visit = (p: number): void => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK; // utime, stime
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const c of children ? children.split(/\s+/) : []) visit(Number(c));
    } catch {
      // the process ended between reads
    }
  };
  visit(pid);
  return total;
}

/** CPU time the whole machine has been busy so far (every core, every process: /proc/stat less idle and I/O wait), in milliseconds. */
export function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) * MS_PER_TICK;
}

/**
 * CPU time (user + system) used so far by every process named `comm` (e.g. `postgres`: the
 * server's backends, WAL writer, checkpointer…) and by those of their children that have
 * ended, in milliseconds; 0 when none runs here.
 */
export function commandCpuMs(comm: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== comm) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, and cutime, cstime: children that have ended (a backend whose pool
      // connection closed)
      total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * MS_PER_TICK;
    } catch {
      // the process ended between reads
    }
  }
  return total;
}

/**
 * Samples a process tree's RSS every `intervalMs`; `stop()` returns the peak, the last
 * sample and the CPU time used in between.
 */
export function sampleRss(pid: number, intervalMs = 200): { stop(): { peak: number; last: number; cpuMs: number } } {
  const cpu0 = treeCpuMs(pid);
  let peak = treeRss(pid);
  let last = peak;
  const timer = setInterval(() => {
    last = treeRss(pid);
    if (last > peak) peak = last;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      last = treeRss(pid) || last;
      if (last > peak) peak = last;
      return { peak, last, cpuMs: treeCpuMs(pid) - cpu0 };
    },
  };
}

/**
 * RSS once the process is left idle for `maxSeconds`: V8 keeps the heap it grew under load
 * committed until a major collection lets its memory reducer give the free pages back (the bot
 * starts one itself once it has been quiet for IDLE_GC_SECONDS, src/idleMemory.ts). Samples
 * every 2 s for the whole time, since a release can come in steps, and returns the last
 * sample, with how long the RSS took to come within 5 MB of it for good.
 */
export async function rssAtRest(pid: number, maxSeconds: number): Promise<{ rss: number; seconds: number; released: boolean }> {
  const first = treeRss(pid);
  const samples: { at: number; rss: number }[] = [];
  const started = Date.now();
  while ((Date.now() - started) / 1000 < maxSeconds) {
    await new Promise((r) => setTimeout(r, 2000));
    samples.push({ at: (Date.now() - started) / 1000, rss: treeRss(pid) });
  }
  const rss = samples.at(-1)?.rss ?? first;
  let settled = samples.length - 1;
  while (settled > 0 && Math.abs((samples[settled - 1]?.rss ?? rss) - rss) <= 5 * 1024 * 1024) settled--;
  return { rss, seconds: Math.round(samples[settled]?.at ?? 0), released: rss <= first * 0.9 };
}
