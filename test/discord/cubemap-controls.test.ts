import { describe, expect, it } from 'vitest';
import {
  cubemapButtonId,
  cubemapRows,
  makesPanoramas,
  parseCubemapButtonId,
  planCubemapUploads,
} from '../../src/discord/cubemap-controls.js';

describe('the Cubemap row', () => {
  it.each([
    ['model_scenario-skybox-gpt', true],
    ['model_scenario-skybox-flux', true],
    ['model_pixal3d', false],
    ['model_openai-gpt-image-2', false],
    // A pass-through model the bot has no family for: no button until Scenario's schema says "skybox".
    ['model_some-new-skybox-model', false],
  ])('%s makes panoramas: %s', (modelId, expected) => {
    expect(makesPanoramas({ modelId })).toBe(expected);
    expect(cubemapRows({ id: 'local_1', modelId })).toHaveLength(expected ? 1 : 0);
  });

  it('follows what the record says the model makes (its live family), for models the bot has no spec for', () => {
    const modelId = 'model_some-new-skybox-model';
    expect(cubemapRows({ id: 'local_1', modelId, output: 'panorama' })).toHaveLength(1);
    expect(
      cubemapRows({ id: 'local_1', modelId: 'model_scenario-skybox-gpt', output: 'image' }),
    ).toHaveLength(0);
  });

  it('puts only the generation id in the custom id, and reads back only its own ids', () => {
    const id = 'local_5d1c7c9e-3b9a-4f7e-9a51-0c2f3c1b2a10';
    expect(cubemapButtonId(id)).toBe(`cubemap:${id}`);
    expect(parseCubemapButtonId(cubemapButtonId(id))).toBe(id);
    expect(parseCubemapButtonId('result:reroll')).toBeUndefined();
    expect(parseCubemapButtonId('cubemap:../../etc/passwd')).toBeUndefined();
    expect(parseCubemapButtonId('cubemap:')).toBeUndefined();
  });
});

describe('planCubemapUploads', () => {
  const file = (output: number, part: 'whole' | 'faces' | 'cross', size: number) => ({
    output,
    part,
    size,
    name: `o${output}-${part}`,
    path: `/cache/o${output}-${part}`,
  });
  const names = (plan: ReturnType<typeof planCubemapUploads>) => ({
    messages: plan.messages.map((message) => message.map((entry) => entry.name)),
    tooLarge: plan.tooLarge.map((entry) => entry.name),
    split: plan.split,
  });

  it('posts each whole zip that fits, several in one message while their total fits', () => {
    const files = [1, 2, 3].flatMap((output) => [
      file(output, 'whole', 4),
      file(output, 'faces', 2),
      file(output, 'cross', 2),
    ]);
    expect(names(planCubemapUploads(files, 10))).toEqual({
      messages: [['o1-whole', 'o2-whole'], ['o3-whole']],
      tooLarge: [],
      split: false,
    });
  });

  it('posts the faces and the cross apart when the whole zip is over the limit, and names what still is', () => {
    const files = [
      file(1, 'whole', 12),
      file(1, 'faces', 6),
      file(1, 'cross', 6),
      file(2, 'whole', 30),
      file(2, 'faces', 15),
      file(2, 'cross', 9),
    ];
    expect(names(planCubemapUploads(files, 10))).toEqual({
      messages: [['o1-faces'], ['o1-cross'], ['o2-cross']],
      tooLarge: ['o2-faces'],
      split: true,
    });
  });
});
