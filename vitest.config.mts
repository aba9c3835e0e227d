import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Server and browser tests start real processes; two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
