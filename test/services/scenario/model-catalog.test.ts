import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { modelSpecs } from '../../../src/models/index.js';
import { ModelCatalog } from '../../../src/services/scenario/model-catalog.js';
import { createRequestBudget, type RequestBudget } from '../../../src/services/scenario/request-budget.js';
import { createScenarioClient } from '../../../src/services/scenario/scenario-client.js';
import type { Store } from '../../../src/services/store/store.js';
import { type ScenarioEmulator, startScenarioEmulator } from '../../support/scenario/emulator.js';
import { openTestStore } from '../../support/stores.js';

const TTL_MS = 600_000;

describe('the model catalog (live schemas, cached)', () => {
  let emulator: ScenarioEmulator;
  let budget: RequestBudget;
  let store: Store;
  let cleanup: () => Promise<void>;
  let now: number;
  let logs: string[];
  const clock = { now: () => now, sleep: async () => undefined };

  const catalog = () => {
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _encoding, callback) {
          logs.push(String(chunk));
          callback();
        },
      }),
    );
    const scenario = createScenarioClient({
      baseUrl: emulator.url,
      apiKey: 'test-key',
      apiSecret: 'test-secret',
      budget,
      logger,
      timeoutMs: 2_000,
      random: () => 0,
    });
    return new ModelCatalog({
      scenario,
      store: store.modelSchemas,
      clock,
      ttlMs: TTL_MS,
      logger,
      seedSpecs: modelSpecs,
    });
  };

  beforeAll(async () => {
    emulator = await startScenarioEmulator({ rateLimitPerMinute: null });
    budget = createRequestBudget({ perMinute: 10_000 });
  });
  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore('sqlite'));
    now = 1_000_000;
    logs = [];
  });
  afterEach(async () => {
    emulator.reset();
    await cleanup();
  });
  afterAll(async () => {
    budget.close();
    await emulator.close();
  });

  it('answers 100 lookups for one model with one Scenario read per TTL, concurrent ones coalesced', async () => {
    const models = catalog();
    const burst = await Promise.all(
      Array.from({ length: 100 }, () => models.schemaOf('model_kling-v2-6-t2v-pro')),
    );
    expect(burst.every((lookup) => lookup.ok)).toBe(true);
    for (let i = 0; i < 100; i += 1) await models.schemaOf('model_kling-v2-6-t2v-pro');
    expect(emulator.schemaReads('model_kling-v2-6-t2v-pro')).toHaveLength(1);

    now += TTL_MS - 1;
    await models.schemaOf('model_kling-v2-6-t2v-pro');
    expect(emulator.schemaReads('model_kling-v2-6-t2v-pro')).toHaveLength(1);
    now += 1;
    await models.schemaOf('model_kling-v2-6-t2v-pro');
    expect(emulator.schemaReads('model_kling-v2-6-t2v-pro')).toHaveLength(2);
  });

  it('says a model Scenario does not know is not found, and asks again only after a while', async () => {
    const models = catalog();
    expect(await models.schemaOf('model_does-not-exist')).toEqual({ ok: false, reason: 'model_not_found' });
    expect(await models.schemaOf('model_does-not-exist')).toEqual({ ok: false, reason: 'model_not_found' });
    expect(emulator.schemaReads('model_does-not-exist')).toHaveLength(1);
    expect(await models.specFor('model_does-not-exist')).toBeUndefined();
  });

  it('after a restart reads only the seed schemas fresh and takes other models from the cache', async () => {
    await catalog().schemaOf('model_lyria-2');
    emulator.reset();
    const restarted = catalog();
    await restarted.checkSeedSpecs();
    await restarted.schemaOf('model_lyria-2');
    expect(
      emulator
        .schemaReads()
        .map((entry) => entry.path)
        .sort(),
    ).toEqual(modelSpecs.map((spec) => `/v1/models/${spec.id}`).sort());
  });

  it('derives a spec from the live schema: family price, seed range, output count, file inputs', async () => {
    const imagen = await catalog().specFor('model_imagen4-ultra');
    expect(imagen).toMatchObject({
      label: 'Imagen 4 Ultra',
      output: 'image',
      creditsPerOutput: 1,
      outputsParam: 'numOutputs',
      seed: { min: 0, max: 2147483647 },
    });
    const kling = await catalog().specFor('model_kling-v2-6-t2v-pro');
    expect(kling).toMatchObject({ creditsPerOutput: 5, params: [{ name: 'image', kind: 'asset' }] });
    expect(kling?.seed).toBeUndefined();
  });

  it('logs each difference between a seed spec and its live schema once, narrower ones as enforced', async () => {
    emulator.narrowInput('model_scenario-skybox-gpt', 'width', { max: 2048 });
    const models = catalog();
    await models.checkSeedSpecs();
    now += TTL_MS;
    await models.checkSeedSpecs();
    const width = logs.filter((line) => line.includes('"param":"width"'));
    expect(width).toHaveLength(1);
    expect(width[0]).toContain('narrower');
    expect(width[0]).toContain('16–2048');
    expect(width[0]).toContain('16–3840');
    // Unchanged parameters are not reported.
    expect(logs.some((line) => line.includes('"param":"height"'))).toBe(false);
  });

  it('lists the project’s models with the seed models first, cached', async () => {
    const models = catalog();
    const listed = await models.list();
    expect(listed.slice(0, 4).map((model) => model.id)).toEqual(modelSpecs.map((spec) => spec.id));
    expect(listed.map((model) => model.id)).toContain('model_lyria-2');
    await models.list();
    expect(emulator.requests.filter((entry) => entry.path === '/v1/models')).toHaveLength(1);
  });
});
