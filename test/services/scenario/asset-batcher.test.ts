import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAssetBatcher } from '../../../src/services/scenario/asset-batcher.js';
import { createRequestBudget, type RequestBudget } from '../../../src/services/scenario/request-budget.js';
import { createScenarioClient, type ScenarioClient } from '../../../src/services/scenario/scenario-client.js';
import { type ManualClock, manualClock } from '../../support/manual-clock.js';
import { type ScenarioEmulator, startScenarioEmulator } from '../../support/scenario/emulator.js';

const silent = pino({ level: 'silent' });

/** Waits until `done` holds, a real turn at a time (the budget's clock is manual: no time passes). */
async function until(done: () => boolean): Promise<void> {
  for (let turn = 0; !done(); turn += 1) {
    if (turn > 2_000) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** The asset batcher with the real client against the emulator: how many get-bulk calls it makes. */
describe('asset batcher', () => {
  let emulator: ScenarioEmulator;
  let clock: ManualClock;
  let budget: RequestBudget;
  let client: ScenarioClient;

  beforeAll(async () => {
    emulator = await startScenarioEmulator({ rateLimitPerMinute: null, jobDurationMs: 60_000 });
  });
  afterEach(() => {
    budget.close();
    emulator.reset();
  });
  afterAll(() => emulator.close());

  /** A budget of `perMinute` per minute of a manual clock, and `jobs` finished jobs' asset ids. */
  async function setUp(perMinute: number, jobs: number, maxRetries?: number): Promise<string[][]> {
    const free = createRequestBudget({ perMinute: 10_000 });
    const setupClient = createScenarioClient({
      baseUrl: emulator.url,
      apiKey: 'test-key',
      apiSecret: 'test-secret',
      budget: free,
      logger: silent,
    });
    const ids: string[][] = [];
    for (let i = 0; i < jobs; i += 1) {
      const run = await setupClient.generate.runModel('model_openai-gpt-image-2', { prompt: `p${i}` });
      emulator.finishJob(run.job.jobId);
      ids.push((await setupClient.jobs.retrieve(run.job.jobId)).assetIds);
    }
    free.close();
    emulator.requests.length = 0;
    clock = manualClock();
    budget = createRequestBudget({ perMinute, windowMs: 60_000, clock });
    client = createScenarioClient({
      baseUrl: emulator.url,
      apiKey: 'test-key',
      apiSecret: 'test-secret',
      budget,
      logger: silent,
      clock,
      maxRetries,
    });
    return ids;
  }
  const bulkCalls = () => emulator.requests.filter((entry) => entry.path === '/v1/assets/get-bulk');

  it('reads the assets of every job prefetched together in one call, and gets take them without another', async () => {
    const ids = await setUp(100, 5);
    const batcher = createAssetBatcher(client, 1);
    for (const jobIds of ids) batcher.prefetch(jobIds);
    await until(() => bulkCalls().length === 1 && bulkCalls()[0]?.status === 200);
    const assets = await Promise.all(ids.map((jobIds) => batcher.get(jobIds)));
    expect(assets.map((found) => found.map((asset) => asset.id))).toEqual(ids);
    expect(bulkCalls()).toHaveLength(1);
  });

  it('puts every id asked while a read waits for the budget into the next read', async () => {
    const [first = [], second = [], third = []] = await setUp(1, 3);
    const batcher = createAssetBatcher(client, 1);
    // The budget's one slot goes to another call: the first read waits for the next minute.
    await client.jobs.list({ pageSize: 10 });
    const firstRead = batcher.get(first);
    await until(() => budget.view().queue.total === 1);
    const secondRead = batcher.get(second);
    // Longer than the batching window: without the wait for the read in flight, this would be a third read.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const thirdRead = batcher.get(third);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(budget.view().queue.total).toBe(1);
    clock.advance(60_001);
    expect((await firstRead).map((asset) => asset.id)).toEqual(first);
    await until(() => budget.view().queue.total === 1);
    clock.advance(60_001);
    expect((await secondRead).map((asset) => asset.id)).toEqual(second);
    expect((await thirdRead).map((asset) => asset.id)).toEqual(third);
    expect(bulkCalls().map((call) => (call.body as { assetIds: string[] }).assetIds)).toEqual([
      first,
      [...second, ...third],
    ]);
  });

  it('reads again when a prefetched read failed', async () => {
    const [ids = []] = await setUp(100, 1, 0);
    const batcher = createAssetBatcher(client, 1);
    emulator.faults.serverErrorsNext = 1;
    batcher.prefetch(ids);
    await until(() => bulkCalls().length === 1 && bulkCalls()[0]?.status === 503);
    expect((await batcher.get(ids)).map((asset) => asset.id)).toEqual(ids);
    expect(bulkCalls().map((call) => call.status)).toEqual([503, 200]);
  });

  it('puts a read off while confirmations wait, then reads every job confirmed meanwhile at once', async () => {
    const [first = [], second = []] = await setUp(100, 2);
    let holding = true;
    let asked = 0;
    const batcher = createAssetBatcher(client, 1, {
      holdWhile: () => {
        asked += 1;
        return holding;
      },
      maxHoldMs: 60_000,
    });
    const firstRead = batcher.get(first);
    await until(() => asked >= 3);
    const secondRead = batcher.get(second);
    await until(() => asked >= 6);
    expect(bulkCalls()).toHaveLength(0);
    holding = false;
    expect((await firstRead).map((asset) => asset.id)).toEqual(first);
    expect((await secondRead).map((asset) => asset.id)).toEqual(second);
    expect(bulkCalls().map((call) => (call.body as { assetIds: string[] }).assetIds)).toEqual([
      [...first, ...second],
    ]);
  });

  it('holds a read no longer than its limit', async () => {
    const [ids = []] = await setUp(100, 1);
    const batcher = createAssetBatcher(client, 1, { holdWhile: () => true, maxHoldMs: 0 });
    expect((await batcher.get(ids)).map((asset) => asset.id)).toEqual(ids);
  });
});
