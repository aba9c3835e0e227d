/**
 * Escalations survive a database outage (PostgreSQL, the full service).
 *
 * The pool talks to the shared test server through a TCP proxy this test controls:
 *  - 'refuse': every connection is closed at once (a stopped server, a refused port);
 *  - 'blackhole': connections are accepted and never answered (packets silently dropped).
 * While it is cut, a red flag is answered at once and its turn (transcript rows and the
 * cleared dialog) waits in the outbox; once the proxy is restored, the rows land in the
 * transcript store exactly once and the patient is not put back into the old prompt.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Service } from '../src/service';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';
import { messageActivity, postActivity, startTestService, type ReplyActivity } from './helpers/service';

type Mode = 'pass' | 'refuse' | 'blackhole';

/** A TCP proxy to PostgreSQL that can refuse or silently swallow connections. */
async function startProxy(target: { host: string; port: number }) {
  let mode: Mode = 'pass';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined).on('close', () => sockets.delete(client));
    if (mode === 'refuse') return void client.destroy();
    if (mode === 'blackhole') return; // accepted, never answered
    const upstream = net.connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('error', () => undefined).on('close', () => sockets.delete(upstream));
    // Bytes only flow while passing: a blackhole freezes established connections too.
    client.on('data', (d) => void (mode === 'pass' && upstream.write(d)));
    upstream.on('data', (d) => void (mode === 'pass' && client.write(d)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dropAll = (): void => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    port: (server.address() as AddressInfo).port,
    set(next: Mode) {
      // Leaving a blackhole: the frozen connections lost bytes and are unusable; refusing closes everything.
      if (next === 'refuse' || mode === 'blackhole') dropAll();
      mode = next;
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const lastIntent = (replies: ReplyActivity[]): string | null | undefined => replies.filter((r) => r.type === 'message').at(-1)?.channelData?.intent;

describePg('escalations during a PostgreSQL outage', () => {
  let pg: PgSchema;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let service: Service;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-outage-'));
  const outboxFile = path.join(tmp, 'outbox.jsonl');

  beforeAll(async () => {
    pg = await createPgSchema('calfbot_outage');
    const url = new URL(pg.url);
    proxy = await startProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    service = await startTestService({ DATABASE_URL: url.toString(), OUTBOX_FILE: outboxFile, OUTBOX_REPLAY_MS: '200', DATABASE_TIMEOUT_MS: '1500', RATE_LIMIT_MESSAGES: '1000' });
  });

  afterAll(async () => {
    proxy?.set('pass');
    await service?.stop();
    await proxy?.close();
    await pg?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const mode of ['refuse', 'blackhole'] as const) {
    it(`${mode}: red flags answered at once, rows and the cleared dialog replayed once the database is back`, async () => {
      const conv = `outage-${mode}`;
      // A dialog waiting for an answer: "yes" would continue it.
      const opening = await postActivity(service.url, messageActivity('wall test', conv));
      expect(opening.status).toBe(200);
      const promptIntent = lastIntent(opening.replies);
      expect(promptIntent).toBeTruthy();

      proxy.set(mode);
      let t = Date.now();
      const ready = await fetch(`${service.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(Date.now() - t).toBeLessThan(2_000);

      t = Date.now();
      const urgent = await postActivity(service.url, messageActivity('my calf is swollen and red after a long flight', conv));
      const urgentMs = Date.now() - t;
      expect(urgent.status).toBe(200);
      expect(urgent.replies[0]?.channelData?.urgency).toBe('urgent');
      expect(urgentMs).toBeLessThan(1_000);

      t = Date.now();
      const emergency = await postActivity(service.url, messageActivity('my leg is cold and white', `${conv}-2`));
      expect(emergency.replies[0]?.channelData?.urgency).toBe('emergency');
      expect(Date.now() - t).toBeLessThan(1_000);

      expect(service.db.outboxPending()).toBeGreaterThan(0);
      expect(fs.readFileSync(outboxFile, 'utf8')).toContain('long flight'); // on disk, not only in memory

      proxy.set('pass');
      expect(await waitFor(() => service.db.outboxPending() === 0, 15_000)).toBe(true);

      const rows = await pg.query<{ role: string; text: string | null; urgency: string | null }>(
        'SELECT role, text, urgency FROM activities WHERE channel_id = $1 AND conversation_id = $2 ORDER BY seq',
        ['test', conv],
      );
      const userTexts = rows.filter((r) => r.role === 'user').map((r) => r.text);
      expect(userTexts).toEqual(['wall test', 'my calf is swollen and red after a long flight']); // in order, once
      expect(rows.filter((r) => r.urgency === 'urgent')).toHaveLength(urgent.replies.filter((r) => r.type === 'message').length);
      expect(await service.db.getConversation({ channel: 'test', id: conv })).toMatchObject({ maxUrgency: 'urgent', turnCount: 2 });
      expect(await service.db.getConversation({ channel: 'test', id: `${conv}-2` })).toMatchObject({ maxUrgency: 'emergency', turnCount: 1 });

      // The cleared dialog reached the database: "yes" no longer answers the old prompt.
      const [state] = await pg.query<{ data: string }>('SELECT data FROM state_items WHERE key = $1', [`test/conversations/${conv}/`]);
      expect(JSON.parse(state!.data)).toMatchObject({ DialogState: { dialogStack: [] } });
      const after = await postActivity(service.url, messageActivity('yes', conv));
      expect(after.status).toBe(200);
      expect(lastIntent(after.replies), JSON.stringify(after.replies.map((r) => r.text))).not.toBe(promptIntent);
    });
  }

  it('an escalation on an instance that never saw the conversation still clears its dialog everywhere', async () => {
    // Another instance, talking to the database directly, holds the conversation in a prompt.
    const other = await startTestService({ DATABASE_URL: pg.url, OUTBOX_FILE: path.join(tmp, 'other.jsonl'), RATE_LIMIT_MESSAGES: '1000' });
    try {
      const conv = 'outage-cold';
      const promptIntent = lastIntent((await postActivity(other.url, messageActivity('wall test', conv))).replies);
      expect(promptIntent).toBeTruthy();

      proxy.set('refuse');
      const t = Date.now();
      const urgent = await postActivity(service.url, messageActivity('my calf is swollen and red after a long flight', conv));
      expect(urgent.replies[0]?.channelData?.urgency).toBe('urgent');
      expect(Date.now() - t).toBeLessThan(1_000);
      proxy.set('pass');
      expect(await waitFor(() => service.db.outboxPending() === 0, 15_000)).toBe(true);

      const after = await postActivity(other.url, messageActivity('yes', conv));
      expect(lastIntent(after.replies), JSON.stringify(after.replies.map((r) => r.text))).not.toBe(promptIntent);
      expect(await other.db.getConversation({ channel: 'test', id: conv })).toMatchObject({ maxUrgency: 'urgent', turnCount: 3 });
    } finally {
      await other.stop();
    }
  });
});
