import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createStore, type Store } from '../../src/services/store/store.js';

/** The suite's Redis server: TEST_REDIS_URL, or the one vitest's global setup started (global-redis.ts). */
export const REDIS_URL = suiteRedisUrl();

function suiteRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url)
    throw new Error('TEST_REDIS_URL is not set: run the tests through vitest (its global setup sets it)');
  return url;
}

export const BACKENDS = ['sqlite', 'redis'] as const;
export type Backend = (typeof BACKENDS)[number];

/** A fresh, isolated store: a temporary SQLite file, or a unique key prefix on the shared Redis. */
export async function openTestStore(
  backend: Backend,
): Promise<{ store: Store; url: string; cleanup(): Promise<void> }> {
  const logger = pino({ level: 'silent' });
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bot-store-'));
    const url = `sqlite://${join(dir, 'nested', 'bot.sqlite')}`;
    const store = await createStore({ url, logger });
    return {
      store,
      url,
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const store = await openRedisStore(`test-${randomBytes(6).toString('hex')}`);
  return { store, url: REDIS_URL, cleanup: () => store.close() };
}

/** A connection to the shared Redis under a key prefix; two calls with one prefix act as two instances. */
export function openRedisStore(namespacePrefix: string): Promise<Store> {
  return createStore({ url: REDIS_URL, logger: pino({ level: 'silent' }), namespacePrefix });
}
