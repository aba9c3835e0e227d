/**
 * Storage entry point: `openDatabase(DATABASE_URL)`.
 *
 *   sqlite:<path>                SQLite file (WAL), parent directory created; default ./data/calfbot.db
 *   postgres://user@host/db      PostgreSQL (pg Pool); `?schema=name` keeps all tables in that schema
 *   postgresql://…               same
 *   memory:                      in-process, for tests
 *
 * Start-up problems throw `StorageStartupError` with a one-line message naming
 * DATABASE_URL; passwords are never included.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Pool } from 'pg';
import type BetterSqlite3 from 'better-sqlite3';
import { silentLogger, type Logger } from '../logger';
import { OptimisticStorage, type EtagReportingStorage } from './concurrency';
import { DurableStorage, DurableTranscripts, OutboxReplayer, StorageHealth } from './durable';
import { redactSecrets, StorageStartupError } from './errors';
import { EtagMemoryStorage } from './memory';
import { migratePostgres, MIGRATIONS_ROOT } from './migrate';
import { PostgresStorage, PostgresTranscripts, PostgresWriter } from './postgres';
import { conversationStateKeys, Outbox } from './outbox';
import { startRetentionJob, type RetentionJob } from './retention';
import { recordSystemAudit } from '../staff/audit';
import { BackgroundCheckpointer } from './checkpointer';
import { openSqliteFile, SqliteStorage, SqliteTranscripts, SqliteWriter } from './sqlite';
import type { BatchTranscriptStore, ConversationIndex, ConversationRef, Database, RawHandle } from './types';

export * from './types';
export { StorageStartupError, EtagConflictError, isEtagConflict, redactSecrets } from './errors';
export { redact, redactDeep } from './redact';
export { startRetentionJob, type RetentionJob } from './retention';
export { conversationStateKeys } from './outbox';

export interface OpenDatabaseOptions {
  logger?: Logger;
  /** When set, an hourly retention job purges transcripts older than this (stopped by close()). */
  retentionDays?: number;
  /** Folder holding `sqlite/` and `postgres/` migration folders (tests). */
  migrationsRoot?: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /**
   * Longest wait for any one database call, in ms (default 1500): PostgreSQL connect,
   * query (client- and server-side) and SQLite's busy wait. A database that silently
   * stops answering then fails like one that refuses connections.
   */
  timeoutMs?: number;
  /**
   * Outbox file (JSON lines; see `defaultOutboxFile`). Without it the outbox is kept in
   * memory only: fine for tools and tests, but the server passes a file so nothing is lost
   * if it stops during an outage. Only one process may use a given file.
   */
  outboxFile?: string | null;
  /** How often the outbox is replayed / a down database probed, in ms (default 2000). */
  outboxReplayMs?: number;
}

const DEFAULT_TIMEOUT_MS = 1_500;

/** DATABASE_URL with any password masked, for logs and error messages. */
export function describeDatabaseUrl(url: string): string {
  return redactSecrets(url);
}

const INDEX_METHODS = ['listConversations', 'getConversation', 'getConversationActivities', 'updateReview', 'deleteConversation', 'stats', 'purgeOlderThan'] as const;

interface Backend {
  kind: Database['kind'];
  /** The backend's own state store (eTag-reporting). */
  storage: EtagReportingStorage;
  transcripts: BatchTranscriptStore & ConversationIndex;
  raw: RawHandle;
  ping: () => Promise<void>;
  /** Resolves when every queued write has been committed (or has failed into the outbox). */
  flush: () => Promise<void>;
  close: () => Promise<void>;
}

/** The backend wrapped for outages (outbox) and concurrency (eTags), as the rest of the bot sees it. */
function makeDatabase(backend: Backend, outboxFile: string | null, opts: OpenDatabaseOptions): Database {
  const logger = opts.logger ?? silentLogger;
  const health = new StorageHealth(logger);
  let outbox: Outbox;
  try {
    outbox = new Outbox(outboxFile);
  } catch (err) {
    void backend.close().catch(() => undefined);
    throw new StorageStartupError(`OUTBOX_FILE: cannot use ${outboxFile} (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const replayer = new OutboxReplayer(outbox, health, backend, logger);
  const durableStorage = new DurableStorage(backend.storage, replayer);
  const transcripts = new DurableTranscripts(backend.transcripts, replayer);
  const index = Object.fromEntries(INDEX_METHODS.map((m) => [m, backend.transcripts[m].bind(backend.transcripts)])) as unknown as ConversationIndex;
  const listeners: ((ref: ConversationRef) => void)[] = [];

  if (outbox.size) logger.warn({ pending: outbox.size, file: outboxFile }, 'outbox: writes from an earlier outage are waiting; replaying');
  void replayer.run();
  const timer = setInterval(() => void replayer.tick(), opts.outboxReplayMs ?? 2_000);
  timer.unref();

  let closed: Promise<void> | null = null;
  return {
    kind: backend.kind,
    storage: new OptimisticStorage(durableStorage),
    transcripts,
    raw: backend.raw,
    ...index,
    async ping() {
      try {
        await backend.ping();
      } catch (err) {
        health.markDown(err);
        throw err;
      }
      health.markUp();
      if (outbox.size) void replayer.run();
    },
    outboxPending: () => outbox.size,
    replayOutbox: () => replayer.tick(),
    onConversationDeleted(listener) {
      listeners.push(listener);
    },
    async deleteConversation(ref) {
      // An entry of this conversation being replayed right now lands first, then is deleted with the rest.
      await replayer.settled();
      const queued = outbox.removeConversation(ref.channel, ref.id);
      for (const key of conversationStateKeys(ref.channel, ref.id)) durableStorage.forget(key);
      const stored = await backend.transcripts.deleteConversation(ref);
      for (const listener of listeners) {
        try {
          listener(ref);
        } catch (err) {
          logger.error({ err: err instanceof Error ? err.message : String(err) }, 'delete: a listener failed');
        }
      }
      return stored || queued > 0;
    },
    close: () =>
      (closed ??= (async () => {
        clearInterval(timer);
        // Turns still waiting for their commit get it before the database closes.
        await backend.flush();
        await replayer.run();
        await backend.flush();
        outbox.close();
        await backend.close();
      })()),
  };
}

function openSqliteDatabase(kind: 'sqlite' | 'memory', file: string, migrationsRoot: string, opts: OpenDatabaseOptions): Database {
  let db: BetterSqlite3.Database;
  try {
    db = openSqliteFile(file, path.join(migrationsRoot, 'sqlite'), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  } catch (err) {
    const what = kind === 'memory' ? 'cannot create the in-memory database' : `cannot open SQLite database at ${file}`;
    throw new StorageStartupError(`DATABASE_URL: ${what} (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  // one writer: state and transcripts written at the same time share a transaction
  const writer = new SqliteWriter(db);
  // the WAL's checkpoints (copy back and fsync) on a worker thread, not between two turns
  const checkpointer = kind === 'sqlite' && file !== ':memory:' ? new BackgroundCheckpointer(db, { file, driver: require.resolve('better-sqlite3'), logger: opts.logger ?? silentLogger }) : null;
  checkpointer?.start();
  return makeDatabase(
    {
      kind,
      storage: kind === 'memory' ? new EtagMemoryStorage() : new SqliteStorage(db, writer),
      transcripts: new SqliteTranscripts(db, writer),
      raw: { kind: 'sqlite', db },
      flush: () => writer.queue.flush(),
      ping: async () => {
        db.prepare('SELECT 1').get();
      },
      close: async () => {
        await checkpointer?.stop();
        if (db.open) {
          if (kind === 'sqlite') db.pragma('wal_checkpoint(TRUNCATE)');
          db.close();
        }
      },
    },
    opts.outboxFile ?? null,
    opts,
  );
}

function parsePostgresUrl(url: string): { connectionString: string; schema: string | null; where: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StorageStartupError(`DATABASE_URL: not a valid PostgreSQL URL (${describeDatabaseUrl(url)}); expected postgres://user[:password]@host[:port]/database`);
  }
  const schema = parsed.searchParams.get('schema');
  if (schema !== null && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new StorageStartupError(`DATABASE_URL: schema "${schema}" must be letters, digits and underscores`);
  }
  parsed.searchParams.delete('schema');
  const where = `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
  return { connectionString: parsed.toString(), schema, where };
}

async function openPostgresDatabase(url: string, opts: OpenDatabaseOptions, migrationsRoot: string): Promise<Database> {
  const logger = opts.logger ?? silentLogger;
  const { connectionString, schema, where } = parsePostgresUrl(url);
  // loaded only for PostgreSQL: a SQLite install does not pay for pg at start-up
  const { Pool: PgPool } = await import('pg');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pool: Pool = new PgPool({
    connectionString,
    max: opts.poolSize ?? 10,
    // Short waits everywhere: a server that silently drops packets fails as fast as one that refuses.
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'calfbot',
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', (err) => logger.error({ err: redactSecrets(err.message) }, 'postgres: idle client error'));
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    const msg = err instanceof Error ? err.message || err.name : String(err);
    throw new StorageStartupError(`DATABASE_URL: cannot connect to PostgreSQL at ${where} (${redactSecrets(msg)})`, { cause: err });
  }
  try {
    const applied = await migratePostgres(pool, schema, path.join(migrationsRoot, 'postgres'));
    if (applied.length) logger.info({ migrations: applied }, 'postgres: migrations applied');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StorageStartupError(`DATABASE_URL: PostgreSQL at ${where}: ${redactSecrets(err instanceof Error ? err.message : String(err))}`, { cause: err });
  }
  // one writer: state and transcripts written at the same time share a transaction
  const writer = new PostgresWriter(pool);
  return makeDatabase(
    {
      kind: 'postgres',
      storage: new PostgresStorage(pool, writer),
      transcripts: new PostgresTranscripts(pool, writer),
      raw: { kind: 'postgres', pool, schema },
      flush: () => writer.queue.flush(),
      ping: async () => {
        await pool.query('SELECT 1');
      },
      close: () => pool.end(),
    },
    opts.outboxFile ?? null,
    opts,
  );
}

/**
 * Where the server keeps its outbox for DATABASE_URL: beside a SQLite file
 * (`calfbot.db.outbox.jsonl`), `./data/outbox-<hash of the URL>.jsonl` for PostgreSQL
 * (one file per database and schema, so two databases never replay into each other),
 * none for `memory:`.
 */
export function defaultOutboxFile(url: string): string | null {
  const trimmed = (url ?? '').trim();
  if (/^sqlite:/i.test(trimmed)) {
    const file = trimmed.slice('sqlite:'.length).replace(/^\/\//, '');
    return file ? `${file}.outbox.jsonl` : null;
  }
  if (/^postgres(ql)?:/i.test(trimmed)) {
    const hash = createHash('sha256').update(trimmed).digest('hex').slice(0, 12);
    return path.join('data', `outbox-${hash}.jsonl`);
  }
  return null;
}

/** Opens (and migrates) the database that `url` names. */
export async function openDatabase(url: string, opts: OpenDatabaseOptions = {}): Promise<Database> {
  const migrationsRoot = opts.migrationsRoot ?? MIGRATIONS_ROOT;
  const trimmed = (url ?? '').trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  let db: Database;
  if (scheme === 'memory') {
    db = openSqliteDatabase('memory', ':memory:', migrationsRoot, opts);
  } else if (scheme === 'sqlite') {
    let file = trimmed.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2);
    if (!file) throw new StorageStartupError('DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./data/calfbot.db');
    db = openSqliteDatabase('sqlite', file, migrationsRoot, opts);
  } else if (scheme === 'postgres' || scheme === 'postgresql') {
    db = await openPostgresDatabase(trimmed, opts, migrationsRoot);
  } else {
    throw new StorageStartupError(
      `DATABASE_URL: unsupported value ${JSON.stringify(describeDatabaseUrl(trimmed))}; use sqlite:<path>, postgres://user@host:5432/db or memory:`,
    );
  }
  if (opts.retentionDays !== undefined) {
    const audited = db;
    const job: RetentionJob = startRetentionJob(db, opts.retentionDays, opts.logger ?? silentLogger, {
      audit: (action, detail) => recordSystemAudit(audited, action, detail, null, 'retention'),
    });
    const close = db.close;
    return { ...db, close: () => (job.stop(), close()) };
  }
  return db;
}
