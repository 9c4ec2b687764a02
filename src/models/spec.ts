import { type APIApplicationCommandBasicOption, ApplicationCommandOptionType } from 'discord-api-types/v10';

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

/** Suggests the nearest valid multiple, for messages like "try 1008". */
function nearestMultiple(value: number, multiple: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(value / multiple) * multiple));
}

/**
 * Options → the exact request body: Scenario's camelCase names, unset options left out (Scenario's
 * defaults apply) except the ones the spec sends on purpose. Rejects what Scenario would reject, with a
 * message naming the option and what to change. Discord's min/max are hints to the client only, so every
 * value is checked again here.
 */
export function parseModelOptions(spec: ModelSpec, input: OptionInput): ParsedOptions {
  const body: Record<string, unknown> = {};
  const known = new Set<string>();
  for (const param of [...spec.params, ...seedParam(spec)]) {
    const option = param.kind === 'assetList' ? param.optionName : toSnakeCase(param.name);
    known.add(option);
    if (param.kind === 'asset' || param.kind === 'assetList') {
      const ids = input.assets[param.name] ?? [];
      if (param.kind === 'asset') {
        if (ids.length > 1) return { ok: false, option, message: `\`${option}\` takes one image.` };
        if (ids[0]) body[param.name] = ids[0];
        else if (param.required)
          return { ok: false, option, message: `\`${option}\` is required: attach an image.` };
      } else {
        if (ids.length > param.max)
          return {
            ok: false,
            option,
            message: `At most ${param.max} \`${option}\` images are accepted (you gave ${ids.length}).`,
          };
        if (ids.length > 0) body[param.name] = ids;
      }
      continue;
    }
    const value = input.values[option];
    if (value === undefined || value === null) {
      if (param.required) return { ok: false, option, message: `\`${option}\` is required.` };
      continue;
    }
    switch (param.kind) {
      case 'string': {
        if (typeof value !== 'string') return { ok: false, option, message: `\`${option}\` must be text.` };
        const trimmed = value.trim();
        if (trimmed.length === 0) {
          if (param.required) return { ok: false, option, message: `\`${option}\` must not be empty.` };
          continue;
        }
        if (trimmed.length > param.maxLength)
          return {
            ok: false,
            option,
            message: `\`${option}\` is ${trimmed.length} characters; keep it under ${param.maxLength}.`,
          };
        body[param.name] = trimmed;
        break;
      }
      case 'number': {
        if (typeof value !== 'number' || !Number.isFinite(value))
          return { ok: false, option, message: `\`${option}\` must be a number.` };
        const range = `between ${param.min} and ${param.max}`;
        if (param.integer && !Number.isInteger(value))
          return {
            ok: false,
            option,
            message: `\`${option}\` must be a whole number ${range} (you gave ${value}).`,
          };
        if (param.multipleOf && (value % param.multipleOf !== 0 || value < param.min || value > param.max)) {
          return {
            ok: false,
            option,
            message: `\`${option}\` must be a multiple of ${param.multipleOf} ${range} (you gave ${value}; try ${nearestMultiple(value, param.multipleOf, param.min, param.max)}).`,
          };
        }
        if (value < param.min || value > param.max)
          return { ok: false, option, message: `\`${option}\` must be ${range} (you gave ${value}).` };
        body[param.name] = value;
        break;
      }
      case 'enum':
        if (typeof value !== 'string' || !param.values.includes(value))
          return { ok: false, option, message: `\`${option}\` must be one of: ${param.values.join(', ')}.` };
        body[param.name] = value;
        break;
      case 'numberEnum':
        if (typeof value !== 'number' || !param.values.includes(value))
          return { ok: false, option, message: `\`${option}\` must be one of: ${param.values.join(', ')}.` };
        body[param.name] = value;
        break;
      case 'boolean':
        if (typeof value !== 'boolean')
          return { ok: false, option, message: `\`${option}\` must be true or false.` };
        body[param.name] = value;
        break;
    }
  }
  const unknown = Object.keys(input.values).find(
    (name) => !known.has(name) && input.values[name] !== undefined,
  );
  if (unknown)
    return { ok: false, option: unknown, message: `\`${unknown}\` is not a parameter of ${spec.label}.` };
  for (const [name, value] of Object.entries(spec.sendDefaults ?? {}))
    if (!(name in body)) body[name] = value;
  return { ok: true, body };
}
