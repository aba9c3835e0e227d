/**
 * Faults: the database becomes unreachable while the bot runs.
 *
 * - PostgreSQL (the full service): a TCP proxy in front of the shared test server is cut
 *   and restored (the server itself is never stopped; other test files use it). While it
 *   is cut: /readyz is 503, red flags still escalate (from memory), other messages get
 *   the apology (never a 500). After it is restored the service recovers by itself.
 * - Any storage (HTTP layer): a Storage that throws gives the apology, not a 500.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Storage, StoreItems } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APOLOGY } from '../src/adapter';
import type { Service } from '../src/service';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';
import { messageActivity, postActivity, startTestService } from './helpers/service';
import { ESCALATION_TEXT, startHarness } from './securityHarness';

/** A TCP proxy that can be cut (existing and new connections dropped) and restored. */
async function startProxy(target: { host: string; port: number }) {
  let cut = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      cut = false;
    },
    async close() {
      this.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const RED_FLAG = 'my calf is swollen and hot and I think I have a blood clot';

describePg('PostgreSQL becomes unreachable while the bot runs', () => {
  let pg: PgSchema;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let service: Service;

  beforeAll(async () => {
    pg = await createPgSchema('calfbot_faults');
    const url = new URL(pg.url);
    proxy = await startProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    service = await startTestService({ DATABASE_URL: url.toString() });
  });

  afterAll(async () => {
    proxy?.restore();
    await service?.stop();
    await proxy?.close();
    await pg?.drop();
  });

  it('works normally through the proxy', async () => {
    const { status, replies } = await postActivity(service.url, messageActivity('hello', 'fault-1'));
    expect(status).toBe(200);
    expect(replies.length).toBeGreaterThan(0);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });

  it('while the database is down: 503 readiness, escalations still sent, apology otherwise, never a 500', async () => {
    proxy.cut();
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', checks: { storage: false } });

    const flagged = await postActivity(service.url, messageActivity(RED_FLAG, 'fault-2'));
    expect(flagged.status).toBe(200);
    expect(flagged.replies.length).toBeGreaterThan(0);
    expect(flagged.replies[0]?.channelData?.urgency).toMatch(/^(urgent|emergency)$/);

    const emergency = await postActivity(service.url, messageActivity('sudden chest pain and I cannot breathe', 'fault-3'));
    expect(emergency.status).toBe(200);
    expect(emergency.replies[0]?.channelData?.urgency).toBe('emergency');

    const plain = await postActivity(service.url, messageActivity('what exercises help calf strain?', 'fault-4'));
    expect(plain.status).toBe(200);
    expect(plain.replies.map((r) => r.text)).toContain(APOLOGY);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });

  it('recovers by itself when the database comes back', async () => {
    proxy.restore();
    expect(await waitFor(async () => (await fetch(`${service.url}/readyz`)).status === 200, 15_000)).toBe(true);
    const { status, replies } = await postActivity(service.url, messageActivity('hello again', 'fault-5'));
    expect(status).toBe(200);
    expect(replies.map((r) => r.text)).not.toContain(APOLOGY);
  });
});

class BrokenStorage implements Storage {
  async read(_keys: string[]): Promise<StoreItems> {
    throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  }
  async write(_changes: StoreItems): Promise<void> {
    throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  }
  async delete(_keys: string[]): Promise<void> {
    throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  }
}

describe('a storage that throws (HTTP layer)', () => {
  it('answers with the apology and a 200, and still sends escalations', async () => {
    const h = await startHarness({ storage: new BrokenStorage(), ready: async () => false });
    try {
      const plain = await postActivity(h.url, messageActivity('hello', 'broken-1'));
      expect(plain.status).toBe(200);
      expect(plain.replies.map((r) => r.text)).toEqual([APOLOGY]);
      const flagged = await postActivity(h.url, messageActivity('I think I have a clot', 'broken-1'));
      expect(flagged.status).toBe(200);
      expect(flagged.replies[0]?.text).toBe(ESCALATION_TEXT);
      expect((await fetch(`${h.url}/readyz`)).status).toBe(503);
    } finally {
      await h.stop();
    }
  });
});
