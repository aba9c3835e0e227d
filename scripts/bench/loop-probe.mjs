/**
 * Preloaded into every server `npm run bench` measures (`node --import
 * ./scripts/bench/loop-probe.mjs …`, started with an IPC channel): event-loop delay
 * (perf_hooks.monitorEventLoopDelay, 5 ms resolution) and garbage-collection pauses
 * (PerformanceObserver 'gc'), answered on request so the bench can tell where a latency
 * tail comes from. Messages: 'probe:reset' starts a new window; 'probe:report' answers
 * { loop: {p50, p99, max, mean} ms, gc: {count, totalMs, maxMs, majorCount, majorMaxMs} }.
 * Plain JavaScript, not part of the bot.
 */
import { monitorEventLoopDelay, PerformanceObserver, constants } from 'node:perf_hooks';

if (typeof process.send === 'function') {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let gc = { count: 0, totalMs: 0, maxMs: 0, majorCount: 0, majorMaxMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
      if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.majorCount++;
        gc.majorMaxMs = Math.max(gc.majorMaxMs, e.duration);
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const ms = (ns) => Math.round((ns / 1e6) * 100) / 100;
  process.on('message', (m) => {
    if (m === 'probe:reset') {
      loop.reset();
      gc = { count: 0, totalMs: 0, maxMs: 0, majorCount: 0, majorMaxMs: 0 };
    } else if (m === 'probe:report') {
      process.send({
        probe: {
          loop: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), mean: ms(loop.mean) },
          gc: { count: gc.count, totalMs: Math.round(gc.totalMs), maxMs: Math.round(gc.maxMs * 10) / 10, majorCount: gc.majorCount, majorMaxMs: Math.round(gc.majorMaxMs * 10) / 10 },
        },
      });
    }
  });
  // the IPC channel must not keep a server alive that is shutting down
  process.channel?.unref();
}
