/**
 * Writes survive a database outage: when a transcript batch or a bot state write fails
 * (connection refused, timeout, SQLITE_BUSY, disk error…), it goes to the `Outbox`
 * instead of being lost, and is replayed in order when the database answers again.
 *
 * The wrappers sit at the boundary (a call to the store failed → outbox); they do not
 * care how the store groups writes into transactions.
 *
 * - `DurableTranscripts.logActivities`: a failed batch is kept (redacted). While a
 *   conversation has batches waiting, its later batches queue behind them (order).
 * - `DurableStorage` (bot state): a failed write is kept with the eTag condition it was
 *   made with; later reads of that key see the outbox version (with eTag `outbox:<id>`).
 *   While the database is down, reads of keys this instance read or wrote recently are
 *   answered from memory, so a conversation can still be escalated and its dialog
 *   cleared; keys it has never seen fail as before.
 * - Replay (timer + start-up + whenever the database answers again), oldest first, one
 *   entry at a time. Transcript batches carry their id into the database, which records
 *   it in the same transaction, so replaying twice (crash between the write and the
 *   `done` mark) stores nothing twice. State writes replay with their original condition:
 *   `*` (what botbuilder's forced save, e.g. after an escalation, uses) always applies;
 *   a conditional write applies only if the stored eTag is still the one it was based
 *   on — if another instance changed the state meanwhile, that newer write wins and the
 *   outbox write is dropped (logged). That is the eTag contract the writer asked for.
 * - `StorageHealth`: after a failure the database counts as down and calls do not wait
 *   for it (no 1.5 s timeout per call during a silent network drop) until a probe succeeds.
 */
import { randomUUID } from 'node:crypto';
import type { Activity, PagedResult, StoreItems, TranscriptInfo } from 'botbuilder';
import type { Logger } from '../logger';
import type { EtagReportingStorage } from './concurrency';
import { EtagConflictError, isEtagConflict } from './errors';
import { conversationStateKey, type Outbox, type StateEntry } from './outbox';
import { prepareActivities } from './transcriptCommon';
import { attachWriteJson, itemJson, peekReadJson, writeJsonOf } from './itemJson';
import type { BatchTranscriptStore } from './types';

const errText = (err: unknown): string => (err instanceof Error ? err.message || err.name : String(err));

/** The database failed and is not answering; thrown instead of waiting for it again. */
export class StorageUnavailableError extends Error {
  constructor(cause?: unknown) {
    super(`storage unavailable${cause ? ` (${errText(cause)})` : ''}`, { cause });
    this.name = 'StorageUnavailableError';
  }
}

export class StorageHealth {
  private downSince: number | null = null;
  constructor(private readonly logger: Logger) {}

  get down(): boolean {
    return this.downSince !== null;
  }

  markDown(err: unknown): void {
    if (this.downSince === null) {
      this.downSince = Date.now();
      this.logger.error({ err: errText(err) }, 'storage: database unreachable, writes go to the outbox');
    }
  }

  markUp(): void {
    if (this.downSince !== null) this.logger.info({ downMs: Date.now() - this.downSince }, 'storage: database reachable again');
    this.downSince = null;
  }
}

/**
 * A small LRU of the last state item each key had here (read or written), for reads during
 * an outage. Kept as JSON: botbuilder changes the objects it read in place during a turn,
 * and unsaved changes must not leak into what a later read sees. The JSON is the one the
 * backend read or wrote (itemJson.ts), not serialised again.
 */
class RecentItems {
  private readonly map = new Map<string, { json: string; eTag: string | undefined }>();
  constructor(private readonly max = 5_000) {}
  get(key: string): Record<string, unknown> | undefined {
    const known = this.map.get(key);
    if (known === undefined) return undefined;
    const item = JSON.parse(known.json) as Record<string, unknown>;
    return known.eTag === undefined ? item : { ...item, eTag: known.eTag };
  }
  set(key: string, json: string, eTag: string | undefined): void {
    this.map.delete(key);
    this.map.set(key, { json, eTag });
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  setItem(key: string, item: Record<string, unknown>): void {
    const eTag = item.eTag;
    this.set(key, peekReadJson(item) ?? itemJson(item), typeof eTag === 'string' ? eTag : undefined);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
}

/** An item to write: its JSON without the eTag (serialised once), a shallow copy, and its eTag. */
function splitItem(item: unknown): { json: string; rest: Record<string, unknown>; eTag: string | undefined } {
  if (item === null || typeof item !== 'object') throw new TypeError('Storage: items must be objects');
  const json = writeJsonOf(item);
  const { eTag, ...rest } = item as { eTag?: unknown };
  return { json, rest, eTag: typeof eTag === 'string' && eTag !== '' ? eTag : undefined };
}

/** Shared by the two wrappers: the outbox, health and the replay. */
export class OutboxReplayer {
  private running: Promise<void> | null = null;
  /** outbox eTag → the eTag the database gave the replayed write (a turn may still hold the outbox one). */
  readonly replayedEtags = new Map<string, string>();
  /** Called with each replayed state write (key, stored item incl. eTag). */
  onStateReplayed: (key: string, item: Record<string, unknown>) => void = () => undefined;

  constructor(
    readonly outbox: Outbox,
    readonly health: StorageHealth,
    private readonly inner: { storage: EtagReportingStorage; transcripts: BatchTranscriptStore; ping: () => Promise<void> },
    private readonly logger: Logger,
  ) {}

  /** Replays everything pending (single flight). Never throws; leaves the rest for later on failure. */
  run(): Promise<void> {
    this.running ??= this.replay().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private ticking: Promise<void> | null = null;

  /** Resolves when no replay is writing (so a delete cannot race an entry being replayed). */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Probe (when down) and replay; what the timer calls. Single flight: probes never pile up. */
  tick(): Promise<void> {
    this.ticking ??= this.probeAndReplay().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async probeAndReplay(): Promise<void> {
    if (this.health.down) {
      try {
        await this.inner.ping();
      } catch {
        return;
      }
      this.health.markUp();
    }
    if (this.outbox.size) await this.run();
  }

  private async replay(): Promise<void> {
    let replayed = 0;
    for (;;) {
      const entry = this.outbox.first();
      if (!entry) break;
      try {
        if (entry.kind === 'transcript') {
          await this.inner.transcripts.logActivities(entry.activities, { batchId: entry.id });
        } else {
          await this.replayState(entry);
        }
      } catch (err) {
        this.health.markDown(err);
        this.logger.warn({ err: errText(err), pending: this.outbox.size }, 'outbox: replay paused, database still failing');
        return;
      }
      this.outbox.done(entry.id);
      replayed++;
    }
    if (replayed) this.logger.info({ replayed }, 'outbox: replayed into the database');
  }

  private async replayState(entry: StateEntry): Promise<void> {
    const base = this.replayedEtags.get(entry.baseEtag) ?? entry.baseEtag;
    try {
      const etags = await this.inner.storage.writeReportingEtags({ [entry.key]: { ...entry.data, eTag: base } });
      const etag = etags[entry.key];
      if (etag) {
        this.replayedEtags.set(entry.etag, etag);
        if (this.replayedEtags.size > 10_000) this.replayedEtags.delete(this.replayedEtags.keys().next().value as string);
        this.onStateReplayed(entry.key, { ...entry.data, eTag: etag });
      }
    } catch (err) {
      if (!isEtagConflict(err)) throw err;
      // Someone else changed this state after the write was based on it: theirs is newer and wins.
      this.logger.warn({ key: entry.key }, 'outbox: state write dropped, the stored state changed since (newer write wins)');
    }
  }
}

/** botbuilder Storage that keeps failed writes in the outbox. Sits under OptimisticStorage. */
export class DurableStorage implements EtagReportingStorage {
  private readonly recent = new RecentItems();

  constructor(
    private readonly inner: EtagReportingStorage,
    private readonly replayer: OutboxReplayer,
  ) {
    replayer.onStateReplayed = (key, item) => this.recent.setItem(key, item);
  }

  private get outbox(): Outbox {
    return this.replayer.outbox;
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    let items: StoreItems | null = null;
    let failure: unknown = null;
    if (!this.replayer.health.down) {
      try {
        items = await this.inner.read(keys);
        for (const key of keys) if (items[key]) this.recent.setItem(key, items[key] as Record<string, unknown>);
      } catch (err) {
        this.replayer.health.markDown(err);
        failure = err;
      }
    }
    const result: StoreItems = {};
    for (const key of keys) {
      const queued = this.outbox.latestState(key);
      if (queued) {
        // A copy: the caller may change it in place, the outbox entry must not change.
        result[key] = { ...(JSON.parse(JSON.stringify(queued.data)) as Record<string, unknown>), eTag: queued.etag };
      } else if (items) {
        if (items[key]) result[key] = items[key];
      } else {
        const known = this.recent.get(key);
        if (!known) throw failure ?? new StorageUnavailableError();
        result[key] = known;
      }
    }
    return result;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.writeReportingEtags(changes);
  }

  async writeReportingEtags(changes: StoreItems): Promise<Record<string, string>> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const translated: StoreItems = {};
    const split = new Map<string, { json: string; eTag: string | undefined }>();
    for (const [key, item] of Object.entries(changes)) {
      const { json, rest, eTag } = splitItem(item);
      const effective = eTag ? (this.replayer.replayedEtags.get(eTag) ?? eTag) : undefined;
      split.set(key, { json, eTag: effective });
      // the backend writes the JSON serialised above (itemJson.ts)
      translated[key] = attachWriteJson(effective ? { ...rest, eTag: effective } : rest, json);
    }
    const keys = Object.keys(translated);
    const queued = keys.some((k) => this.outbox.latestState(k));
    if (!this.replayer.health.down && !queued) {
      try {
        const etags = await this.inner.writeReportingEtags(translated);
        for (const key of keys) if (etags[key]) this.recent.set(key, split.get(key)!.json, etags[key]);
        return etags;
      } catch (err) {
        if (isEtagConflict(err) || err instanceof TypeError || err instanceof ReferenceError) throw err;
        this.replayer.health.markDown(err);
      }
    }
    const etags: Record<string, string> = {};
    for (const key of keys) {
      const { json, eTag } = split.get(key)!;
      const data = JSON.parse(json) as Record<string, unknown>;
      const latest = this.outbox.latestState(key);
      // Based on something other than the version waiting in the outbox: a conflict, now.
      if (latest && eTag && eTag !== '*' && eTag !== latest.etag) throw new EtagConflictError(key);
      const id = randomUUID();
      const entry: StateEntry = { kind: 'state', id, at: new Date().toISOString(), key, data, baseEtag: eTag ?? '*', etag: `outbox:${id}` };
      this.outbox.add(entry);
      this.recent.set(key, json, entry.etag);
      etags[key] = entry.etag;
    }
    if (queued && !this.replayer.health.down) await this.replayer.run();
    return etags;
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.recent.delete(key);
    await this.inner.delete(keys);
  }

  /** Forgets a conversation's state kept here (after the conversation was deleted). */
  forget(key: string): void {
    this.recent.delete(key);
  }
}

/** A transcript store whose failed batches go to the outbox. */
export class DurableTranscripts implements BatchTranscriptStore {
  /** Single-activity writes (botbuilder's TranscriptLoggerMiddleware fires them without awaiting) go one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly inner: BatchTranscriptStore,
    private readonly replayer: OutboxReplayer,
  ) {}

  logActivity(activity: Activity): Promise<void> {
    const next = this.queue.then(() => this.logActivities([activity]));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async logActivities(activities: Partial<Activity>[]): Promise<void> {
    if (activities.length === 0) return;
    const conversations = [...new Set(activities.map((a) => conversationStateKey(a.channelId ?? '', a.conversation?.id ?? '')))];
    const { outbox, health } = this.replayer;
    const queued = outbox.hasTranscriptFor(conversations);
    if (!health.down && !queued) {
      try {
        await this.inner.logActivities(activities); // the store redacts
        return;
      } catch (err) {
        health.markDown(err);
      }
    }
    // Redacted (and checked) before it reaches the disk, as in the database.
    const redacted = prepareActivities(activities).map((row) => JSON.parse(row.json) as Partial<Activity>);
    outbox.add({ kind: 'transcript', id: randomUUID(), at: new Date().toISOString(), conversations, activities: redacted });
    if (queued && !health.down) await this.replayer.run();
  }

  getTranscriptActivities(channelId: string, conversationId: string, continuationToken?: string, startDate?: Date): Promise<PagedResult<Activity>> {
    return this.inner.getTranscriptActivities(channelId, conversationId, continuationToken, startDate);
  }

  listTranscripts(channelId: string, continuationToken?: string): Promise<PagedResult<TranscriptInfo>> {
    return this.inner.listTranscripts(channelId, continuationToken);
  }

  deleteTranscript(channelId: string, conversationId: string): Promise<void> {
    this.replayer.outbox.removeConversation(channelId, conversationId);
    return this.inner.deleteTranscript(channelId, conversationId);
  }
}

