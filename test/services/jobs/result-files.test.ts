import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobRecordSchema } from '../../../src/services/jobs/job-ledger.js';
import { ResultFiles } from '../../../src/services/jobs/result-files.js';
import { createAssetBatcher } from '../../../src/services/scenario/asset-batcher.js';
import { createRequestBudget, type RequestBudget } from '../../../src/services/scenario/request-budget.js';
import { createScenarioClient, type ScenarioClient } from '../../../src/services/scenario/scenario-client.js';
import { type ScenarioEmulator, startScenarioEmulator } from '../../support/scenario/emulator.js';

const silent = pino({ level: 'silent' });
const MB = 1024 * 1024;

/** ResultFiles with the real client against the emulator: where files go, what is linked, what is left. */
describe('ResultFiles', () => {
  let emulator: ScenarioEmulator;
  let budget: RequestBudget;
  let client: ScenarioClient;
  let folder: string;

  beforeAll(async () => {
    emulator = await startScenarioEmulator({ rateLimitPerMinute: null, jobDurationMs: 60_000 });
    budget = createRequestBudget({ perMinute: 10_000 });
    client = createScenarioClient({
      baseUrl: emulator.url,
      apiKey: 'test-key',
      apiSecret: 'test-secret',
      budget,
      logger: silent,
    });
  });
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'result-files-test-'));
  });
  afterEach(() => {
    emulator.reset();
    rmSync(folder, { recursive: true, force: true });
  });
  afterAll(async () => {
    budget.close();
    await emulator.close();
  });

  /** A finished job of `outputs` images of `bytes` each, and the record the bot would hold for it. */
  async function finishedJob(outputs: number, bytes?: number) {
    emulator.faults.outputBytes = bytes;
    const run = await client.generate.runModel('model_openai-gpt-image-2', {
      prompt: 'x',
      numOutputs: outputs,
    });
    emulator.finishJob(run.job.jobId);
    const job = await client.jobs.retrieve(run.job.jobId);
    const record = jobRecordSchema.parse({
      id: job.jobId,
      modelId: 'model_openai-gpt-image-2',
      command: 'image',
      body: { prompt: 'x' },
      outputs,
      guildId: 'g',
      channelId: 'c',
      userId: 'u',
      applicationId: 'a',
      attachmentSizeLimit: 10 * MB,
      state: 'running',
      createdAt: 0,
      updatedAt: 0,
    });
    return { job, record };
  }
  const resultFiles = (maxJobBytes: number, maxResultBytes = 100 * MB) =>
    new ResultFiles({
      scenario: client,
      assets: createAssetBatcher(client, 1),
      maxResultBytes,
      maxJobBytes,
      tempDir: folder,
    });

  it('saves each result in a folder of its own, and removes the folder once posted', async () => {
    const { job, record } = await finishedJob(2);
    const gathered = await resultFiles(200 * MB).gather(record, job, silent);
    expect(gathered.files.map((file) => file.name)).toEqual(['image-1.png', 'image-2.png']);
    for (const [index, file] of gathered.files.entries()) {
      expect(file.path.startsWith(folder)).toBe(true);
      expect(readFileSync(file.path)).toEqual(emulator.assets.get(job.assetIds[index] ?? '')?.bytes);
      expect(file.size).toBe(readFileSync(file.path).length);
    }
    expect(readdirSync(folder)).toHaveLength(1);
    await gathered.dispose();
    expect(readdirSync(folder)).toEqual([]);
  });

  it.each([
    ['all fit', 10 * MB, 100 * MB, 3, []],
    ['the job total fits two', 5 * MB, 100 * MB, 2, ['job_total']],
    ['the job total fits one', 3 * MB, 100 * MB, 1, ['job_total', 'job_total']],
    [
      'each file is over the upload limit',
      200 * MB,
      1 * MB,
      0,
      ['upload_limit', 'upload_limit', 'upload_limit'],
    ],
  ])('three 2 MB files, %s', async (_label, maxJobBytes, maxResultBytes, attached, linked) => {
    const { job, record } = await finishedJob(3, 2 * MB);
    const gathered = await resultFiles(maxJobBytes, maxResultBytes).gather(record, job, silent);
    expect(gathered.files).toHaveLength(attached);
    expect(gathered.notAttached.map((file) => file.why)).toEqual(linked);
    expect(gathered.missing).toBe(0);
    // Scenario declared the sizes: a linked file is never downloaded.
    const downloaded = new Set(emulator.downloads.map((download) => download.assetId));
    expect(job.assetIds.filter((id) => downloaded.has(id))).toHaveLength(attached);
    await gathered.dispose();
  });

  it('removes the folders a killed process left behind, and nothing else', async () => {
    const hour = 60 * 60 * 1000;
    const now = Date.now();
    const make = (name: string, ageMs: number) => {
      mkdirSync(join(folder, name));
      writeFileSync(join(folder, name, '1'), 'x');
      utimesSync(join(folder, name), (now - ageMs) / 1000, (now - ageMs) / 1000);
    };
    make('scenario-bot-results-old', 2 * hour);
    make('scenario-bot-results-busy', 5 * 60 * 1000); // a delivery of another process, in progress
    make('someone-elses-folder', 2 * hour);
    expect(await resultFiles(MB).removeStale(now)).toBe(1);
    expect(readdirSync(folder).sort()).toEqual(['scenario-bot-results-busy', 'someone-elses-folder']);
  });

  it('counts a refused link as missing and leaves nothing on disk', async () => {
    const { job, record } = await finishedJob(1);
    emulator.faults.downloadsRedirectTo = 'http://169.254.169.254/latest/meta-data/';
    const gathered = await resultFiles(200 * MB).gather(record, job, silent);
    expect(gathered).toMatchObject({ files: [], notAttached: [], missing: 1 });
    const [staged] = readdirSync(folder);
    expect(readdirSync(join(folder, staged ?? ''))).toEqual([]);
    await gathered.dispose();
    expect(readdirSync(folder)).toEqual([]);
  });
});
