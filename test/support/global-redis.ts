import { MISSING_BINARY, startOwnRedisServer } from './redis-server.js';

/**
 * vitest global setup: the Redis server the suite shares (test/support/stores.ts reads TEST_REDIS_URL).
 * Unless TEST_REDIS_URL already names one, it starts its own redis-server on a free port and stops it
 * when the run ends, so `npm test` needs no server started by hand. Test workers are forked after this
 * runs and inherit the variable.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TEST_REDIS_URL) return undefined;
  const server = await startOwnRedisServer().catch((error: unknown) => {
    if (error instanceof Error && error.message === MISSING_BINARY) {
      // One clear line, not a stack: the run cannot start without it.
      console.error(MISSING_BINARY);
      process.exit(1);
    }
    throw error;
  });
  process.env.TEST_REDIS_URL = server.url;
  return () => server.close();
}
