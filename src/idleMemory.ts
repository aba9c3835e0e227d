/**
 * Gives memory back when the bot goes quiet.
 *
 * Under load V8 grows its heap for throughput (about 450 MB after 10,000 conversations, with a
 * live heap near 80 MB) and keeps the pages. Its memory reducer returns them only after a
 * major collection it has scheduled itself, which an idle process may never reach: in one
 * bench run the RSS of an idle bot stayed at 469 MB for a whole minute (docs/performance.md,
 * "Memory"). So after a busy spell, once the event loop has been quiet for `IDLE_GC_SECONDS`,
 * one background (async) major collection runs. It costs nothing under load, since it only
 * runs when nothing else does, and it arms the memory reducer, which hands the grown heap back
 * within about ten seconds.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from './logger';

/** Event-loop utilisation (0–1) above which a check counts as busy, and below which as quiet. */
const BUSY = 0.05;
const QUIET = 0.01;
/** Below this much committed-but-unused heap there is nothing worth giving back. */
const MIN_SLACK_BYTES = 32 * 1024 * 1024;

export interface IdleMemoryProbe {
  /** Share of the time since the last call that the event loop was busy (0–1). */
  utilisation(): number;
  /** Heap committed and heap in use, in bytes. */
  heap(): { total: number; used: number };
  /** A major collection that runs in the background, or undefined when none is available. */
  collect: (() => Promise<void>) | undefined;
}

export interface IdleMemoryOptions {
  /** Quiet seconds after a busy spell before the collection; 0 turns it off. */
  idleSeconds: number;
  logger: Logger;
  /** How often to look (default: every 2 s). */
  checkMs?: number;
  /** Replaced in tests. */
  probe?: IdleMemoryProbe;
  now?: () => number;
}

export interface IdleMemory {
  /** One check (the timer calls it; tests call it directly). */
  check(): void;
  stop(): void;
}

/** V8's `gc` for this process: the global one under `--expose-gc`, otherwise one from a fresh context (made once). */
let found: { collect: (() => Promise<void>) | undefined } | undefined;
function backgroundGc(): (() => Promise<void>) | undefined {
  found ??= { collect: findGc() };
  return found.collect;
}

function findGc(): (() => Promise<void>) | undefined {
  try {
    let gc: unknown = (globalThis as { gc?: unknown }).gc;
    if (typeof gc !== 'function') {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc');
    }
    if (typeof gc !== 'function') return undefined;
    const run = gc as (options: { type: 'major'; execution: 'async' }) => Promise<void> | undefined;
    return async () => { await run({ type: 'major', execution: 'async' }); };
  } catch {
    return undefined;
  }
}

/** The real process: event-loop utilisation, V8 heap statistics, a background major collection. */
export function processProbe(): IdleMemoryProbe {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return {
    utilisation() {
      const delta = performance.eventLoopUtilization(last);
      last = performance.eventLoopUtilization();
      return delta.utilization;
    },
    heap() {
      const h = getHeapStatistics();
      return { total: h.total_heap_size, used: h.used_heap_size };
    },
    collect: backgroundGc(),
  };
}

export function startIdleMemory(options: IdleMemoryOptions): IdleMemory {
  const { idleSeconds, logger } = options;
  if (idleSeconds <= 0) return { check() {}, stop() {} };
  const probe = options.probe ?? processProbe();
  const now = options.now ?? Date.now;
  const collect = probe.collect;
  if (!collect) {
    logger.warn('idle memory: V8 garbage collection is not available here; the heap grown under load is given back only when V8 decides to');
    return { check() {}, stop() {} };
  }

  let busySinceCollection = false;
  let quietSince: number | null = null;
  let collecting = false;

  const check = (): void => {
    const use = probe.utilisation();
    if (use > BUSY) {
      busySinceCollection = true;
      quietSince = null;
      return;
    }
    if (use >= QUIET) {
      quietSince = null;
      return;
    }
    const t = now();
    quietSince ??= t;
    if (!busySinceCollection || collecting || t - quietSince < idleSeconds * 1000) return;
    busySinceCollection = false;
    const heap = probe.heap();
    if (heap.total - heap.used < MIN_SLACK_BYTES) return;
    collecting = true;
    const mb = (n: number): number => Math.round(n / 1048576);
    logger.debug({ heapTotalMB: mb(heap.total), heapUsedMB: mb(heap.used) }, 'idle memory: quiet after a busy spell, collecting so V8 can give back the heap it grew');
    collect().catch((error: unknown) => {
      logger.warn({ err: error }, 'idle memory: background garbage collection failed');
    }).finally(() => { collecting = false; });
  };

  const timer = setInterval(check, options.checkMs ?? 2000);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
