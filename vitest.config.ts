import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Starts the suite's own redis-server unless TEST_REDIS_URL names one.
    globalSetup: ['test/support/global-redis.ts'],
    // End-to-end tests start real servers on loopback ports; keep files in separate
    // processes so one suite's emulator faults never leak into another's.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
