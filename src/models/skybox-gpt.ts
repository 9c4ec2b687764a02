import { type ModelSpec, SEED_RANGE } from './spec.js';

/** shared/seeds/000 (Skybox GPT) + scenario-api.md: width/height 16–3840, multiples of 16; up to 10 references. */
export const skyboxGpt = {
  id: 'model_scenario-skybox-gpt',
  label: 'Skybox GPT',
  output: 'panorama',
  params: [
    {
      kind: 'string',
      name: 'prompt',
      description: 'The scene all around you: a mountain pass at dusk, a cathedral interior…',
      required: true,
      maxLength: 4000,
    },
    {
      kind: 'number',
      name: 'width',
      description: 'Width in pixels, a multiple of 16 (default 2048; 2:1 with height is best)',
      min: 16,
      max: 3840,
      integer: true,
      multipleOf: 16,
    },
    {
      kind: 'number',
      name: 'height',
      description: 'Height in pixels, a multiple of 16 (default 1024)',
      min: 16,
      max: 3840,
      integer: true,
      multipleOf: 16,
    },
    {
      kind: 'enum',
      name: 'quality',
      description: 'High is best; medium and low are faster and cheaper (default high)',
      values: ['auto', 'high', 'medium', 'low'],
    },
    {
      kind: 'assetList',
      name: 'referenceImages',
      optionName: 'reference_image',
      description: 'An image to guide style, mood or content',
      max: 10,
    },
  ],
  seed: SEED_RANGE,
  typicalDurationMs: 60_000,
  creditsPerOutput: 1,
} as const satisfies ModelSpec;
