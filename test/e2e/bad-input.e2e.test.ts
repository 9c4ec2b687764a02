import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { makePng } from '../support/media.js';

type Case = [
  label: string,
  name: string,
  subcommand: string | undefined,
  options: Record<string, string | number | boolean>,
  words: string,
];
const png = { filename: 'ref.png', contentType: 'image/png', data: makePng({ width: 32, height: 32 }) };

// Each bad input arrives as a real slash command (Discord's min/max are client-side hints only).
const cases: Case[] = [
  ['width not a multiple of 16', 'skybox', 'gpt', { prompt: 'x', width: 1000 }, 'try 1008'],
  ['width over 3840', 'skybox', 'gpt', { prompt: 'x', width: 4096 }, 'width'],
  ['height 0', 'skybox', 'gpt', { prompt: 'x', height: 0 }, 'height'],
  ['unknown quality', 'skybox', 'gpt', { prompt: 'x', quality: 'ultra' }, 'quality'],
  ['empty prompt', 'skybox', 'gpt', { prompt: '   ' }, 'prompt'],
  ['10,000-character prompt', 'skybox', 'gpt', { prompt: 'a'.repeat(10_000) }, 'prompt'],
  ['negative seed', 'skybox', 'gpt', { prompt: 'x', seed: -1 }, 'seed'],
  ['seed 2^31', 'skybox', 'gpt', { prompt: 'x', seed: 2 ** 31 }, 'seed'],
  ['strength 2', 'skybox', 'flux', { prompt: 'x', strength: 2 }, 'strength'],
  ['style foo', 'skybox', 'flux', { prompt: 'x', style: 'foo' }, 'style'],
  ['numOutputs 5', 'skybox', 'flux', { prompt: 'x', num_outputs: 5 }, 'num_outputs'],
  ['numOutputs 0', 'skybox', 'flux', { prompt: 'x', num_outputs: 0 }, 'num_outputs'],
  ['steps 10', 'skybox', 'flux', { prompt: 'x', num_inference_steps: 10 }, 'num_inference_steps'],
  [
    'negative prompt strength 11',
    'skybox',
    'flux',
    { prompt: 'x', negative_prompt_strength: 11 },
    'negative_prompt_strength',
  ],
  ['geometry 101', 'skybox', 'flux', { prompt: 'x', geometry_enforcement: 101 }, 'geometry_enforcement'],
  ['image numOutputs 11', 'image', undefined, { prompt: 'x', num_outputs: 11 }, 'num_outputs'],
  [
    'image background transparent',
    'image',
    undefined,
    { prompt: 'x', background: 'transparent' },
    'background',
  ],
  ['image width 10', 'image', undefined, { prompt: 'x', width: 10 }, 'width'],
  ['to3d without image', 'to3d', undefined, {}, 'image'],
  ['meshScale 5', 'to3d', undefined, { mesh_scale: 5 }, 'mesh_scale'],
  ['texture resolution 3000', 'to3d', undefined, { resolution: 3000 }, 'resolution'],
  ['generation resolution 2048', 'to3d', undefined, { generation_resolution: 2048 }, 'generation_resolution'],
  ['maxNumTokens 100', 'to3d', undefined, { max_num_tokens: 100 }, 'max_num_tokens'],
  ['decimation 3,000,000', 'to3d', undefined, { decimation_target: 3_000_000 }, 'decimation_target'],
  ['shape rescale 7', 'to3d', undefined, { shape_slat_rescale_t: 7 }, 'shape_slat_rescale_t'],
  ['ss steps 0', 'to3d', undefined, { ss_sampling_steps: 0 }, 'ss_sampling_steps'],
  [
    'invalid JSON params',
    'generate',
    undefined,
    { model: 'model_lyria-2', prompt: 'x', params: '{"a":' },
    'not valid JSON',
  ],
  [
    'params as a list',
    'generate',
    undefined,
    { model: 'model_lyria-2', prompt: 'x', params: '[1]' },
    'JSON object',
  ],
  [
    'params as a number',
    'generate',
    undefined,
    { model: 'model_lyria-2', prompt: 'x', params: '42' },
    'JSON object',
  ],
  [
    'params over 4000 characters',
    'generate',
    undefined,
    { model: 'model_lyria-2', prompt: 'x', params: JSON.stringify({ negativePrompt: 'n'.repeat(4_100) }) },
    'keep it under 4000',
  ],
  [
    'params overriding prompt',
    'generate',
    undefined,
    { model: 'model_lyria-2', prompt: 'x', params: '{"prompt":"y"}' },
    'prompt',
  ],
  ['malformed model id', 'generate', undefined, { model: 'kling', prompt: 'x' }, 'model'],
  ['empty /generate prompt', 'generate', undefined, { model: 'model_lyria-2', prompt: ' ' }, 'prompt'],
  [
    'seed model through /generate with a bad value',
    'generate',
    undefined,
    { model: 'model_scenario-skybox-gpt', prompt: 'x', params: '{"width":1000}' },
    'width',
  ],
  [
    'seed model through /generate with an undocumented parameter',
    'generate',
    undefined,
    { model: 'model_scenario-skybox-gpt', prompt: 'x', params: '{"foo":1}' },
    'foo',
  ],
];

describe('bad input through Discord', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it.each(cases)(
    '%s: an ephemeral message naming what to change, nothing spent',
    async (_label, name, subcommand, options, words) => {
      const handle = h.discord.invokeSlashCommand({
        user: h.discord.ids.alice,
        name,
        subcommand,
        options,
        attachments:
          name === 'to3d' && !('image' in options) && _label !== 'to3d without image'
            ? { image: png }
            : undefined,
      });
      const answer = await h.discord.waitFor(
        () =>
          [...h.discord.messages.values()].find(
            (message) => message.interactionId === handle.id && message.content.length > 0,
          ),
        5_000,
        'an answer',
      );
      expect(answer.visibleTo).toBe(h.discord.ids.alice);
      expect(answer.content).toContain(words);
      expect(h.scenario.generateCalls()).toHaveLength(0);
    },
  );

  it('spent no credit and left no job behind', async () => {
    const status = await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.alice);
    expect(status).toMatchObject({ spent: 0, reserved: 0 });
    expect(h.bot.tracker.pendingCount()).toBe(0);
  });
});
