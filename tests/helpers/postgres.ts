/**
 * PostgreSQL for tests.
 *
 *   import { describePg, createPgSchema } from './helpers/postgres';
 *   describePg('my feature on PostgreSQL', () => {
 *     let pg: PgSchema;
 *     beforeAll(async () => { pg = await createPgSchema(); });   // pg.url has ?schema=calfbot_test_xxx
 *     afterAll(async () => { await pg.drop(); });
 *     it('…', async () => { const db = await openDatabase(pg.url); … });
 *   });
 *
 * Server: env TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 * Unreachable → the suites are skipped with one console line, unless REQUIRE_POSTGRES=1,
 * in which case they fail. Each caller gets its own schema, so test files can run in parallel.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { isMainThread } from 'node:worker_threads';
import { Client } from 'pg';
import { describe, it } from 'vitest';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const REQUIRE_POSTGRES = process.env.REQUIRE_POSTGRES === '1' || process.env.REQUIRE_POSTGRES === 'true';

let cached: { ok: boolean; reason: string } | undefined;

function probe(): { ok: boolean; reason: string } {
  if (cached) return cached;
  // Synchronous (so it works with describe.skipIf): a tiny child process tries to connect.
  const script = `
    const { Client } = require('pg');
    const c = new Client({ connectionString: process.env.URL, connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('SELECT 1')).then(() => { process.stdout.write('ok'); return c.end(); })
      .catch((e) => { process.stdout.write(String(e && e.message || e)); process.exit(0); });`;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, URL: TEST_DATABASE_URL }, encoding: 'utf8', timeout: 8000, cwd: path.resolve(__dirname, '../..') });
  const out = (r.stdout ?? '').trim();
  cached = out === 'ok' ? { ok: true, reason: '' } : { ok: false, reason: out || r.error?.message || 'no answer' };
  return cached;
}

/** True if the test PostgreSQL server answers. */
export function pgAvailable(): boolean {
  return probe().ok;
}

function maskedUrl(): string {
  return TEST_DATABASE_URL.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** Prints the "skipping" line once per test run (not once per file). */
function announceSkip(reason: string): void {
  const runKey = isMainThread ? process.ppid : process.pid;
  const marker = path.join(os.tmpdir(), `calfbot-pg-skip-${runKey}`);
  try {
    fs.writeFileSync(marker, '', { flag: 'wx' });
  } catch {
    return;
  }
  console.warn(`PostgreSQL tests skipped: ${maskedUrl()} is not reachable (${reason}). Set TEST_DATABASE_URL, or REQUIRE_POSTGRES=1 to make this a failure.`);
}

/** `describe` for suites that need PostgreSQL. */
export function describePg(name: string, fn: () => void): void {
  const { ok, reason } = probe();
  if (ok) {
    describe(name, fn);
  } else if (REQUIRE_POSTGRES) {
    describe(name, () => {
      it('needs PostgreSQL (REQUIRE_POSTGRES=1)', () => {
        throw new Error(`PostgreSQL at ${maskedUrl()} is not reachable: ${reason}`);
      });
    });
  } else {
    announceSkip(reason);
    describe.skip(name, fn);
  }
}

export interface PgSchema {
  schema: string;
  /** TEST_DATABASE_URL with `?schema=` — pass to openDatabase. */
  url: string;
  /** Runs SQL in the schema (for assertions). */
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A fresh, uniquely named schema (created lazily by openDatabase, or now if `create`). */
export async function createPgSchema(prefix = 'calfbot_test', create = true): Promise<PgSchema> {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const u = new URL(TEST_DATABASE_URL);
  u.searchParams.set('schema', schema);
  const withClient = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  if (create) await withClient((c) => c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`));
  return {
    schema,
    url: u.toString(),
    query: <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => withClient(async (c) => (await c.query<T>(sql, params)).rows),
    drop: () => withClient(async (c) => void (await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`))),
  };
}
