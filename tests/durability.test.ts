/**
 * SQLite durability: once the server has answered a turn, a SIGKILL loses nothing —
 * the transcript and the dialog state are on disk and the conversation continues
 * after a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage';

const ROOT = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-durability-'));

interface Server {
  port: number;
  proc: ChildProcess;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** `node --import tsx src/index.ts` (= `npx tsx src/index.ts`, but one process, so SIGKILL hits the server itself). */
async function startServer(databaseUrl: string): Promise<Server> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', MicrosoftAppId: '', MicrosoftAppPassword: '', RATE_LIMIT_MESSAGES: '10000' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}: ${err.trim()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return { port, proc };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill('SIGKILL');
  throw new Error(`server on port ${port} not ready within 60s: ${err.trim()}`);
}

function kill9(s: Server): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    s.proc.once('exit', () => resolve());
    s.proc.kill('SIGKILL');
  });
}

interface Reply {
  type: string;
  channelData?: { intent?: string | null };
}

let ids = 0;
async function say(s: Server, conversation: string, text: string): Promise<{ status: number; activities: Reply[] }> {
  ids += 1;
  const res = await fetch(`http://127.0.0.1:${s.port}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message', text, deliveryMode: 'expectReplies', channelId: 'test', serviceUrl: 'http://localhost',
      conversation: { id: conversation }, from: { id: 'u1' }, recipient: { id: 'bot' }, id: `d${ids}`,
    }),
  });
  const body = (await res.json().catch(() => ({}))) as { activities?: Reply[] };
  return { status: res.status, activities: body.activities ?? [] };
}

function lastIntent(activities: Reply[]): string | null | undefined {
  const messages = activities.filter((a) => a.type === 'message');
  return messages[messages.length - 1]?.channelData?.intent;
}

const servers: Server[] = [];
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
