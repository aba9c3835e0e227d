/**
 * Preloaded into the full bot by `npm run bench` (`node --expose-gc --import
 * ./scripts/bench/gc-on-signal.mjs scripts/start.mjs`) for the memory measure: on SIGUSR2, run a
 * full garbage collection and print the memory use as one line (`bench-gc {...}`) on stderr.
 * Tells a leak (live heap grows) from a heap V8 has simply not shrunk yet (RSS high, live
 * heap flat). Plain JavaScript, so the bot runs exactly as `npm start` runs it. Not part of the bot.
 */
process.on('SIGUSR2', () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
  const m = process.memoryUsage();
  const mb = (n) => Math.round((n / 1048576) * 10) / 10;
  process.stderr.write(`bench-gc ${JSON.stringify({ rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), heapTotalMB: mb(m.heapTotal), externalMB: mb(m.external) })}\n`);
});
