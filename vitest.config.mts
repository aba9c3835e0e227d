import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `unit`: in-process tests that need neither PostgreSQL, nor Chromium, nor a
 * spawned server (`npm run test:unit`). `integration`: the rest. `npm test` runs both.
 * A test file is integration when it uses one of these; nothing to keep in sync by hand.
 */
const NEEDS_OUTSIDE = /helpers\/(postgres|browser|serverProcess|service)|describePg|child_process|startService/;
const files = readdirSync('tests').filter((f) => f.endsWith('.test.ts'));
const integration = files.filter((f) => NEEDS_OUTSIDE.test(readFileSync(`tests/${f}`, 'utf8'))).map((f) => `tests/${f}`);

export default defineConfig({
  test: {
    // Limits for a hung test, not a speed check: on a shared 2-core machine a spawned process,
    // a server start or a browser page can take tens of seconds, and that must not fail a test.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Server and browser tests start real processes; two cores, so keep parallelism modest.
    maxWorkers: 2,
    // A worker runs its test files in one module graph: botbuilder, natural and the trained
    // models load once per worker, not once per file (that was most of the run time). So a
    // test file must leave global state as it found it (nock, the network, timers, env).
    isolate: false,
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/**/*.test.ts'], exclude: integration } },
      { extends: true, test: { name: 'integration', include: integration } },
    ],
  },
});
