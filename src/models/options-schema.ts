import { z } from 'zod';
import { type ModelSpec, type OptionName, type ParamSpec, seedParam, toSnakeCase } from './spec.js';

/**
 * Validation of a model command's options: a zod schema built from the spec, and our words for what it
 * refuses. Discord's min/max are hints to its own clients, so every value is checked here.
 */

export type ParsedOptions =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; option: string; message: string };

export interface OptionInput {
  /** Discord option values by option name (snake_case). */
  values: Record<string, string | number | boolean | undefined>;
  /** Uploaded asset ids per Scenario asset parameter, in option order. */
  assets: Record<string, string[]>;
}

/** Each parameter with the option it is read from (an image list: its first slot), in spec order, the seed last. */
function optionsOf(spec: ModelSpec): { param: ParamSpec; option: string }[] {
  return [...spec.params, ...seedParam(spec)].map((param) => ({
    param,
    option: param.kind === 'assetList' ? param.optionName : toSnakeCase(param.name),
  }));
}

/**
 * What can be wrong with one option. Every check of the options schema gives one of these as its zod
 * `error`, so an issue's message is this code rather than zod's words; `explain` turns it into ours, with
 * the spec's numbers and the value given.
 */
const PROBLEMS = [
  'required',
  'text',
  'empty',
  'tooLong',
  'number',
  'whole',
  'multiple',
  'range',
  'choice',
  'boolean',
  'attach',
  'oneImage',
  'tooMany',
  'unknown',
] as const;
type Problem = (typeof PROBLEMS)[number];

function isProblem(code: string): code is Problem {
  return (PROBLEMS as readonly string[]).includes(code);
}

/** A type check's error: `problem`, or `required` when the option was not given at all. */
const unlessMissing =
  (problem: Problem) =>
  (issue: { input?: unknown }): Problem =>
    issue.input === undefined ? 'required' : problem;

/** A value check's params: its problem, and no further checks of that option once it fails (one problem each). */
const fails = (problem: Problem) => ({ error: problem, abort: true });

/** Uploaded asset ids, as `optionValues` hands them over: at least one when the image is required. */
function assetIds(required: boolean | undefined) {
  const ids = z.array(z.string({ error: 'attach' }), { error: unlessMissing('attach') });
  return required ? ids.min(1, fails('required')) : ids;
}

/** One option's value schema; `paramSchema` lets it be left out unless the parameter is required. */
function valueSchema(param: ParamSpec): z.ZodType {
  switch (param.kind) {
    case 'string': {
      let text = z.string({ error: unlessMissing('text') }).trim();
      if (param.required) text = text.min(1, fails('empty'));
      // In UTF-16 units, as the rest of the bot measures text (zod's max() would count code points).
      text = text.refine((value) => value.length <= param.maxLength, fails('tooLong'));
      // Optional text left blank is left out, so that Scenario's default applies.
      return param.required ? text : text.transform((value) => value || undefined);
    }
    case 'number': {
      // A size on a grid (multiples of 16) out of range is answered like one off the grid: with the nearest size.
      const outside: Problem = param.multipleOf ? 'multiple' : 'range';
      let number = z.number({ error: unlessMissing('number') });
      if (param.integer)
        number = number.int({
          // zod's integer check also refuses integers beyond 2^53: those are out of range.
          error: (issue) => (issue.code === 'invalid_type' ? 'whole' : outside),
          abort: true,
        });
      number = number.min(param.min, fails(outside)).max(param.max, fails(outside));
      return param.multipleOf ? number.multipleOf(param.multipleOf, fails('multiple')) : number;
    }
    case 'enum':
      return z.enum(param.values, { error: unlessMissing('choice') });
    case 'numberEnum':
      return z.literal(param.values, { error: unlessMissing('choice') });
    case 'boolean':
      return z.boolean({ error: unlessMissing('boolean') });
    case 'asset':
      return assetIds(param.required)
        .max(1, fails('oneImage'))
        .transform((ids) => ids[0]);
    case 'assetList':
      return assetIds(param.required).max(param.max, fails('tooMany'));
  }
}

function paramSchema(param: ParamSpec): z.ZodType {
  const schema = valueSchema(param);
  return param.required ? schema : schema.optional();
}

/** The options schema of a spec: its keys are the spec's option names, literal for a literal spec. */
export type OptionsSchema<S extends ModelSpec> = z.ZodObject<
  { [Option in OptionName<S>]: z.ZodType },
  z.core.$strict
>;

const schemas = new WeakMap<ModelSpec, OptionsSchema<ModelSpec>>();

/**
 * A model command's options as a zod schema, built once per spec: an object keyed by Discord option name
 * (an image list under its first slot's name, holding all the uploaded ids), that refuses any other key.
 * It outputs each option's value ready for Scenario: text trimmed (optional blank text dropped), numbers
 * and choices as given, an image's id, an image list's ids.
 */
export function optionsSchema<S extends ModelSpec>(spec: S): OptionsSchema<S> {
  let schema = schemas.get(spec);
  if (!schema) {
    const shape = Object.fromEntries(
      optionsOf(spec).map(({ param, option }) => [option, paramSchema(param)]),
    );
    schema = z.strictObject(shape, {
      error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown' : undefined),
    });
    schemas.set(spec, schema);
  }
  return schema as OptionsSchema<S>;
}

/** The schema's input: the options given (unset ones dropped), and each asset parameter's ids under its option. */
function optionValues(spec: ModelSpec, input: OptionInput): Record<string, unknown> {
  const entries: [string, unknown][] = Object.entries(input.values).filter(
    ([, value]) => value !== undefined && value !== null,
  );
  for (const { param, option } of optionsOf(spec)) {
    const ids = param.kind === 'asset' || param.kind === 'assetList' ? (input.assets[param.name] ?? []) : [];
    if (ids.length > 0) entries.push([option, ids]);
  }
  return Object.fromEntries(entries);
}

/** Suggests the nearest valid multiple, for messages like "try 1008". */
function nearestMultiple(value: number, multiple: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(value / multiple) * multiple));
}

/** Our words for a problem with an option: what is wrong and what to give instead. */
function explain(param: ParamSpec, option: string, problem: Problem, value: unknown): string {
  const name = `\`${option}\``;
  const isAsset = param.kind === 'asset' || param.kind === 'assetList';
  if (problem === 'required')
    return isAsset ? `${name} is required: attach an image.` : `${name} is required.`;
  switch (param.kind) {
    case 'string':
      if (problem === 'empty') return `${name} must not be empty.`;
      if (problem === 'tooLong')
        return `${name} is ${String(value).trim().length} characters; keep it under ${param.maxLength}.`;
      return `${name} must be text.`;
    case 'number': {
      const range = `between ${param.min} and ${param.max}`;
      if (problem === 'whole') return `${name} must be a whole number ${range} (you gave ${value}).`;
      if (problem === 'multiple' && param.multipleOf && typeof value === 'number')
        return `${name} must be a multiple of ${param.multipleOf} ${range} (you gave ${value}; try ${nearestMultiple(value, param.multipleOf, param.min, param.max)}).`;
      if (problem === 'range' || problem === 'multiple')
        return `${name} must be ${range} (you gave ${value}).`;
      return `${name} must be a number.`;
    }
    case 'enum':
    case 'numberEnum':
      return `${name} must be one of: ${param.values.join(', ')}.`;
    case 'boolean':
      return `${name} must be true or false.`;
    case 'asset':
      if (problem === 'oneImage') return `${name} takes one image.`;
      return `${name} takes an image: attach one rather than giving a value.`;
    case 'assetList':
      if (problem === 'tooMany')
        return `At most ${param.max} ${name} images are accepted (you gave ${Array.isArray(value) ? value.length : value}).`;
      return `${name} takes images: attach them rather than giving a value.`;
  }
}

/** The first problem in option order (an unknown option after every known one), in our words. */
function refusal(
  spec: ModelSpec,
  given: Record<string, unknown>,
  issues: readonly z.core.$ZodIssue[],
): { ok: false; option: string; message: string } {
  const options = optionsOf(spec);
  let first: { rank: number; option: string; code: string } | undefined;
  for (const issue of issues) {
    const option = issue.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : String(issue.path[0] ?? '');
    const index = options.findIndex((entry) => entry.option === option);
    const rank = index === -1 ? options.length : index;
    if (!first || rank < first.rank) first = { rank, option, code: issue.message };
  }
  const option = first?.option ?? '';
  const param = first && options[first.rank]?.param;
  if (!first || !param || first.code === 'unknown')
    return { ok: false, option, message: `\`${option}\` is not a parameter of ${spec.label}.` };
  // Every check carries a Problem; anything else would be a check added without one.
  const message = isProblem(first.code)
    ? explain(param, option, first.code, given[option])
    : `\`${option}\` has a value ${spec.label} does not accept.`;
  return { ok: false, option, message };
}

/**
 * Options → the exact request body: Scenario's camelCase names, unset options left out (Scenario's
 * defaults apply) except the ones the spec sends on purpose. Rejects what Scenario would reject (by the
 * spec's `optionsSchema`), with a message naming the first option at fault and what to change. Discord's
 * min/max are hints to the client only, so every value is checked again here.
 */
export function parseModelOptions(spec: ModelSpec, input: OptionInput): ParsedOptions {
  const given = optionValues(spec, input);
  const parsed = optionsSchema(spec).safeParse(given);
  if (!parsed.success) return refusal(spec, given, parsed.error.issues);
  const body: Record<string, unknown> = {};
  for (const { param, option } of optionsOf(spec)) {
    const value = parsed.data[option];
    if (value !== undefined) body[param.name] = value;
  }
  for (const [name, value] of Object.entries(spec.sendDefaults ?? {}))
    if (!(name in body)) body[name] = value;
  return { ok: true, body };
}

/**
 * A member's defaults for a model (`/defaults`), checked as the command's own options are, but each one
 * optional: what the schema outputs by option name, or the same words an explicit value would get.
 * The prompt, the seed and images are not defaults: they are refused as not being parameters.
 */
export function parseDefaultOptions(
  spec: ModelSpec,
  values: Record<string, string | number | boolean | undefined>,
): { ok: true; values: Record<string, unknown> } | { ok: false; option: string; message: string } {
  const given = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
  const allowed = optionsOf(spec).filter(({ param }) => isDefaultable(param));
  const shape = Object.fromEntries(
    allowed.map(({ param, option }) => [option, valueSchema(param).optional()]),
  );
  const parsed = z
    .strictObject(shape, { error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown' : undefined) })
    .safeParse(given);
  if (!parsed.success) return refusal(spec, given, parsed.error.issues);
  const output = Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value !== undefined));
  return { ok: true, values: output };
}

/** Whether a parameter can have a member's default: not the prompt, the seed, or an image. */
export function isDefaultable(param: ParamSpec): boolean {
  return (
    param.name !== 'prompt' && param.name !== 'seed' && param.kind !== 'asset' && param.kind !== 'assetList'
  );
}
