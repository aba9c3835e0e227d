/**
 * SQLite's WAL checkpoints, off the event loop. A checkpoint copies the write-ahead log back
 * into the database file and fsyncs both. By default SQLite runs one on the committing
 * connection whenever the log passes 1,000 pages: here the service's event loop, every 75 or
 * so turns, for 2–8 ms of disk waits during which no conversation is answered (three fsyncs
 * each; docs/performance.md, "Round 35").
 *
 * A worker thread with its own connection runs them instead, every `everyMs`, as PASSIVE
 * checkpoints: they never wait for, nor block, the service's writes, and a commit's durability
 * does not depend on them (WAL with synchronous=NORMAL: a commit is in the log before it is
 * acknowledged). If the worker cannot start or stops, the service's connection checkpoints
 * itself again, as SQLite does by default, and the log says so.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from '../logger';

/** SQLite's own default for `wal_autocheckpoint`, restored when the worker is not there. */
export const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
/** How often the worker checkpoints: a busy service writes a few MB of log between two. */
export const CHECKPOINT_EVERY_MS = 200;
/**
 * How long after the database opens the worker starts: a worker is a second V8 isolate, whose start would
 * otherwise share the 2 cores with the service's own start-up. Until then SQLite checkpoints as by default.
 */
export const START_AFTER_MS = 3_000;
/** How long `stop` waits for the worker to close its connection before ending it. */
const STOP_WAIT_MS = 5_000;

export interface CheckpointerOptions {
  /** The database file (not `:memory:`). */
  file: string;
  /** Where better-sqlite3 is installed (resolved by the caller, so the bundled service and the tests load the same). */
  driver: string;
  everyMs?: number;
  startAfterMs?: number;
  busyTimeoutMs?: number;
  logger: Logger;
}

/** What the worker posts: each checkpoint's outcome when it differs from the last one reported, or a failure, so tests and the log can see it work. */
export type CheckpointReport = { ok: true; logPages: number; copiedPages: number } | { ok: false; error: string };

// Plain JavaScript, run with `eval`: the same in the bundle (dist/calfbot.js), dist/ file by file and the tests.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
db.pragma('synchronous = NORMAL');
let last = { log: 0, copied: 0 };
const checkpoint = () => {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    // nothing new since the last report (an idle service): the service's event loop is not woken for nothing
    if (row.log === last.log && row.checkpointed === last.copied) return;
    last = { log: row.log, copied: row.checkpointed };
    parentPort.postMessage({ ok: true, logPages: row.log, copiedPages: row.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message || err) });
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class BackgroundCheckpointer {
  private worker: Worker | null = null;
  private startTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private failedOnce = false;
  private readonly listeners: ((report: CheckpointReport) => void)[] = [];

  constructor(private readonly db: BetterSqlite3.Database, private readonly options: CheckpointerOptions) {}

  /** Takes the checkpoints off the connection after `startAfterMs`; on any failure to start, they stay on it. */
  start(): void {
    const { startAfterMs = START_AFTER_MS } = this.options;
    if (startAfterMs <= 0) return this.startNow();
    this.startTimer = setTimeout(() => {
      this.startTimer = null;
      this.startNow();
    }, startAfterMs);
    this.startTimer.unref();
  }

  private startNow(): void {
    if (this.stopping || !this.db.open) return;
    const { file, driver, everyMs = CHECKPOINT_EVERY_MS, busyTimeoutMs = 5_000, logger } = this.options;
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, everyMs, busyTimeoutMs } });
      worker.unref();
      worker.on('message', (report: CheckpointReport) => this.onReport(report));
      worker.on('error', (err) => this.fallBack(`the checkpoint worker failed (${err.message})`));
      worker.on('exit', (code) => {
        if (!this.stopping) this.fallBack(`the checkpoint worker exited (code ${code})`);
      });
      this.worker = worker;
      this.db.pragma('wal_autocheckpoint = 0');
    } catch (err) {
      this.worker = null;
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'SQLite: checkpoints stay on the event loop (no worker thread)');
    }
  }

  /** Whether a worker is taking the checkpoints now. */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Called with each checkpoint's outcome (tests, diagnostics). */
  onCheckpoint(listener: (report: CheckpointReport) => void): void {
    this.listeners.push(listener);
  }

  /** Stops the worker after it closes its connection; the caller's own checkpoint on close does the rest. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.startTimer) clearTimeout(this.startTimer);
    this.startTimer = null;
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    const exited = once(worker, 'exit');
    worker.postMessage('stop');
    const timeout = setTimeout(() => void worker.terminate(), STOP_WAIT_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timeout);
    }
  }

  private onReport(report: CheckpointReport): void {
    // One failed checkpoint (a lock held by a maintenance command) is retried by the next; say it once.
    if (!report.ok && !this.failedOnce) {
      this.failedOnce = true;
      this.options.logger.warn({ err: report.error }, 'SQLite: a background checkpoint failed; the next one retries');
    }
    for (const listener of this.listeners) listener(report);
  }

  private fallBack(why: string): void {
    if (this.worker === null) return;
    this.worker = null;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    this.options.logger.error({ reason: why }, 'SQLite: checkpoints are back on the event loop');
  }
}
