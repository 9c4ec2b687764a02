import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createClient } from '@keyv/redis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisKeyLock, LockTimeoutError } from '../../../src/services/store/key-lock.js';
import { createStore, StoreUnavailableError, sqlitePathOf } from '../../../src/services/store/store.js';
import { BACKENDS, openTestStore, REDIS_URL } from '../../support/stores.js';

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
    const { lock } = store;
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

describe('the Redis lock between instances', () => {
  const redis = createClient({ url: REDIS_URL });
  const prefix = `test-${randomBytes(6).toString('hex')}:`;
  beforeAll(() => redis.connect());
  afterAll(() => redis.close());
  const lockOf = (options: { ttlMs: number; acquireTimeoutMs: number }) =>
    createRedisKeyLock({ redis, prefix, ...options });

  it('takes over a lock whose holder died, once its TTL has passed', async () => {
    await redis.set(`${prefix}lock:dead`, 'crashed-holder', { expiration: { type: 'PX', value: 300 } });
    const ran = await lockOf({ ttlMs: 1_000, acquireTimeoutMs: 3_000 }).withLock('dead', async () => 'ran');
    expect(ran).toBe('ran');
    expect(await redis.get(`${prefix}lock:dead`)).toBeNull();
  });

  it('gives up, without running the task, while another instance holds the lock', async () => {
    await redis.set(`${prefix}lock:busy`, 'other-instance', { expiration: { type: 'PX', value: 10_000 } });
    let ran = false;
    await expect(
      lockOf({ ttlMs: 1_000, acquireTimeoutMs: 200 }).withLock('busy', async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(LockTimeoutError);
    expect(ran).toBe(false);
    expect(await redis.get(`${prefix}lock:busy`)).toBe('other-instance');
  });

  it('leaves alone a lock that expired and was taken by someone else before it released', async () => {
    await lockOf({ ttlMs: 100, acquireTimeoutMs: 1_000 }).withLock('slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await redis.set(`${prefix}lock:slow`, 'next-holder', { expiration: { type: 'PX', value: 10_000 } });
    });
    expect(await redis.get(`${prefix}lock:slow`)).toBe('next-holder');
    await redis.del(`${prefix}lock:slow`);
  });
});
