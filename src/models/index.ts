import { gptImage2 } from './gpt-image-2.js';
import { knownModels } from './known-models.js';
import { parseModelOptions } from './options-schema.js';
import { pixal3d } from './pixal3d.js';
import { skyboxFlux } from './skybox-flux.js';
import { skyboxGpt } from './skybox-gpt.js';
import type { ModelSpec } from './spec.js';

/**
 * Everything the bot knows about a model lives here and in the spec files: labels, costs, run times,
 * seeds, output counts, asset parameters. Models without a spec file (run through /generate) get a
 * pass-through spec with the same kind of answers.
 */
export const modelSpecs: readonly ModelSpec[] = [skyboxGpt, skyboxFlux, gptImage2, pixal3d];

/** Scenario model ids look like `model_kling-v2-6-t2v-pro`. */
const MODEL_ID = /^model_[a-z0-9][a-z0-9._-]{1,100}$/i;

export function isModelId(value: string): boolean {
  return MODEL_ID.test(value);
}

/** Unknown models: two minutes is a common run time for video, audio and 3D models. */
const PASS_THROUGH_DURATION_MS = 120_000;
/** Credits per output when no spec says: 3D is the expensive kind. */
export const PASS_THROUGH_CREDITS = { '3d': 5, other: 1 } as const;

/** The model's spec, or a pass-through spec that sends the member's parameters as given. */
export function specFor(modelId: string): ModelSpec {
  const spec = modelSpecs.find((candidate) => candidate.id === modelId);
  if (spec) return spec;
  const known = knownModels.find((model) => model.id === modelId);
  return {
    id: modelId,
    label: known?.label ?? modelId,
    output: 'other',
    params: [],
    typicalDurationMs: PASS_THROUGH_DURATION_MS,
    creditsPerOutput: known?.kind === '3d' ? PASS_THROUGH_CREDITS['3d'] : PASS_THROUGH_CREDITS.other,
    passThrough: true,
  };
}

export function modelLabel(modelId: string): string {
  return specFor(modelId).label;
}

/** Used for the poll cadence. */
export function typicalDurationMs(modelId: string): number {
  return specFor(modelId).typicalDurationMs;
}

/** Default credits per output (moderators can price a model per server). */
export function creditsPerOutput(modelId: string): number {
  return specFor(modelId).creditsPerOutput;
}

/** How many results a request asks for (what it costs is per output). Pure. */
export function outputCount(spec: ModelSpec, body: Record<string, unknown>): number {
  if (!spec.outputsParam) return 1;
  const value = body[spec.outputsParam];
  return typeof value === 'number' && value > 0 ? value : (spec.defaultOutputs ?? 1);
}

/** Whether an asset parameter takes a list of asset ids (`referenceImages`) or one (`image`). */
export function assetTakesList(spec: ModelSpec, param: string): boolean {
  return spec.params.some((candidate) => candidate.name === param && candidate.kind === 'assetList');
}

/**
 * Option values (and asset ids per parameter) → the request body. A model with a spec is validated
 * against it, so only documented parameters are sent; a pass-through model sends what the member gave,
 * with a prompt.
 */
export function buildRequestBody(
  spec: ModelSpec,
  values: Record<string, unknown>,
  assets: Record<string, string[]>,
): { ok: true; body: Record<string, unknown> } | { ok: false; message: string } {
  if (!spec.passThrough) {
    const scalars: Record<string, string | number | boolean> = {};
    for (const [option, value] of Object.entries(values)) {
      if (value === undefined) continue;
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        return { ok: false, message: `\`${option}\` must be a string, number or boolean for ${spec.label}.` };
      scalars[option] = value;
    }
    return parseModelOptions(spec, { values: scalars, assets });
  }
  const prompt = values.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '')
    return { ok: false, message: '`prompt` must not be empty.' };
  const image = assets.image?.[0];
  return { ok: true, body: { ...values, prompt: prompt.trim(), ...(image ? { image } : {}) } };
}
