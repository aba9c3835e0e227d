import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase, StorageStartupError } from '../src/storage';
import { loadMigrations, MIGRATIONS_ROOT } from '../src/storage/migrate';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-migrations-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the real migrations plus extra files (e.g. what the staff console adds as 100+). */
function migrationsRootWith(extra: Record<'sqlite' | 'postgres', Record<string, string>>): string {
  const root = fs.mkdtempSync(path.join(tmp, 'root-'));
  for (const dialect of ['sqlite', 'postgres'] as const) {
    fs.cpSync(path.join(MIGRATIONS_ROOT, dialect), path.join(root, dialect), { recursive: true });
    for (const [name, sql] of Object.entries(extra[dialect])) fs.writeFileSync(path.join(root, dialect, name), sql);
  }
  return root;
}

describe('migration files', () => {
  it('are numbered uniquely and sorted numerically', () => {
    for (const dialect of ['sqlite', 'postgres']) {
      const ms = loadMigrations(path.join(MIGRATIONS_ROOT, dialect));
      expect(ms[0]!.name).toBe('001_init.sql');
      expect(ms.map((m) => m.version)).toEqual([...ms.map((m) => m.version)].sort((a, b) => a - b));
    }
    const dir = fs.mkdtempSync(path.join(tmp, 'order-'));
    for (const f of ['9_b.sql', '10_c.sql', '002_a.sql', 'README.md']) fs.writeFileSync(path.join(dir, f), '');
    expect(loadMigrations(dir).map((m) => m.name)).toEqual(['002_a.sql', '9_b.sql', '10_c.sql']);
    fs.writeFileSync(path.join(dir, '010_dup.sql'), '');
    expect(() => loadMigrations(dir)).toThrow(/share version 10/);
  });
});

describe('SQLite migrations', () => {
  it('apply once, in order, and are idempotent across restarts', async () => {
    const root = migrationsRootWith({
      sqlite: { '150_extra.sql': 'CREATE TABLE extra_b (id INTEGER); INSERT INTO extra_b SELECT COUNT(*) FROM extra_a;', '120_extra.sql': 'CREATE TABLE extra_a (id INTEGER);' },
      postgres: {},
    });
    const file = path.join(tmp, 'm.db');
    for (let i = 0; i < 3; i++) {
      const db = await openDatabase(`sqlite:${file}`, { migrationsRoot: root });
      await db.storage.write({ [`k${i}`]: { i } });
      await db.close();
    }
    const raw = new BetterSqlite3(file, { readonly: true });
    const rows = raw.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[];
    raw.close();
    const expected = loadMigrations(path.join(root, 'sqlite')).map((m) => m.version);
    expect(rows.map((r) => r.version)).toEqual(expected);
    expect(rows.map((r) => r.name)).toContain('150_extra.sql');
  });

  it('picks up a new migration file on the next start', async () => {
    const root = migrationsRootWith({ sqlite: {}, postgres: {} });
    const file = path.join(tmp, 'later.db');
    await (await openDatabase(`sqlite:${file}`, { migrationsRoot: root })).close();
    fs.writeFileSync(path.join(root, 'sqlite', '900_later.sql'), 'CREATE TABLE later (id INTEGER);');
    const db = await openDatabase(`sqlite:${file}`, { migrationsRoot: root });
    if (db.raw.kind !== 'sqlite') throw new Error('expected sqlite');
    expect(db.raw.db.prepare("SELECT name FROM sqlite_master WHERE name = 'later'").get()).toBeTruthy();
    await db.close();
  });

  it('reports a failing migration as a start-up error and applies nothing of it', async () => {
    const root = migrationsRootWith({ sqlite: { '500_bad.sql': 'CREATE TABLE ok_part (id INTEGER); THIS IS NOT SQL;' }, postgres: {} });
    const file = path.join(tmp, 'bad.db');
    await expect(openDatabase(`sqlite:${file}`, { migrationsRoot: root })).rejects.toThrow(StorageStartupError);
    await expect(openDatabase(`sqlite:${file}`, { migrationsRoot: root })).rejects.toThrow(/DATABASE_URL.*500_bad\.sql/);
    const raw = new BetterSqlite3(file, { readonly: true });
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'ok_part'").get()).toBeUndefined();
    raw.close();
  });
});

describe('start-up errors', () => {
  it('name DATABASE_URL, are one line, and never print a password', async () => {
    const bad = ['mysql://root:hunter2@localhost/db', 'nonsense', 'sqlite:', 'postgres://calf:s3cr3t-pw@127.0.0.1:1/db'];
    for (const url of bad) {
      const err = await openDatabase(url).then(() => null, (e: unknown) => e);
      expect(err, url).toBeInstanceOf(StorageStartupError);
      const message = (err as Error).message;
      expect(message).toMatch(/^DATABASE_URL/);
      expect(message).not.toMatch(/\n/);
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('s3cr3t-pw');
    }
  });
});

describePg('PostgreSQL migrations', () => {
  let pg: PgSchema;
  beforeAll(async () => {
    pg = await createPgSchema('calfbot_migr', false);
  });
  afterAll(async () => {
    await pg?.drop();
  });

  it('two instances migrating at once both succeed; each migration is applied once', async () => {
    // A slow extra migration makes the two start-ups overlap for sure.
    const root = migrationsRootWith({ sqlite: {}, postgres: { '150_slow.sql': 'SELECT pg_sleep(0.5); CREATE TABLE slow_marker (id integer);' } });
    const [a, b] = await Promise.all([openDatabase(pg.url, { migrationsRoot: root }), openDatabase(pg.url, { migrationsRoot: root })]);
    await a.storage.write({ shared: { from: 'a' } });
    expect((await b.storage.read(['shared'])).shared).toMatchObject({ from: 'a' });
    await Promise.all([a.close(), b.close()]);
    const rows = await pg.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(loadMigrations(path.join(root, 'postgres')).map((m) => m.version));
    // Idempotent: a third start applies nothing and keeps the data.
    const c = await openDatabase(pg.url, { migrationsRoot: root });
    expect((await c.storage.read(['shared'])).shared).toMatchObject({ from: 'a' });
    await c.close();
    expect((await pg.query('SELECT version FROM schema_migrations')).length).toBe(rows.length);
  });
});
