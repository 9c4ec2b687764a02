import { randomBytes } from 'node:crypto';
import { StoreUnavailableError } from './store-errors.js';

/**
 * keyv has no atomic increment, so every read-modify-write of one key runs inside `withLock(key)`.
 * The store hands out the lock that fits its backend: an in-process chain for SQLite (one process owns
 * the file), a Redis lock for Redis (several instances, or an old and a new one during a rolling deploy,
 * share the keys).
 */
export interface KeyLock {
  withLock<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Keys with work queued in this process: for tests that prove idle chains are dropped. */
  size(): number;
}

/** A promise chain per key, removed when idle. Serialises one process. */
export function createKeyLock(): KeyLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const run = previous.then(task, task);
      const tail = run.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return run;
    },
    size: () => tails.size,
  };
}

/** The three Redis commands the lock needs; `@redis/client` provides them. */
export interface LockRedis {
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PX'; value: number } },
  ): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export class LockTimeoutError extends StoreUnavailableError {
  override readonly name = 'LockTimeoutError';
}

// Deletes the lock only if it is still ours: after a TTL expiry another holder may own it.
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
// Extends the lock's expiry only if it is still ours (compare-and-set): never someone else's lock.
const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface RedisKeyLockOptions {
  redis: LockRedis;
  prefix: string;
  /**
   * How long a holder keeps the lock if it dies without releasing it. Locked tasks are a few store
   * reads and writes (milliseconds), so 10 s only matters after a crash; a live holder renews it.
   */
  ttlMs?: number;
  /** How long to wait for a busy lock before giving up (the caller reports storage unavailable). */
  acquireTimeoutMs?: number;
}

/**
 * A lock across processes: `SET key token NX PX ttl` to take it, a compare-and-delete script to give
 * it back. Callers in this process queue on the in-process chain first, so Redis only arbitrates
 * between processes. Errors from Redis (server down) reach the caller; nothing runs unlocked.
 *
 * While the task runs, the holder extends the expiry every third of the TTL (compare-and-set), so a
 * task slower than the TTL (a store answering slowly, a task waiting on something else) keeps the lock, and a
 * holder that dies stops renewing and its lock expires within one TTL. Renewal rather than a fencing
 * token: fencing needs every guarded write to check the token atomically in the store, and our writes
 * go through keyv, which has no conditional set; renewal keeps the guarded code unchanged. What renewal
 * cannot prevent: a holder cut off from Redis (or frozen) for longer than the TTL while its task goes
 * on. Locked tasks are a few store calls, which fail too when Redis is unreachable.
 */
export function createRedisKeyLock(options: RedisKeyLockOptions): KeyLock {
  const local = createKeyLock();
  const ttlMs = options.ttlMs ?? 10_000;
  const acquireTimeoutMs = options.acquireTimeoutMs ?? 10_000;
  // Three renewals per TTL: one slow or lost renewal still leaves time for the next.
  const renewEveryMs = Math.max(1, Math.floor(ttlMs / 3));

  const acquire = async (lockKey: string, token: string): Promise<void> => {
    const deadline = Date.now() + acquireTimeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      const taken = await options.redis
        .set(lockKey, token, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } })
        .catch((error: unknown) => {
          throw StoreUnavailableError.because('the redis lock', error);
        });
      if (taken === 'OK') return;
      if (Date.now() >= deadline)
        throw new LockTimeoutError(`lock ${lockKey} still busy after ${acquireTimeoutMs} ms`);
      // Jittered, growing wait: holders keep locks for milliseconds.
      const waitMs = Math.min(50, 2 + attempt * 2) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  };

  const keepRenewing = (lockKey: string, token: string): { stop(): void } => {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const renew = async () => {
      // A failed renewal (Redis away) is retried at the next tick; the TTL bounds the damage.
      await options.redis
        .eval(RENEW_SCRIPT, { keys: [lockKey], arguments: [token, String(ttlMs)] })
        .catch(() => undefined);
      if (!stopped) timer = setTimeout(renew, renewEveryMs);
    };
    timer = setTimeout(renew, renewEveryMs);
    return {
      stop() {
        stopped = true;
        clearTimeout(timer);
      },
    };
  };

  return {
    withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
      return local.withLock(key, async () => {
        const lockKey = `${options.prefix}lock:${key}`;
        const token = randomBytes(12).toString('hex');
        await acquire(lockKey, token);
        const renewal = keepRenewing(lockKey, token);
        try {
          return await task();
        } finally {
          renewal.stop();
          await options.redis
            .eval(RELEASE_SCRIPT, { keys: [lockKey], arguments: [token] })
            .catch(() => undefined); // the TTL frees it if Redis went away meanwhile
        }
      });
    },
    size: () => local.size(),
  };
}
