import type { ModelSpec } from './spec.js';

/**
 * shared/seeds/002 (GPT Image 2) + scenario-api.md. No seed is documented, so none is sent. The number of
 * references is not documented: we allow 10 (ours). Width/height 16–3840 per scenario-api.md.
 */
export const gptImage2 = {
  id: 'model_openai-gpt-image-2',
  label: 'GPT Image 2',
  output: 'image',
  params: [
    {
      kind: 'string',
      name: 'prompt',
      description: 'What to generate, or how to edit the reference images',
      required: true,
      maxLength: 4000,
    },
    {
      kind: 'number',
      name: 'numOutputs',
      description: 'How many images, 1–10 (default 1)',
      min: 1,
      max: 10,
      integer: true,
    },
    {
      kind: 'number',
      name: 'width',
      description: 'Output width in pixels, 16–3840',
      min: 16,
      max: 3840,
      integer: true,
    },
    {
      kind: 'number',
      name: 'height',
      description: 'Output height in pixels, 16–3840',
      min: 16,
      max: 3840,
      integer: true,
    },
    {
      kind: 'enum',
      name: 'quality',
      description: 'Generation quality (default auto)',
      values: ['auto', 'high', 'medium', 'low'],
    },
    {
      kind: 'enum',
      name: 'background',
      description: 'Background (default auto)',
      values: ['auto', 'opaque'],
    },
    {
      kind: 'asset',
      name: 'mask',
      description: 'Inpainting mask: a PNG with alpha, same size as the first reference',
    },
    {
      kind: 'assetList',
      name: 'referenceImages',
      optionName: 'reference_image',
      description: 'An image to edit or take as reference',
      max: 10,
    },
  ],
  outputsParam: 'numOutputs',
  defaultOutputs: 1,
  typicalDurationMs: 40_000,
  creditsPerOutput: 1,
} as const satisfies ModelSpec;
