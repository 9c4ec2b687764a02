import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemberDefaults } from '../../../src/services/members/member-defaults.js';
import { OnceKeys } from '../../../src/services/store/once.js';
import type { Store } from '../../../src/services/store/store.js';
import { BACKENDS, openRedisStore, openTestStore } from '../../support/stores.js';

describe.each(BACKENDS)('member defaults on %s', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let defaults: MemberDefaults;
  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore(backend));
    defaults = new MemberDefaults({ store: store.userSettings, lock: store.lock });
  });
  afterAll(() => cleanup?.());

  it('keeps each member’s defaults per guild and model, adding option by option', async () => {
    expect(await defaults.set('g1', 'alice', 'model_a', { style: 'fantasy' })).toEqual({ style: 'fantasy' });
    expect(await defaults.set('g1', 'alice', 'model_a', { strength: 0.5 })).toEqual({
      style: 'fantasy',
      strength: 0.5,
    });
    await defaults.set('g1', 'alice', 'model_b', { quality: 'low' });
    expect(await defaults.forModel('g1', 'alice', 'model_a')).toEqual({ style: 'fantasy', strength: 0.5 });
    expect(await defaults.forModel('g2', 'alice', 'model_a')).toEqual({});
    expect(await defaults.forModel('g1', 'bob', 'model_a')).toEqual({});
  });

  it('clears one model, then all', async () => {
    expect(await defaults.clear('g1', 'alice', 'model_a')).toBe(1);
    expect(await defaults.all('g1', 'alice')).toEqual({ model_b: { quality: 'low' } });
    expect(await defaults.clear('g1', 'alice', 'model_a')).toBe(0);
    expect(await defaults.clear('g1', 'alice')).toBe(1);
    expect(await defaults.all('g1', 'alice')).toEqual({});
  });

  it('loses no option when one member saves several at once', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        defaults.set('g1', 'carol', 'model_a', { [`o${index}`]: index }),
      ),
    );
    expect(Object.keys(await defaults.forModel('g1', 'carol', 'model_a'))).toHaveLength(20);
  });

  it('reads a damaged record as no defaults rather than failing the command', async () => {
    await store.userSettings.set('g1:dave', { defaults: 'not a map' });
    expect(await defaults.all('g1', 'dave')).toEqual({});
  });
});

describe('once-only keys between two instances sharing Redis', () => {
  it('lets exactly one of many concurrent claims win', async () => {
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    const [first, second] = await Promise.all([openRedisStore(prefix), openRedisStore(prefix)]);
    try {
      const onceA = new OnceKeys({ store: first.generations, lock: first.lock, ttlMs: 60_000 });
      const onceB = new OnceKeys({ store: second.generations, lock: second.lock, ttlMs: 60_000 });
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, index) => (index % 2 ? onceA : onceB).claim('remix:123')),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await onceA.claim('remix:456')).toBe(true);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
