/**
 * SQLite's WAL checkpoints run on a worker thread (src/storage/checkpointer.ts), so the
 * service's event loop never waits for their fsyncs; if the worker is not there, the
 * connection checkpoints itself again, as SQLite does by default, and the log says so.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../src/logger';
import { openDatabase } from '../src/storage';
import { BackgroundCheckpointer, SQLITE_AUTOCHECKPOINT_PAGES, START_AFTER_MS, type CheckpointReport } from '../src/storage/checkpointer';
import { openSqliteFile } from '../src/storage/sqlite';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'calfbot-ckpt-'));
  dirs.push(dir);
  return join(dir, 'bot.db');
}

function logLines(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { lines, logger: createLogger('info', sink) };
}

/** Resolves with the first report that `ok` accepts, or rejects after `ms`. */
function nextReport(checkpointer: BackgroundCheckpointer, ok: (r: CheckpointReport) => boolean, ms = 10_000): Promise<CheckpointReport> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no such checkpoint report')), ms);
    checkpointer.onCheckpoint((r) => {
      if (ok(r)) {
        clearTimeout(timer);
        resolve(r);
      }
    });
  });
}

const autocheckpoint = (db: ReturnType<typeof openSqliteFile>): unknown => db.pragma('wal_autocheckpoint', { simple: true });

describe('WAL checkpoints off the event loop', () => {
  it('the worker copies the whole log back into the database while the connection no longer checkpoints itself', async () => {
    const db = openSqliteFile(tempFile());
    const checkpointer = new BackgroundCheckpointer(db, { file: db.name, driver: require.resolve('better-sqlite3'), everyMs: 20, startAfterMs: 0, logger: silentLogger });
    checkpointer.start();
    try {
      expect(checkpointer.running).toBe(true);
      expect(autocheckpoint(db)).toBe(0);
      const insert = db.prepare('INSERT INTO state_items (key, etag, data, updated_at) VALUES (?, ?, ?, ?)');
      for (let i = 0; i < 300; i++) insert.run(`k${i}`, 'e', 'x'.repeat(2_000), new Date().toISOString());
      const report = await nextReport(checkpointer, (r) => r.ok && r.logPages > 100 && r.copiedPages === r.logPages);
      expect(report).toMatchObject({ ok: true });
      // what the worker copied is what a fresh reader sees
      expect(db.prepare('SELECT COUNT(*) AS n FROM state_items').get()).toEqual({ n: 300 });
    } finally {
      await checkpointer.stop();
      db.close();
    }
  });

  it('a worker that cannot open its driver leaves the checkpoints on the connection, at SQLite\'s default, and says so', async () => {
    const db = openSqliteFile(tempFile());
    const { lines, logger } = logLines();
    const checkpointer = new BackgroundCheckpointer(db, { file: db.name, driver: '/nowhere/better-sqlite3', everyMs: 20, startAfterMs: 0, logger });
    checkpointer.start();
    try {
      await expect.poll(() => checkpointer.running, { timeout: 10_000 }).toBe(false);
      expect(autocheckpoint(db)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
      expect(lines.join('')).toMatch(/checkpoints are back on the event loop/);
    } finally {
      await checkpointer.stop();
      db.close();
    }
  });

  it('the service\'s SQLite database checkpoints as SQLite does while it starts, then in the background, and leaves an empty log on close', async () => {
    const file = tempFile();
    const database = await openDatabase(`sqlite:${file}`, { outboxFile: join(file, '..', 'outbox.jsonl') });
    if (database.raw.kind !== 'sqlite') throw new Error('expected SQLite');
    const db = database.raw.db;
    expect(autocheckpoint(db)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
    await expect.poll(() => autocheckpoint(db), { timeout: START_AFTER_MS + 10_000, interval: 200 }).toBe(0);
    await database.storage.write({ 'test/conversations/c1/': { n: 1 } });
    await database.close();
    expect(statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  });

  it('a database closed before the worker starts never starts one', async () => {
    const db = openSqliteFile(tempFile());
    const checkpointer = new BackgroundCheckpointer(db, { file: db.name, driver: require.resolve('better-sqlite3'), startAfterMs: 50, logger: silentLogger });
    checkpointer.start();
    await checkpointer.stop();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(checkpointer.running).toBe(false);
    expect(autocheckpoint(db)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
    db.close();
  });

  it('an in-memory database has no worker and keeps SQLite\'s default', async () => {
    const database = await openDatabase('memory:');
    if (database.raw.kind !== 'sqlite') throw new Error('expected SQLite');
    expect(autocheckpoint(database.raw.db)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
    await database.close();
  });
});
