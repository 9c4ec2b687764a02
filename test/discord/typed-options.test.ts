import { describe, expect, it } from 'vitest';
import { commandLine, givenOptions, typedOptions } from '../../src/discord/typed-options.js';

describe('typed options', () => {
  it('names each parameter as the member types it, spreading an image list over its slots', () => {
    expect(
      typedOptions('model_scenario-skybox-gpt', {
        quality: 'low',
        referenceImages: ['asset_a', 'asset_b'],
        prompt: 'a pass',
        seed: 5,
      }),
    ).toEqual([
      { name: 'prompt', value: 'a pass', attachment: false },
      { name: 'quality', value: 'low', attachment: false },
      { name: 'reference_image', value: 'asset_a', attachment: true },
      { name: 'reference_image_2', value: 'asset_b', attachment: true },
      { name: 'seed', value: 5, attachment: false },
    ]);
  });

  it('leaves out of the given options the prompt, the seed and what the bot sent on its own', () => {
    const given = givenOptions('model_scenario-skybox-flux', {
      prompt: 'a beach',
      style: 'fantasy',
      numOutputs: 1,
      seed: 3,
    });
    expect(given.map((option) => option.name)).toEqual(['style']);
  });

  it('writes a command line a member can paste, quoting text with spaces or quotes', () => {
    expect(
      commandLine(
        'skybox gpt',
        'model_scenario-skybox-gpt',
        { prompt: 'say "hi"', quality: 'low', seed: 9 },
        9,
      ),
    ).toEqual({ line: '/skybox gpt prompt:"say \\"hi\\"" quality:low seed:9', attachments: [] });
  });

  it('puts a pass-through model’s parameters in params as JSON, and names its image to attach again', () => {
    const { line, attachments } = commandLine(
      'generate',
      'model_kling-v2-6-i2v-pro',
      { prompt: 'a wave', duration: '5', image: 'asset_x' },
      undefined,
    );
    expect(line).toBe(
      '/generate model:model_kling-v2-6-i2v-pro prompt:"a wave" params:"{\\"duration\\":\\"5\\"}"',
    );
    expect(attachments).toEqual(['image']);
  });
});
