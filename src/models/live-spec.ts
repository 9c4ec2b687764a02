import type { ModelInput, ModelSchema } from '../services/scenario/model-schemas.js';
import { checkValue, type ParamProblem } from './live-schema.js';
import { type ModelSpec, type ParamSpec, SEED_RANGE } from './spec.js';

/**
 * A seed spec (src/models) against its model's live schema, and a spec for a model the bot has no file
 * for, derived from its live schema. Pure.
 */

/** Default credits per output by output family (moderators can price a model per server). */
export const FAMILY_CREDITS: Readonly<Record<string, number>> = {
  image: 1,
  skybox: 1,
  '3d': 5,
  video: 5,
  audio: 2,
};
const DEFAULT_CREDITS = 1;

/** Usual run time by family, for the poll cadence (ours, from experience). */
const FAMILY_DURATION_MS: Readonly<Record<string, number>> = {
  image: 40_000,
  skybox: 60_000,
  '3d': 120_000,
  video: 180_000,
  audio: 90_000,
};
const DEFAULT_DURATION_MS = 120_000;

export function creditsForFamily(family: string | undefined): number {
  return (family && FAMILY_CREDITS[family]) || DEFAULT_CREDITS;
}

const OUTPUT_OF_FAMILY: Readonly<Record<string, ModelSpec['output']>> = {
  skybox: 'panorama',
  image: 'image',
  '3d': '3d',
};

/**
 * A model without a spec file, as far as the pipeline needs to know it: its label, family, cost and run
 * time, its seed range when it takes a `seed`, its output count parameter when it has `numOutputs`, and
 * its file inputs (whether one takes a list). Its parameters pass as validated against the live schema.
 */
export function specFromSchema(schema: ModelSchema): ModelSpec {
  const seed = schema.inputs.find((input) => input.name === 'seed' && input.type === 'integer');
  const outputs = schema.inputs.find((input) => input.name === 'numOutputs');
  const params: ParamSpec[] = schema.inputs.flatMap((input): ParamSpec[] => {
    const base = { name: input.name, description: input.description ?? input.name };
    if (input.type === 'file') return [{ ...base, kind: 'asset' }];
    if (input.type === 'file_array')
      return [{ ...base, kind: 'assetList', max: input.maxItems ?? 10, optionName: input.name }];
    return [];
  });
  const family = schema.type;
  return {
    id: schema.id,
    label: schema.name ?? schema.id,
    output: (family && OUTPUT_OF_FAMILY[family]) || 'other',
    params,
    ...(seed ? { seed: { min: seed.min ?? SEED_RANGE.min, max: seed.max ?? SEED_RANGE.max } } : {}),
    ...(outputs
      ? {
          outputsParam: 'numOutputs',
          defaultOutputs: typeof outputs.default === 'number' ? outputs.default : 1,
        }
      : {}),
    typicalDurationMs: (family && FAMILY_DURATION_MS[family]) || DEFAULT_DURATION_MS,
    creditsPerOutput: creditsForFamily(family),
    passThrough: true,
  };
}

/** One way a seed spec and the live schema disagree. `narrower`: the live rule refuses what ours accepts. */
export interface SpecDifference {
  param: string;
  ours: string;
  live: string;
  narrower: boolean;
}

function describeOurs(param: ParamSpec | undefined): string {
  if (!param) return 'not a parameter';
  switch (param.kind) {
    case 'number':
      return `${param.integer ? 'integer' : 'number'} ${param.min}–${param.max}${param.multipleOf ? ` step ${param.multipleOf}` : ''}`;
    case 'enum':
    case 'numberEnum':
      return `one of ${param.values.join(', ')}`;
    case 'assetList':
      return `up to ${param.max} files`;
    case 'asset':
      return 'a file';
    default:
      return param.kind;
  }
}

function describeLive(input: ModelInput | undefined): string {
  if (!input) return 'not an input';
  const parts: string[] = [input.type];
  if (input.required) parts.push('required');
  if (input.min !== undefined || input.max !== undefined)
    parts.push(`${input.min ?? '…'}–${input.max ?? '…'}`);
  if (input.step !== undefined) parts.push(`step ${input.step}`);
  if (input.allowedValues) parts.push(`one of ${input.allowedValues.join(', ')}`);
  if (input.maxItems !== undefined) parts.push(`up to ${input.maxItems} files`);
  return parts.join(' ');
}

function isNarrower(param: ParamSpec | undefined, input: ModelInput | undefined): boolean {
  if (!input) return true; // we may send what Scenario no longer takes
  if (input.required && !param?.required) return true;
  if (!param) return Boolean(input.required);
  switch (param.kind) {
    case 'number':
      return (input.min ?? -Infinity) > param.min || (input.max ?? Infinity) < param.max;
    case 'enum':
    case 'numberEnum':
      return (
        input.allowedValues !== undefined &&
        param.values.some((value: string | number) => !input.allowedValues?.includes(value))
      );
    case 'assetList':
      return input.maxItems !== undefined && input.maxItems < param.max;
    default:
      return false;
  }
}

/** Every difference between a seed spec and its model's live schema, in the spec's order, the seed included. */
export function specDifferences(spec: ModelSpec, schema: ModelSchema): SpecDifference[] {
  const ours: ParamSpec[] = [...spec.params];
  if (spec.seed)
    ours.push({ kind: 'number', name: 'seed', description: 'seed', integer: true, ...spec.seed });
  const live = new Map(schema.inputs.map((input) => [input.name, input]));
  const names = [...new Set([...ours.map((param) => param.name), ...live.keys()])];
  const differences: SpecDifference[] = [];
  for (const name of names) {
    const param = ours.find((candidate) => candidate.name === name);
    const input = live.get(name);
    const described = { ours: describeOurs(param), live: describeLive(input) };
    const same = param && input && !isNarrower(param, input) && !isWider(param, input);
    if (!same) differences.push({ param: name, ...described, narrower: isNarrower(param, input) });
  }
  return differences;
}

function isWider(param: ParamSpec, input: ModelInput): boolean {
  switch (param.kind) {
    case 'number':
      return (input.min ?? -Infinity) < param.min || (input.max ?? Infinity) > param.max;
    case 'enum':
    case 'numberEnum':
      return (input.allowedValues ?? []).some(
        (value) => !(param.values as readonly unknown[]).includes(value),
      );
    case 'assetList':
      return input.maxItems !== undefined && input.maxItems > param.max;
    default:
      return false;
  }
}

/**
 * The live rule a request breaks, when the live schema is narrower than our spec (a lower `max`, a
 * removed allowed value, a new required input, a removed input): enforced before anything is spent.
 * `files` counts the attachments per file parameter. Where the live schema is wider, our spec stands.
 */
export function liveProblem(
  schema: ModelSchema,
  body: Record<string, unknown>,
  files: Readonly<Record<string, number>>,
): ParamProblem | undefined {
  const live = new Map(schema.inputs.map((input) => [input.name, input]));
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const input = live.get(name);
    if (!input) return { kind: 'unknown', name, inputs: [...live.keys()] };
    if (input.type === 'file' || input.type === 'file_array') continue;
    const checked = checkValue(input, value);
    if (!checked.ok) return checked.problem;
  }
  for (const input of schema.inputs) {
    const count = files[input.name] ?? 0;
    // The seed is drawn after this check when the member gave none.
    if (input.required && input.name !== 'seed' && !(input.name in body) && count === 0)
      return {
        kind: 'required',
        name: input.name,
        file: input.type === 'file' || input.type === 'file_array',
      };
    if (input.maxItems !== undefined && count > input.maxItems)
      return { kind: 'too_many', name: input.name, maxItems: input.maxItems, given: count };
  }
  return undefined;
}
