/**
 * The emulator's own reading of Scenario's model reference pages (shared/seeds) and scenario-api.md,
 * written independently of src/models so that a bot sending an undocumented or out-of-range parameter
 * is caught here, as the real API would catch it. Each model is described as `GET /models/{id}` answers
 * (its live input schema), and generate bodies are validated strictly from that same description.
 */
export interface EmulatedInput {
  name: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'file' | 'file_array';
  required?: boolean;
  default?: string | number | boolean;
  min?: number;
  max?: number;
  step?: number;
  allowedValues?: readonly (string | number)[];
  maxItems?: number;
  description?: string;
}

export interface EmulatedModel {
  name: string;
  /** The output family, as `GET /models` names it. */
  type: 'skybox' | 'image' | '3d' | 'video' | 'audio';
  inputs: EmulatedInput[];
  defaultOutputs: number;
  outputsParam?: string;
  costPerOutput: number;
}

const SEED = { name: 'seed', type: 'integer', min: 0, max: 2147483647 } as const;
const side = (name: string) => ({ name, type: 'integer', min: 16, max: 3840, step: 16 }) as const;
const QUALITY = ['auto', 'high', 'medium', 'low'] as const;
export const FLUX_STYLES = [
  'standard',
  'cinematic',
  'claymation',
  'cloud-skydome',
  'cyberpunk',
  'fantasy',
  'neon-tron',
  'photo',
  'psychedelic',
  'retro-fantasy',
  'scifi-concept-art',
  'space',
  'whimsical',
  '3d-cartoon',
  'cartoon',
  'comic',
  'manga',
  'ink',
  'pastel',
  'oil-painting',
  'enchanted',
  'manga-color',
] as const;

const num = (name: string, min: number, max: number, type: 'number' | 'integer' = 'number') =>
  ({ name, type, min, max }) as const;

/** A fresh copy per emulator, so a test narrowing a live schema affects its own emulator only. */
export function emulatedModels(): Record<string, EmulatedModel> {
  return {
    'model_scenario-skybox-gpt': {
      name: 'Skybox GPT',
      type: 'skybox',
      defaultOutputs: 1,
      costPerOutput: 10,
      inputs: [
        { name: 'prompt', type: 'string', required: true },
        { name: 'referenceImages', type: 'file_array', maxItems: 10 },
        side('width'),
        side('height'),
        { name: 'quality', type: 'string', allowedValues: QUALITY },
        SEED,
      ],
    },
    'model_scenario-skybox-flux': {
      name: 'Skybox Flux.1',
      type: 'skybox',
      defaultOutputs: 2,
      outputsParam: 'numOutputs',
      costPerOutput: 8,
      inputs: [
        { name: 'prompt', type: 'string', required: true },
        { name: 'style', type: 'string', allowedValues: FLUX_STYLES },
        { name: 'negativePrompt', type: 'string' },
        num('negativePromptStrength', 0, 10),
        { name: 'image', type: 'file' },
        num('strength', 0.01, 1),
        num('numOutputs', 1, 4, 'integer'),
        num('numInferenceSteps', 20, 50, 'integer'),
        num('geometryEnforcement', 0, 100),
        SEED,
      ],
    },
    'model_openai-gpt-image-2': {
      name: 'GPT Image 2',
      type: 'image',
      defaultOutputs: 1,
      outputsParam: 'numOutputs',
      costPerOutput: 5,
      inputs: [
        { name: 'prompt', type: 'string', required: true },
        { name: 'referenceImages', type: 'file_array', maxItems: 16 },
        { name: 'mask', type: 'file' },
        num('numOutputs', 1, 10, 'integer'),
        num('width', 16, 3840, 'integer'),
        num('height', 16, 3840, 'integer'),
        { name: 'quality', type: 'string', allowedValues: QUALITY },
        { name: 'background', type: 'string', allowedValues: ['auto', 'opaque'] },
      ],
    },
    model_pixal3d: {
      name: 'Pixal3D',
      type: '3d',
      defaultOutputs: 1,
      costPerOutput: 30,
      inputs: [
        { name: 'image', type: 'file', required: true },
        num('ssGuidanceStrength', 0, 10),
        num('ssGuidanceRescale', 0, 1),
        num('ssSamplingSteps', 1, 50, 'integer'),
        num('shapeSlatGuidanceStrength', 0, 10),
        num('shapeSlatGuidanceRescale', 0, 1),
        num('shapeSlatSamplingSteps', 1, 50, 'integer'),
        num('shapeSlatRescaleT', 1, 6),
        num('texSlatGuidanceStrength', 0, 10),
        num('texSlatGuidanceRescale', 0, 1),
        num('texSlatSamplingSteps', 1, 50, 'integer'),
        num('texSlatRescaleT', 1, 6),
        num('meshScale', 0.1, 4),
        num('maxNumTokens', 4096, 131072, 'integer'),
        num('decimationTarget', 5000, 2000000, 'integer'),
        { name: 'generationResolution', type: 'integer', allowedValues: [1024, 1536] },
        { name: 'resolution', type: 'integer', allowedValues: [1024, 2048, 4096] },
        { name: 'remesh', type: 'boolean' },
        SEED,
      ],
    },
    'model_meshy-txt23d': {
      name: 'Meshy Text to 3D',
      type: '3d',
      defaultOutputs: 1,
      costPerOutput: 20,
      inputs: [
        { name: 'prompt', type: 'string', required: true },
        { name: 'artStyle', type: 'string', allowedValues: ['realistic', 'sculpture'], default: 'realistic' },
        num('targetPolycount', 100, 300000, 'integer'),
        SEED,
      ],
    },
    'model_kling-v2-6-t2v-pro': {
      name: 'Kling v2.6 T2V Pro',
      type: 'video',
      defaultOutputs: 1,
      costPerOutput: 40,
      inputs: [
        { name: 'prompt', type: 'string', required: true },
        { name: 'duration', type: 'string', allowedValues: ['5', '10'], default: '5' },
        { name: 'aspectRatio', type: 'string', allowedValues: ['16:9', '9:16', '1:1'], default: '16:9' },
        { name: 'negativePrompt', type: 'string' },
        { name: 'image', type: 'file', description: 'First frame' },
      ],
    },
    'model_lyria-2': {
      name: 'Google Lyria 2',
      type: 'audio',
      defaultOutputs: 1,
      costPerOutput: 4,
      inputs: [
        { name: 'prompt', type: 'string', required: true },
        { name: 'negativePrompt', type: 'string' },
        SEED,
      ],
    },
    'model_imagen4-ultra': {
      name: 'Imagen 4 Ultra',
      type: 'image',
      defaultOutputs: 1,
      outputsParam: 'numOutputs',
      costPerOutput: 6,
      inputs: [
        { name: 'prompt', type: 'string', required: true },
        num('numOutputs', 1, 4, 'integer'),
        { name: 'aspectRatio', type: 'string', allowedValues: ['1:1', '16:9', '9:16', '4:3', '3:4'] },
        { name: 'negativePrompt', type: 'string' },
        SEED,
      ],
    },
  };
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Scenario-style validation from the live schema: the first problem found, in words, or undefined. */
export function validateBody(
  model: EmulatedModel,
  body: Record<string, unknown>,
  assetExists: (id: string) => boolean,
): string | undefined {
  const byName = new Map(model.inputs.map((input) => [input.name, input]));
  for (const key of Object.keys(body)) if (!byName.has(key)) return `${key} is not a parameter of this model`;
  for (const input of model.inputs) {
    const { name } = input;
    const value = body[name];
    if (value === undefined) {
      if (input.required) return `${name} is required`;
      continue;
    }
    switch (input.type) {
      case 'string':
        if (typeof value !== 'string') return `${name} must be a string`;
        if (input.required && value.trim() === '') return `${name} must not be empty`;
        break;
      case 'number':
      case 'integer':
        if (!isNumber(value)) return `${name} must be a number`;
        if (input.type === 'integer' && !Number.isInteger(value)) return `${name} must be an integer`;
        if (input.min !== undefined && value < input.min) return `${name} must be at least ${input.min}`;
        if (input.max !== undefined && value > input.max) return `${name} must be at most ${input.max}`;
        if (input.step && value % input.step !== 0) return `${name} must be a multiple of ${input.step}`;
        break;
      case 'boolean':
        if (typeof value !== 'boolean') return `${name} must be a boolean`;
        break;
      case 'file':
        if (typeof value !== 'string' || !assetExists(value))
          return `${name} must be the id of an existing asset`;
        break;
      case 'file_array':
        if (!Array.isArray(value) || value.some((id) => typeof id !== 'string' || !assetExists(id)))
          return `${name} must be a list of existing asset ids`;
        if (input.maxItems !== undefined && value.length > input.maxItems)
          return `${name} accepts at most ${input.maxItems} files`;
        break;
    }
    if (input.allowedValues && !input.allowedValues.includes(value as string | number))
      return `${name} must be one of ${input.allowedValues.join(', ')}`;
  }
  return undefined;
}
