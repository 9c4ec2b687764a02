import { describe, expect, expectTypeOf, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { gptImage2 } from '../../src/models/gpt-image-2.js';
import { modelSpecs } from '../../src/models/index.js';
import { optionsSchema, parseModelOptions } from '../../src/models/options-schema.js';
import { pixal3d } from '../../src/models/pixal3d.js';
import { skyboxFlux } from '../../src/models/skybox-flux.js';
import { skyboxGpt } from '../../src/models/skybox-gpt.js';
import {
  assetOptionNames,
  type ModelSpec,
  type OptionName,
  type ParamName,
  type SnakeCase,
  toDiscordOptions,
} from '../../src/models/spec.js';

// Discord's limits for application commands (developer docs, "Application Commands").
const NAME = /^[-_\p{L}\p{N}]{1,32}$/u;

type AnyOption = {
  name: string;
  description: string;
  type: number;
  required?: boolean;
  choices?: unknown[];
  options?: AnyOption[];
};

function checkOptions(options: AnyOption[]): void {
  expect(options.length).toBeLessThanOrEqual(25);
  expect(new Set(options.map((option) => option.name)).size).toBe(options.length);
  let seenOptional = false;
  for (const option of options) {
    expect(option.name).toMatch(NAME);
    expect(option.name).toBe(option.name.toLowerCase());
    expect(option.description.length).toBeGreaterThanOrEqual(1);
    expect(option.description.length).toBeLessThanOrEqual(100);
    expect(option.choices?.length ?? 0).toBeLessThanOrEqual(25);
    if (option.required && option.type !== 1) expect(seenOptional).toBe(false); // required options come first
    if (!option.required) seenOptional = true;
    if (option.options) checkOptions(option.options);
  }
}

/** What a user sees in Discord's option picker, compactly. */
function projection(spec: ModelSpec): string[] {
  return toDiscordOptions(spec).map((option) => {
    const range = 'min_value' in option ? ` ${option.min_value}–${option.max_value}` : '';
    const choices = 'choices' in option && option.choices ? ` [${option.choices.length} choices]` : '';
    return `${option.name}:${option.type}${option.required ? '!' : ''}${range}${choices}`;
  });
}

describe('model specs → Discord command definitions', () => {
  it.each(commands.map((command) => [command.data.name, command] as const))(
    '%s fits Discord’s limits',
    (_name, command) => {
      const data = command.data as { name: string; description?: string; options?: AnyOption[] };
      if ('description' in data && data.description !== undefined)
        expect(data.description.length).toBeLessThanOrEqual(100);
      checkOptions(data.options ?? []);
    },
  );

  it('derives the options a user sees', () => {
    expect(Object.fromEntries(modelSpecs.map((spec) => [spec.id, projection(spec)]))).toMatchSnapshot();
  });

  // The whole derived definition (descriptions, types, ranges, choices) and the attachment slots, pinned
  // so that a change to how specs are typed or parsed cannot change what Discord is sent.
  it.each(modelSpecs.map((spec) => [spec.label, spec] as const))(
    '%s: the full Discord options and attachment option names',
    (_label, spec) => {
      expect({ options: toDiscordOptions(spec), assets: assetOptionNames(spec) }).toMatchSnapshot();
    },
  );

  it('exposes every documented Pixal3D parameter and a seed', () => {
    expect(toDiscordOptions(pixal3d)).toHaveLength(19);
  });

  it('offers the 22 Skybox Flux styles as choices', () => {
    const style = toDiscordOptions(skyboxFlux).find((option) => option.name === 'style');
    expect(style && 'choices' in style ? style.choices?.length : 0).toBe(22);
  });

  it('shows choices by human names while sending the same API values', () => {
    const choicesOf = (spec: ModelSpec, name: string) => {
      const option = toDiscordOptions(spec).find((candidate) => candidate.name === name);
      return option && 'choices' in option ? option.choices : undefined;
    };
    expect(choicesOf(skyboxFlux, 'style')).toContainEqual({
      name: 'Sci-fi concept art',
      value: 'scifi-concept-art',
    });
    expect(choicesOf(skyboxFlux, 'style')).toContainEqual({ name: 'Retro fantasy', value: 'retro-fantasy' });
    expect(choicesOf(pixal3d, 'resolution')).toContainEqual({ name: '4K (4096 px)', value: 4096 });
    expect(choicesOf(skyboxGpt, 'quality')).toContainEqual({ name: 'Low', value: 'low' });
  });

  it('lists /to3d’s options by importance: image, resolution, remesh, decimation target, seed first', () => {
    expect(
      toDiscordOptions(pixal3d)
        .slice(0, 5)
        .map((option) => option.name),
    ).toEqual(['image', 'resolution', 'remesh', 'decimation_target', 'seed']);
  });

  it('gives GPT Image 2 no seed option (none is documented)', () => {
    expect(toDiscordOptions(gptImage2).some((option) => option.name === 'seed')).toBe(false);
  });
});

// Each spec's option names, written out once: checked against the types (tsc) and the derived options (vitest).
const SKYBOX_GPT_OPTIONS = ['prompt', 'width', 'height', 'quality', 'reference_image', 'seed'] as const;
const SKYBOX_FLUX_OPTIONS = [
  'prompt',
  'style',
  'negative_prompt',
  'negative_prompt_strength',
  'image',
  'strength',
  'num_outputs',
  'num_inference_steps',
  'geometry_enforcement',
  'seed',
] as const;
const GPT_IMAGE_2_OPTIONS = [
  'prompt',
  'num_outputs',
  'width',
  'height',
  'quality',
  'background',
  'mask',
  'reference_image',
] as const;
const PIXAL3D_OPTIONS = [
  'image',
  'ss_guidance_strength',
  'ss_guidance_rescale',
  'ss_sampling_steps',
  'shape_slat_guidance_strength',
  'shape_slat_guidance_rescale',
  'shape_slat_sampling_steps',
  'shape_slat_rescale_t',
  'tex_slat_guidance_strength',
  'tex_slat_guidance_rescale',
  'tex_slat_sampling_steps',
  'tex_slat_rescale_t',
  'mesh_scale',
  'max_num_tokens',
  'decimation_target',
  'generation_resolution',
  'resolution',
  'remesh',
  'seed',
] as const;

describe('spec types keep the literal names', () => {
  it('converts camelCase to snake_case at the type level, as toSnakeCase does at run time', () => {
    expectTypeOf<SnakeCase<'shapeSlatRescaleT'>>().toEqualTypeOf<'shape_slat_rescale_t'>();
    expectTypeOf<SnakeCase<'prompt'>>().toEqualTypeOf<'prompt'>();
    expectTypeOf<SnakeCase<string>>().toEqualTypeOf<string>();
  });

  it('gives each spec’s Scenario parameter names as a union of literals', () => {
    expectTypeOf<(typeof skyboxGpt)['params'][number]['name']>().toEqualTypeOf<
      'prompt' | 'width' | 'height' | 'quality' | 'referenceImages'
    >();
    expectTypeOf<ParamName<typeof skyboxGpt>>().toEqualTypeOf<
      'prompt' | 'width' | 'height' | 'quality' | 'referenceImages' | 'seed'
    >();
    // No seed is documented for GPT Image 2, so none is in its names.
    expectTypeOf<ParamName<typeof gptImage2>>().toEqualTypeOf<
      'prompt' | 'numOutputs' | 'width' | 'height' | 'quality' | 'background' | 'mask' | 'referenceImages'
    >();
  });

  it('gives each spec’s Discord option names as a union of literals', () => {
    expectTypeOf<OptionName<typeof skyboxGpt>>().toEqualTypeOf<(typeof SKYBOX_GPT_OPTIONS)[number]>();
    expectTypeOf<OptionName<typeof skyboxFlux>>().toEqualTypeOf<(typeof SKYBOX_FLUX_OPTIONS)[number]>();
    expectTypeOf<OptionName<typeof gptImage2>>().toEqualTypeOf<(typeof GPT_IMAGE_2_OPTIONS)[number]>();
    expectTypeOf<OptionName<typeof pixal3d>>().toEqualTypeOf<(typeof PIXAL3D_OPTIONS)[number]>();
    expectTypeOf<OptionName<ModelSpec>>().toEqualTypeOf<string>();
  });

  it.each([
    [skyboxGpt.label, skyboxGpt, SKYBOX_GPT_OPTIONS],
    [skyboxFlux.label, skyboxFlux, SKYBOX_FLUX_OPTIONS],
    [gptImage2.label, gptImage2, GPT_IMAGE_2_OPTIONS],
    [pixal3d.label, pixal3d, PIXAL3D_OPTIONS],
  ] as const)(
    '%s: the typed option names are the derived ones (less the extra image slots)',
    (_label, spec, names) => {
      const extraSlots = new Set(Object.values(assetOptionNames(spec)).flatMap((slots) => slots.slice(1)));
      const derived = toDiscordOptions(spec)
        .map((option) => option.name)
        .filter((name) => !extraSlots.has(name));
      expect([...derived].sort()).toEqual([...names].sort());
    },
  );
});

describe('parseModelOptions', () => {
  it('builds the exact body: camelCase names, unset options left out', () => {
    const parsed = parseModelOptions(skyboxGpt, {
      values: { prompt: '  a cathedral  ', width: 2048, quality: 'medium' },
      assets: { referenceImages: ['asset_1', 'asset_2'] },
    });
    expect(parsed).toEqual({
      ok: true,
      body: {
        prompt: 'a cathedral',
        width: 2048,
        quality: 'medium',
        referenceImages: ['asset_1', 'asset_2'],
      },
    });
  });

  it('sends Skybox Flux numOutputs 1 on purpose (Scenario would default to 2)', () => {
    expect(parseModelOptions(skyboxFlux, { values: { prompt: 'x' }, assets: {} })).toEqual({
      ok: true,
      body: { prompt: 'x', numOutputs: 1 },
    });
    expect(
      parseModelOptions(skyboxFlux, {
        values: { prompt: 'x', num_outputs: 3, negative_prompt_strength: 2 },
        assets: {},
      }),
    ).toEqual({
      ok: true,
      body: { prompt: 'x', numOutputs: 3, negativePromptStrength: 2 },
    });
  });

  it('maps Pixal3D options to their Scenario names', () => {
    const parsed = parseModelOptions(pixal3d, {
      values: { ss_guidance_strength: 5, resolution: 2048, remesh: false, seed: 3 },
      assets: { image: ['asset_x'] },
    });
    expect(parsed).toEqual({
      ok: true,
      body: { image: 'asset_x', ssGuidanceStrength: 5, resolution: 2048, remesh: false, seed: 3 },
    });
  });

  it('builds each spec’s zod schema once, keyed by its option names', () => {
    expect(optionsSchema(skyboxGpt)).toBe(optionsSchema(skyboxGpt));
    expect(Object.keys(optionsSchema(skyboxGpt).shape)).toEqual([...SKYBOX_GPT_OPTIONS]);
    expectTypeOf<keyof ReturnType<typeof optionsSchema<typeof skyboxGpt>>['shape']>().toEqualTypeOf<
      OptionName<typeof skyboxGpt>
    >();
  });

  it('refuses a value given for an image option (as /generate params could) instead of dropping it', () => {
    expect(parseModelOptions(gptImage2, { values: { prompt: 'x', mask: 'asset_1' }, assets: {} })).toEqual({
      ok: false,
      option: 'mask',
      message: '`mask` takes an image: attach one rather than giving a value.',
    });
    expect(
      parseModelOptions(skyboxGpt, { values: { prompt: 'x', reference_image: 'asset_1' }, assets: {} }),
    ).toMatchObject({ ok: false, option: 'reference_image', message: expect.stringContaining('attach') });
  });

  const tooMany = Array.from({ length: 11 }, (_, index) => `asset_${index}`);
  it.each([
    ['width not a multiple of 16', skyboxGpt, { prompt: 'x', width: 1000 }, {}, 'width', 'try 1008'],
    ['width too large', skyboxGpt, { prompt: 'x', width: 4096 }, {}, 'width', '3840'],
    ['height 0', skyboxGpt, { prompt: 'x', height: 0 }, {}, 'height', 'multiple of 16'],
    ['unknown quality', skyboxGpt, { prompt: 'x', quality: 'ultra' }, {}, 'quality', 'one of'],
    ['empty prompt', skyboxGpt, { prompt: '   ' }, {}, 'prompt', 'empty'],
    ['missing prompt', skyboxGpt, {}, {}, 'prompt', 'required'],
    ['10,000-character prompt', skyboxGpt, { prompt: 'a'.repeat(10_000) }, {}, 'prompt', '4000'],
    [
      '11 references',
      skyboxGpt,
      { prompt: 'x' },
      { referenceImages: tooMany },
      'reference_image',
      'At most 10',
    ],
    ['negative seed', skyboxGpt, { prompt: 'x', seed: -1 }, {}, 'seed', 'between'],
    ['seed 2^31', skyboxGpt, { prompt: 'x', seed: 2 ** 31 }, {}, 'seed', 'between'],
    ['fractional seed', skyboxGpt, { prompt: 'x', seed: 1.5 }, {}, 'seed', 'whole number'],
    ['strength 2', skyboxFlux, { prompt: 'x', strength: 2 }, {}, 'strength', 'between 0.01 and 1'],
    ['strength 0', skyboxFlux, { prompt: 'x', strength: 0 }, {}, 'strength', 'between'],
    ['style foo', skyboxFlux, { prompt: 'x', style: 'foo' }, {}, 'style', 'one of'],
    ['numOutputs 0', skyboxFlux, { prompt: 'x', num_outputs: 0 }, {}, 'num_outputs', 'between 1 and 4'],
    ['numOutputs 5', skyboxFlux, { prompt: 'x', num_outputs: 5 }, {}, 'num_outputs', 'between 1 and 4'],
    [
      'steps 10',
      skyboxFlux,
      { prompt: 'x', num_inference_steps: 10 },
      {},
      'num_inference_steps',
      'between 20 and 50',
    ],
    [
      'steps 30.5',
      skyboxFlux,
      { prompt: 'x', num_inference_steps: 30.5 },
      {},
      'num_inference_steps',
      'whole number',
    ],
    [
      'negative strength 11',
      skyboxFlux,
      { prompt: 'x', negative_prompt_strength: 11 },
      {},
      'negative_prompt_strength',
      'between 0 and 10',
    ],
    [
      'geometry 101',
      skyboxFlux,
      { prompt: 'x', geometry_enforcement: 101 },
      {},
      'geometry_enforcement',
      'between 0 and 100',
    ],
    ['numOutputs 11', gptImage2, { prompt: 'x', num_outputs: 11 }, {}, 'num_outputs', 'between 1 and 10'],
    [
      'background transparent',
      gptImage2,
      { prompt: 'x', background: 'transparent' },
      {},
      'background',
      'auto, opaque',
    ],
    ['width 10', gptImage2, { prompt: 'x', width: 10 }, {}, 'width', 'between 16 and 3840'],
    ['no image', pixal3d, {}, {}, 'image', 'required'],
    ['meshScale 5', pixal3d, { mesh_scale: 5 }, { image: ['a'] }, 'mesh_scale', 'between 0.1 and 4'],
    ['resolution 3000', pixal3d, { resolution: 3000 }, { image: ['a'] }, 'resolution', '1024, 2048, 4096'],
    [
      'generation resolution 2048',
      pixal3d,
      { generation_resolution: 2048 },
      { image: ['a'] },
      'generation_resolution',
      '1024, 1536',
    ],
    [
      'maxNumTokens 100',
      pixal3d,
      { max_num_tokens: 100 },
      { image: ['a'] },
      'max_num_tokens',
      'between 4096',
    ],
    [
      'decimation 3M',
      pixal3d,
      { decimation_target: 3_000_000 },
      { image: ['a'] },
      'decimation_target',
      'between 5000',
    ],
    [
      'rescaleT 7',
      pixal3d,
      { shape_slat_rescale_t: 7 },
      { image: ['a'] },
      'shape_slat_rescale_t',
      'between 1 and 6',
    ],
    ['remesh as text', pixal3d, { remesh: 'yes' }, { image: ['a'] }, 'remesh', 'true or false'],
    [
      'an option the model does not have',
      pixal3d,
      { prompt: 'x' },
      { image: ['a'] },
      'prompt',
      'not a parameter',
    ],
  ] as const)('rejects %s, naming the option', (_label, spec, values, assets, option, words) => {
    const parsed = parseModelOptions(spec, {
      values: values as Record<string, string | number | boolean>,
      assets: assets as Record<string, string[]>,
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.option).toBe(option);
    expect(parsed.message).toContain(option);
    expect(parsed.message).toContain(words);
  });
});

type Param = ModelSpec['params'][number];
type OptionCase = { spec: ModelSpec; option: string; param: Param };

/** Every option of every spec with its parameter (the option lists are in parameter order, the seed last). */
const OPTIONS: OptionCase[] = (
  [
    [skyboxGpt, SKYBOX_GPT_OPTIONS],
    [skyboxFlux, SKYBOX_FLUX_OPTIONS],
    [gptImage2, GPT_IMAGE_2_OPTIONS],
    [pixal3d, PIXAL3D_OPTIONS],
  ] as const
).flatMap(([spec, options]) => {
  const params: Param[] = [...spec.params];
  if ('seed' in spec)
    params.push({ kind: 'number', name: 'seed', description: 'seed', integer: true, ...spec.seed });
  return options.map((option, index) => ({ spec, option, param: params[index]! }));
});
const SPECS = modelSpecs.map((spec) => [spec.label, spec] as const);

/** A value a user could give for the option, and what Scenario should then receive. */
function validValue(param: Param): { given: string | number | boolean | string[]; sent: unknown } {
  switch (param.kind) {
    case 'string':
      return { given: `  a ${param.name}  `, sent: `a ${param.name}` };
    case 'number': {
      if (param.multipleOf) {
        const value = Math.ceil(param.min / param.multipleOf) * param.multipleOf + param.multipleOf;
        return { given: value, sent: value };
      }
      const middle = (param.min + param.max) / 2;
      const value = param.integer ? Math.floor(middle) : middle;
      return { given: value, sent: value };
    }
    case 'enum':
    case 'numberEnum': {
      const value = param.values[param.values.length - 1]!;
      return { given: value, sent: value };
    }
    case 'boolean':
      return { given: false, sent: false };
    case 'asset':
      return { given: [`asset_${param.name}`], sent: `asset_${param.name}` };
    case 'assetList':
      return { given: ['asset_1', 'asset_2'], sent: ['asset_1', 'asset_2'] };
  }
}

/** Options → parseModelOptions input: values by option name, images by parameter name. */
function inputOf(options: { option: string; param: Param; given: string | number | boolean | string[] }[]) {
  const values: Record<string, string | number | boolean> = {};
  const assets: Record<string, string[]> = {};
  for (const { option, param, given } of options) {
    if (Array.isArray(given)) assets[param.name] = given;
    else values[option] = given;
  }
  return { values, assets };
}

/** The spec's required options at valid values, and `option` set to `given`. */
function withRequired(spec: ModelSpec, option: string, given: string | number | boolean) {
  const required = OPTIONS.filter((entry) => entry.spec === spec && entry.param.required);
  const input = inputOf(required.map((entry) => ({ ...entry, given: validValue(entry.param).given })));
  return { values: { ...input.values, [option]: given }, assets: input.assets };
}

function expectRefused(
  spec: ModelSpec,
  option: string,
  given: string | number | boolean,
  words: readonly string[],
): void {
  const parsed = parseModelOptions(spec, withRequired(spec, option, given));
  expect(parsed).toMatchObject({ ok: false, option });
  if (parsed.ok) return;
  expect(parsed.message).toContain(`\`${option}\``);
  for (const word of words) expect(parsed.message).toContain(word);
}

// [label, case] rows: vitest prints a %s label in full.
const numbers = OPTIONS.flatMap(({ spec, option, param }) =>
  param.kind === 'number' ? [[`${spec.label} ${option}`, { spec, option, param }] as const] : [],
);
const choices = OPTIONS.flatMap(({ spec, option, param }) =>
  param.kind === 'enum' || param.kind === 'numberEnum'
    ? [[`${spec.label} ${option}`, { spec, option, param }] as const]
    : [],
);

describe('parseModelOptions, option by option, for every spec', () => {
  it.each(SPECS)(
    '%s: every option at a valid value reaches Scenario under its camelCase name',
    (_label, spec) => {
      const options = OPTIONS.filter((entry) => entry.spec === spec).map((entry) => ({
        ...entry,
        ...validValue(entry.param),
      }));
      expect(parseModelOptions(spec, inputOf(options))).toEqual({
        ok: true,
        body: Object.fromEntries(options.map(({ param, sent }) => [param.name, sent])),
      });
    },
  );

  it.each(SPECS)(
    '%s: with only the required options, the body holds those and nothing unasked',
    (_label, spec) => {
      const required = OPTIONS.filter((entry) => entry.spec === spec && entry.param.required).map(
        (entry) => ({
          ...entry,
          ...validValue(entry.param),
        }),
      );
      expect(parseModelOptions(spec, inputOf(required))).toEqual({
        ok: true,
        body: {
          ...Object.fromEntries(required.map(({ param, sent }) => [param.name, sent])),
          ...spec.sendDefaults,
        },
      });
    },
  );

  it.each(numbers)('%s accepts its bounds', (_label, { spec, option, param }) => {
    for (const bound of [param.min, param.max]) {
      if (param.multipleOf && bound % param.multipleOf !== 0) continue;
      const parsed = parseModelOptions(spec, withRequired(spec, option, bound));
      expect(parsed.ok && parsed.body[param.name]).toBe(bound);
    }
  });

  it.each(numbers)('%s refuses a value below its minimum', (_label, { spec, option, param }) => {
    const given = param.min - 1;
    expectRefused(spec, option, given, [`between ${param.min} and ${param.max}`, `you gave ${given}`]);
  });

  it.each(numbers)('%s refuses a value above its maximum', (_label, { spec, option, param }) => {
    const given = param.max + 1;
    expectRefused(spec, option, given, [`between ${param.min} and ${param.max}`, `you gave ${given}`]);
  });

  it.each(numbers.filter(([, { param }]) => param.integer))(
    '%s refuses a fraction',
    (_label, { spec, option, param }) => {
      expectRefused(spec, option, param.min + 0.5, ['whole number', `you gave ${param.min + 0.5}`]);
    },
  );

  it.each(numbers.filter(([, { param }]) => param.multipleOf))(
    '%s refuses a value off its grid, suggesting the nearest',
    (_label, { spec, option, param }) => {
      expectRefused(spec, option, param.min + 1, [`multiple of ${param.multipleOf}`, `try ${param.min}`]);
    },
  );

  it.each(numbers)('%s refuses text', (_label, { spec, option }) => {
    expectRefused(spec, option, '12', ['must be a number']);
  });

  it.each(choices)('%s refuses a value outside its list', (_label, { spec, option, param }) => {
    const list = `one of: ${param.values.join(', ')}`;
    expectRefused(spec, option, param.kind === 'enum' ? 'not-a-choice' : 12345, [list]);
    expectRefused(spec, option, param.kind === 'enum' ? 1 : String(param.values[0]), [list]);
  });

  // Discord checks min_value, max_value, max_length and choices in its own client only: a request can
  // carry anything, so each bound of the registered definition is checked again, one step past it.
  const hints = modelSpecs.flatMap((spec) =>
    toDiscordOptions(spec).flatMap((option) => {
      const label = `${spec.label} ${option.name}`;
      const cases: [string, { spec: ModelSpec; option: string; given: string | number }][] = [];
      if ('max_value' in option && option.max_value !== undefined)
        cases.push([`${label} above max_value`, { spec, option: option.name, given: option.max_value + 1 }]);
      if ('min_value' in option && option.min_value !== undefined)
        cases.push([`${label} below min_value`, { spec, option: option.name, given: option.min_value - 1 }]);
      if ('max_length' in option && option.max_length !== undefined)
        cases.push([
          `${label} over max_length`,
          { spec, option: option.name, given: 'a'.repeat(option.max_length + 1) },
        ]);
      if ('choices' in option && option.choices)
        cases.push([
          `${label} outside its choices`,
          { spec, option: option.name, given: typeof option.choices[0]?.value === 'number' ? 7 : 'seven' },
        ]);
      return cases;
    }),
  );
  it.each(hints)('does not trust Discord’s hints: %s is refused', (_label, { spec, option, given }) => {
    expectRefused(spec, option, given, []);
  });
});
