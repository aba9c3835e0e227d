/**
 * After a busy spell the bot gives back the heap V8 grew, once it has been quiet a while
 * (src/idleMemory.ts): one background collection per quiet spell, never under load.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../src/logger';
import { processProbe, startIdleMemory, type IdleMemoryProbe } from '../src/idleMemory';

const MB = 1024 * 1024;

/** A scripted process: `load` is the event loop's utilisation at each check; the clock moves 2 s per check. */
function scripted(load: number[], heap = { total: 400 * MB, used: 80 * MB }) {
  let t = 0;
  let i = 0;
  const collections: number[] = [];
  const probe: IdleMemoryProbe = {
    utilisation: () => load[i] ?? 0,
    heap: () => heap,
    collect: async () => { collections.push(i); },
  };
  const idle = startIdleMemory({ idleSeconds: 10, logger: silentLogger, probe, now: () => t, checkMs: 3_600_000 });
  const run = async (): Promise<number[]> => {
    for (i = 0; i < load.length; i++) {
      idle.check();
      t += 2000;
      await Promise.resolve();
    }
    idle.stop();
    return collections;
  };
  return run;
}

const busy = (n: number): number[] => Array(n).fill(0.6);
const quiet = (n: number): number[] => Array(n).fill(0.001);

describe('idle memory', () => {
  it('collects once, 10 quiet seconds after a busy spell', async () => {
    // quiet from check 5: checks 5..10 are 0..10 s into the quiet spell
    expect(await scripted([...busy(5), ...quiet(20)])()).toEqual([10]);
  });

  it('never collects while the bot is busy, or when it was never busy', async () => {
    expect(await scripted(busy(40))()).toEqual([]);
    expect(await scripted(quiet(40))()).toEqual([]);
  });

  it('collects again only after another busy spell', async () => {
    expect(await scripted([...busy(3), ...quiet(10), ...busy(3), ...quiet(10)])()).toEqual([8, 21]);
  });

  it('waits while a little traffic keeps it from being quiet', async () => {
    // light traffic (3% of the loop) is neither busy nor quiet: the quiet clock starts again after it
    expect(await scripted([...busy(2), 0.03, 0.001, 0.001, 0.03, ...quiet(8)])()).toEqual([11]);
  });

  it('leaves a heap with little unused room alone', async () => {
    expect(await scripted([...busy(3), ...quiet(10)], { total: 100 * MB, used: 90 * MB })()).toEqual([]);
  });

  it('does nothing when turned off (IDLE_GC_SECONDS=0)', async () => {
    let collected = 0;
    const idle = startIdleMemory({ idleSeconds: 0, logger: silentLogger, probe: { utilisation: () => 0, heap: () => ({ total: 400 * MB, used: 1 }), collect: async () => { collected++; } } });
    idle.check();
    idle.stop();
    expect(collected).toBe(0);
  });

  it('says so once when V8 offers no collection', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const idle = startIdleMemory({ idleSeconds: 10, logger: createLogger('info', sink), probe: { utilisation: () => 0, heap: () => ({ total: 0, used: 0 }), collect: undefined } });
    idle.stop();
    expect(lines.join('')).toMatch(/garbage collection is not available/);
  });

  it('finds V8\'s collector in a plain Node process (no --expose-gc) and runs it in the background', async () => {
    const probe = processProbe();
    expect(probe.collect).toBeTypeOf('function');
    await expect(probe.collect?.()).resolves.toBeUndefined();
    const heap = probe.heap();
    expect(heap.total).toBeGreaterThanOrEqual(heap.used);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
