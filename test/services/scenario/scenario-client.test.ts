import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRequestBudget, type RequestBudget } from '../../../src/services/scenario/request-budget.js';
import {
  createLocalRequestWindow,
  type RequestWindow,
} from '../../../src/services/scenario/request-window.js';
import {
  createScenarioClient,
  type ScenarioClient,
  ScenarioError,
} from '../../../src/services/scenario/scenario-client.js';
import { eventually } from '../../support/eventually.js';
import { manualClock } from '../../support/manual-clock.js';
import { makePng } from '../../support/media.js';
import { type ScenarioEmulator, startScenarioEmulator } from '../../support/scenario/emulator.js';
import { type SecretServer, startSecretServer } from '../../support/secret-server.js';

const silent = pino({ level: 'silent' });

function clientFor(
  emulator: ScenarioEmulator,
  budget: RequestBudget,
  overrides: Partial<Parameters<typeof createScenarioClient>[0]> = {},
): ScenarioClient {
  return createScenarioClient({
    baseUrl: emulator.url,
    apiKey: 'test-key',
    apiSecret: 'test-secret',
    budget,
    logger: silent,
    timeoutMs: 2_000,
    maxRetries: 4,
    random: () => 0, // smallest backoff: tests stay fast
    ...overrides,
  });
}

async function waitForJob(client: ScenarioClient, jobId: string) {
  for (let i = 0; i < 200; i += 1) {
    const job = await client.jobs.retrieve(jobId);
    if (job.status === 'success' || job.status === 'failure' || job.status === 'canceled') return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('job did not finish');
}

describe('Scenario client against the emulator', () => {
  let emulator: ScenarioEmulator;
  let budget: RequestBudget;
  let client: ScenarioClient;

  beforeAll(async () => {
    emulator = await startScenarioEmulator({ jobDurationMs: 120, rateLimitPerMinute: null });
    budget = createRequestBudget({ perMinute: 10_000 });
    client = clientFor(emulator, budget);
  });
  afterEach(() => emulator.reset());
  afterAll(async () => {
    budget.close();
    await emulator.close();
  });

  it('uploads a small image inline and reads it back', async () => {
    const asset = await client.assets.upload({
      bytes: makePng({ width: 40, height: 20 }),
      name: 'ref.png',
      mimeType: 'image/png',
    });
    expect(asset.id).toMatch(/^asset_/);
    expect(asset.properties?.width).toBe(40);
    const again = await client.assets.retrieve(asset.id);
    const { bytes } = await client.assets.download(again.url ?? '', 1_000_000);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(emulator.requests.find((entry) => entry.path === '/v1/assets')?.method).toBe('POST');
  });

  it('uploads a large image through the multipart upload flow', async () => {
    const big = makePng({ width: 64, height: 64, padToBytes: 6 * 1024 * 1024 });
    const asset = await client.assets.upload({ bytes: big, name: 'big.png', mimeType: 'image/png' });
    expect(asset.properties?.size).toBe(big.length);
    expect(emulator.requests.some((entry) => entry.path === '/v1/uploads')).toBe(true);
    expect(emulator.requests.some((entry) => entry.path === '/v1/assets')).toBe(false);
  });

  it.each([
    [
      'model_scenario-skybox-gpt',
      { prompt: 'a mountain pass at dusk', width: 2048, height: 1024, quality: 'high', seed: 42 },
      1,
      'image/png',
    ],
    [
      'model_scenario-skybox-flux',
      { prompt: 'a sunset beach', style: 'cinematic', numOutputs: 2, seed: 7 },
      2,
      'image/png',
    ],
    [
      'model_openai-gpt-image-2',
      { prompt: 'a potion bottle', numOutputs: 3, quality: 'low', background: 'opaque' },
      3,
      'image/png',
    ],
    ['model_pixal3d', { image: 'UPLOAD', seed: 1, remesh: true, resolution: 2048 }, 1, 'model/gltf-binary'],
  ])('runs %s to success and reads its results', async (modelId, body, outputs, mimeType) => {
    const input: Record<string, unknown> = { ...body };
    if (input.image === 'UPLOAD')
      input.image = (
        await client.assets.upload({
          bytes: makePng({ width: 32, height: 32 }),
          name: 'in.png',
          mimeType: 'image/png',
        })
      ).id;
    const run = await client.generate.runModel(modelId, input);
    expect(run.job.status).toBe('queued');
    expect(run.creativeUnitsCost).toBeGreaterThan(0);
    const done = await waitForJob(client, run.job.jobId);
    expect(done.status).toBe('success');
    expect(done.progress).toBe(1);
    expect(done.assetIds).toHaveLength(outputs);
    const assets = await client.assets.retrieveMany(done.assetIds);
    expect(assets.map((asset) => asset.mimeType)).toEqual(Array(outputs).fill(mimeType));
    const first = await client.assets.download(assets[0]?.url ?? '', 10_000_000);
    expect(first.bytes.length).toBeGreaterThan(0);
    if (modelId.includes('skybox'))
      expect(first.bytes.readUInt32BE(16)).toBe(2 * first.bytes.readUInt32BE(20));
    if (modelId === 'model_pixal3d') {
      expect(first.bytes.subarray(0, 4).toString()).toBe('glTF');
      expect(assets[0]?.thumbnail?.url).toBeDefined();
    }
  });

  it('prices a run without running it', async () => {
    const priced = await client.generate.dryRun('model_scenario-skybox-flux', { prompt: 'x', numOutputs: 3 });
    expect(priced.creativeUnitsCost).toBeGreaterThan(0);
    expect(emulator.jobs.size).toBeGreaterThan(0);
    const before = emulator.jobs.size;
    await client.generate.dryRun('model_scenario-skybox-flux', { prompt: 'y' });
    expect(emulator.jobs.size).toBe(before);
  });

  it('lists recent jobs in one request', async () => {
    const run = await client.generate.runModel('model_lyria-2', { prompt: 'steel guitar' });
    const { jobs } = await client.jobs.list({ pageSize: 200 });
    expect(jobs.map((job) => job.jobId)).toContain(run.job.jobId);
    expect(emulator.requests.filter((entry) => entry.path === '/v1/jobs')).toHaveLength(1);
  });

  it.each([
    [{ prompt: 'x', width: 1000 }, 'width'],
    [{ prompt: 'x', unknownThing: 1 }, 'unknownThing'],
    [{ width: 2048 }, 'prompt'],
  ])('turns a 422 into an "invalid" error carrying Scenario\'s message (%j)', async (body, word) => {
    const error = await client.generate
      .runModel('model_scenario-skybox-gpt', body)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).kind).toBe('invalid');
    expect((error as ScenarioError).details.scenarioMessage).toContain(word);
  });

  it('reports an unknown model as not_found', async () => {
    const error = await client.generate
      .runModel('model_does-not-exist', { prompt: 'x' })
      .catch((caught: unknown) => caught);
    expect((error as ScenarioError).kind).toBe('not_found');
  });

  it('reports a wrong key as an auth error that names what to fix and not the secret', async () => {
    const wrong = clientFor(emulator, budget, { apiSecret: 'wrong-secret-value' });
    const error = await wrong.jobs.list().catch((caught: unknown) => caught);
    expect((error as ScenarioError).kind).toBe('auth');
    expect((error as Error).message).toContain('SCENARIO_SDK_API_KEY');
    expect((error as Error).message).not.toContain('wrong-secret-value');
  });

  it.each([true, false])(
    'retries 429s (Retry-After header: %s) and succeeds',
    async (withHeader) => {
      emulator.faults.rateLimitNext = 2;
      emulator.faults.rateLimitRetryAfter = withHeader;
      const fast = clientFor(emulator, budget, { maxRetries: 10 });
      const results = await Promise.all(Array.from({ length: 4 }, () => fast.jobs.list({ pageSize: 1 })));
      expect(results).toHaveLength(4);
      expect(emulator.requests.filter((entry) => entry.status === 429)).toHaveLength(2);
      expect(emulator.requests.filter((entry) => entry.status === 200)).toHaveLength(4);
    },
    60_000,
  );

  it('retries a burst of 5xx on reads', async () => {
    emulator.faults.serverErrorsNext = 3;
    const { jobs } = await client.jobs.list();
    expect(Array.isArray(jobs)).toBe(true);
    expect(emulator.requests.filter((entry) => entry.status === 503)).toHaveLength(3);
  });

  it('does not resubmit a generate after a 500 (the job may exist), but does after a 503', async () => {
    emulator.faults.serverErrorsNext = 1;
    emulator.faults.serverErrorStatus = 500;
    const error = await client.generate
      .runModel('model_lyria-2', { prompt: 'x' })
      .catch((caught: unknown) => caught);
    expect((error as ScenarioError).kind).toBe('unavailable');
    expect(emulator.generateCalls()).toHaveLength(1);
    emulator.reset();
    emulator.faults.serverErrorsNext = 1;
    emulator.faults.serverErrorStatus = 503;
    const run = await client.generate.runModel('model_lyria-2', { prompt: 'x' });
    expect(run.job.jobId).toBeDefined();
    expect(emulator.generateCalls()).toHaveLength(2);
  });

  it('times out a request that hangs past the timeout', async () => {
    emulator.faults.delayMs = 1_000;
    const impatient = clientFor(emulator, budget, { timeoutMs: 200, maxRetries: 1 });
    const error = await impatient.jobs.list().catch((caught: unknown) => caught);
    expect((error as ScenarioError).kind).toBe('timeout');
  });

  it("reports a job that ends in failure with Scenario's error and hint", async () => {
    emulator.faults.failNextJobs = 1;
    const run = await client.generate.runModel('model_lyria-2', { prompt: 'x' });
    const done = await waitForJob(client, run.job.jobId);
    expect(done.status).toBe('failure');
    expect(done.error).toBe(emulator.faults.failError);
    expect(done.hint).toBe(emulator.faults.failHint);
  });

  it('keeps a never-ending job running', async () => {
    emulator.faults.neverFinishNextJobs = 1;
    const run = await client.generate.runModel('model_lyria-2', { prompt: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const job = await client.jobs.retrieve(run.job.jobId);
    expect(job.status).toBe('in-progress');
    emulator.finishJob(run.job.jobId);
    expect((await client.jobs.retrieve(run.job.jobId)).status).toBe('success');
  });

  it('reports the actionLimit 429 as a concurrency ceiling without retrying the generate', async () => {
    emulator.faults.actionLimitNext = 1;
    const error = await client.generate
      .runModel('model_lyria-2', { prompt: 'x' })
      .catch((caught: unknown) => caught);
    expect((error as ScenarioError).kind).toBe('concurrency');
    expect(emulator.generateCalls()).toHaveLength(1);
  });

  it('retries a malformed answer on a read, and refuses to guess on a generate', async () => {
    const run = await client.generate.runModel('model_lyria-2', { prompt: 'x' });
    emulator.faults.malformedNext = 1;
    expect((await client.jobs.retrieve(run.job.jobId)).jobId).toBe(run.job.jobId);
    emulator.faults.malformedNext = 1;
    const error = await client.generate
      .runModel('model_lyria-2', { prompt: 'x' })
      .catch((caught: unknown) => caught);
    expect((error as ScenarioError).kind).toBe('malformed');
  });

  it('reads the other documented shapes: job.id, succeeded, progress 0–100', async () => {
    emulator.faults.alternativeShapes = true;
    const run = await client.generate.runModel('model_lyria-2', { prompt: 'x' });
    expect(run.job.jobId).toMatch(/^job_/);
    await new Promise((resolve) => setTimeout(resolve, 70));
    const running = await client.jobs.retrieve(run.job.jobId);
    expect(running.progress).toBeGreaterThan(0);
    expect(running.progress).toBeLessThanOrEqual(1);
    const done = await waitForJob(client, run.job.jobId);
    expect(done.rawStatus).toBe('succeeded');
    expect(done.status).toBe('success');
  });

  it.each([
    ['an expired URL', 'expiredUrls'],
    ['a URL that 404s', 'downloads404'],
  ] as const)('fails a download from %s with a typed error', async (_label, fault) => {
    const asset = await client.assets.upload({
      bytes: makePng({ width: 8, height: 8 }),
      name: 'a.png',
      mimeType: 'image/png',
    });
    emulator.faults[fault] = true;
    const fresh = await client.assets.retrieve(asset.id);
    const error = await client.assets.download(fresh.url ?? '', 1_000_000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ScenarioError);
  });

  it('stops a download over the size cap', async () => {
    emulator.faults.outputBytes = 2 * 1024 * 1024;
    const run = await client.generate.runModel('model_imagen4-ultra', { prompt: 'x' });
    const done = await waitForJob(client, run.job.jobId);
    const [asset] = await client.assets.retrieveMany(done.assetIds);
    const error = await client.assets
      .download(asset?.url ?? '', 1024 * 1024)
      .catch((caught: unknown) => caught);
    expect((error as ScenarioError).kind).toBe('too_large');
  });

  describe('links in answers that lead inside', () => {
    let secret: SecretServer;
    beforeAll(async () => {
      secret = await startSecretServer();
    });
    afterAll(() => secret.close());

    it.each([
      ['plain http to another loopback port', () => secret.url(), /http: links are not fetched/],
      ['the cloud metadata service', () => 'http://169.254.169.254/latest/meta-data/', /http:/],
      [
        'a decimal loopback host over https',
        () => `https://2130706433:${secret.port}/secret`,
        /127\.0\.0\.1 is a loopback address/,
      ],
      ['a data: URL', () => 'data:image/png;base64,iVBORw0KGgo=', /data: links/],
    ])('refuses a result link that redirects to %s, never contacting it', async (_label, target, why) => {
      const asset = await client.assets.upload({
        bytes: makePng({ width: 8, height: 8 }),
        name: 'a.png',
        mimeType: 'image/png',
      });
      emulator.faults.downloadsRedirectTo = target();
      const error = await client.assets
        .download(asset.url ?? '', 1_000_000)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ScenarioError);
      expect((error as ScenarioError).kind).toBe('refused_url');
      expect((error as Error).message).toMatch(why);
      expect(secret.connections()).toBe(0);
    });

    it('refuses to PUT an upload part to a URL outside, never contacting it', async () => {
      emulator.faults.uploadPartsTo = secret.url('/part');
      const big = makePng({ width: 64, height: 64, padToBytes: 6 * 1024 * 1024 });
      const error = await client.assets
        .upload({ bytes: big, name: 'big.png', mimeType: 'image/png' })
        .catch((caught: unknown) => caught);
      expect((error as ScenarioError).kind).toBe('refused_url');
      expect(secret.connections()).toBe(0);
    });
  });

  it('reads an API answer up to its size limit only: a longer one is malformed', async () => {
    for (const prompt of ['a', 'b', 'c']) await client.generate.runModel('model_lyria-2', { prompt });
    const strict = clientFor(emulator, budget, { maxBodyBytes: 2_000, maxRetries: 0 });
    expect((await strict.jobs.list({ pageSize: 1 })).jobs).toHaveLength(1);
    const error = await strict.jobs.list({ pageSize: 200 }).catch((caught: unknown) => caught);
    expect((error as ScenarioError).kind).toBe('malformed');
    expect((error as Error).message).toContain('over the 2000-byte limit');
  });
});

describe('bodies that never end', () => {
  /** What the endless server sent on its latest connection, and when that connection closed. */
  let latest: { sent: number; closed: Promise<void> };
  let endless: Server;
  let budget: RequestBudget;
  let client: ScenarioClient;
  let origin: string;
  beforeAll(async () => {
    endless = createServer((_request, response) => {
      const current = { sent: 0, closed: new Promise<void>((resolve) => response.on('close', resolve)) };
      latest = current;
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!response.destroyed && current.sent < 1024 * 1024 * 1024) {
          current.sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
      };
      pump();
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(endless.address() as AddressInfo).port}`;
    budget = createRequestBudget({ perMinute: 10_000 });
    client = createScenarioClient({
      baseUrl: `${origin}/v1`,
      apiKey: 'k',
      apiSecret: 's',
      budget,
      logger: silent,
      maxRetries: 0,
      maxBodyBytes: 1024 * 1024,
    });
  });
  afterAll(async () => {
    budget.close();
    await new Promise<void>((resolve) => {
      endless.close(() => resolve());
      endless.closeAllConnections();
    });
  });

  it('reads an API answer up to the limit, then drops the connection', async () => {
    const error = await client.jobs.retrieve('job_x').catch((caught: unknown) => caught);
    expect((error as ScenarioError).kind).toBe('malformed');
    await latest.closed;
    // What the kernel's socket buffers held when the client hung up, not the gigabyte on offer.
    expect(latest.sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('streams a result file to disk up to the cap, then drops it and removes the partial file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'download-test-'));
    try {
      const path = join(folder, 'result');
      const error = await client.assets
        .downloadToFile(`${origin}/files/a`, path, 2 * 1024 * 1024)
        .catch((caught: unknown) => caught);
      expect((error as ScenarioError).kind).toBe('too_large');
      await latest.closed;
      expect(latest.sent).toBeLessThan(64 * 1024 * 1024);
      expect(existsSync(path)).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the shared request budget', () => {
  it('keeps 300 queued requests under the budget in every window of its clock', async () => {
    // The budget's clock moves only when the test advances it, so what it lets through in each window is
    // exact whatever the machine's load. The emulator's own (real-time) limit is off: this counts sends.
    const emulator = await startScenarioEmulator({ rateLimitPerMinute: null });
    const clock = manualClock();
    const local = createLocalRequestWindow({ perMinute: 90, windowMs: 61_000 });
    let granted = 0;
    const counting: RequestWindow = {
      ...local,
      take: async (now) => {
        const taken = await local.take(now);
        if (taken.granted) granted += 1;
        return taken;
      },
    };
    const budget = createRequestBudget({ perMinute: 90, clock, window: counting });
    const client = clientFor(emulator, budget, { clock });
    try {
      const all = Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          i % 2 === 0
            ? client.jobs.list({ pageSize: 1 })
            : client.generate.dryRun('model_lyria-2', { prompt: 'x' }),
        ),
      );
      const perWindow: number[] = [];
      while (granted < 300) {
        const before = granted;
        // The budget sleeps on the clock once the window is full (or every request is out).
        await eventually(async () => clock.sleeping() > 0 || granted === 300, 10_000, 'a full window');
        await eventually(
          async () => emulator.requests.filter((entry) => entry.api).length === granted,
          10_000,
          'the granted requests',
        );
        perWindow.push(granted - before);
        clock.advance(61_000);
      }
      await all;
      expect(perWindow).toEqual([90, 90, 90, 30]);
      expect(emulator.requests.filter((entry) => entry.api)).toHaveLength(300);
    } finally {
      budget.close();
      await emulator.close();
    }
  });

  it('survives 30% of requests answered 429', async () => {
    const emulator = await startScenarioEmulator({ rateLimitPerMinute: null });
    emulator.faults.rateLimitRatio = 0.3;
    const budget = createRequestBudget({ perMinute: 10_000 });
    const client = clientFor(emulator, budget, { maxRetries: 20 });
    try {
      const results = await Promise.all(Array.from({ length: 10 }, () => client.jobs.list({ pageSize: 1 })));
      expect(results).toHaveLength(10);
      expect(emulator.requests.filter((entry) => entry.status === 200)).toHaveLength(10);
    } finally {
      budget.close();
      await emulator.close();
    }
  }, 60_000);

  it('backs everyone off after a rate-limit answer, then succeeds', async () => {
    const emulator = await startScenarioEmulator({ rateLimitPerMinute: 5, rateWindowMs: 1_000 });
    // A budget that is (wrongly) above the server's limit: the 429s must pause every caller.
    const budget = createRequestBudget({ perMinute: 50, windowMs: 1_000 });
    const client = clientFor(emulator, budget, { maxRetries: 8 });
    try {
      const results = await Promise.all(Array.from({ length: 12 }, () => client.jobs.list({ pageSize: 1 })));
      expect(results).toHaveLength(12);
      expect(emulator.requests.some((entry) => entry.status === 429)).toBe(true);
    } finally {
      budget.close();
      await emulator.close();
    }
  }, 30_000);
});
