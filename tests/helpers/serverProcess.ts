/**
 * The real server as a child process (`node --import tsx src/index.ts`, which is
 * `npx tsx src/index.ts` in one process, so a signal hits the server itself), on a free
 * port, and a way to talk to it. For tests that kill, restart or run several instances.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface ServerProcess {
  port: number;
  proc: ChildProcess;
  /** What the process has written to stderr so far. */
  stderr: () => string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts the server on `databaseUrl` and resolves once /readyz answers 200 (within 60 s). */
export async function startServer(databaseUrl: string): Promise<ServerProcess> {
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
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) return { port, proc, stderr: () => err };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill('SIGKILL');
  throw new Error(`server on port ${port} not ready within 60s: ${err.trim()}`);
}

export interface Reply {
  type: string;
  text?: string;
  channelData?: { intent?: string | null; urgency?: string };
}

let ids = 0;

/** One user message to /api/messages with expectReplies; a body that is not JSON gives no activities. */
export async function say(s: ServerProcess, conversation: string, text: string): Promise<{ status: number; activities: Reply[] }> {
  ids += 1;
  const res = await fetch(`http://127.0.0.1:${s.port}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message', text, deliveryMode: 'expectReplies', channelId: 'test', serviceUrl: 'http://localhost',
      conversation: { id: conversation }, from: { id: 'u1' }, recipient: { id: 'bot' }, id: `m${ids}`,
    }),
  });
  const body = (await res.json().catch(() => ({}))) as { activities?: Reply[] };
  return { status: res.status, activities: body.activities ?? [] };
}

/** The intent of the last message among the replies. */
export function lastIntent(activities: Reply[]): string | null | undefined {
  const messages = activities.filter((a) => a.type === 'message');
  return messages[messages.length - 1]?.channelData?.intent;
}
