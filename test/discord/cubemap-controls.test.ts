import { describe, expect, it } from 'vitest';
import {
  cubemapButtonId,
  cubemapRows,
  makesPanoramas,
  parseCubemapButtonId,
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
    expect(makesPanoramas(modelId)).toBe(expected);
    expect(cubemapRows({ id: 'local_1', modelId })).toHaveLength(expected ? 1 : 0);
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
