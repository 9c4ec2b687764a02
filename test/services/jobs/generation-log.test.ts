import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GenerationLog } from '../../../src/services/jobs/generation-log.js';
import { type JobRecord, jobRecordSchema } from '../../../src/services/jobs/job-ledger.js';
import type { Store } from '../../../src/services/store/store.js';
import { eventually } from '../../support/eventually.js';
import { jobRecordFixture } from '../../support/job-records.js';
import { BACKENDS, openTestStore } from '../../support/stores.js';

const delivered = (id: string): JobRecord =>
  jobRecordSchema.parse(jobRecordFixture(id, { body: { prompt: id, seed: 7 }, seed: 7, state: 'delivered' }));

describe.each(BACKENDS)('generation log on %s', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(backend));
  });
  afterEach(() => cleanup());

  it('keeps a delivered generation for the retention period, then forgets it (record, message and recent list)', async () => {
    const log = new GenerationLog(store.generations, store.lock, 300);
    await log.recordDelivered(delivered('gen-1'), 'message-1');
    expect(await log.byMessage('message-1')).toMatchObject({ id: 'gen-1', seed: 7 });
    expect(await log.recent('100000000000000001', '100000000000000003')).toHaveLength(1);
    await eventually(
      async () => (await log.byMessage('message-1')) === undefined,
      10_000,
      'the record to expire',
    );
    expect(await log.get('gen-1')).toBeUndefined();
    expect(await store.generations.get('msg:message-1')).toBeUndefined();
    expect(await log.recent('100000000000000001', '100000000000000003')).toEqual([]);
  });

  it('keeps what a long retention keeps', async () => {
    const log = new GenerationLog(store.generations, store.lock, 24 * 60 * 60 * 1000);
    await log.recordDelivered(delivered('gen-2'), 'message-2');
    expect(await log.byMessage('message-2')).toMatchObject({ id: 'gen-2' });
  });
});
