import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/services/clock.js';
import { jobRecordSchema } from '../../../src/services/jobs/job-ledger.js';
import { ModelConversions } from '../../../src/services/models3d/model-conversions.js';
import { createRequestBudget, type RequestBudget } from '../../../src/services/scenario/request-budget.js';
import { createScenarioClient } from '../../../src/services/scenario/scenario-client.js';
import type { Store } from '../../../src/services/store/store.js';
import { makeGlb } from '../../support/media.js';
import { type ScenarioEmulator, startScenarioEmulator } from '../../support/scenario/emulator.js';
import { openTestStore } from '../../support/stores.js';

const silent = pino({ level: 'silent' });

/** The conversion service with the real client against the emulator and a real store. */
describe('ModelConversions', () => {
  let emulator: ScenarioEmulator;
  let budget: RequestBudget;
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let store: Store;
  let conversions: ModelConversions;
  let assetId: string;

  const record = (id: string) =>
    jobRecordSchema.parse({
      id,
      modelId: 'model_pixal3d',
      command: 'to3d',
      body: {},
      seed: 7,
      outputs: 1,
      guildId: 'g1',
      channelId: 'c1',
      userId: 'u1',
      applicationId: 'app',
      attachmentSizeLimit: 10 * 1024 * 1024,
      state: 'delivered',
      createdAt: 0,
      updatedAt: 0,
    });
  const ask = (generationId: string, extra: Partial<Parameters<ModelConversions['convert']>[0]> = {}) =>
    conversions.convert({
      generationId,
      guildId: 'g1',
      messageId: 'm1',
      format: 'fbx',
      uploadLimit: 10 * 1024 * 1024,
      ...extra,
    });
  const conversionCalls = () => emulator.requests.filter((request) => request.path.endsWith('/download'));

  beforeAll(async () => {
    emulator = await startScenarioEmulator({ rateLimitPerMinute: null, jobDurationMs: 1 });
    budget = createRequestBudget({ perMinute: 10_000 });
    const scenario = createScenarioClient({
      baseUrl: emulator.url,
      apiKey: 'test-key',
      apiSecret: 'test-secret',
      budget,
      logger: silent,
      maxRetries: 0,
    });
    opened = await openTestStore('sqlite');
    store = opened.store;
    conversions = new ModelConversions({
      store: store.models3d,
      lock: store.lock,
      scenario,
      clock: systemClock,
      logger: silent,
      retentionMs: 60_000,
      maxBytes: 100 * 1024 * 1024,
    });
    // A 3D asset as a finished Pixal3D job leaves it on Scenario.
    assetId = 'asset_model1';
    emulator.assets.set(assetId, {
      id: assetId,
      kind: '3d',
      mimeType: 'model/gltf-binary',
      bytes: makeGlb(),
      createdAt: Date.now(),
    });
    await conversions.recordDelivered(record('gen-1'), 'm1', [{ assetId, name: 'to3d-7-1.glb' }]);
  });
  afterAll(async () => {
    budget.close();
    await opened.cleanup();
    await emulator.close();
  });

  it('converts a recorded model and downloads the file', async () => {
    const outcome = await ask('gen-1');
    if (!outcome.ok || outcome.kind !== 'files') throw new Error(JSON.stringify(outcome));
    expect(outcome.files.map((file) => file.name)).toEqual(['to3d-7-1.fbx']);
    expect(outcome.linked).toEqual([]);
    await outcome.dispose();
  });

  it('links the file instead when it is over the upload limit', async () => {
    const outcome = await ask('gen-1', { format: 'obj', uploadLimit: 16 });
    if (!outcome.ok || outcome.kind !== 'files') throw new Error(JSON.stringify(outcome));
    expect(outcome.files).toEqual([]);
    expect(outcome.linked).toEqual([{ name: 'to3d-7-1.obj', url: expect.stringContaining('/files/') }]);
    await outcome.dispose();
  });

  it('points to the posted reply on the next click, and reuses the link when the reply is gone', async () => {
    await conversions.rememberPosted('gen-1', 'fbx', 'reply-1');
    const calls = conversionCalls().length;
    expect(await ask('gen-1')).toMatchObject({
      ok: true,
      kind: 'posted',
      messageId: 'reply-1',
      channelId: 'c1',
    });
    const repost = await ask('gen-1', { repost: true });
    expect(repost).toMatchObject({ ok: true, kind: 'files' });
    if (repost.ok && repost.kind === 'files') await repost.dispose();
    expect(conversionCalls()).toHaveLength(calls);
  });

  it.each([
    ['an unknown generation', 'gen-x', {}],
    ['another guild', 'gen-1', { guildId: 'g2' }],
    ['another message (a forged button)', 'gen-1', { messageId: 'm2' }],
  ])('knows nothing of %s', async (_, generationId, change) => {
    const calls = conversionCalls().length;
    expect(await ask(generationId, change)).toEqual({ ok: false, reason: 'unknown' });
    expect(conversionCalls()).toHaveLength(calls);
  });

  it('calls a format Scenario refuses unavailable, and a failing Scenario a failure', async () => {
    emulator.faults.refuseConversions = ['stl'];
    expect(await ask('gen-1', { format: 'stl' })).toEqual({ ok: false, reason: 'unavailable' });
    emulator.faults.refuseConversions = [];
    emulator.faults.serverErrorsNext = 100;
    emulator.faults.serverErrorStatus = 500;
    expect(await ask('gen-1', { format: 'usdz' })).toEqual({ ok: false, reason: 'failed' });
    emulator.faults.serverErrorsNext = 0;
  });

  it('remembers nothing for a result whose only model was damaged', async () => {
    await conversions.recordDelivered(record('gen-2'), 'm9', [
      { assetId: 'a', name: 'x.glb', problem: 'unreadable' },
    ]);
    expect(await conversions.get('gen-2')).toBeUndefined();
  });
});
