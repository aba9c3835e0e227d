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
import path from 'node:path';
import type { Pool } from 'pg';
import type BetterSqlite3 from 'better-sqlite3';
import { silentLogger, type Logger } from '../logger';
import { OptimisticStorage } from './concurrency';
import { redactSecrets, StorageStartupError } from './errors';
import { EtagMemoryStorage } from './memory';
import { migratePostgres, MIGRATIONS_ROOT } from './migrate';
import { PostgresStorage, PostgresTranscripts } from './postgres';
import { startRetentionJob, type RetentionJob } from './retention';
import { recordSystemAudit } from '../staff/audit';
import { openSqliteFile, SqliteStorage, SqliteTranscripts } from './sqlite';
import type { ConversationIndex, Database, RawHandle } from './types';

export * from './types';
export { StorageStartupError, EtagConflictError, isEtagConflict, redactSecrets } from './errors';
export { redact, redactDeep } from './redact';
export { startRetentionJob, type RetentionJob } from './retention';

export interface OpenDatabaseOptions {
  logger?: Logger;
  /** When set, an hourly retention job purges transcripts older than this (stopped by close()). */
  retentionDays?: number;
  /** Folder holding `sqlite/` and `postgres/` migration folders (tests). */
  migrationsRoot?: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

/** DATABASE_URL with any password masked, for logs and error messages. */
export function describeDatabaseUrl(url: string): string {
  return redactSecrets(url);
}

const INDEX_METHODS = ['listConversations', 'getConversation', 'getConversationActivities', 'updateReview', 'deleteConversation', 'stats', 'purgeOlderThan'] as const;

function makeDatabase(
  kind: Database['kind'],
  storage: Database['storage'],
  transcripts: Database['transcripts'] & ConversationIndex,
  raw: RawHandle,
  ping: () => Promise<void>,
  close: () => Promise<void>,
): Database {
  const index = Object.fromEntries(INDEX_METHODS.map((m) => [m, transcripts[m].bind(transcripts)])) as unknown as ConversationIndex;
  let closed: Promise<void> | null = null;
  return { kind, storage, transcripts, raw, ping, close: () => (closed ??= close()), ...index };
}

function openSqliteDatabase(kind: 'sqlite' | 'memory', file: string, migrationsRoot: string): Database {
  let db: BetterSqlite3.Database;
  try {
    db = openSqliteFile(file, path.join(migrationsRoot, 'sqlite'));
  } catch (err) {
    const what = kind === 'memory' ? 'cannot create the in-memory database' : `cannot open SQLite database at ${file}`;
    throw new StorageStartupError(`DATABASE_URL: ${what} (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const storage = new OptimisticStorage(kind === 'memory' ? new EtagMemoryStorage() : new SqliteStorage(db));
  const transcripts = new SqliteTranscripts(db);
  return makeDatabase(
    kind,
    storage,
    transcripts,
    { kind: 'sqlite', db },
    async () => {
      db.prepare('SELECT 1').get();
    },
    async () => {
      if (db.open) {
        if (kind === 'sqlite') db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    },
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
  const pool: Pool = new PgPool({
    connectionString,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
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
  return makeDatabase(
    'postgres',
    new OptimisticStorage(new PostgresStorage(pool)),
    new PostgresTranscripts(pool),
    { kind: 'postgres', pool, schema },
    async () => {
      await pool.query('SELECT 1');
    },
    () => pool.end(),
  );
}

/** Opens (and migrates) the database that `url` names. */
export async function openDatabase(url: string, opts: OpenDatabaseOptions = {}): Promise<Database> {
  const migrationsRoot = opts.migrationsRoot ?? MIGRATIONS_ROOT;
  const trimmed = (url ?? '').trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  let db: Database;
  if (scheme === 'memory') {
    db = openSqliteDatabase('memory', ':memory:', migrationsRoot);
  } else if (scheme === 'sqlite') {
    let file = trimmed.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2);
    if (!file) throw new StorageStartupError('DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./data/calfbot.db');
    db = openSqliteDatabase('sqlite', file, migrationsRoot);
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
