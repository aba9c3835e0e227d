/**
 * Schema migrations: every `NNN_name.sql` file in `migrations/<sqlite|postgres>/` is
 * applied once, in numeric order, and recorded in `schema_migrations`. Files added
 * later (e.g. the staff console's 100+) are picked up on the next start.
 *
 * Safe with several instances starting at once: SQLite runs the whole check-and-apply
 * in one `BEGIN IMMEDIATE` transaction (one writer at a time); PostgreSQL holds a
 * session-level `pg_advisory_lock` while it checks and applies.
 */
import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Pool } from 'pg';
import { CODE_DIR } from '../paths';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS_ROOT = path.join(CODE_DIR, 'storage', 'migrations');

/** Advisory lock key (first half): ASCII "calf". */
const LOCK_NAMESPACE = 0x63616c66;

export function loadMigrations(dir: string): Migration[] {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = /^(\d+)_([\w.-]+)\.sql$/.exec(file);
    if (!m) continue;
    migrations.push({ version: Number(m[1]), name: file, sql: fs.readFileSync(path.join(dir, file), 'utf8') });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new Error(`Two migrations share version ${migrations[i]!.version}: ${migrations[i - 1]!.name} and ${migrations[i]!.name}`);
    }
  }
  return migrations;
}

/** Applies pending migrations; returns the file names applied now. */
export function migrateSqlite(db: BetterSqlite3.Database, dir = path.join(MIGRATIONS_ROOT, 'sqlite')): string[] {
  const migrations = loadMigrations(dir);
  const run = db.transaction((): string[] => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    const done: string[] = [];
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      try {
        db.exec(m.sql);
      } catch (err) {
        throw new Error(`migration ${m.name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      record.run(m.version, m.name, new Date().toISOString());
      done.push(m.name);
    }
    return done;
  });
  return run.immediate();
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Applies pending migrations on PostgreSQL. With `schema`, everything (incl.
 * `schema_migrations`) lives in that schema, created if needed; the pool's
 * connections must already use it as `search_path`.
 */
export async function migratePostgres(pool: Pool, schema: string | null, dir = path.join(MIGRATIONS_ROOT, 'postgres')): Promise<string[]> {
  const migrations = loadMigrations(dir);
  const client = await pool.connect();
  let released = false;
  try {
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_NAMESPACE, schema ?? 'public']);
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => Number(r.version)));
      const done: string[] = [];
      for (const m of migrations) {
        if (applied.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${m.name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        done.push(m.name);
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, schema ?? 'public']).catch(() => {
        // A broken connection drops its session locks anyway; make sure it is not reused.
        client.release(true);
        released = true;
      });
    }
  } finally {
    if (!released) client.release();
  }
}
