import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { periodWindow, QuotaLedger } from '../../../src/services/credits/quota-ledger.js';
import type { Store } from '../../../src/services/store/store.js';
import { BACKENDS, openRedisStore, openTestStore } from '../../support/stores.js';

const G = '100000000000000001';
const U = '200000000000000001';

describe('periodWindow', () => {
  it.each([
    ['daily', '2026-11-22T15:30:00Z', '2026-11-22T00:00:00.000Z', '2026-11-23T00:00:00.000Z'],
    ['weekly', '2026-11-22T15:30:00Z', '2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z'], // a Sunday: the week began Monday
    ['weekly', '2026-11-23T00:00:00Z', '2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z'],
    ['monthly', '2026-12-31T23:59:59Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
  ] as const)('%s window around %s', (period, now, start, end) => {
    const window = periodWindow(period, new Date(now));
    expect(window.start.toISOString()).toBe(start);
    expect(window.end.toISOString()).toBe(end);
  });
});

describe.each(BACKENDS)('quota ledger on %s', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let now: Date;
  let ledger: QuotaLedger;

  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(backend));
    now = new Date('2026-11-22T10:00:00Z');
    ledger = new QuotaLedger({
      store: store.quotas,
      lock: store.lock,
      clock: () => now,
      defaults: { limit: 10, period: 'daily' },
    });
  });
  afterEach(() => cleanup());

  it('reserves, commits and refunds', async () => {
    const first = await ledger.reserve({ guildId: G, userId: U, amount: 3 });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.status.remaining).toBe(7);
    expect(await ledger.commit(first.reservationId, 30)).toBe(true);
    expect(await ledger.commit(first.reservationId, 30)).toBe(false); // idempotent
    expect(await ledger.refund(first.reservationId)).toBe(false); // committed: nothing to refund
    const second = await ledger.reserve({ guildId: G, userId: U, amount: 4 });
    if (!second.ok) throw new Error('expected a reservation');
    expect(await ledger.refund(second.reservationId)).toBe(true);
    expect(await ledger.refund(second.reservationId)).toBe(false);
    const status = await ledger.status(G, U);
    expect(status).toMatchObject({ spent: 3, reserved: 0, remaining: 7, cuCharged: 30 });
  });

  it('counts the generations charged this period: a free one too, not a refunded or given-back one, none after rollover', async () => {
    const reserve = async (amount: number) => {
      const reservation = await ledger.reserve({ guildId: G, userId: U, amount });
      if (!reservation.ok) throw new Error('expected a reservation');
      return reservation.reservationId;
    };
    await ledger.commit(await reserve(2));
    await ledger.commit(await reserve(0));
    await ledger.refund(await reserve(1));
    const givenBack = await reserve(1);
    await ledger.commit(givenBack);
    await ledger.giveBack(givenBack);
    expect(await ledger.status(G, U)).toMatchObject({ spent: 2, generations: 2 });
    expect((await ledger.usage(G)).top).toEqual([{ userId: U, spent: 2, generations: 2 }]);
    now = new Date('2026-11-23T10:00:00Z');
    expect(await ledger.status(G, U)).toMatchObject({ spent: 0, generations: 0 });
  });

  it('keeps a member’s record small: 1,000 refunded attempts leave no trace but the counters', async () => {
    for (let attempt = 0; attempt < 1_000; attempt += 1) {
      const reservation = await ledger.reserve({ guildId: G, userId: U, amount: 1 });
      if (!reservation.ok) throw new Error('expected a reservation');
      await ledger.refund(reservation.reservationId);
    }
    const record = (await store.quotas.get(`user:${G}:${U}`)) as { reservations: Record<string, unknown> };
    expect(Object.keys(record.reservations)).toHaveLength(0);
    expect(JSON.stringify(record).length).toBeLessThan(300);
    expect(await ledger.status(G, U)).toMatchObject({ spent: 0, reserved: 0, remaining: 10 });
  }, 60_000);

  it('keeps a committed reservation only while its credits may still be given back', async () => {
    const short = new QuotaLedger({
      store: store.quotas,
      lock: store.lock,
      clock: () => now,
      defaults: { limit: 10, period: 'daily' },
      committedRetentionMs: 60 * 60 * 1000,
    });
    const charged = await short.reserve({ guildId: G, userId: U, amount: 2 });
    const free = await short.reserve({ guildId: G, userId: U, amount: 0 });
    if (!charged.ok || !free.ok) throw new Error('expected reservations');
    await short.commit(charged.reservationId, 5);
    await short.commit(free.reservationId);
    const key = `user:${G}:${U}`;
    const reservations = async () =>
      Object.keys(((await store.quotas.get(key)) as { reservations: object }).reservations);
    expect(await reservations()).toEqual([charged.reservationId]); // nothing to give back for a free one
    now = new Date(now.getTime() + 2 * 60 * 60 * 1000);
    await short.grant(G, U, 1);
    expect(await reservations()).toEqual([]);
    expect(await short.status(G, U)).toMatchObject({ spent: 2, cuCharged: 5, remaining: 9 });
    expect(await short.giveBack(charged.reservationId)).toBe(false); // too late: nothing left to find
  });

  it('gives back a committed charge once (a result that never reached its member); Scenario’s cost stays', async () => {
    const charged = await ledger.reserve({ guildId: G, userId: U, amount: 3 });
    const open = await ledger.reserve({ guildId: G, userId: U, amount: 2 });
    if (!charged.ok || !open.ok) throw new Error('expected reservations');
    await ledger.commit(charged.reservationId, 30);
    expect(await ledger.giveBack(charged.reservationId)).toBe(true);
    expect(await ledger.giveBack(charged.reservationId)).toBe(false);
    expect(await ledger.commit(charged.reservationId, 30)).toBe(false); // a late commit charges nothing
    expect(await ledger.giveBack(open.reservationId)).toBe(true); // an open one: a plain refund
    expect(await ledger.status(G, U)).toMatchObject({ spent: 0, reserved: 0, remaining: 10, cuCharged: 30 });
  });

  it('drops settled reservations an older record still lists, at its next write', async () => {
    const key = `user:${G}:${U}`;
    const periodStart = periodWindow('daily', now).start.getTime();
    const settled = Object.fromEntries(
      Array.from({ length: 50 }, (_, index) => [
        `${G}:${U}:old${index}`,
        { amount: 1, at: 0, state: 'refunded' },
      ]),
    );
    await store.quotas.set(key, { periodStart, spent: 0, granted: 0, cuCharged: 0, reservations: settled });
    await ledger.grant(G, U, 1);
    const record = (await store.quotas.get(key)) as { reservations: object };
    expect(Object.keys(record.reservations)).toEqual([]);
  });

  it('refuses a request over the limit and says when it resets', async () => {
    const result = await ledger.reserve({ guildId: G, userId: U, amount: 11 });
    expect(result).toMatchObject({ ok: false, reason: 'quota_exhausted' });
    expect(result.status.resetsAt.toISOString()).toBe('2026-11-23T00:00:00.000Z');
  });

  it('starts afresh when the period rolls over', async () => {
    const r = await ledger.reserve({ guildId: G, userId: U, amount: 10 });
    if (!r.ok) throw new Error('expected a reservation');
    await ledger.commit(r.reservationId);
    expect((await ledger.status(G, U)).remaining).toBe(0);
    now = new Date('2026-11-23T00:00:01Z');
    expect((await ledger.status(G, U)).remaining).toBe(10);
  });

  it('applies overrides, grants, resets, blocks and guild defaults', async () => {
    await ledger.setUserLimit(G, U, 2);
    expect((await ledger.status(G, U)).limit).toBe(2);
    await ledger.grant(G, U, 5);
    expect((await ledger.status(G, U)).remaining).toBe(7);
    const r = await ledger.reserve({ guildId: G, userId: U, amount: 7 });
    if (!r.ok) throw new Error('expected a reservation');
    await ledger.commit(r.reservationId);
    await ledger.resetUser(G, U);
    expect((await ledger.status(G, U)).remaining).toBe(2);
    await ledger.setBlocked(G, U, true);
    expect(await ledger.reserve({ guildId: G, userId: U, amount: 1 })).toMatchObject({
      ok: false,
      reason: 'blocked',
    });
    await ledger.setBlocked(G, U, false);
    await ledger.setUserLimit(G, U, undefined);
    await ledger.setGuildDefault(G, 3, 'weekly');
    expect(await ledger.status(G, U)).toMatchObject({ limit: 3, period: 'weekly' });
    await ledger.setCostOverride(G, 'model_pixal3d', 9);
    expect(await ledger.costOf(G, 'model_pixal3d', 2)).toBe(18);
    expect(await ledger.costOf(G, 'model_scenario-skybox-gpt', 2)).toBe(2);
  });

  it('lets 50 concurrent requests by one member spend exactly the limit', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => ledger.reserve({ guildId: G, userId: U, amount: 1 })),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(10);
    expect((await ledger.status(G, U)).remaining).toBe(0);
  });

  it('reports guild usage with top members', async () => {
    for (const [userId, amount] of [
      ['300000000000000001', 4],
      ['300000000000000002', 6],
    ] as const) {
      const r = await ledger.reserve({ guildId: G, userId, amount });
      if (r.ok) await ledger.commit(r.reservationId, amount * 10);
    }
    const usage = await ledger.usage(G);
    expect(usage).toMatchObject({ spent: 10, cuCharged: 100 });
    expect(usage.top.map((entry) => entry.userId)).toEqual(['300000000000000002', '300000000000000001']);
  });
});

describe('quota ledger shared by two instances on one Redis', () => {
  it('lets 50 concurrent requests split across both instances spend exactly the limit', async () => {
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    // Two connections with their own locks: what two bot processes (or an old and a new one during a
    // rolling deploy) have. An in-process lock alone would let them overspend.
    const instances = await Promise.all([openRedisStore(prefix), openRedisStore(prefix)]);
    try {
      const ledgers = instances.map(
        (store) =>
          new QuotaLedger({
            store: store.quotas,
            lock: store.lock,
            clock: () => new Date('2026-11-22T10:00:00Z'),
            defaults: { limit: 10, period: 'daily' },
          }),
      );
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          ledgers[index % 2]?.reserve({ guildId: G, userId: U, amount: 1 }),
        ),
      );
      expect(results.filter((result) => result?.ok)).toHaveLength(10);
      expect(await ledgers[0]?.status(G, U)).toMatchObject({ spent: 0, reserved: 10, remaining: 0 });
    } finally {
      await Promise.all(instances.map((store) => store.close()));
    }
  });
});
