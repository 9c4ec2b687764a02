import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobLedger, type NewJobRecord } from '../../../src/services/jobs/job-ledger.js';
import type { KeyValue, Store } from '../../../src/services/store/store.js';
import { eventually } from '../../support/eventually.js';
import { jobRecordFixture } from '../../support/job-records.js';
import { BACKENDS, openRedisStore, openTestStore } from '../../support/stores.js';

const record = (id: string): NewJobRecord => jobRecordFixture(id, { command: 'skybox-gpt' });
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe.each(BACKENDS)('job ledger on %s', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(backend));
  });
  afterEach(() => cleanup());

  it('drops the interaction token when a job ends, and lets the finished record expire after the retention', async () => {
    const ledger = new JobLedger(store.jobs, store.lock, 300);
    await ledger.put({
      ...record('tokened'),
      interactionToken: 'interaction-token-0123456789',
      tokenIssuedAt: 1,
    });
    expect((await ledger.get('tokened'))?.interactionToken).toBe('interaction-token-0123456789');
    await ledger.update('tokened', { state: 'running' }, 2);
    expect((await ledger.get('tokened'))?.interactionToken).toBe('interaction-token-0123456789');
    const delivered = await ledger.update('tokened', { state: 'delivered', messageId: 'm1' }, 3);
    expect(delivered?.interactionToken).toBeUndefined();
    expect(JSON.stringify(await store.jobs.get('job:tokened'))).not.toContain('interaction-token');
    await eventually(
      async () => (await ledger.get('tokened')) === undefined,
      10_000,
      'the finished record to expire',
    );
  });

  it('keeps an open job’s record however long it runs', async () => {
    const ledger = new JobLedger(store.jobs, store.lock, 300);
    await ledger.put(record('open-for-long'));
    const finished = await ledger.put({ ...record('finished-soon'), state: 'failed' });
    expect(finished.state).toBe('failed');
    await eventually(
      async () => (await ledger.get('finished-soon')) === undefined,
      10_000,
      'the finished record to expire',
    );
    expect(await ledger.get('open-for-long')).toMatchObject({ state: 'submitted' });
  });

  it('keeps every one of 100 concurrently created jobs in the open index, and drops the finished ones', async () => {
    const ledger = new JobLedger(store.jobs, store.lock);
    await Promise.all(ids('job', 100).map((id) => ledger.put(record(id))));
    expect((await ledger.open()).map((job) => job.id).sort()).toEqual(ids('job', 100).sort());
    await Promise.all(
      ids('job', 100).map((id, i) =>
        i % 2 === 0 ? ledger.update(id, { state: 'delivered' }, 2) : ledger.update(id, { progress: 0.5 }, 2),
      ),
    );
    const open = await ledger.open();
    expect(open).toHaveLength(50);
    expect(open.every((job) => Number(job.id.split('-')[1]) % 2 === 1 && job.progress === 0.5)).toBe(true);
  });

  it('reads the open index only for a job’s first and finishing writes, and indexes it before its record exists', async () => {
    const touched: string[] = [];
    const jobs: KeyValue = {
      get: (key) => {
        touched.push(`get ${key}`);
        return store.jobs.get(key);
      },
      set: (key, value, ttlMs) => {
        touched.push(`set ${key}`);
        return store.jobs.set(key, value, ttlMs);
      },
      delete: (key) => store.jobs.delete(key),
    };
    const ledger = new JobLedger(jobs, store.lock);
    await ledger.put(record('steady'));
    // Indexed first: a crash between the two writes leaves no open record outside the index.
    expect(touched.filter((entry) => entry.startsWith('set '))).toEqual(['set open-index', 'set job:steady']);
    touched.length = 0;
    for (const step of [1, 2, 3])
      await ledger.update('steady', { state: 'running', progress: step / 4 }, step);
    await ledger.claimFinish('steady', 'instance-a', 4, 60_000, { state: 'delivering' });
    await ledger.renewFinish('steady', 'instance-a', 5, 60_000);
    expect(touched.filter((entry) => entry.endsWith('open-index'))).toEqual([]);
    expect((await ledger.open()).map((job) => job.id)).toEqual(['steady']);
    touched.length = 0;
    await ledger.update('steady', { state: 'delivered' }, 6);
    // Unindexed after its finished record is written.
    expect(touched.filter((entry) => entry.startsWith('set '))).toEqual(['set job:steady', 'set open-index']);
    expect(await ledger.open()).toEqual([]);
  });

  it('loses none of 100 concurrent read-modify-writes of one job', async () => {
    const ledger = new JobLedger(store.jobs, store.lock);
    await ledger.put(record('busy'));
    await Promise.all(
      ids('write', 100).map(() =>
        ledger.update('busy', (current) => ({ progress: current.progress + 1 }), 2),
      ),
    );
    expect((await ledger.get('busy'))?.progress).toBe(100);
  });

  it('extends a finish lease for its owner only, until another instance takes an expired one', async () => {
    const ledger = new JobLedger(store.jobs, store.lock);
    await ledger.put(record('leased'));
    expect(await ledger.claimFinish('leased', 'a', 10, 100)).toMatchObject({ status: 'claimed' });
    expect(await ledger.claimFinish('leased', 'b', 50, 100)).toMatchObject({ status: 'later', retryAt: 110 });
    expect(await ledger.renewFinish('leased', 'a', 100, 100)).toBe('renewed');
    expect(await ledger.claimFinish('leased', 'b', 150, 100)).toMatchObject({
      status: 'later',
      retryAt: 200,
    });
    expect(await ledger.claimFinish('leased', 'b', 250, 100)).toMatchObject({ status: 'claimed' });
    expect(await ledger.renewFinish('leased', 'a', 260, 100)).toBe('taken');
    await ledger.update('leased', { state: 'delivered' }, 300);
    expect(await ledger.renewFinish('leased', 'b', 310, 100)).toBe('released');
    expect(await ledger.claimFinish('leased', 'b', 320, 100)).toEqual({ status: 'finished' });
  });

  it('lets nobody claim an undelivered result before its next attempt, and keeps it open', async () => {
    const ledger = new JobLedger(store.jobs, store.lock);
    await ledger.put(record('refused'));
    await ledger.update(
      'refused',
      { state: 'undelivered', undelivered: { since: 5, attempts: 1, nextAttemptAt: 200 } },
      5,
    );
    expect(await ledger.claimFinish('refused', 'a', 100, 1_000)).toMatchObject({
      status: 'later',
      reason: 'not_due',
      retryAt: 200,
    });
    expect((await ledger.open()).map((job) => job.id)).toEqual(['refused']);
    expect(await ledger.claimFinish('refused', 'b', 200, 1_000)).toMatchObject({ status: 'claimed' });
  });

  it('never reopens a finished job: a late progress write leaves it delivered', async () => {
    const ledger = new JobLedger(store.jobs, store.lock);
    await ledger.put(record('done'));
    await ledger.update('done', { state: 'delivered' }, 2);
    const late = await ledger.update('done', { state: 'running', progress: 0.7 }, 3);
    expect(late).toMatchObject({ state: 'delivered', progress: 0 });
    expect(await ledger.open()).toEqual([]);
  });
});

describe('job ledger shared by two instances on one Redis', () => {
  it('loses no job from the open index when both create jobs at once', async () => {
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    const instances = await Promise.all([openRedisStore(prefix), openRedisStore(prefix)]);
    try {
      const [a, b] = instances.map((store) => new JobLedger(store.jobs, store.lock));
      await Promise.all([
        ...ids('a', 50).map((id) => a?.put(record(id))),
        ...ids('b', 50).map((id) => b?.put(record(id))),
      ]);
      expect(await a?.open()).toHaveLength(100);
    } finally {
      await Promise.all(instances.map((store) => store.close()));
    }
  });

  it('loses no update of one job written by both at once', async () => {
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    const instances = await Promise.all([openRedisStore(prefix), openRedisStore(prefix)]);
    try {
      const [a, b] = instances.map((store) => new JobLedger(store.jobs, store.lock));
      await a?.put(record('shared'));
      const increment = (current: { progress: number }) => ({ progress: current.progress + 1 });
      await Promise.all([
        ...ids('a', 50).map(() => a?.update('shared', increment, 2)),
        ...ids('b', 50).map(() => b?.update('shared', increment, 2)),
      ]);
      expect((await b?.get('shared'))?.progress).toBe(100);
    } finally {
      await Promise.all(instances.map((store) => store.close()));
    }
  });
});
