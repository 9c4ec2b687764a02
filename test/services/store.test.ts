import { existsSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createKeyLock } from '../../src/services/key-lock.js';
import { createStore, StoreUnavailableError, sqlitePathOf } from '../../src/services/store.js';
import { BACKENDS, openTestStore } from '../support/stores.js';

describe.each(BACKENDS)('store on %s', (backend) => {
  it('keeps namespaces apart and answers ping', async () => {
    const { store, url, cleanup } = await openTestStore(backend);
    try {
      await store.jobs.set('k', { a: 1 });
      await store.quotas.set('k', { b: 2 });
      expect(await store.jobs.get('k')).toEqual({ a: 1 });
      expect(await store.quotas.get('k')).toEqual({ b: 2 });
      expect(await store.generations.get('k')).toBeUndefined();
      await store.jobs.delete('k');
      expect(await store.jobs.get('k')).toBeUndefined();
      expect(await store.ping()).toBe(true);
      if (backend === 'sqlite') expect(existsSync(sqlitePathOf(url))).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('serialises 200 concurrent read-modify-writes through the key lock', async () => {
    const { store, cleanup } = await openTestStore(backend);
    const lock = createKeyLock();
    try {
      await Promise.all(
        Array.from({ length: 200 }, () =>
          lock.withLock('counter', async () => {
            const value = ((await store.quotas.get('counter')) as number | undefined) ?? 0;
            await store.quotas.set('counter', value + 1);
          }),
        ),
      );
      expect(await store.quotas.get('counter')).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(lock.size()).toBe(0);
    } finally {
      await cleanup();
    }
  });
});

describe('store failures', () => {
  it('fails at start, with a typed error, when Redis is unreachable', async () => {
    await expect(
      createStore({ url: 'redis://127.0.0.1:1', logger: pino({ level: 'silent' }), connectTimeoutMs: 500 }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('surfaces errors after the SQLite database is closed instead of swallowing them', async () => {
    const { store, cleanup } = await openTestStore('sqlite');
    await store.close();
    await expect(store.quotas.set('k', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    await cleanup().catch(() => undefined);
  });
});
