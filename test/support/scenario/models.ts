/**
 * The emulator's own reading of Scenario's model reference pages (shared/seeds) and scenario-api.md,
 * written independently of src/models so that a bot sending an undocumented or out-of-range parameter
 * is caught here, as the real API would catch it.
 */
export type EmulatedParam =
  | { type: 'string'; required?: boolean; values?: readonly string[] }
  | {
      type: 'number';
      required?: boolean;
      min?: number;
      max?: number;
      integer?: boolean;
      multipleOf?: number;
      values?: readonly number[];
    }
  | { type: 'boolean' }
  | { type: 'asset'; required?: boolean }
  | { type: 'assetList'; max: number };

export interface EmulatedModel {
  output: 'panorama' | 'image' | '3d' | 'video' | 'audio';
  /** undefined = any JSON object with a string prompt (models without a seed page here). */
  params?: Record<string, EmulatedParam>;
  defaultOutputs: number;
  outputsParam?: string;
  costPerOutput: number;
}

const SEED = { type: 'number', min: 0, max: 2147483647, integer: true } as const;
const SIDE = { type: 'number', min: 16, max: 3840, integer: true, multipleOf: 16 } as const;
const QUALITY = { type: 'string', values: ['auto', 'high', 'medium', 'low'] } as const;
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

export const EMULATED_MODELS: Record<string, EmulatedModel> = {
  'model_scenario-skybox-gpt': {
    output: 'panorama',
    defaultOutputs: 1,
    costPerOutput: 10,
    params: {
      prompt: { type: 'string', required: true },
      referenceImages: { type: 'assetList', max: 10 },
      width: SIDE,
      height: SIDE,
      quality: QUALITY,
      seed: SEED,
    },
  },
  'model_scenario-skybox-flux': {
    output: 'panorama',
    defaultOutputs: 2,
    outputsParam: 'numOutputs',
    costPerOutput: 8,
    params: {
      prompt: { type: 'string', required: true },
      style: { type: 'string', values: FLUX_STYLES },
      negativePrompt: { type: 'string' },
      negativePromptStrength: { type: 'number', min: 0, max: 10 },
      image: { type: 'asset' },
      strength: { type: 'number', min: 0.01, max: 1 },
      numOutputs: { type: 'number', min: 1, max: 4, integer: true },
      numInferenceSteps: { type: 'number', min: 20, max: 50, integer: true },
      geometryEnforcement: { type: 'number', min: 0, max: 100 },
      seed: SEED,
    },
  },
  'model_openai-gpt-image-2': {
    output: 'image',
    defaultOutputs: 1,
    outputsParam: 'numOutputs',
    costPerOutput: 5,
    params: {
      prompt: { type: 'string', required: true },
      referenceImages: { type: 'assetList', max: 16 },
      mask: { type: 'asset' },
      numOutputs: { type: 'number', min: 1, max: 10, integer: true },
      width: { type: 'number', min: 16, max: 3840, integer: true },
      height: { type: 'number', min: 16, max: 3840, integer: true },
      quality: QUALITY,
      background: { type: 'string', values: ['auto', 'opaque'] },
    },
  },
  model_pixal3d: {
    output: '3d',
    defaultOutputs: 1,
    costPerOutput: 30,
    params: {
      image: { type: 'asset', required: true },
      ssGuidanceStrength: { type: 'number', min: 0, max: 10 },
      ssGuidanceRescale: { type: 'number', min: 0, max: 1 },
      ssSamplingSteps: { type: 'number', min: 1, max: 50, integer: true },
      shapeSlatGuidanceStrength: { type: 'number', min: 0, max: 10 },
      shapeSlatGuidanceRescale: { type: 'number', min: 0, max: 1 },
      shapeSlatSamplingSteps: { type: 'number', min: 1, max: 50, integer: true },
      shapeSlatRescaleT: { type: 'number', min: 1, max: 6 },
      texSlatGuidanceStrength: { type: 'number', min: 0, max: 10 },
      texSlatGuidanceRescale: { type: 'number', min: 0, max: 1 },
      texSlatSamplingSteps: { type: 'number', min: 1, max: 50, integer: true },
      texSlatRescaleT: { type: 'number', min: 1, max: 6 },
      meshScale: { type: 'number', min: 0.1, max: 4 },
      maxNumTokens: { type: 'number', min: 4096, max: 131072, integer: true },
      decimationTarget: { type: 'number', min: 5000, max: 2000000, integer: true },
      generationResolution: { type: 'number', values: [1024, 1536] },
      resolution: { type: 'number', values: [1024, 2048, 4096] },
      remesh: { type: 'boolean' },
      seed: SEED,
    },
  },
  'model_meshy-txt23d': { output: '3d', defaultOutputs: 1, costPerOutput: 20 },
  'model_kling-v2-6-t2v-pro': { output: 'video', defaultOutputs: 1, costPerOutput: 40 },
  'model_lyria-2': { output: 'audio', defaultOutputs: 1, costPerOutput: 4 },
  'model_imagen4-ultra': { output: 'image', defaultOutputs: 1, costPerOutput: 6 },
};

/** Scenario-style validation: the first problem found, in words, or undefined. */
export function validateBody(
  model: EmulatedModel,
  body: Record<string, unknown>,
  assetExists: (id: string) => boolean,
): string | undefined {
  if (!model.params) {
    if (typeof body.prompt !== 'string' || body.prompt.trim() === '') return 'prompt is required';
    return undefined;
  }
  for (const key of Object.keys(body))
    if (!(key in model.params)) return `${key} is not a parameter of this model`;
  for (const [name, param] of Object.entries(model.params)) {
    const value = body[name];
    if (value === undefined) {
      if ('required' in param && param.required) return `${name} is required`;
      continue;
    }
    switch (param.type) {
      case 'string':
        if (typeof value !== 'string') return `${name} must be a string`;
        if (param.required && value.trim() === '') return `${name} must not be empty`;
        if (param.values && !param.values.includes(value))
          return `${name} must be one of ${param.values.join(', ')}`;
        break;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} must be a number`;
        if (param.values && !param.values.includes(value))
          return `${name} must be one of ${param.values.join(', ')}`;
        if (param.integer && !Number.isInteger(value)) return `${name} must be an integer`;
        if (param.min !== undefined && value < param.min) return `${name} must be at least ${param.min}`;
        if (param.max !== undefined && value > param.max) return `${name} must be at most ${param.max}`;
        if (param.multipleOf && value % param.multipleOf !== 0)
          return `${name} must be a multiple of ${param.multipleOf}`;
        break;
      case 'boolean':
        if (typeof value !== 'boolean') return `${name} must be a boolean`;
        break;
      case 'asset':
        if (typeof value !== 'string' || !assetExists(value))
          return `${name} must be the id of an existing asset`;
        break;
      case 'assetList':
        if (!Array.isArray(value) || value.some((id) => typeof id !== 'string' || !assetExists(id)))
          return `${name} must be a list of existing asset ids`;
        if (value.length > param.max) return `${name} accepts at most ${param.max} images`;
        break;
    }
  }
  return undefined;
}
