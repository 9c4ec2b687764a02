import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createClient } from '@keyv/redis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedisKeyLock,
  type LockRedis,
  LockTimeoutError,
} from '../../../src/services/store/key-lock.js';
import { createStore, StoreUnavailableError, sqlitePathOf } from '../../../src/services/store/store.js';
import { eventually } from '../../support/eventually.js';
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

  /** The real client, counting the holder's renewals (evals with a token and a TTL; a release has no TTL). */
  const countingRenewals = () => {
    const counted = { renewals: 0 };
    const client: LockRedis = {
      set: (key, value, options) => redis.set(key, value, options),
      eval: (script, options) => {
        if (options.arguments.length === 2) counted.renewals += 1;
        return redis.eval(script, options);
      },
    };
    return { client, counted };
  };
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { open, opened };
  };

  it('leaves alone, and never extends, a lock someone else took after it expired', async () => {
    const { client, counted } = countingRenewals();
    await createRedisKeyLock({ redis: client, prefix, ttlMs: 100, acquireTimeoutMs: 1_000 }).withLock(
      'slow',
      async () => {
        // As after an expiry during a stall: another holder owns the key now.
        await redis.set(`${prefix}lock:slow`, 'next-holder', { expiration: { type: 'PX', value: 10_000 } });
        const after = counted.renewals;
        await eventually(async () => counted.renewals > after, 5_000, 'a renewal tick');
      },
    );
    expect(await redis.get(`${prefix}lock:slow`)).toBe('next-holder');
    // A renewal of the other holder's lock would have cut its expiry to our 100 ms.
    expect(await redis.pTTL(`${prefix}lock:slow`)).toBeGreaterThan(1_000);
    await redis.del(`${prefix}lock:slow`);
  });

  it('keeps a task that outlives the TTL exclusive: another instance waits until it ends', async () => {
    const other = createClient({ url: REDIS_URL });
    await other.connect();
    try {
      const { client, counted } = countingRenewals();
      const started = gate();
      const mayEnd = gate();
      const order: string[] = [];
      const first = createRedisKeyLock({
        redis: client,
        prefix,
        ttlMs: 300,
        acquireTimeoutMs: 1_000,
      }).withLock('long', async () => {
        order.push('first started');
        started.open();
        await mayEnd.opened;
        order.push('first ended');
      });
      await started.opened;
      const second = createRedisKeyLock({
        redis: other,
        prefix,
        ttlMs: 300,
        acquireTimeoutMs: 10_000,
      }).withLock('long', async () => {
        order.push('second ran');
      });
      // Four renewals, one every 100 ms: the task has held the lock longer than its 300 ms TTL (or the
      // second instance got in, which is the failure this test is about).
      await eventually(
        async () => counted.renewals >= 4 || order.includes('second ran'),
        10_000,
        'four renewals',
      );
      expect(order).toEqual(['first started']);
      expect(await redis.exists(`${prefix}lock:long`)).toBe(1);
      mayEnd.open();
      await Promise.all([first, second]);
      expect(order).toEqual(['first started', 'first ended', 'second ran']);
    } finally {
      other.destroy();
    }
  });

  it('still frees the lock of a holder that died mid-task, one TTL later', async () => {
    const dying = createClient({ url: REDIS_URL });
    await dying.connect();
    const started = gate();
    const mayEnd = gate();
    const doomed = createRedisKeyLock({ redis: dying, prefix, ttlMs: 300, acquireTimeoutMs: 1_000 }).withLock(
      'crash',
      async () => {
        started.open();
        await mayEnd.opened;
      },
    );
    await started.opened;
    dying.destroy(); // the process is gone: no more renewals, no release
    const ran = await lockOf({ ttlMs: 300, acquireTimeoutMs: 5_000 }).withLock('crash', async () => 'ran');
    expect(ran).toBe('ran');
    mayEnd.open();
    await doomed;
  });
});
