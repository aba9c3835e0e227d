/**
 * PostgreSQL backend (pg Pool): several bot instances can share one database.
 * State writes are conditional on the eTag and group-committed with transcripts; the
 * conversation index is updated with atomic upserts, so concurrent turns on different
 * instances never lose counts or intents.
 */
import type { Activity, PagedResult, StoreItems, TranscriptInfo } from 'botbuilder';
import type { Pool, PoolClient } from 'pg';
import type { EtagReportingStorage } from './concurrency';
import { EtagConflictError } from './errors';
import { attachReadJson } from './itemJson';
import { RowsStatement } from './pgRows';
import { GroupCommit, QueuedTranscriptWriter, settle, stateWrites, submitState, type WriteOutcome, type StateOp, type StateWrite, type WriteOp } from './groupCommit';
import { safeId } from './redact';
import {
  type ActivityReadRow, type ActivityRow, clampLimit, conversationPage, decodeCursor, deltasOf, encodeCursor, normalizeFilter, storedActivity, transcriptActivity,
  TRANSCRIPT_PAGE_SIZE, urgencyFromRank, validateDays, validatePatch,
} from './transcriptCommon';
import { conversationStateKeys } from './outbox';
import type {
  BatchTranscriptStore, ConversationFilter, ConversationIndex, ConversationPage, ConversationRef, ConversationStats,
  ConversationSummary, PurgeResult, ReviewPatch, ReviewStatus, StoredActivity,
} from './types';

type Params = (string | number | boolean | null | string[] | Date)[];

export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let result: T;
  try {
    await client.query('BEGIN');
    result = await fn(client);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    // A connection that failed or timed out is not given back to the pool: it may never answer again.
    client.release(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  client.release();
  return result;
}

/** SQLSTATE classes that belong to one write's data (or to lock order), not to the database. */
function ownError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|40)[0-9A-Z]{3}$/.test(code);
}

/**
 * The statements every turn runs are named, so each connection has PostgreSQL parse and
 * plan them once and then only bind and execute them (an unnamed statement is parsed and
 * planned again on every call); their text is fixed (a group's rows: pgRows.ts).
 */
interface Statement {
  name: string;
  text: string;
}

const statement = (name: string, text: string): Statement => ({ name: `calfbot_${name}`, text });

/** The conversation index of a whole group in one statement: one row per conversation (unnest keeps the order: key order, the lock order). */
const UPSERT_CONVERSATIONS = statement('upsert_conversations', `INSERT INTO conversations AS c (channel_id, conversation_id, first_at, last_at, turn_count, urgency_rank, intents)
  SELECT v.channel_id, v.conversation_id, v.first_at, v.last_at, v.turn_count, v.urgency_rank, ARRAY(SELECT jsonb_array_elements_text(v.intents::jsonb))
  FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::int[], $7::text[]) WITH ORDINALITY
    AS v(channel_id, conversation_id, first_at, last_at, turn_count, urgency_rank, intents, n)
  ORDER BY v.n
  ON CONFLICT (channel_id, conversation_id) DO UPDATE SET
    first_at = LEAST(c.first_at, EXCLUDED.first_at),
    last_at = GREATEST(c.last_at, EXCLUDED.last_at),
    turn_count = c.turn_count + EXCLUDED.turn_count,
    urgency_rank = GREATEST(c.urgency_rank, EXCLUDED.urgency_rank),
    intents = c.intents || ARRAY(SELECT x FROM unnest(EXCLUDED.intents) WITH ORDINALITY AS t(x, o) WHERE NOT (x = ANY(c.intents)) ORDER BY o)`);

/** A group's transcript rows, in the order given (`seq` follows it). */
const INSERT_ACTIVITIES = new RowsStatement(
  'calfbot_insert_activities',
  [['channel_id', 'text'], ['conversation_id', 'text'], ['activity_id', 'text'], ['reply_to_id', 'text'], ['ts', 'timestamptz'], ['role', 'text'], ['type', 'text'], ['text', 'text'], ['intent', 'text'], ['urgency', 'text'], ['json', 'text']],
  (source) => `INSERT INTO activities (channel_id, conversation_id, activity_id, reply_to_id, ts, role, type, text, intent, urgency, json)
    SELECT * FROM ${source} WHERE v.channel_id IS NOT NULL`,
);

/** A group's state rows, locked in key order. */
const LOCK_STATE = statement('lock_state', 'SELECT key, etag FROM state_items WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE');

/** The state reads of a batch. */
const READ_STATE = statement('read_state', 'SELECT key, etag, data FROM state_items WHERE key = ANY($1::text[])');

const STATE_COLUMNS = [['key', 'text'], ['etag', 'text'], ['data', 'text']] as const;

/** State rows, one per key, stored whatever is there (the callers decided the eTag conditions on locked rows). */
const UPSERT_STATE = new RowsStatement(
  'calfbot_upsert_state',
  STATE_COLUMNS,
  (source) => `INSERT INTO state_items (key, etag, data, updated_at)
    SELECT key, etag, data, now() FROM ${source} WHERE v.key IS NOT NULL
    ON CONFLICT (key) DO UPDATE SET etag = EXCLUDED.etag, data = EXCLUDED.data, updated_at = now()`,
);

/**
 * State rows written only if their key still has no row, one per key; returns the keys
 * inserted (a key another instance created meanwhile is not, and its write conflicts).
 */
const INSERT_ABSENT_STATE = new RowsStatement(
  'calfbot_insert_absent_state',
  STATE_COLUMNS,
  (source) => `INSERT INTO state_items (key, etag, data, updated_at)
    SELECT key, etag, data, now() FROM ${source} WHERE v.key IS NOT NULL
    ON CONFLICT (key) DO NOTHING
    RETURNING key`,
);

/** Runs a RowsStatement's queries for `rows` in order; the rows they return. */
async function writeRows<R extends object>(client: PoolClient, rowsStatement: RowsStatement, rows: readonly (readonly unknown[])[]): Promise<R[]> {
  const out: R[] = [];
  for (const query of rowsStatement.queries(rows)) for (const row of (await client.query<R>(query)).rows) out.push(row);
  return out;
}

/**
 * The writer of one pool: state writes and transcript batches queued by `GroupCommit`
 * share one transaction per group, on one connection; the next group starts when the
 * previous one has committed (see groupCommit.ts). Lock order is fixed, so two instances
 * (or a delete or purge) cannot deadlock on it: conversation index rows by key, then
 * state items by key. A failed eTag condition changes nothing and fails only its write.
 */
export class PostgresWriter {
  readonly queue: GroupCommit<WriteOp>;

  constructor(private readonly pool: Pool) {
    this.queue = new GroupCommit<WriteOp>((ops) => this.commit(ops));
  }

  private async commit(ops: WriteOp[]): Promise<void> {
    let outcomes: WriteOutcome[];
    try {
      outcomes = await withTransaction(this.pool, (client) => this.apply(client, ops));
    } catch (err) {
      if (ops.length > 1 && ownError(err)) {
        for (const op of ops) await this.commit([op]).catch((e: unknown) => op.reject(e));
        return;
      }
      throw err;
    }
    settle(ops, outcomes);
  }

  /**
   * One group in few statements, however many turns it holds: the conversation index in one
   * upsert, the transcript rows in multi-row INSERTs, the state rows locked in key order with
   * one SELECT … FOR UPDATE, each write's eTag condition decided on the locked rows, and the
   * writes that hold stored with one upsert. (Per write and per conversation this was 5 round
   * trips a turn; PostgreSQL's share of the CPU went with them.)
   */
  private async apply(client: PoolClient, ops: WriteOp[]): Promise<WriteOutcome[]> {
    const rows: ActivityRow[] = [];
    for (const op of ops) {
      if (op.kind !== 'transcript') continue;
      if (op.batchId) {
        const fresh = await client.query('INSERT INTO replayed_batches (batch_id) VALUES ($1) ON CONFLICT (batch_id) DO NOTHING', [op.batchId]);
        if (fresh.rowCount === 0) continue; // stored by an earlier replay
      }
      for (const r of op.rows) rows.push(r);
    }
    const deltas = deltasOf(rows);
    if (deltas.length > 0) {
      await client.query({ ...UPSERT_CONVERSATIONS, values: [
        deltas.map((d) => d.channel),
        deltas.map((d) => d.conversationId),
        deltas.map((d) => d.firstAt),
        deltas.map((d) => d.lastAt),
        deltas.map((d) => d.userMessages),
        deltas.map((d) => d.urgencyRank),
        deltas.map((d) => JSON.stringify(d.intents)),
      ] });
    }
    await writeRows(client, INSERT_ACTIVITIES, rows.map((r) => [r.channel, r.conversationId, r.activityId, r.replyToId, r.ts, r.role, r.type, r.text, r.intent, r.urgency, r.json]));
    return this.applyState(client, ops);
  }

  private async applyState(client: PoolClient, ops: WriteOp[]): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = ops.map(() => null);
    // State in key order (lock order); writes of one key keep the order they came in (a stable sort).
    const states = ops.map((op, i) => ({ op, i })).filter((x): x is { op: StateOp; i: number } => x.op.kind === 'state');
    if (states.length === 0) return outcomes;
    const firstKey = (op: StateOp): string => op.writes[0]?.key ?? '';
    states.sort((a, b) => (firstKey(a.op) < firstKey(b.op) ? -1 : firstKey(a.op) > firstKey(b.op) ? 1 : 0));
    const keys = [...new Set(states.flatMap(({ op }) => op.writes.map((w) => w.key)))].sort();
    const locked = await client.query<{ key: string; etag: string }>({ ...LOCK_STATE, values: [keys] });
    /** Each key's eTag as the writes so far leave it (absent: no row). */
    const current = new Map(locked.rows.map((r) => [r.key, r.etag]));
    const isLocked = new Set(current.keys());
    /** Single-key conditional writes to keys with no locked row: stored only if still absent (see below). */
    let absent: { w: StateWrite; i: number }[] = [];
    /** The last write of each key decided here, stored by one upsert. */
    let pending = new Map<string, StateWrite>();
    /** Whether `pending` creates a row nobody has locked: it must then not pass the inserts in key order. */
    let pendingNew = false;
    const flush = async (): Promise<void> => {
      if (absent.length > 0) {
        const ws = absent;
        absent = [];
        const inserted = await writeRows<{ key: string }>(client, INSERT_ABSENT_STATE, ws.map(({ w }) => [w.key, w.etag, w.json]));
        const stored = new Set(inserted.map((r) => r.key));
        for (const { w, i } of ws) outcomes[i] = stored.has(w.key) ? { [w.key]: w.etag } : new EtagConflictError(w.key);
      }
      if (pending.size === 0) return;
      const ws = [...pending.values()];
      pending = new Map();
      pendingNew = false;
      await writeRows(client, UPSERT_STATE, ws.map((w) => [w.key, w.etag, w.json]));
    };
    for (const { op, i } of states) {
      const only = op.writes.length === 1 ? op.writes[0]! : undefined;
      // A conditional write to a key with no row when the rows were locked (a new
      // conversation's first save, or a row deleted since the turn read it): it holds if
      // the key is still absent, but another instance may be creating it now, so it is an
      // insert that does nothing on a conflict. A single-key write goes with the group's
      // others in one statement. (It was an UPDATE … AND etag = $ifEtag, then the insert:
      // two round trips per new conversation, under load 40% of all statements. That
      // UPDATE could only match a row created after the lock with the eTag this write
      // names, and every write makes a fresh random eTag.) Its new eTag is noted here
      // already: no later conditional write of the key in this group holds either way
      // (none can name an eTag made just now), and an unconditional one is stored after
      // the insert. Rows nobody holds are still taken in key order (no deadlock between
      // two instances).
      if (only && only.ifEtag !== undefined && !current.has(only.key)) {
        if (pendingNew) await flush();
        absent.push({ w: only, i });
        current.set(only.key, only.etag);
        continue;
      }
      // The same for a write of several keys, on its own so that it stays all or none
      // (the earlier writes of this group go first).
      if (op.writes.some((w) => w.ifEtag !== undefined && !current.has(w.key))) {
        await flush();
        outcomes[i] = await this.writeAlone(client, op);
        if (!(outcomes[i] instanceof Error)) for (const w of op.writes) current.set(w.key, w.etag);
        continue;
      }
      const stale = op.writes.find((w) => w.ifEtag !== undefined && current.get(w.key) !== w.ifEtag);
      if (stale) {
        outcomes[i] = new EtagConflictError(stale.key); // all or none: nothing of this op is written
        continue;
      }
      if (absent.length > 0 && op.writes.some((w) => !isLocked.has(w.key))) await flush();
      const etags: Record<string, string> = {};
      for (const w of op.writes) {
        if (!isLocked.has(w.key)) pendingNew = true;
        current.set(w.key, w.etag);
        pending.set(w.key, w);
        etags[w.key] = w.etag;
      }
      outcomes[i] = etags;
    }
    await flush();
    return outcomes;
  }

  /** One state op's writes, each conditional in SQL, all or none (a savepoint when several). */
  private async writeAlone(client: PoolClient, op: StateOp): Promise<WriteOutcome> {
    const writeOne = async (w: StateWrite): Promise<boolean> => {
      if (w.ifEtag === undefined) {
        await writeRows(client, UPSERT_STATE, [[w.key, w.etag, w.json]]);
        return true;
      }
      const updated = await client.query('UPDATE state_items SET etag = $2, data = $3, updated_at = now() WHERE key = $1 AND etag = $4', [w.key, w.etag, w.json, w.ifEtag]);
      if ((updated.rowCount ?? 0) > 0) return true;
      const inserted = await client.query('INSERT INTO state_items (key, etag, data, updated_at) VALUES ($1, $2, $3, now()) ON CONFLICT (key) DO NOTHING', [w.key, w.etag, w.json]);
      return (inserted.rowCount ?? 0) > 0;
    };
    const several = op.writes.length > 1;
    if (several) await client.query('SAVEPOINT state_write');
    const etags: Record<string, string> = {};
    for (const w of op.writes) {
      if (!(await writeOne(w))) {
        if (several) await client.query('ROLLBACK TO SAVEPOINT state_write');
        return new EtagConflictError(w.key);
      }
      etags[w.key] = w.etag;
    }
    if (several) await client.query('RELEASE SAVEPOINT state_write');
    return etags;
  }
}

/** A state read waiting for its batch. */
interface ReadOp {
  keys: string[];
  resolve(items: StoreItems): void;
  reject(error: unknown): void;
}

export class PostgresStorage implements EtagReportingStorage {
  /**
   * Reads asked for while the previous batch is on its way go in one statement, as the
   * writes and the rate-limit counts do (every turn starts with a read: it was a query, a
   * round trip and PostgreSQL's parse and plan per turn). Each read still sees every commit
   * made before it was sent.
   */
  private readonly reads = new GroupCommit<ReadOp>((batch) => this.readBatch(batch));

  constructor(
    private readonly pool: Pool,
    private readonly writer = new PostgresWriter(pool),
  ) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (!keys) throw new ReferenceError('Keys are required when reading.');
    if (keys.length === 0) return {};
    return new Promise((resolve, reject) => this.reads.submit({ keys, resolve, reject }));
  }

  private async readBatch(batch: ReadOp[]): Promise<void> {
    const keys = [...new Set(batch.flatMap((op) => op.keys))];
    const { rows } = await this.pool.query<{ key: string; etag: string; data: string }>({ ...READ_STATE, values: [keys] });
    const found = new Map(rows.map((row) => [row.key, row]));
    for (const op of batch) {
      // every read gets objects of its own (a turn changes what it read in place)
      const items: StoreItems = {};
      for (const key of op.keys) {
        const row = found.get(key);
        if (row) items[key] = attachReadJson({ ...(JSON.parse(row.data) as object), eTag: row.etag }, row.data);
      }
      op.resolve(items);
    }
  }

  async write(changes: StoreItems): Promise<void> {
    await this.writeReportingEtags(changes);
  }

  /** Committed with the other writes queued at the same time (one transaction, see PostgresWriter). */
  async writeReportingEtags(changes: StoreItems): Promise<Record<string, string>> {
    if (!changes) throw new ReferenceError('Changes are required when writing.');
    // Sorted keys: two writes touching the same keys lock them in the same order (no deadlock).
    const writes = stateWrites(changes).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return submitState(this.writer.queue, writes);
  }

  async delete(keys: string[]): Promise<void> {
    if (!keys) throw new ReferenceError('Keys are required when deleting.');
    if (keys.length === 0) return;
    await this.writer.queue.flush();
    await this.pool.query('DELETE FROM state_items WHERE key = ANY($1::text[])', [keys]);
  }
}

interface ConversationRow {
  channel_id: string;
  conversation_id: string;
  first_at: Date;
  last_at: Date;
  turn_count: number;
  urgency_rank: number;
  intents: string[];
  review_status: string;
  tags: string[];
  note: string;
}

type ActivityDbRow = ActivityReadRow<string, Date>;

function summaryOf(r: ConversationRow): ConversationSummary {
  return {
    channel: r.channel_id,
    id: r.conversation_id,
    firstAt: r.first_at.toISOString(),
    lastAt: r.last_at.toISOString(),
    turnCount: Number(r.turn_count),
    maxUrgency: urgencyFromRank(Number(r.urgency_rank)),
    intents: r.intents,
    reviewStatus: r.review_status as ReviewStatus,
    tags: r.tags,
    note: r.note,
  };
}

export class PostgresTranscripts extends QueuedTranscriptWriter implements BatchTranscriptStore, ConversationIndex {
  constructor(
    private readonly pool: Pool,
    private readonly writer = new PostgresWriter(pool),
  ) {
    super();
  }

  protected get queue(): GroupCommit<WriteOp> {
    return this.writer.queue;
  }

  async getTranscriptActivities(channelId: string, conversationId: string, continuationToken?: string, startDate?: Date): Promise<PagedResult<Activity>> {
    const after = continuationToken ? Number(decodeCursor(continuationToken, 1)[0]) : 0;
    const params: Params = [channelId, safeId(conversationId), after];
    let sql = 'SELECT seq, json FROM activities WHERE channel_id = $1 AND conversation_id = $2 AND seq > $3';
    if (startDate) {
      params.push(startDate);
      sql += ` AND ts >= $${params.length}`;
    }
    params.push(TRANSCRIPT_PAGE_SIZE + 1);
    sql += ` ORDER BY seq LIMIT $${params.length}`;
    const { rows } = await this.pool.query<{ seq: string; json: string }>(sql, params);
    const page = rows.slice(0, TRANSCRIPT_PAGE_SIZE);
    const more = rows.length > TRANSCRIPT_PAGE_SIZE;
    return { items: page.map((r) => transcriptActivity(r.json)), continuationToken: more ? encodeCursor([Number(page[page.length - 1]!.seq)]) : '' };
  }

  async listTranscripts(channelId: string, continuationToken?: string): Promise<PagedResult<TranscriptInfo>> {
    const params: Params = [channelId];
    let sql = 'SELECT conversation_id, first_at FROM conversations WHERE channel_id = $1';
    if (continuationToken) {
      const [firstAt, id] = decodeCursor(continuationToken, 2);
      params.push(String(firstAt), String(id));
      sql += ' AND (first_at, conversation_id) > ($2::timestamptz, $3)';
    }
    params.push(TRANSCRIPT_PAGE_SIZE + 1);
    sql += ` ORDER BY first_at, conversation_id LIMIT $${params.length}`;
    const { rows } = await this.pool.query<{ conversation_id: string; first_at: Date }>(sql, params);
    const page = rows.slice(0, TRANSCRIPT_PAGE_SIZE);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ channelId, id: r.conversation_id, created: r.first_at })),
      continuationToken: rows.length > TRANSCRIPT_PAGE_SIZE && last ? encodeCursor([last.first_at.toISOString(), last.conversation_id]) : '',
    };
  }

  async deleteTranscript(channelId: string, conversationId: string): Promise<void> {
    await this.deleteConversation({ channel: channelId, id: safeId(conversationId) });
  }

  async listConversations(filter: ConversationFilter = {}, cursor?: string | null, limit?: number): Promise<ConversationPage> {
    const f = normalizeFilter(filter);
    const n = clampLimit(limit);
    const where: string[] = [];
    const params: Params = [];
    const p = (v: string | number): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.urgencyRank !== undefined) where.push(`c.urgency_rank = ${p(f.urgencyRank)}`);
    if (f.minUrgencyRank !== undefined) where.push(`c.urgency_rank >= ${p(f.minUrgencyRank)}`);
    if (f.withUserMessages) where.push('c.turn_count > 0');
    if (f.status) where.push(`c.review_status = ${p(f.status)}`);
    if (f.channel) where.push(`c.channel_id = ${p(f.channel)}`);
    if (f.intent) where.push(`${p(f.intent)} = ANY(c.intents)`);
    if (f.from) where.push(`c.last_at >= ${p(f.from)}::timestamptz`);
    if (f.to) where.push(`c.last_at <= ${p(f.to)}::timestamptz`);
    if (f.like) {
      where.push(`EXISTS (SELECT 1 FROM activities a WHERE a.channel_id = c.channel_id AND a.conversation_id = c.conversation_id AND a.text ILIKE ${p(f.like)} ESCAPE '\\')`);
    }
    if (cursor) {
      const [lastAt, channel, id] = decodeCursor(cursor, 3);
      where.push(`(c.last_at, c.channel_id, c.conversation_id) < (${p(String(lastAt))}::timestamptz, ${p(String(channel))}, ${p(String(id))})`);
    }
    const sql = `SELECT * FROM conversations c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.last_at DESC, c.channel_id DESC, c.conversation_id DESC LIMIT ${p(n + 1)}`;
    const { rows } = await this.pool.query<ConversationRow>(sql, params);
    return conversationPage(rows, n, summaryOf);
  }

  async getConversation(ref: ConversationRef): Promise<ConversationSummary | null> {
    const { rows } = await this.pool.query<ConversationRow>('SELECT * FROM conversations WHERE channel_id = $1 AND conversation_id = $2', [ref.channel, ref.id]);
    return rows[0] ? summaryOf(rows[0]) : null;
  }

  async getConversationActivities(ref: ConversationRef): Promise<StoredActivity[]> {
    const { rows } = await this.pool.query<ActivityDbRow>(
      'SELECT seq, ts, role, type, text, intent, urgency, json FROM activities WHERE channel_id = $1 AND conversation_id = $2 ORDER BY seq',
      [ref.channel, ref.id],
    );
    return rows.map((r) => storedActivity(Number(r.seq), r.ts, r.role, r.type, r.text, r.intent, r.urgency, r.json));
  }

  async updateReview(ref: ConversationRef, patch: ReviewPatch): Promise<ConversationSummary | null> {
    const v = validatePatch(patch);
    const { rows } = await this.pool.query<ConversationRow>(
      `UPDATE conversations SET review_status = coalesce($3, review_status), tags = coalesce($4::text[], tags), note = coalesce($5, note)
       WHERE channel_id = $1 AND conversation_id = $2 RETURNING *`,
      [ref.channel, ref.id, v.status ?? null, v.tags ?? null, v.note ?? null],
    );
    return rows[0] ? summaryOf(rows[0]) : null;
  }

  /** The conversation's index row (review status, tags, note), its activities (cascade) and its bot state, in one transaction. */
  async deleteConversation(ref: ConversationRef): Promise<boolean> {
    // writes of this conversation still queued land first, then go with the rest
    await this.writer.queue.flush();
    return withTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM staff_labels WHERE channel = $1 AND conversation_id = $2', [ref.channel, ref.id]);
      const r = await client.query('DELETE FROM conversations WHERE channel_id = $1 AND conversation_id = $2', [ref.channel, ref.id]);
      const s = await client.query('DELETE FROM state_items WHERE key = ANY($1::text[])', [conversationStateKeys(ref.channel, ref.id)]);
      return (r.rowCount ?? 0) + (s.rowCount ?? 0) > 0;
    });
  }

  async stats(days: number): Promise<ConversationStats> {
    validateDays(days);
    const since = new Date(Date.now() - days * 86_400_000);
    const turnKey = "(channel_id, conversation_id, coalesce(reply_to_id, 'seq:' || seq))";
    const botMsg = "ts >= $1 AND role = 'bot' AND type = 'message'";
    const [perDay, esc, intents, users, fallback] = await Promise.all([
      this.pool.query<{ date: string; count: string }>(
        "SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, COUNT(DISTINCT (channel_id, conversation_id)) AS count FROM activities WHERE ts >= $1 GROUP BY 1 ORDER BY 1",
        [since],
      ),
      this.pool.query<{ urgency: string; count: string }>(
        `SELECT urgency, COUNT(DISTINCT ${turnKey}) AS count FROM activities WHERE ${botMsg} AND urgency IN ('urgent', 'emergency') GROUP BY urgency`,
        [since],
      ),
      this.pool.query<{ intent: string; count: string }>(
        `SELECT intent, COUNT(DISTINCT ${turnKey}) AS count FROM activities WHERE ${botMsg} AND intent IS NOT NULL AND intent <> 'none' GROUP BY intent ORDER BY count DESC, intent LIMIT 10`,
        [since],
      ),
      this.pool.query<{ n: string }>("SELECT COUNT(*) AS n FROM activities WHERE ts >= $1 AND role = 'user' AND type = 'message'", [since]),
      this.pool.query<{ n: string }>(`SELECT COUNT(DISTINCT ${turnKey}) AS n FROM activities WHERE ${botMsg} AND intent = 'none'`, [since]),
    ]);
    const userMessages = Number(users.rows[0]?.n ?? 0);
    const fallbackMessages = Number(fallback.rows[0]?.n ?? 0);
    const count = (level: string): number => Number(esc.rows.find((r) => r.urgency === level)?.count ?? 0);
    return {
      days,
      since: since.toISOString(),
      conversationsPerDay: perDay.rows.map((r) => ({ date: r.date, count: Number(r.count) })),
      escalations: { urgent: count('urgent'), emergency: count('emergency') },
      topIntents: intents.rows.map((r) => ({ intent: r.intent, count: Number(r.count) })),
      userMessages,
      fallbackMessages,
      fallbackRate: userMessages > 0 ? Math.min(1, fallbackMessages / userMessages) : 0,
    };
  }

  async purgeOlderThan(days: number): Promise<PurgeResult> {
    validateDays(days);
    await this.writer.queue.flush();
    const cutoff = new Date(Date.now() - days * 86_400_000);
    return withTransaction(this.pool, async (client) => {
      const activities = (await client.query('DELETE FROM activities WHERE ts < $1', [cutoff])).rowCount ?? 0;
      // A purged conversation's bot state goes too, however recently it was written.
      const purged = await client.query<{ conversations: string; states: string }>(
        `WITH d AS (DELETE FROM conversations WHERE last_at < $1 RETURNING channel_id, conversation_id),
              s AS (DELETE FROM state_items WHERE key IN (SELECT channel_id || '/conversations/' || conversation_id || x FROM d, (VALUES ('/'), ('')) AS v(x)) RETURNING 1)
         SELECT (SELECT count(*) FROM d) AS conversations, (SELECT count(*) FROM s) AS states`,
        [cutoff],
      );
      const conversations = Number(purged.rows[0]?.conversations ?? 0);
      const idle = (await client.query('DELETE FROM state_items WHERE updated_at < $1', [cutoff])).rowCount ?? 0;
      await client.query('DELETE FROM replayed_batches WHERE applied_at < $1', [cutoff]);
      return { conversations, activities, stateItems: Number(purged.rows[0]?.states ?? 0) + idle };
    });
  }
}
