/**
 * The bench's tail phase (scripts/bench/openLoad.ts) must offer an even load and count each
 * turn's latency from when it was due: otherwise "p99 at the same load" measures the load
 * generator's bursts, not the server (round 10 found exactly that with autocannon's rate limit).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runOpenLoad } from '../scripts/bench/openLoad';

const REPLY = JSON.stringify({ activities: [{ type: 'message', text: 'ok' }] });
let server: Server | undefined;

/** `hold(n, arrivals)`: how long to keep the n-th request (from 0) waiting before it is answered. */
async function listen(hold: (n: number, arrivals: readonly number[]) => number): Promise<{ url: string; arrivals: number[] }> {
  const arrivals: number[] = [];
  const t0 = performance.now();
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const n = arrivals.length;
      arrivals.push(performance.now() - t0);
      // not chained: restify, loaded by other test files in the same worker, patches
      // ServerResponse.prototype.writeHead to return nothing
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(REPLY);
      }, hold(n, arrivals));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals };
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('bench open-loop load', () => {
  it('spreads the turns over each second instead of sending a second\'s share at once', async () => {
    const { url, arrivals } = await listen(() => 0);
    const r = await runOpenLoad({ url, label: 'even', rate: 100, seconds: 2, connections: 20, idPrefix: 'even', progress: false });
    expect(r.errors.total).toBe(0);
    expect(r.turns).toBe(200);
    // a burst-per-second generator puts ~100 turns into the first 100 ms of each second; evenly spaced is ~10
    let busiest = 0;
    for (const a of arrivals) busiest = Math.max(busiest, arrivals.filter((b) => b >= a && b < a + 100).length);
    expect(busiest).toBeLessThanOrEqual(40);
  });

  it('keeps the turns coming while the server stalls, and counts their wait in their latency', async () => {
    // The server stalls for 300 ms from the first request (whenever it arrives: a busy CI worker
    // may start the load late): every request that arrives meanwhile is answered when the stall
    // ends, as in a long GC pause. Held by the server, not by the client's one connection, because
    // in the full suite the shared test worker's http client (nock is loaded there) did not keep
    // the requests queued behind one socket, and only the first request waited.
    // A closed loop (the next turn only after an answer) would show the first turn waiting, no other.
    const { url } = await listen((n, arrivals) => Math.max(0, arrivals[0]! + 300 - arrivals[n]!));
    const latencies: number[] = [];
    const r = await runOpenLoad({ url, label: 'stall', rate: 100, seconds: 1, connections: 1, idPrefix: 'stall', latencies, progress: false });
    expect(r.errors.total).toBe(0);
    expect(latencies).toHaveLength(100);
    expect(r.latencyMs.max).toBeGreaterThanOrEqual(280);
    // about 30 turns fell due during the stall, each waiting for the rest of it: ~20 of them
    // over 100 ms (a closed loop, or timing from the socket write, would show none)
    expect(latencies.filter((ms) => ms > 100).length).toBeGreaterThanOrEqual(10);
  });
});
