import { gptImage2 } from './gpt-image-2.js';
import { knownModels } from './known-models.js';
import { pixal3d } from './pixal3d.js';
import { skyboxFlux } from './skybox-flux.js';
import { skyboxGpt } from './skybox-gpt.js';
import type { ModelSpec } from './spec.js';

export const modelSpecs: readonly ModelSpec[] = [skyboxGpt, skyboxFlux, gptImage2, pixal3d];

export function modelLabel(modelId: string): string {
  return (
    modelSpecs.find((spec) => spec.id === modelId)?.label ??
    knownModels.find((model) => model.id === modelId)?.label ??
    modelId
  );
}

/** Used for the poll cadence; unknown models get two minutes. */
export function typicalDurationMs(modelId: string): number {
  return modelSpecs.find((spec) => spec.id === modelId)?.typicalDurationMs ?? 120_000;
}

export function creditsPerOutput(modelId: string): number {
  const spec = modelSpecs.find((candidate) => candidate.id === modelId);
  if (spec) return spec.creditsPerOutput;
  return knownModels.find((model) => model.id === modelId)?.kind === '3d' ? 5 : 1;
}
