import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestBudget } from '../../../src/services/scenario/request-budget.js';
import {
  createLocalRequestWindow,
  keptSlots,
  loadLocalRequestWindow,
  type RequestWindow,
  type WindowLimits,
} from '../../../src/services/scenario/request-window.js';
import { createRedisRequestWindow } from '../../../src/services/scenario/request-window-redis.js';
import { createStore, type Store } from '../../../src/services/store/store.js';
import { eventually } from '../../support/eventually.js';
import { startOwnRedisServer } from '../../support/redis-server.js';
import { openRedisStore, openTestStore } from '../../support/stores.js';

const T0 = 1_700_000_000_000;
const LIMITS: WindowLimits = { perMinute: 3, windowMs: 61_000 };

const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of opened.splice(0)) await close();
});

/** Two windows over one count: two handles on one Redis prefix (two instances), or one local window twice. */
async function windowPair(kind: 'local' | 'redis'): Promise<[RequestWindow, RequestWindow]> {
  if (kind === 'local') {
    const window = createLocalRequestWindow(LIMITS);
    return [window, window];
  }
  const prefix = `window-${randomBytes(6).toString('hex')}`;
  const stores = [await openRedisStore(prefix), await openRedisStore(prefix)];
  opened.push(async () => {
    for (const store of stores) await store.close();
  });
  const [a, b] = stores.map((store: Store) => {
    if (!store.redis) throw new Error('not a redis store');
    return createRedisRequestWindow({ ...LIMITS, redis: store.redis.client, prefix: store.redis.prefix });
  });
  if (!a || !b) throw new Error('two windows expected');
  return [a, b];
}

describe.each(['local', 'redis'] as const)('request window (%s)', (kind) => {
  it('grants perMinute slots in a window, then says when the oldest leaves it', async () => {
    const [a, b] = await windowPair(kind);
    expect((await a.take(T0)).granted).toBe(true);
    expect((await b.take(T0 + 10)).granted).toBe(true);
    expect((await a.take(T0 + 20)).granted).toBe(true);
    expect(await b.take(T0 + 30)).toEqual({ granted: false, retryAt: T0 + 61_000 });
    expect(await a.count(T0 + 30)).toBe(3);
    expect((await b.take(T0 + 60_999)).granted).toBe(false);
    expect((await b.take(T0 + 61_000)).granted).toBe(true);
    expect(await a.count(T0 + 61_000)).toBe(3);
  });

  it('leaves the room a caller keeps for others at each point of the coming window', async () => {
    const [a, b] = await windowPair(kind);
    const keep = (afterMs: number, slots: number) => [{ afterMs, slots }];
    expect((await a.take(T0)).granted).toBe(true);
    expect((await b.take(T0 + 10)).granted).toBe(true);
    // Keeping one slot now: refused until the first send leaves the window; keeping two, the second.
    expect(await a.take(T0 + 20, keep(0, 1))).toEqual({
      granted: false,
      retryAt: T0 + 61_000,
      reserved: true,
    });
    expect(await b.take(T0 + 20, keep(0, 2))).toEqual({
      granted: false,
      retryAt: T0 + 61_010,
      reserved: true,
    });
    // One slot 30 s from now, when both sends still count: once the first leaves by then (at T0 + 61 s).
    expect(await a.take(T0 + 20, keep(30_000, 1))).toEqual({
      granted: false,
      retryAt: T0 + 31_000,
      reserved: true,
    });
    // Two slots a window from now, when neither send counts any more: room now.
    expect((await b.take(T0 + 20, [...keep(61_000, 2), ...keep(0, 0)])).granted).toBe(true);
    // Full: the answer is when anyone may go, not when the keeping caller may.
    expect(await a.take(T0 + 30, keep(0, 2))).toEqual({ granted: false, retryAt: T0 + 61_000 });
    // An empty window always grants, whatever the caller asks to keep.
    expect((await a.take(T0 + 200_000, keep(0, 99))).granted).toBe(true);
    expect(keptSlots(3, 99)).toBe(2);
  });

  it('counts a slot from when its request was sent, not from when it was granted', async () => {
    const [a, b] = await windowPair(kind);
    const first = await a.take(T0);
    if (!first.granted) throw new Error('first slot refused');
    await a.sent(first.slot, T0 + 200); // the event loop was busy for 200 ms before it went out
    await a.take(T0 + 300);
    await a.take(T0 + 300);
    expect(await b.take(T0 + 61_000)).toEqual({ granted: false, retryAt: T0 + 61_200 });
    expect((await b.take(T0 + 61_200)).granted).toBe(true);
  });

  it('holds every handle while one of them is paused after a 429', async () => {
    const [a, b] = await windowPair(kind);
    await a.pauseUntil(T0 + 5_000, T0);
    expect(await b.take(T0 + 100)).toEqual({ granted: false, retryAt: T0 + 5_000 });
    expect(b.pausedUntil()).toBe(T0 + 5_000);
    await b.pauseUntil(T0 + 1_000, T0 + 100); // an earlier pause never shortens it
    expect((await a.take(T0 + 4_999)).granted).toBe(false);
    expect((await a.take(T0 + 5_000)).granted).toBe(true);
  });
});

describe('one-instance window across a restart', () => {
  it('does not spend a second budget in the minute after a crash and a start', async () => {
    const { store, url, cleanup } = await openTestStore('sqlite');
    opened.push(cleanup);
    const before = await loadLocalRequestWindow({ perMinute: 20, windowMs: 61_000 }, store.requestWindow);
    for (let i = 0; i < 20; i += 1) expect((await before.take(T0 + i)).granted).toBe(true);
    await before.pauseUntil(T0 + 3_000, T0);
    // A second process on the same file, as after a SIGKILL: nothing was flushed at exit.
    const again = await createStore({ url, logger: pino({ level: 'silent' }) });
    opened.push(() => again.close());
    const after = await loadLocalRequestWindow({ perMinute: 20, windowMs: 61_000 }, again.requestWindow);
    expect(after.pausedUntil()).toBe(T0 + 3_000);
    expect(await after.take(T0 + 10_000)).toEqual({ granted: false, retryAt: T0 + 61_000 });
    expect(await after.count(T0 + 10_000)).toBe(20);
    expect((await after.take(T0 + 61_000)).granted).toBe(true);
  });
});

describe('shared window when Redis is away', () => {
  it('grants nothing while Redis is down and resumes when it is back', async () => {
    const server = await startOwnRedisServer();
    opened.push(() => server.close());
    const store = await createStore({ url: server.url, logger: pino({ level: 'silent' }) });
    opened.push(() => store.close());
    if (!store.redis) throw new Error('not a redis store');
    const window = createRedisRequestWindow({
      perMinute: 100,
      windowMs: 61_000,
      redis: store.redis.client,
      prefix: store.redis.prefix,
    });
    const errors: unknown[] = [];
    const budget = createRequestBudget({ perMinute: 100, window, onWindowError: (e) => errors.push(e) });
    opened.push(async () => budget.close());
    await budget.acquire();

    await server.stop();
    let granted = false;
    const waiting = budget.acquire().then(() => {
      granted = true;
    });
    await eventually(async () => errors.length > 0, 10_000, 'a failed attempt to count');
    expect(granted).toBe(false);

    await server.start();
    await waiting;
    expect(await window.count(Date.now())).toBe(2);
    expect(errors).toHaveLength(1); // one report for the outage, not one per retry
  }, 30_000);
});
