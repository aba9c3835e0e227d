/**
 * SQLite durability: once the server has answered a turn, a SIGKILL loses nothing —
 * the transcript and the dialog state are on disk and the conversation continues
 * after a restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage';
import { lastIntent, say, startServer, type ServerProcess } from './helpers/serverProcess';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-durability-'));

function kill9(s: ServerProcess): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    s.proc.once('exit', () => resolve());
    s.proc.kill('SIGKILL');
  });
}

const servers: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map(kill9));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('SQLite durability', () => {
  it('keeps transcript and dialog state across SIGKILL', async () => {
    const file = path.join(tmp, 'data', 'calfbot.db');
    const url = `sqlite:${file}`;
    const first = await startServer(url);
    servers.push(first);
    const r1 = await say(first, 'dur-1', 'wall test');
    expect(r1.status).toBe(200);
    const intent = lastIntent(r1.activities);
    expect(intent).toBeTruthy();
    const r2 = await say(first, 'dur-1', 'yes');
    expect(r2.status).toBe(200);
    expect(lastIntent(r2.activities)).toBe(intent);
    await kill9(first); // no graceful shutdown, no checkpoint

    // Everything the user saw answered is on disk.
    const db = await openDatabase(url);
    const acts = await db.getConversationActivities({ channel: 'test', id: 'dur-1' });
    expect(acts.filter((a) => a.role === 'user').map((a) => a.text)).toEqual(['wall test', 'yes']);
    expect(acts.filter((a) => a.role === 'bot').length).toBe(r1.activities.length + r2.activities.length);
    expect(await db.getConversation({ channel: 'test', id: 'dur-1' })).toMatchObject({ turnCount: 2 });
    await db.close();

    // And the dialog carries on where it was.
    const second = await startServer(url);
    servers.push(second);
    const r3 = await say(second, 'dur-1', 'yes');
    expect(r3.status).toBe(200);
    expect(lastIntent(r3.activities), JSON.stringify(r3.activities)).toBe(intent);
    await kill9(second);
  }, 180_000);
});
