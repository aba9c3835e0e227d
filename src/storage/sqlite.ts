/**
 * SQLite backend (better-sqlite3, WAL). Reads are synchronous under the hood. State
 * writes and transcript batches are group-committed (SqliteWriter): a write's promise
 * resolves once the transaction holding it has committed, so callers must await it.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Activity, PagedResult, StoreItems, TranscriptInfo } from 'botbuilder';
import type { EtagReportingStorage } from './concurrency';
import { EtagConflictError } from './errors';
import { attachReadJson } from './itemJson';
import { GroupCommit, QueuedTranscriptWriter, settle, stateWrites, submitState, type WriteOutcome, type StateWrite, type WriteOp } from './groupCommit';
import { migrateSqlite } from './migrate';
import { safeId } from './redact';
import { conversationStateKeys } from './outbox';
import {
  type ActivityReadRow,
  type ActivityRow,
  clampLimit, conversationPage, decodeCursor, deltasOf, encodeCursor, normalizeFilter, storedActivity, transcriptActivity,
  TRANSCRIPT_PAGE_SIZE, urgencyFromRank, validateDays, validatePatch,
} from './transcriptCommon';
import type {
  BatchTranscriptStore, ConversationFilter, ConversationIndex, ConversationPage, ConversationRef, ConversationStats,
  ConversationSummary, PurgeResult, ReviewPatch, ReviewStatus, StoredActivity,
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

/** Error codes that belong to one write (its data), not to the database: the others of a group still commit. */
const OWN_ERRORS = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/;

function ownError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && OWN_ERRORS.test(code);
}

/**
 * The one writer of a SQLite database: state writes and transcript batches queued by
 * `GroupCommit` go into one IMMEDIATE transaction per group (see groupCommit.ts). A state
 * write whose eTag condition fails gets an eTag conflict and changes nothing; the others
 * still commit. If the group fails because of one write's data, each write is retried in
 * a transaction of its own, so only that one fails.
 */
export class SqliteWriter {
  readonly queue: GroupCommit<WriteOp>;
  private statements: ReturnType<SqliteWriter['prepare']> | null = null;
  private groupTx: BetterSqlite3.Transaction<(ops: WriteOp[]) => (Record<string, string> | Error | null)[]> | null = null;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.queue = new GroupCommit<WriteOp>((ops) => this.commit(ops));
  }

  /** Prepared once, lazily (the tables exist once migrations ran). */
  private prepare() {
    const db = this.db;
    return {
      upsertState: db.prepare<[string, string, string, string]>(
        'INSERT INTO state_items (key, etag, data, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, data = excluded.data, updated_at = excluded.updated_at',
      ),
      updateState: db.prepare<[string, string, string, string, string]>('UPDATE state_items SET etag = ?, data = ?, updated_at = ? WHERE key = ? AND etag = ?'),
      insertState: db.prepare<[string, string, string, string]>('INSERT INTO state_items (key, etag, data, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING'),
      replayed: db.prepare<[string, string]>('INSERT INTO replayed_batches (batch_id, applied_at) VALUES (?, ?) ON CONFLICT (batch_id) DO NOTHING'),
      getIntents: db.prepare<[string, string], { intents: string }>('SELECT intents FROM conversations WHERE channel_id = ? AND conversation_id = ?'),
      upsertConversation: db.prepare<[string, string, string, string, number, number, string]>(
        `INSERT INTO conversations (channel_id, conversation_id, first_at, last_at, turn_count, urgency_rank, intents) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (channel_id, conversation_id) DO UPDATE SET
           first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at),
           turn_count = turn_count + excluded.turn_count, urgency_rank = max(urgency_rank, excluded.urgency_rank), intents = excluded.intents`,
      ),
      insertActivity: db.prepare<[string, string, string | null, string | null, string, string, string, string | null, string | null, string | null, string]>(
        'INSERT INTO activities (channel_id, conversation_id, activity_id, reply_to_id, ts, role, type, text, intent, urgency, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  private commit(ops: WriteOp[]): void {
    this.groupTx ??= this.db.transaction((group: WriteOp[]) => this.apply(group));
    let outcomes: WriteOutcome[];
    try {
      outcomes = this.groupTx.immediate(ops);
    } catch (err) {
      if (ops.length > 1 && ownError(err)) {
        for (const op of ops) this.commit([op]);
        return;
      }
      throw err;
    }
    settle(ops, outcomes);
  }

  /** Inside the group's transaction. Returns each op's eTags, its eTag conflict, or null (transcripts). */
  private apply(ops: WriteOp[]): (Record<string, string> | Error | null)[] {
    const st = (this.statements ??= this.prepare());
    const now = new Date().toISOString();
    const rows: ActivityRow[] = [];
    for (const op of ops) {
      if (op.kind !== 'transcript') continue;
      // an outbox batch an earlier replay already stored
      if (op.batchId && st.replayed.run(op.batchId, now).changes === 0) continue;
      for (const r of op.rows) rows.push(r);
    }
    for (const d of deltasOf(rows)) {
      const existing = st.getIntents.get(d.channel, d.conversationId);
      const intents = existing ? (JSON.parse(existing.intents) as string[]) : [];
      for (const i of d.intents) if (!intents.includes(i)) intents.push(i);
      st.upsertConversation.run(d.channel, d.conversationId, d.firstAt.toISOString(), d.lastAt.toISOString(), d.userMessages, d.urgencyRank, JSON.stringify(intents));
    }
    for (const r of rows) st.insertActivity.run(r.channel, r.conversationId, r.activityId, r.replyToId, r.ts.toISOString(), r.role, r.type, r.text, r.intent, r.urgency, r.json);

    const writeOne = (w: StateWrite): boolean => {
      if (w.ifEtag === undefined) {
        st.upsertState.run(w.key, w.etag, w.json, now);
        return true;
      }
      return st.updateState.run(w.etag, w.json, now, w.key, w.ifEtag).changes > 0 || st.insertState.run(w.key, w.etag, w.json, now).changes > 0;
    };
    return ops.map((op) => {
      if (op.kind !== 'state') return null;
      const etags: Record<string, string> = {};
      if (op.writes.length === 1) {
        const w = op.writes[0]!;
        if (!writeOne(w)) return new EtagConflictError(w.key);
        etags[w.key] = w.etag;
        return etags;
      }
      try {
        // several keys: all or none (a savepoint inside the group's transaction)
        this.db.transaction(() => {
          for (const w of op.writes) {
            if (!writeOne(w)) throw new EtagConflictError(w.key);
            etags[w.key] = w.etag;
          }
        })();
        return etags;
      } catch (err) {
        if (err instanceof EtagConflictError) return err;
        throw err;
      }
    });
  }
}

export class SqliteStorage implements EtagReportingStorage {
  private readonly selectOne: BetterSqlite3.Statement<[string], { etag: string; data: string }>;
  private readonly remove: BetterSqlite3.Statement<[string]>;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly writer = new SqliteWriter(db),
  ) {
    this.selectOne = db.prepare('SELECT etag, data FROM state_items WHERE key = ?');
    this.remove = db.prepare('DELETE FROM state_items WHERE key = ?');
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    const items: StoreItems = {};
    for (const key of keys) {
      const row = this.selectOne.get(key);
      if (row) items[key] = attachReadJson({ ...(JSON.parse(row.data) as object), eTag: row.etag }, row.data);
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.writeReportingEtags(changes);
  }

  /** Committed with the other writes queued at the same time (one transaction, see SqliteWriter). */
  async writeReportingEtags(changes: StoreItems): Promise<Record<string, string>> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    return submitState(this.writer.queue, stateWrites(changes));
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys) throw new ReferenceError('Keys are required when deleting.');
    await this.writer.queue.flush();
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

type ActivityDbRow = ActivityReadRow<number, string>;

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
export class SqliteTranscripts extends QueuedTranscriptWriter implements BatchTranscriptStore, ConversationIndex {
  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly writer = new SqliteWriter(db),
  ) {
    super();
  }

  protected get queue(): GroupCommit<WriteOp> {
    return this.writer.queue;
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
    await this.writer.queue.flush();
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
    // writes of this conversation still queued land first, then go with the rest
    await this.writer.queue.flush();
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
    await this.writer.queue.flush();
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
