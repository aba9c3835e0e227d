/**
 * SQLite backend (better-sqlite3, WAL). All calls are synchronous under the hood, so a
 * write has reached the database file by the time its promise is created — even when a
 * caller (botbuilder's TranscriptLoggerMiddleware) does not await it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import type { Activity, PagedResult, StoreItems, TranscriptInfo } from 'botbuilder';
import type { EtagReportingStorage } from './concurrency';
import { EtagConflictError } from './errors';
import { migrateSqlite } from './migrate';
import { safeId } from './redact';
import { conversationStateKeys } from './outbox';
import {
  type ActivityRow, type ConversationDelta,
  clampLimit, conversationPage, decodeCursor, deltasOf, encodeCursor, normalizeFilter, prepareActivity, storedActivity, transcriptActivity,
  TRANSCRIPT_PAGE_SIZE, urgencyFromRank, validateDays, validatePatch,
} from './transcriptCommon';
import type {
  BatchTranscriptStore, ConversationFilter, ConversationIndex, ConversationPage, ConversationRef, ConversationStats,
  ConversationSummary, LogActivitiesOptions, PurgeResult, ReviewPatch, ReviewStatus, StoredActivity,
} from './types';

type Params = (string | number | null)[];

/** Opens (creating the parent directory) and migrates a SQLite database. `:memory:` works too. */
export function openSqliteFile(file: string, migrationsDir?: string, busyTimeoutMs = 10_000): BetterSqlite3.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new BetterSqlite3(file, { timeout: 10_000 });
  try {
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit survives the process being killed; only an OS crash or power
    // loss can lose the last commits. FULL fsyncs every commit on the event loop (see docs/performance.md).
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 10000');
    migrateSqlite(db, migrationsDir);
    // Migrations above may wait for another starting instance; calls afterwards wait at most this long for a lock.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export class SqliteStorage implements EtagReportingStorage {
  private readonly selectOne: BetterSqlite3.Statement<[string], { etag: string; data: string }>;
  private readonly upsert: BetterSqlite3.Statement<[string, string, string, string]>;
  private readonly update: BetterSqlite3.Statement<[string, string, string, string, string]>;
  private readonly insertNew: BetterSqlite3.Statement<[string, string, string, string]>;
  private readonly remove: BetterSqlite3.Statement<[string]>;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.selectOne = db.prepare('SELECT etag, data FROM state_items WHERE key = ?');
    this.upsert = db.prepare(
      'INSERT INTO state_items (key, etag, data, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, data = excluded.data, updated_at = excluded.updated_at',
    );
    this.update = db.prepare('UPDATE state_items SET etag = ?, data = ?, updated_at = ? WHERE key = ? AND etag = ?');
    this.insertNew = db.prepare('INSERT INTO state_items (key, etag, data, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING');
    this.remove = db.prepare('DELETE FROM state_items WHERE key = ?');
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    const items: StoreItems = {};
    for (const key of keys) {
      const row = this.selectOne.get(key);
      if (row) items[key] = { ...(JSON.parse(row.data) as object), eTag: row.etag };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.writeReportingEtags(changes);
  }

  async writeReportingEtags(changes: StoreItems): Promise<Record<string, string>> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    const tx = this.db.transaction((): Record<string, string> => {
      const now = new Date().toISOString();
      const etags: Record<string, string> = {};
      for (const [key, item] of Object.entries(changes)) {
        if (item === null || typeof item !== 'object') throw new TypeError(`Storage: item "${key}" must be an object`);
        const { eTag, ...rest } = item as { eTag?: unknown };
        const data = JSON.stringify(rest);
        const etag = randomUUID();
        if (typeof eTag !== 'string' || eTag === '' || eTag === '*') {
          this.upsert.run(key, etag, data, now);
        } else if (this.update.run(etag, data, now, key, eTag).changes === 0 && this.insertNew.run(key, etag, data, now).changes === 0) {
          throw new EtagConflictError(key);
        }
        etags[key] = etag;
      }
      return etags;
    });
    return tx.immediate();
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys) throw new ReferenceError('Keys are required when deleting.');
    this.db.transaction(() => {
      for (const key of keys) this.remove.run(key);
    })();
  }
}

interface ConversationRow {
  channel_id: string;
  conversation_id: string;
  first_at: string;
  last_at: string;
  turn_count: number;
  urgency_rank: number;
  intents: string;
  review_status: string;
  tags: string;
  note: string;
}

interface ActivityDbRow {
  seq: number;
  ts: string;
  role: string;
  type: string;
  text: string | null;
  intent: string | null;
  urgency: string | null;
  json: string;
}

function summaryOf(r: ConversationRow): ConversationSummary {
  return {
    channel: r.channel_id,
    id: r.conversation_id,
    firstAt: r.first_at,
    lastAt: r.last_at,
    turnCount: r.turn_count,
    maxUrgency: urgencyFromRank(r.urgency_rank),
    intents: JSON.parse(r.intents) as string[],
    reviewStatus: r.review_status as ReviewStatus,
    tags: JSON.parse(r.tags) as string[],
    note: r.note,
  };
}

/** Transcript store + conversation index on SQLite. */
export class SqliteTranscripts implements BatchTranscriptStore, ConversationIndex {
  private batchWriter: BetterSqlite3.Transaction<(rows: ActivityRow[], deltas: ConversationDelta[]) => void> | null = null;

  constructor(private readonly db: BetterSqlite3.Database) {}

  async logActivity(activity: Activity): Promise<void> {
    this.logActivitiesSync([activity]);
  }

  async logActivities(activities: Partial<Activity>[], options: LogActivitiesOptions = {}): Promise<void> {
    this.logActivitiesSync(activities, options.batchId);
  }

  /** One transaction for the whole batch (a turn). Redaction happens before any SQL runs. */
  logActivitiesSync(activities: Partial<Activity>[], batchId?: string): void {
    if (activities.length === 0) return;
    const rows = activities.map(prepareActivity);
    if (batchId) {
      this.db.transaction(() => {
        const fresh = this.db.prepare('INSERT INTO replayed_batches (batch_id, applied_at) VALUES (?, ?) ON CONFLICT (batch_id) DO NOTHING').run(batchId, new Date().toISOString());
        if (fresh.changes > 0) this.writeBatch()(rows, deltasOf(rows)); // nested: a savepoint in the same transaction
      }).immediate();
      return;
    }
    this.writeBatch().immediate(rows, deltasOf(rows));
  }

  /**
   * The batch write, with its statements prepared once (lazily: the tables exist once
   * migrations ran). Preparing three statements on every turn cost more than running them.
   */
  private writeBatch(): BetterSqlite3.Transaction<(rows: ActivityRow[], deltas: ConversationDelta[]) => void> {
    if (this.batchWriter) return this.batchWriter;
    const db = this.db;
    const getIntents = db.prepare<[string, string], { intents: string }>('SELECT intents FROM conversations WHERE channel_id = ? AND conversation_id = ?');
    const upsert = db.prepare(
      `INSERT INTO conversations (channel_id, conversation_id, first_at, last_at, turn_count, urgency_rank, intents) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (channel_id, conversation_id) DO UPDATE SET
         first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at),
         turn_count = turn_count + excluded.turn_count, urgency_rank = max(urgency_rank, excluded.urgency_rank), intents = excluded.intents`,
    );
    const insert = db.prepare(
      'INSERT INTO activities (channel_id, conversation_id, activity_id, reply_to_id, ts, role, type, text, intent, urgency, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.batchWriter = db.transaction((rows: ActivityRow[], deltas: ConversationDelta[]) => {
      for (const d of deltas) {
        const existing = getIntents.get(d.channel, d.conversationId);
        const intents = existing ? (JSON.parse(existing.intents) as string[]) : [];
        for (const i of d.intents) if (!intents.includes(i)) intents.push(i);
        upsert.run(d.channel, d.conversationId, d.firstAt.toISOString(), d.lastAt.toISOString(), d.userMessages, d.urgencyRank, JSON.stringify(intents));
      }
      for (const r of rows) {
        insert.run(r.channel, r.conversationId, r.activityId, r.replyToId, r.ts.toISOString(), r.role, r.type, r.text, r.intent, r.urgency, r.json);
      }
    });
    return this.batchWriter;
  }

  async getTranscriptActivities(channelId: string, conversationId: string, continuationToken?: string, startDate?: Date): Promise<PagedResult<Activity>> {
    const after = continuationToken ? Number(decodeCursor(continuationToken, 1)[0]) : 0;
    const params: Params = [channelId, safeId(conversationId), after];
    let sql = 'SELECT seq, json FROM activities WHERE channel_id = ? AND conversation_id = ? AND seq > ?';
    if (startDate) {
      sql += ' AND ts >= ?';
      params.push(startDate.toISOString());
    }
    sql += ' ORDER BY seq LIMIT ?';
    params.push(TRANSCRIPT_PAGE_SIZE + 1);
    const rows = this.db.prepare<Params, { seq: number; json: string }>(sql).all(...params);
    const page = rows.slice(0, TRANSCRIPT_PAGE_SIZE);
    const more = rows.length > TRANSCRIPT_PAGE_SIZE;
    return { items: page.map((r) => transcriptActivity(r.json)), continuationToken: more ? encodeCursor([page[page.length - 1]!.seq]) : '' };
  }

  async listTranscripts(channelId: string, continuationToken?: string): Promise<PagedResult<TranscriptInfo>> {
    const params: Params = [channelId];
    let sql = 'SELECT conversation_id, first_at FROM conversations WHERE channel_id = ?';
    if (continuationToken) {
      const [firstAt, id] = decodeCursor(continuationToken, 2);
      sql += ' AND (first_at, conversation_id) > (?, ?)';
      params.push(String(firstAt), String(id));
    }
    sql += ' ORDER BY first_at, conversation_id LIMIT ?';
    params.push(TRANSCRIPT_PAGE_SIZE + 1);
    const rows = this.db.prepare<Params, { conversation_id: string; first_at: string }>(sql).all(...params);
    const page = rows.slice(0, TRANSCRIPT_PAGE_SIZE);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ channelId, id: r.conversation_id, created: new Date(r.first_at) })),
      continuationToken: rows.length > TRANSCRIPT_PAGE_SIZE && last ? encodeCursor([last.first_at, last.conversation_id]) : '',
    };
  }

  async deleteTranscript(channelId: string, conversationId: string): Promise<void> {
    this.deleteSync({ channel: channelId, id: safeId(conversationId) });
  }

  /** The conversation's activities, index row (review status, tags, note) and bot state, in one transaction. */
  private deleteSync(ref: ConversationRef): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM activities WHERE channel_id = ? AND conversation_id = ?').run(ref.channel, ref.id);
      this.db.prepare('DELETE FROM staff_labels WHERE channel = ? AND conversation_id = ?').run(ref.channel, ref.id);
      const conversation = this.db.prepare('DELETE FROM conversations WHERE channel_id = ? AND conversation_id = ?').run(ref.channel, ref.id).changes;
      let state = 0;
      for (const key of conversationStateKeys(ref.channel, ref.id)) state += this.db.prepare('DELETE FROM state_items WHERE key = ?').run(key).changes;
      return conversation + state > 0;
    }).immediate();
  }

  async listConversations(filter: ConversationFilter = {}, cursor?: string | null, limit?: number): Promise<ConversationPage> {
    const f = normalizeFilter(filter);
    const n = clampLimit(limit);
    const where: string[] = [];
    const params: Params = [];
    if (f.urgencyRank !== undefined) { where.push('c.urgency_rank = ?'); params.push(f.urgencyRank); }
    if (f.minUrgencyRank !== undefined) { where.push('c.urgency_rank >= ?'); params.push(f.minUrgencyRank); }
    if (f.withUserMessages) where.push('c.turn_count > 0');
    if (f.status) { where.push('c.review_status = ?'); params.push(f.status); }
    if (f.channel) { where.push('c.channel_id = ?'); params.push(f.channel); }
    if (f.intent) { where.push('EXISTS (SELECT 1 FROM json_each(c.intents) WHERE json_each.value = ?)'); params.push(f.intent); }
    if (f.from) { where.push('c.last_at >= ?'); params.push(f.from); }
    if (f.to) { where.push('c.last_at <= ?'); params.push(f.to); }
    if (f.like) {
      where.push("EXISTS (SELECT 1 FROM activities a WHERE a.channel_id = c.channel_id AND a.conversation_id = c.conversation_id AND a.text LIKE ? ESCAPE '\\')");
      params.push(f.like);
    }
    if (cursor) {
      const [lastAt, channel, id] = decodeCursor(cursor, 3);
      where.push('(c.last_at, c.channel_id, c.conversation_id) < (?, ?, ?)');
      params.push(String(lastAt), String(channel), String(id));
    }
    const sql = `SELECT * FROM conversations c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.last_at DESC, c.channel_id DESC, c.conversation_id DESC LIMIT ?`;
    params.push(n + 1);
    const rows = this.db.prepare<Params, ConversationRow>(sql).all(...params);
    return conversationPage(rows, n, summaryOf);
  }

  async getConversation(ref: ConversationRef): Promise<ConversationSummary | null> {
    const row = this.db.prepare<[string, string], ConversationRow>('SELECT * FROM conversations WHERE channel_id = ? AND conversation_id = ?').get(ref.channel, ref.id);
    return row ? summaryOf(row) : null;
  }

  async getConversationActivities(ref: ConversationRef): Promise<StoredActivity[]> {
    const rows = this.db
      .prepare<[string, string], ActivityDbRow>('SELECT seq, ts, role, type, text, intent, urgency, json FROM activities WHERE channel_id = ? AND conversation_id = ? ORDER BY seq')
      .all(ref.channel, ref.id);
    return rows.map((r) => storedActivity(r.seq, r.ts, r.role, r.type, r.text, r.intent, r.urgency, r.json));
  }

  async updateReview(ref: ConversationRef, patch: ReviewPatch): Promise<ConversationSummary | null> {
    const p = validatePatch(patch);
    this.db
      .prepare('UPDATE conversations SET review_status = coalesce(?, review_status), tags = coalesce(?, tags), note = coalesce(?, note) WHERE channel_id = ? AND conversation_id = ?')
      .run(p.status ?? null, p.tags ? JSON.stringify(p.tags) : null, p.note ?? null, ref.channel, ref.id);
    return this.getConversation(ref);
  }

  async deleteConversation(ref: ConversationRef): Promise<boolean> {
    return this.deleteSync(ref);
  }

  async stats(days: number): Promise<ConversationStats> {
    validateDays(days);
    const since = new Date(Date.now() - days * 86_400_000).toISOString();
    const turnKey = "channel_id || char(31) || conversation_id || char(31) || coalesce(reply_to_id, 'seq:' || seq)";
    const perDay = this.db
      .prepare<[string], { date: string; count: number }>(
        "SELECT substr(ts, 1, 10) AS date, COUNT(DISTINCT channel_id || char(31) || conversation_id) AS count FROM activities WHERE ts >= ? GROUP BY date ORDER BY date",
      )
      .all(since);
    const esc = this.db
      .prepare<[string], { urgency: string; count: number }>(
        `SELECT urgency, COUNT(DISTINCT ${turnKey}) AS count FROM activities WHERE ts >= ? AND role = 'bot' AND type = 'message' AND urgency IN ('urgent', 'emergency') GROUP BY urgency`,
      )
      .all(since);
    const intents = this.db
      .prepare<[string], { intent: string; count: number }>(
        `SELECT intent, COUNT(DISTINCT ${turnKey}) AS count FROM activities WHERE ts >= ? AND role = 'bot' AND type = 'message' AND intent IS NOT NULL AND intent <> 'none' GROUP BY intent ORDER BY count DESC, intent LIMIT 10`,
      )
      .all(since);
    const users = this.db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM activities WHERE ts >= ? AND role = 'user' AND type = 'message'").get(since)?.n ?? 0;
    const fallback = this.db
      .prepare<[string], { n: number }>(`SELECT COUNT(DISTINCT ${turnKey}) AS n FROM activities WHERE ts >= ? AND role = 'bot' AND type = 'message' AND intent = 'none'`)
      .get(since)?.n ?? 0;
    return {
      days,
      since,
      conversationsPerDay: perDay,
      escalations: { urgent: esc.find((e) => e.urgency === 'urgent')?.count ?? 0, emergency: esc.find((e) => e.urgency === 'emergency')?.count ?? 0 },
      topIntents: intents,
      userMessages: users,
      fallbackMessages: fallback,
      fallbackRate: users > 0 ? Math.min(1, fallback / users) : 0,
    };
  }

  async purgeOlderThan(days: number): Promise<PurgeResult> {
    validateDays(days);
    const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
    return this.db.transaction((): PurgeResult => {
      const activities = this.db.prepare('DELETE FROM activities WHERE ts < ?').run(cutoff).changes;
      // A purged conversation's bot state goes too, however recently it was written.
      const states = this.db
        .prepare("DELETE FROM state_items WHERE key IN (SELECT channel_id || '/conversations/' || conversation_id || x FROM conversations, (SELECT '/' AS x UNION ALL SELECT '') WHERE last_at < ?)")
        .run(cutoff).changes;
      const conversations = this.db.prepare('DELETE FROM conversations WHERE last_at < ?').run(cutoff).changes;
      const idle = this.db.prepare('DELETE FROM state_items WHERE updated_at < ?').run(cutoff).changes;
      this.db.prepare('DELETE FROM replayed_batches WHERE applied_at < ?').run(cutoff);
      return { conversations, activities, stateItems: states + idle };
    }).immediate();
  }
}
