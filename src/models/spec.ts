import { type APIApplicationCommandBasicOption, ApplicationCommandOptionType } from 'discord-api-types/v10';
import { z } from 'zod';

/**
 * One declarative description per Scenario model. The Discord options and the validated request body are
 * both derived from it, so a model's parameters are written once (from shared/seeds and scenario-api.md).
 */
interface ParamBase {
  /** Scenario's parameter name (camelCase); the Discord option is its snake_case form. */
  readonly name: string;
  /** Shown in Discord: at most 100 characters. */
  readonly description: string;
  readonly required?: boolean;
}

/**
 * Fields are readonly, as `as const` makes them: a spec is data that nothing changes at run time. Specs are
 * declared `as const satisfies ModelSpec`, which checks them against this type while keeping their literal
 * names for `ParamName`/`OptionName`.
 */
export type ParamSpec =
  | (ParamBase & { readonly kind: 'string'; readonly maxLength: number })
  | (ParamBase & {
      readonly kind: 'number';
      readonly min: number;
      readonly max: number;
      readonly integer?: boolean;
      readonly multipleOf?: number;
    })
  | (ParamBase & { readonly kind: 'enum'; readonly values: readonly string[] })
  | (ParamBase & { readonly kind: 'numberEnum'; readonly values: readonly number[] })
  | (ParamBase & { readonly kind: 'boolean' })
  | (ParamBase & { readonly kind: 'asset' })
  | (ParamBase & { readonly kind: 'assetList'; readonly max: number; readonly optionName: string });

export interface ModelSpec {
  readonly id: string;
  readonly label: string;
  readonly output: 'panorama' | 'image' | '3d' | 'other';
  readonly params: readonly ParamSpec[];
  /** Present when the model takes a seed: the bot draws one in this range when the user gives none. */
  readonly seed?: { readonly min: number; readonly max: number };
  /** The parameter that sets how many results come back, and what the bot asks for when unset. */
  readonly outputsParam?: string;
  readonly defaultOutputs?: number;
  /** Values the bot sends on purpose when the user gives none (Scenario's own default is not what we want). */
  readonly sendDefaults?: Readonly<Record<string, unknown>>;
  /** Usual run time, for the poll cadence (ours, from experience; not documented). */
  readonly typicalDurationMs: number;
  /** Default quota cost per output (moderators can override per guild). */
  readonly creditsPerOutput: number;
  /** /generate: no spec, the user's parameters go through as given. */
  readonly passThrough?: boolean;
}

/** `negativePromptStrength` → `negative_prompt_strength`, as a type: what `toSnakeCase` does to a literal. */
export type SnakeCase<Name extends string> = SnakeCaseInto<Name, ''>;
// Tail-recursive (the result accumulates in Done), so long names stay within the compiler's depth limit.
type SnakeCaseInto<Rest extends string, Done extends string> = Rest extends `${infer Head}${infer Tail}`
  ? SnakeCaseInto<Tail, `${Done}${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}`>
  : `${Done}${Rest}`;

type SeedName<S extends ModelSpec> = S extends { readonly seed: object } ? 'seed' : never;

/** A spec's Scenario parameter names (camelCase, the request body's keys), the seed included when it has one. */
export type ParamName<S extends ModelSpec> = S['params'][number]['name'] | SeedName<S>;

type ParamOptionName<P extends ParamSpec> = P extends {
  readonly kind: 'assetList';
  readonly optionName: infer O;
}
  ? O
  : SnakeCase<P['name']>;

/**
 * A spec's Discord option names (snake_case), one per parameter and the seed: the keys `parseModelOptions`
 * reads and names in its messages. An image list's extra slots (`reference_image_2`…) are not included:
 * they feed the same parameter. For a spec declared `as const satisfies ModelSpec` this is a union of
 * literals; for a plain `ModelSpec` it is `string`.
 */
export type OptionName<S extends ModelSpec> = ParamOptionName<S['params'][number]> | SeedName<S>;

export const SEED_RANGE = { min: 0, max: 2147483647 } as const;

/** `negativePromptStrength` → `negative_prompt_strength`. */
export function toSnakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Discord option names per asset parameter, in order (`referenceImages` → reference_image, reference_image_2, …). */
export function assetOptionNames(spec: ModelSpec): Record<string, string[]> {
  const names: Record<string, string[]> = {};
  for (const param of spec.params) {
    if (param.kind === 'asset') names[param.name] = [toSnakeCase(param.name)];
    if (param.kind === 'assetList') {
      names[param.name] = Array.from({ length: param.max }, (_, index) =>
        index === 0 ? param.optionName : `${param.optionName}_${index + 1}`,
      );
    }
  }
  return names;
}

function seedParam(spec: ModelSpec): ParamSpec[] {
  return spec.seed
    ? [
        {
          kind: 'number',
          name: 'seed',
          description: 'Reuse a seed to reproduce a result; leave empty for a new one',
          min: spec.seed.min,
          max: spec.seed.max,
          integer: true,
        },
      ]
    : [];
}

/** The Discord options of a model command: required first (Discord's rule), at most 25. */
export function toDiscordOptions(spec: ModelSpec): APIApplicationCommandBasicOption[] {
  const options: APIApplicationCommandBasicOption[] = [];
  for (const param of [...spec.params, ...seedParam(spec)]) {
    const base = {
      name: toSnakeCase(param.name),
      description: param.description,
      required: param.required ?? false,
    };
    switch (param.kind) {
      case 'string':
        options.push({ ...base, type: ApplicationCommandOptionType.String, max_length: param.maxLength });
        break;
      case 'number':
        options.push(
          param.integer
            ? {
                ...base,
                type: ApplicationCommandOptionType.Integer,
                min_value: param.min,
                max_value: param.max,
              }
            : {
                ...base,
                type: ApplicationCommandOptionType.Number,
                min_value: param.min,
                max_value: param.max,
              },
        );
        break;
      case 'enum':
        options.push({
          ...base,
          type: ApplicationCommandOptionType.String,
          choices: param.values.map((value) => ({ name: value, value })),
        });
        break;
      case 'numberEnum':
        options.push({
          ...base,
          type: ApplicationCommandOptionType.Integer,
          choices: param.values.map((value) => ({ name: String(value), value })),
        });
        break;
      case 'boolean':
        options.push({ ...base, type: ApplicationCommandOptionType.Boolean });
        break;
      case 'asset':
        options.push({ ...base, type: ApplicationCommandOptionType.Attachment });
        break;
      case 'assetList':
        for (const [index, name] of (assetOptionNames(spec)[param.name] ?? []).entries()) {
          const description =
            index === 0
              ? param.description
              : `${param.description.replace(/\.$/, '').slice(0, 88)} (#${index + 1})`;
          options.push({ name, description, required: false, type: ApplicationCommandOptionType.Attachment });
        }
        break;
    }
  }
  return [...options.filter((option) => option.required), ...options.filter((option) => !option.required)];
}

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
