/**
 * The outbox on SQLite: while another connection holds the write lock (SQLITE_BUSY, as
 * with a stuck writer or a full disk), transcript batches and bot state writes are kept
 * in the outbox file, reads see the kept state, and once the lock is gone everything is
 * replayed in order, exactly once — also after a restart. eTag rules on replay: a forced
 * (`*`) write applies; a conditional write is dropped if someone changed the state since.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Activity } from 'botbuilder';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/storage';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-outbox-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function turn(conv: string, text: string, urgency: 'none' | 'urgent' = 'none'): Partial<Activity>[] {
  n++;
  const base = { type: 'message', channelId: 'test', conversation: { id: conv } as Activity['conversation'], timestamp: new Date() };
  return [
    { ...base, id: `u${n}`, text, from: { id: 'patient', role: 'user' }, recipient: { id: 'bot' } } as Partial<Activity>,
    { ...base, id: `b${n}`, replyToId: `u${n}`, text: `reply to ${text}`, from: { id: 'bot', role: 'bot' }, recipient: { id: 'patient' }, channelData: { intent: 'x', urgency } } as Partial<Activity>,
  ];
}

describe('outbox (SQLite)', () => {
  let file: string;
  let outboxFile: string;
  let db: Database;
  let locker: BetterSqlite3.Database;

  const open = () => openDatabase(`sqlite:${file}`, { timeoutMs: 100, outboxFile, outboxReplayMs: 600_000 });
  const lock = () => locker.exec('BEGIN IMMEDIATE');
  const unlock = () => locker.exec('COMMIT');
  const texts = async (conv: string) => (await db.getConversationActivities({ channel: 'test', id: conv })).map((a) => a.text);
  const stored = (key: string) => locker.prepare<[string], { data: string }>('SELECT data FROM state_items WHERE key = ?').get(key)?.data;

  beforeEach(async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'db-'));
    file = path.join(dir, 'calfbot.db');
    outboxFile = `${file}.outbox.jsonl`;
    db = await open();
    locker = new BetterSqlite3(file);
    locker.pragma('busy_timeout = 0');
  });

  afterEach(async () => {
    if (locker.inTransaction) unlock();
    locker.close();
    await db.close();
  });

  it('keeps a turn the database refused on disk, answers reads from it, replays it once', async () => {
    await db.transcripts.logActivities(turn('c1', 'hello'));
    await db.storage.write({ 'test/conversations/c1/': { step: 'prompt', eTag: '*' } });

    lock();
    await db.transcripts.logActivities(turn('c1', 'my calf is swollen', 'urgent')); // does not throw
    await db.storage.write({ 'test/conversations/c1/': { step: 'cleared', eTag: '*' } });
    await db.transcripts.logActivities(turn('c1', 'thanks'));
    expect(db.outboxPending()).toBe(3);
    const onDisk = fs.readFileSync(outboxFile, 'utf8');
    expect(onDisk).toContain('my calf is swollen');
    expect((await db.storage.read(['test/conversations/c1/']))['test/conversations/c1/']).toMatchObject({ step: 'cleared' });
    unlock();

    await db.replayOutbox();
    expect(db.outboxPending()).toBe(0);
    expect(fs.readFileSync(outboxFile, 'utf8')).toBe('');
    expect(await texts('c1')).toEqual(['hello', 'reply to hello', 'my calf is swollen', 'reply to my calf is swollen', 'thanks', 'reply to thanks']);
    expect(JSON.parse(stored('test/conversations/c1/')!)).toEqual({ step: 'cleared' });
    expect(await db.getConversation({ channel: 'test', id: 'c1' })).toMatchObject({ maxUrgency: 'urgent', turnCount: 3 });

    // Replaying the same file again (a crash before the "done" marks) stores nothing twice.
    await db.close();
    fs.writeFileSync(outboxFile, onDisk);
    db = await open();
    await db.replayOutbox();
    expect(db.outboxPending()).toBe(0);
    expect(await texts('c1')).toHaveLength(6);
  });

  it('replays what is waiting after a restart', async () => {
    lock();
    await db.transcripts.logActivities(turn('c2', 'my leg is cold and white'));
    await db.close();
    unlock();
    db = await open(); // replays at start-up
    await db.replayOutbox();
    expect(await texts('c2')).toEqual(['my leg is cold and white', 'reply to my leg is cold and white']);
  });

  it('ignores a line torn by a crash, but refuses to start on a file it cannot read', async () => {
    lock();
    await db.transcripts.logActivities(turn('c3', 'hello'));
    await db.close();
    unlock();
    fs.appendFileSync(outboxFile, '{"op":"add","entry":{"kind":"transcr');
    db = await open();
    await db.replayOutbox();
    expect(await texts('c3')).toEqual(['hello', 'reply to hello']);

    await db.close();
    fs.writeFileSync(outboxFile, '{"op":"rewind"}\n');
    await expect(open()).rejects.toThrow(/^OUTBOX_FILE: cannot use .*outbox\.jsonl \(outbox .*: unreadable line/);
    fs.rmSync(outboxFile);
    db = await open();
  });

  it('eTags: a forced write wins on replay, a conditional one loses to a newer write, a stale one conflicts at once', async () => {
    await db.storage.write({ forced: { v: 'old', eTag: '*' }, cond: { v: 'old', eTag: '*' } });
    const read = await db.storage.read(['cond']);
    const etag = (read.cond as { eTag: string }).eTag;

    lock();
    await db.storage.write({ forced: { v: 'escalated', eTag: '*' } });
    await db.storage.write({ cond: { v: 'mine', eTag: etag } });
    // Based on the stored version, not the one waiting in the outbox: a conflict now.
    await expect(db.storage.write({ cond: { v: 'stale', eTag: etag } })).rejects.toThrow(/eTag conflict/);
    // Meanwhile another instance writes both keys.
    locker.prepare("UPDATE state_items SET data = ?, etag = 'other' WHERE key IN ('forced', 'cond')").run(JSON.stringify({ v: 'theirs' }));
    unlock();

    await db.replayOutbox();
    expect(JSON.parse(stored('forced')!)).toEqual({ v: 'escalated' });
    expect(JSON.parse(stored('cond')!)).toEqual({ v: 'theirs' });
  });

  it('changes a turn made but never saved do not show in what is read during an outage', async () => {
    await db.storage.write({ a: { dialog: { step: 1 }, eTag: '*' } });
    const seen = (await db.storage.read(['a'])).a as { dialog: { step: number } };
    seen.dialog.step = 99; // botbuilder changes state in place during a turn
    lock();
    await db.storage.write({ b: { dialog: { step: 1 }, eTag: '*' } }); // fails: the database is now counted as down
    expect((await db.storage.read(['a'])).a).toMatchObject({ dialog: { step: 1 } }); // from memory
    const queued = (await db.storage.read(['b'])).b as { dialog: { step: number } };
    queued.dialog.step = 99;
    expect((await db.storage.read(['b'])).b).toMatchObject({ dialog: { step: 1 } }); // from the outbox
    unlock();
    await db.replayOutbox();
    expect(JSON.parse(stored('b')!)).toEqual({ dialog: { step: 1 } });
  });

  it('a write based on the outbox version still succeeds after the replay', async () => {
    await db.storage.write({ k: { v: 1, eTag: '*' } });
    lock();
    await db.storage.write({ k: { v: 2, eTag: '*' } });
    const held = (await db.storage.read(['k'])).k as { eTag: string };
    expect(held.eTag).toMatch(/^outbox:/);
    unlock();
    await db.replayOutbox();
    await db.storage.write({ k: { v: 3, eTag: held.eTag } });
    expect(JSON.parse(stored('k')!)).toEqual({ v: 3 });
  });

  it('deleting a conversation removes its waiting entries from the outbox file too', async () => {
    lock();
    await db.transcripts.logActivities(turn('gone', 'my calf is swollen', 'urgent'));
    await db.storage.write({ 'test/conversations/gone/': { step: 'cleared', eTag: '*' } });
    await db.transcripts.logActivities(turn('stays', 'hello'));
    unlock();
    expect(await db.deleteConversation({ channel: 'test', id: 'gone' })).toBe(true);
    expect(fs.readFileSync(outboxFile, 'utf8')).not.toContain('gone');
    await db.replayOutbox();
    expect(await texts('gone')).toEqual([]);
    expect(stored('test/conversations/gone/')).toBeUndefined();
    expect(await texts('stays')).toEqual(['hello', 'reply to hello']);
  });
});
