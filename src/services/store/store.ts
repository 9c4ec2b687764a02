import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import KeyvRedis, { createClient } from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import type { Logger } from 'pino';
import { createKeyLock, createRedisKeyLock, type KeyLock, type LockRedis } from './key-lock.js';
import { StoreUnavailableError } from './store-errors.js';

/** The few operations our services need: a key-value namespace. Values are validated by their owners. */
export interface KeyValue {
  get(key: string): Promise<unknown>;
  /** `ttlMs`: the value expires after it (records kept for a retention period); without it, it stays. */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface Store {
  quotas: KeyValue;
  generations: KeyValue;
  jobs: KeyValue;
  guildSettings: KeyValue;
  /** Per-member settings in a guild (their defaults for model options). */
  userSettings: KeyValue;
  /** The Scenario request window of a one-instance deployment: send times that outlive a restart. */
  requestWindow: KeyValue;
  /** Delivered 3D results' models and their conversions (the FBX/OBJ/USDZ/STL buttons). */
  models3d: KeyValue;
  /** Models' live input schemas and the project's model list, cached with a TTL. */
  modelSchemas: KeyValue;
  backend: 'sqlite' | 'redis';
  /** On Redis: scripts on the shared server (the request window every instance draws from). */
  redis?: { client: Pick<LockRedis, 'eval'>; prefix: string };
  /** Serialises read-modify-writes of one key: in-process on SQLite, across processes on Redis. */
  lock: KeyLock;
  /** Whether the store answers now (health endpoint). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface StoreOptions {
  url: string;
  logger: Logger;
  /** Isolates test runs on a shared Redis. */
  namespacePrefix?: string;
  connectTimeoutMs?: number;
}

export { StoreUnavailableError };

/** `sqlite://data/bot.sqlite` (relative to the working directory) or `sqlite:///abs/path.sqlite`. */
export function sqlitePathOf(url: string): string {
  const path = url.replace(/^sqlite:\/\//, '');
  return resolve(path);
}

/**
 * keyv on SQLite (embedded default, the file and its folder created on first start) or Redis (several
 * instances). Errors are thrown, not swallowed: callers must be able to say "storage unavailable,
 * nothing was spent" instead of running unmetered.
 */
export async function createStore(options: StoreOptions): Promise<Store> {
  const prefix = options.namespacePrefix ? `${options.namespacePrefix}:` : '';
  let keyv: Keyv;
  let backend: Store['backend'];
  let lock: KeyLock;
  let redis: Store['redis'];
  if (options.url.startsWith('sqlite://')) {
    const path = sqlitePathOf(options.url);
    mkdirSync(dirname(path), { recursive: true });
    const sqlite = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: 5_000 });
    // WAL with NORMAL sync: one append per write instead of a journal rewrite and two fsyncs; still
    // durable across a process crash (SIGKILL), which is what the job ledger must survive.
    await sqlite.query('PRAGMA journal_mode = WAL');
    await sqlite.query('PRAGMA synchronous = NORMAL');
    keyv = new Keyv({
      store: sqlite,
      throwOnErrors: true,
      namespace: 'bot',
    });
    backend = 'sqlite';
    lock = createKeyLock();
  } else {
    let connected = false;
    const client = createClient({
      url: options.url,
      // While the server is away, fail each call at once ("storage unavailable, nothing was spent")
      // instead of queueing it until the server returns.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: options.connectTimeoutMs ?? 3_000,
        // Not at start (the bot must fail fast on a wrong URL); after that, reconnect for ever so the
        // bot recovers without a restart when Redis comes back.
        reconnectStrategy: (retries: number, cause: Error) =>
          connected ? Math.min(100 * 2 ** retries, 2_000) : cause,
      },
    });
    client.on('error', (error: unknown) => {
      if (connected) options.logger.warn({ err: error, backend: 'redis' }, 'redis connection error');
    });
    try {
      await client.connect();
      connected = true;
    } catch (error) {
      if (client.isOpen) client.destroy();
      throw StoreUnavailableError.because('the redis store', error);
    }
    const adapter = new KeyvRedis(client, {
      throwOnErrors: true,
      throwOnConnectError: true,
      namespace: 'bot',
    });
    keyv = new Keyv({ store: adapter, throwOnErrors: true, useKeyPrefix: false, namespace: 'bot' });
    backend = 'redis';
    lock = createRedisKeyLock({ redis: client, prefix: `${prefix}bot:` });
    redis = { client, prefix: `${prefix}bot:` };
  }
  // keyv also emits errors; without a listener an emitted error would crash the process.
  keyv.on('error', (error: unknown) => options.logger.warn({ err: error, backend }, 'store error'));

  const call = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      throw StoreUnavailableError.because(`the ${backend} store`, error);
    }
  };
  const namespace = (name: string): KeyValue => ({
    get: (key) => call(() => keyv.get(`${prefix}${name}:${key}`)),
    set: async (key, value, ttlMs) => {
      await call(() => keyv.set(`${prefix}${name}:${key}`, value, ttlMs));
    },
    delete: async (key) => {
      await call(() => keyv.delete(`${prefix}${name}:${key}`));
    },
  });

  // Fail at start, not at the first command, when the store cannot be reached.
  await call(() => keyv.get(`${prefix}health:probe`));

  return {
    quotas: namespace('quotas'),
    generations: namespace('generations'),
    jobs: namespace('jobs'),
    guildSettings: namespace('guild-settings'),
    userSettings: namespace('user-settings'),
    requestWindow: namespace('request-window'),
    models3d: namespace('models3d'),
    modelSchemas: namespace('model-schemas'),
    backend,
    redis,
    lock,
    /** Whether the store answers a read (the health endpoint's question: it never writes). */
    async ping() {
      try {
        await keyv.get(`${prefix}health:probe`);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await keyv.disconnect().catch(() => undefined);
    },
  };
}
