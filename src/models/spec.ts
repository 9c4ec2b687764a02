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
  | (ParamBase & {
      readonly kind: 'enum';
      readonly values: readonly string[];
      /** What the picker shows for a value (`scifi-concept-art` → `Sci-fi concept art`); the value is sent. */
      readonly labels?: Readonly<Record<string, string>>;
    })
  | (ParamBase & {
      readonly kind: 'numberEnum';
      readonly values: readonly number[];
      readonly labels?: Readonly<Record<string, string>>;
    })
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
  /**
   * The options a member looks for first, in this order (the seed may be named), before the others in
   * spec order; required options still come first (Discord's rule).
   */
  readonly optionOrder?: readonly string[];
}

/** A choice's name when the spec gives none: `retro-fantasy` → `Retro fantasy`. Pure. */
export function choiceName(value: string | number): string {
  const text = String(value).replace(/[-_]+/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
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

/** The seed as a parameter, for models that take one. */
export function seedParam(spec: ModelSpec): ParamSpec[] {
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
          choices: param.values.map((value) => ({ name: param.labels?.[value] ?? choiceName(value), value })),
        });
        break;
      case 'numberEnum':
        options.push({
          ...base,
          type: ApplicationCommandOptionType.Integer,
          choices: param.values.map((value) => ({
            name: param.labels?.[String(value)] ?? choiceName(value),
            value,
          })),
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
  // Discord lists options in this order: required ones first (its rule), then the spec's most wanted.
  const order = (spec.optionOrder ?? []).map(toSnakeCase);
  const rank = (name: string) => {
    const index = order.findIndex((wanted) => name === wanted || name.startsWith(`${wanted}_`));
    return index === -1 ? order.length : index;
  };
  const sorted = options
    .map((option, index) => ({ option, index }))
    .sort((a, b) => rank(a.option.name) - rank(b.option.name) || a.index - b.index)
    .map(({ option }) => option);
  return [...sorted.filter((option) => option.required), ...sorted.filter((option) => !option.required)];
}
