/**
 * Group commit: writes that arrive together share one database transaction.
 *
 * A caller submits one operation (a turn's state write, a turn's transcript batch) and
 * gets a promise that settles when the transaction holding it has committed (or failed),
 * so a reply acknowledged after that promise is durable, exactly as with one
 * transaction per write. What changes is how many writes one commit carries:
 *
 *  - nothing is running: the queue is committed on the next turn of the event loop
 *    (`setImmediate`), so every request that reached its write in the same I/O phase
 *    joins the same transaction; an idle server adds no measurable latency;
 *  - a commit is running (PostgreSQL: a network round trip): new operations wait and go
 *    together in the next transaction as soon as it has finished.
 *
 * At most `maxBatch` operations go into one transaction. `flush()` resolves once
 * everything submitted so far is settled (shutdown, deletes). The backend's `commit` must
 * settle every operation it is given; if it throws (the database failed, not one write),
 * those operations and every one still queued fail with that error at once.
 */
import { randomUUID } from 'node:crypto';
import type { Activity, StoreItems } from 'botbuilder';
import { writeJsonOf } from './itemJson';
import { prepareActivities, type ActivityRow } from './transcriptCommon';
import type { LogActivitiesOptions } from './types';

/** One key of a state write, serialised before it is queued. */
export interface StateWrite {
  key: string;
  /** The item without its eTag, as JSON. */
  json: string;
  /** Write only if the stored eTag is this (or the key does not exist yet); undefined: always. */
  ifEtag: string | undefined;
  /** The eTag the write gives the item. */
  etag: string;
}

/** A state write (one `writeReportingEtags` call): all its keys or none. */
export interface StateOp {
  kind: 'state';
  writes: StateWrite[];
  resolve(etags: Record<string, string>): void;
  reject(error: unknown): void;
}

/** A transcript batch (one turn's activities), already redacted. */
export interface TranscriptOp {
  kind: 'transcript';
  rows: ActivityRow[];
  /** Outbox replay: recorded in the same transaction; a batch already recorded is skipped. */
  batchId?: string;
  resolve(): void;
  reject(error: unknown): void;
}

export type WriteOp = StateOp | TranscriptOp;

/** What a transaction made of each op: a state write's new eTags, an op's own error, or nothing. */
export type WriteOutcome = Record<string, string> | Error | null;

/** Settles each op of a committed group with its own outcome (a stale eTag fails only its own write). */
export function settle(ops: readonly WriteOp[], outcomes: readonly WriteOutcome[]): void {
  ops.forEach((op, i) => {
    const outcome = outcomes[i];
    if (outcome instanceof Error) op.reject(outcome);
    else if (op.kind === 'state') op.resolve(outcome ?? {});
    else op.resolve();
  });
}

/** Validates and serialises a botbuilder `StoreItems` write (throws TypeError for a non-object item). */
export function stateWrites(changes: StoreItems): StateWrite[] {
  const writes: StateWrite[] = [];
  for (const [key, item] of Object.entries(changes)) {
    if (item === null || typeof item !== 'object') throw new TypeError(`Storage: item "${key}" must be an object`);
    const eTag = (item as { eTag?: unknown }).eTag;
    const ifEtag = typeof eTag !== 'string' || eTag === '' || eTag === '*' ? undefined : eTag;
    writes.push({ key, json: writeJsonOf(item), ifEtag, etag: randomUUID() });
  }
  return writes;
}

export function submitState(queue: GroupCommit<WriteOp>, writes: StateWrite[]): Promise<Record<string, string>> {
  if (writes.length === 0) return Promise.resolve({});
  return new Promise((resolve, reject) => queue.submit({ kind: 'state', writes, resolve, reject }));
}

export function submitTranscript(queue: GroupCommit<WriteOp>, rows: ActivityRow[], batchId?: string): Promise<void> {
  if (rows.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => queue.submit({ kind: 'transcript', rows, batchId, resolve, reject }));
}

export class GroupCommit<Op extends { reject(error: unknown): void }> {
  private queue: Op[] = [];
  private running: Promise<void> | null = null;
  private scheduled = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly commit: (ops: Op[]) => void | Promise<void>,
    private readonly maxBatch = 256,
  ) {}

  /** Operations waiting for a transaction (not counting the one being committed). */
  get pending(): number {
    return this.queue.length;
  }

  submit(op: Op): void {
    this.queue.push(op);
    this.schedule();
  }

  /** Resolves when every operation submitted before (and while) waiting has settled. */
  flush(): Promise<void> {
    if (!this.running && !this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.runOnce();
    });
  }

  private runOnce(): void {
    if (this.running) return;
    const ops = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = ops === this.queue ? [] : this.queue.slice(this.maxBatch);
    if (ops.length === 0) return this.settleIdle();
    this.running = (async () => {
      try {
        await this.commit(ops);
      } catch (err) {
        // The database failed as a whole: what waits behind this group would wait for it
        // again (up to DATABASE_TIMEOUT_MS each); it fails now too, and callers keep it
        // in the outbox (durable.ts) instead.
        const queued = this.queue;
        this.queue = [];
        for (const op of [...ops, ...queued]) op.reject(err);
      }
    })().finally(() => {
      this.running = null;
      if (this.queue.length > 0) this.schedule();
      else this.settleIdle();
    });
  }

  private settleIdle(): void {
    if (this.running || this.scheduled || this.queue.length > 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }
}

/**
 * The write side of a transcript store on a group-committed database: a turn's activities
 * are redacted, then queued with the writes that arrive with them; each call resolves once
 * its transaction has committed. The SQLite and PostgreSQL stores differ only in reading.
 */
export abstract class QueuedTranscriptWriter {
  protected abstract readonly queue: GroupCommit<WriteOp>;

  logActivity(activity: Activity): Promise<void> {
    return this.logActivities([activity]);
  }

  async logActivities(activities: Partial<Activity>[], options: LogActivitiesOptions = {}): Promise<void> {
    if (activities.length === 0) return;
    await submitTranscript(this.queue, prepareActivities(activities), options.batchId);
  }
}
