import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_BUTTON_IDS } from '../../src/discord/result-controls.js';
import type { EmulatedMessage } from '../support/discord/model.js';
import { eventually } from '../support/eventually.js';
import {
  answerTo,
  deliveredFor,
  type Harness,
  type Invocation,
  rerollOutcomeOf,
  resultActionable,
  startHarness,
} from '../support/harness.js';
import { makeJpegHeader, makePng } from '../support/media.js';

const png = (width: number, height: number, alpha = false, color: [number, number, number] = [9, 9, 9]) => ({
  filename: 'file.png',
  contentType: 'image/png',
  data: makePng({ width, height, alpha, color }),
});

/** /generate through the Discord emulator, validated against the Scenario emulator's live schemas. */
describe('/generate driven by the model’s live schema', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { QUOTA_DEFAULT_LIMIT: '200' } });
  });
  afterAll(() => h?.close());

  const generate = (user: string, options: Invocation['options'], attachments?: Invocation['attachments']) =>
    h.discord.invokeSlashCommand({ user, name: 'generate', options, attachments });
  /** The files Scenario produced for the last generate call, as the emulator holds them. */
  const lastJobAssets = () => {
    const job = [...h.scenario.jobs.values()].at(-1);
    return (job?.assetIds ?? []).map((id) => h.scenario.assets.get(id));
  };
  const spentBy = async (user: string) => {
    const status = await h.bot.deps.quota.status(h.discord.guildId, user);
    return status.spent + status.reserved;
  };

  it('runs Pixal3D with an attachment: no prompt in the body, a .glb delivered', async () => {
    const handle = generate(h.discord.ids.alice, { model: 'model_pixal3d' }, { file_1: png(32, 32) });
    const done = await deliveredFor(h, handle);
    const body = h.scenario.generateCalls().at(-1)?.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['image', 'seed']);
    expect(h.scenario.assets.has(body.image as string)).toBe(true);
    expect(done.attachments[0]?.filename).toMatch(/^generate-\d+-1\.glb$/);
    expect(done.attachments[0]?.data.subarray(0, 4).toString()).toBe('glTF');
  });

  it('delivers the video model’s result as an .mp4, the same bytes Scenario produced', async () => {
    const handle = generate(h.discord.ids.alice, {
      model: 'model_kling-v2-6-t2v-pro',
      prompt: 'a drone shot over a canyon',
      params: '{"duration":"5"}',
    });
    const done = await deliveredFor(h, handle);
    expect(h.scenario.generateCalls().at(-1)?.body).toEqual({
      prompt: 'a drone shot over a canyon',
      duration: '5',
    });
    const [video] = lastJobAssets();
    expect(done.attachments[0]?.filename).toMatch(/\.mp4$/);
    expect(done.attachments[0]?.data.equals(video?.bytes ?? Buffer.alloc(1))).toBe(true);
  });

  it('delivers the music model’s result as a .wav, with a seed drawn, recorded and shown', async () => {
    const handle = generate(h.discord.ids.alice, { model: 'model_lyria-2', prompt: 'a calm piano loop' });
    const done = await deliveredFor(h, handle);
    const body = h.scenario.generateCalls().at(-1)?.body as { seed?: number };
    expect(typeof body.seed).toBe('number');
    expect(done.attachments[0]?.filename).toBe(`generate-${body.seed}-1.wav`);
    expect(done.attachments[0]?.data.subarray(0, 4).toString()).toBe('RIFF');
    expect(done.content).toContain(`seed \`${body.seed}\``);
  });

  it('rerolls a model without a spec file with a new seed, the rest of its body unchanged', async () => {
    const handle = generate(h.discord.ids.alice, {
      model: 'model_meshy-txt23d',
      prompt: 'a treasure chest',
      params: '{"artStyle":"sculpture","seed":42}',
    });
    const result = await deliveredFor(h, handle);
    expect(result.attachments[0]?.filename).toBe('generate-42-1.glb');
    await resultActionable(h, result);
    const first = h.scenario.generateCalls().at(-1)?.body as Record<string, unknown>;
    expect(first).toEqual({ prompt: 'a treasure chest', artStyle: 'sculpture', seed: 42 });
    h.discord.clickButton({
      user: h.discord.ids.alice,
      messageId: result.id,
      customId: RESULT_BUTTON_IDS.reroll,
    });
    await h.discord.waitFor(
      () => {
        const outcome = rerollOutcomeOf(h, result.id);
        return outcome && outcome.attachments.length > 0 ? outcome : undefined;
      },
      20_000,
      'the reroll',
    );
    const second = h.scenario.generateCalls().at(-1)?.body as Record<string, unknown>;
    expect(second).toMatchObject({ prompt: 'a treasure chest', artStyle: 'sculpture' });
    expect(typeof second.seed).toBe('number');
    expect(second.seed).not.toBe(42);
  });

  it('charges numOutputs: 3 three times and delivers three files', async () => {
    const before = await spentBy(h.discord.ids.bob);
    const handle = generate(h.discord.ids.bob, {
      model: 'model_imagen4-ultra',
      prompt: 'a lighthouse',
      params: '{"numOutputs":3}',
    });
    const done = await deliveredFor(h, handle);
    expect(done.attachments.filter((file) => file.filename.endsWith('.png'))).toHaveLength(3);
    expect(done.content).toContain('3 credits');
    expect((await spentBy(h.discord.ids.bob)) - before).toBe(3);
  });

  it('maps attachments by name: {"mask":"@1"} takes the first file, the reference list the rest', async () => {
    const mask = png(32, 32, true, [200, 0, 0]);
    const reference = png(32, 32, true, [0, 0, 200]);
    const handle = generate(
      h.discord.ids.alice,
      { model: 'model_openai-gpt-image-2', prompt: 'make it red', params: '{"mask":"@1"}' },
      { file_1: mask, file_2: reference },
    );
    await deliveredFor(h, handle);
    const body = h.scenario.generateCalls().at(-1)?.body as { mask: string; referenceImages: string[] };
    expect(h.scenario.assets.get(body.mask)?.bytes.equals(mask.data)).toBe(true);
    expect(body.referenceImages).toHaveLength(1);
    expect(h.scenario.assets.get(body.referenceImages[0] ?? '')?.bytes.equals(reference.data)).toBe(true);
  });

  it('sends a seed model through /generate with the same body as its own command', async () => {
    const own = h.discord.invokeSlashCommand({
      user: h.discord.ids.bob,
      name: 'skybox',
      subcommand: 'flux',
      options: { prompt: 'a reef', style: 'photo', num_inference_steps: 30, seed: 7 },
    });
    await deliveredFor(h, own);
    const ownBody = h.scenario.generateCalls().at(-1)?.body;
    const viaGenerate = generate(h.discord.ids.bob, {
      model: 'model_scenario-skybox-flux',
      prompt: 'a reef',
      params: '{"style":"photo","numInferenceSteps":30,"seed":7}',
    });
    await deliveredFor(h, viaGenerate);
    expect(h.scenario.generateCalls().at(-1)?.body).toEqual(ownBody);
    // The spec's own choice (Scenario's default is 2) is kept through /generate.
    expect(ownBody).toMatchObject({ numOutputs: 1, seed: 7 });
  });

  type BadCase = [string, Invocation['options'], Invocation['attachments'], string[]];
  const bad: BadCase[] = [
    [
      'a value outside the allowed ones',
      { model: 'model_kling-v2-6-t2v-pro', prompt: 'x', params: '{"duration":"7"}' },
      undefined,
      ['`duration`', '`5`', '`10`', 'Nothing was spent'],
    ],
    [
      'an unknown model',
      { model: 'model_not-in-this-plan', prompt: 'x' },
      undefined,
      ['does not exist or is not in'],
    ],
    [
      'params that are not an object',
      { model: 'model_lyria-2', prompt: 'x', params: '"loud"' },
      undefined,
      ['JSON object'],
    ],
    [
      'a 10 KB params',
      { model: 'model_lyria-2', prompt: 'x', params: JSON.stringify({ negativePrompt: 'n'.repeat(10_000) }) },
      undefined,
      ['keep it under 4000'],
    ],
    [
      'a mapping to a file input that does not exist',
      { model: 'model_kling-v2-6-t2v-pro', prompt: 'x', params: '{"firstFrame":"@1"}' },
      { file_1: png(32, 32) },
      ['`firstFrame`', 'not an input', '`image`'],
    ],
    [
      '@5 with one attachment',
      { model: 'model_kling-v2-6-t2v-pro', prompt: 'x', params: '{"image":"@5"}' },
      { file_1: png(32, 32) },
      ['@5', '1 file'],
    ],
    [
      'a string where the schema wants a number',
      { model: 'model_imagen4-ultra', prompt: 'x', params: '{"numOutputs":"three"}' },
      undefined,
      ['`numOutputs`', 'whole number'],
    ],
    [
      'an attachment with nowhere to go',
      { model: 'model_lyria-2', prompt: 'x' },
      { file_1: png(32, 32) },
      ['takes no files'],
    ],
    [
      'a prompt for a model without one',
      { model: 'model_pixal3d', prompt: 'a chair' },
      { file_1: png(32, 32) },
      ['takes no `prompt`', '`image`'],
    ],
    ['a required input missing', { model: 'model_kling-v2-6-t2v-pro' }, undefined, ['`prompt` is required']],
    [
      'a mask without a reference image',
      { model: 'model_openai-gpt-image-2', prompt: 'x', params: '{"mask":"@1"}' },
      { file_1: png(32, 32, true) },
      ['attach the image to edit'],
    ],
    [
      'a mask of another format than the reference',
      { model: 'model_openai-gpt-image-2', prompt: 'x', params: '{"mask":"@2"}' },
      {
        file_1: { filename: 'ref.jpg', contentType: 'image/jpeg', data: makeJpegHeader(32, 32) },
        file_2: png(32, 32, true),
      },
      ['image/png', 'image/jpeg', 'same format'],
    ],
  ];

  it.each(bad)(
    'refuses %s: an ephemeral answer, nothing spent, no generate call',
    async (_label, options, files, words) => {
      const calls = h.scenario.generateCalls().length;
      const uploads = h.scenario.requests.filter((entry) => entry.path === '/v1/assets').length;
      const spent = await spentBy(h.discord.ids.bob);
      const handle = generate(h.discord.ids.bob, options, files);
      const answer: EmulatedMessage = await answerTo(h, handle);
      expect(answer.visibleTo).toBe(h.discord.ids.bob);
      for (const word of words) expect(answer.content).toContain(word);
      expect(h.scenario.generateCalls()).toHaveLength(calls);
      expect(h.scenario.requests.filter((entry) => entry.path === '/v1/assets')).toHaveLength(uploads);
      expect(await spentBy(h.discord.ids.bob)).toBe(spent);
    },
  );

  it('refunds and explains a success with no result file', async () => {
    const spent = await spentBy(h.discord.ids.alice);
    h.scenario.faults.noAssetsNextJobs = 1;
    const handle = generate(h.discord.ids.alice, { model: 'model_lyria-2', prompt: 'silence' });
    const message = await h.discord.waitFor(
      () => {
        const found = h.discord.outcomeOf(handle);
        return found?.content.includes('without a result') ? found : undefined;
      },
      20_000,
      'the explanation',
    );
    expect(message.content).toMatch(/credits? came back/);
    await eventually(async () => (await spentBy(h.discord.ids.alice)) === spent, 5_000, 'the refund');
  });

  it('autocompletes model ids from the project’s list, the four seed models first', async () => {
    const choicesFor = async (typed: string) => {
      const handle = h.discord.invokeSlashCommand({
        user: h.discord.ids.alice,
        name: 'generate',
        options: { model: typed },
        type: 4,
      });
      const callback = await h.discord.waitFor(
        () => h.discord.interaction(handle)?.callbacks.find((entry) => entry.type === 8),
        5_000,
        'the autocomplete answer',
      );
      const choices = (callback.data?.choices ?? []) as { name: string; value: string }[];
      return choices.map((choice) => choice.value);
    };
    expect((await choicesFor('')).slice(0, 4)).toEqual([
      'model_scenario-skybox-gpt',
      'model_scenario-skybox-flux',
      'model_openai-gpt-image-2',
      'model_pixal3d',
    ]);
    expect(await choicesFor('lyria')).toEqual(['model_lyria-2']);
    expect(h.scenario.requests.filter((entry) => entry.path === '/v1/models')).toHaveLength(1);
  });

  it('answers 100 /generate commands for one model with no further schema read', async () => {
    const handles = Array.from({ length: 100 }, (_, index) =>
      generate(h.discord.ids.bob, {
        model: 'model_imagen4-ultra',
        prompt: 'x',
        params: JSON.stringify({ numOutputs: 5 + index }),
      }),
    );
    for (const handle of handles) expect((await answerTo(h, handle)).content).toContain('at most 4');
    expect(h.scenario.schemaReads('model_imagen4-ultra')).toHaveLength(1);
  });

  it('read each model’s schema at most once in this run (one read per TTL)', () => {
    const reads = h.scenario.schemaReads().map((entry) => entry.path);
    expect(reads.length).toBe(new Set(reads).size);
  });
});

describe('a seed spec checked against a narrower live schema', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.scenario.narrowInput('model_scenario-skybox-gpt', 'width', { max: 2048 });
    await h.restart();
  });
  afterAll(() => h?.close());

  it('logs the difference once at start', () => {
    const lines = h.logs.filter((line) => line.includes('"param":"width"') && line.includes('narrower'));
    expect(lines).toHaveLength(1);
  });

  it('enforces the live max on /skybox gpt before spending, naming the live limit', async () => {
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a canyon', width: 3072, height: 1536 },
    });
    const answer = await answerTo(h, handle);
    expect(answer.visibleTo).toBe(h.discord.ids.alice);
    expect(answer.content).toContain('`width` must be at most 2048 for Skybox GPT right now');
    expect(h.scenario.generateCalls()).toHaveLength(0);
    const status = await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.alice);
    expect(status.spent + status.reserved).toBe(0);
  });

  it('still runs /skybox gpt within the live range', async () => {
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a canyon', width: 2048, height: 1024 },
    });
    await deliveredFor(h, handle);
    expect(h.scenario.generateCalls().at(-1)?.body).toMatchObject({ width: 2048 });
  });
});

describe('a slow first schema read', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  /** Scenario answers slower than Discord's 3 s window until the bot has acknowledged the command. */
  const slowUntilDeferred = async (handle: { token: string }) => {
    await h.discord.waitFor(
      () => h.discord.interaction(handle)?.callbacks.find((callback) => callback.type === 5),
      5_000,
      'the deferral',
    );
    h.scenario.faults.delayMs = 0;
  };

  it('defers the reply inside Discord’s window, then delivers in it', async () => {
    h.scenario.faults.delayMs = 3_500;
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'generate',
      options: { model: 'model_lyria-2', prompt: 'rain on a tin roof' },
    });
    await slowUntilDeferred(handle);
    const done = await deliveredFor(h, handle, 30_000);
    expect(done.attachments[0]?.filename).toMatch(/\.wav$/);
  });

  it('answers a refusal after the deferral privately, nothing spent', async () => {
    h.scenario.faults.delayMs = 3_500;
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.bob,
      name: 'generate',
      options: { model: 'model_kling-v2-6-t2v-pro', prompt: 'x', params: '{"duration":"7"}' },
    });
    await slowUntilDeferred(handle);
    const answer = await answerTo(h, handle, 15_000);
    expect(answer.visibleTo).toBe(h.discord.ids.bob);
    expect(answer.content).toContain('`duration`');
    expect(h.scenario.generateCalls().filter((call) => call.path.includes('kling'))).toHaveLength(0);
    const status = await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.bob);
    expect(status.spent + status.reserved).toBe(0);
  });
});
