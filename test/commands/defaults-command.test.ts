import { ApplicationCommandOptionType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { defaultOptions } from '../../src/commands/defaults.js';
import { commands } from '../../src/commands/index.js';
import { gptImage2 } from '../../src/models/gpt-image-2.js';
import { parseDefaultOptions } from '../../src/models/options-schema.js';
import { pixal3d } from '../../src/models/pixal3d.js';
import { skyboxFlux } from '../../src/models/skybox-flux.js';
import { skyboxGpt } from '../../src/models/skybox-gpt.js';
import { toDiscordOptions } from '../../src/models/spec.js';
import { withDefaults } from '../../src/services/members/member-defaults.js';

interface CountedOption {
  name?: string;
  description?: string;
  value?: unknown;
  choices?: readonly CountedOption[];
  options?: readonly CountedOption[];
}

/**
 * Discord's limit on one command: 4,000 characters for the names, descriptions and values of the command,
 * its subcommands and options, and their choices together (application commands reference, "Limits").
 */
function registeredCharacters(option: CountedOption): number {
  let total = (option.name?.length ?? 0) + (option.description?.length ?? 0);
  if (option.value !== undefined) total += String(option.value).length;
  for (const choice of option.choices ?? []) total += registeredCharacters(choice);
  for (const child of option.options ?? []) total += registeredCharacters(child);
  return total;
}

const defaultsData = commands.find((command) => command.data.name === 'defaults')?.data as CountedOption;

describe('the /defaults command', () => {
  it('counts every name, description and choice (so the limit below can fail)', () => {
    expect(
      registeredCharacters({
        name: 'ab',
        description: 'cde',
        options: [{ name: 'f', description: 'g', choices: [{ name: 'hi', value: 'jk' }] }],
      }),
    ).toBe(11);
  });

  it.each(commands.map((command) => [command.data.name, command.data as CountedOption] as const))(
    '/%s fits Discord’s 4,000 characters of names, descriptions and choices',
    (_name, data) => {
      expect(registeredCharacters(data)).toBeLessThanOrEqual(4000);
    },
  );

  it('is one command for every model family (it fits, so it is not split by family)', () => {
    const subcommands = (defaultsData.options ?? []).map((option) => option.name);
    expect(subcommands).toEqual(['skybox-gpt', 'skybox-flux', 'image', 'to3d', 'generate', 'show', 'clear']);
  });

  it.each([
    ['skybox-gpt', skyboxGpt],
    ['skybox-flux', skyboxFlux],
    ['image', gptImage2],
    ['to3d', pixal3d],
  ] as const)(
    'offers /defaults %s the model command’s own options, all optional, without prompt, seed or images',
    (name, spec) => {
      const sub = defaultsData.options?.find((option) => option.name === name) as { options: unknown[] };
      const expected = toDiscordOptions(spec)
        .filter(
          (option) =>
            option.name !== 'prompt' &&
            option.name !== 'seed' &&
            option.type !== ApplicationCommandOptionType.Attachment,
        )
        .map((option) => ({ ...option, required: false }));
      expect(sub.options).toEqual(expected);
      expect(defaultOptions(spec)).toEqual(expected);
      expect(expected.length).toBeGreaterThan(0);
    },
  );
});

describe('defaults, checked and applied', () => {
  it('checks a default as the command checks the option, with the same words', () => {
    expect(parseDefaultOptions(skyboxFlux, { num_outputs: 9 })).toEqual({
      ok: false,
      option: 'num_outputs',
      message: '`num_outputs` must be between 1 and 4 (you gave 9).',
    });
    expect(parseDefaultOptions(skyboxFlux, { style: 'fantasy', negative_prompt: '  blur ' })).toEqual({
      ok: true,
      values: { style: 'fantasy', negative_prompt: 'blur' },
    });
  });

  it.each(['prompt', 'seed', 'image'])('does not take %s as a default', (option) => {
    const value = option === 'seed' ? 3 : 'x';
    expect(parseDefaultOptions(skyboxFlux, { [option]: value })).toMatchObject({ ok: false, option });
  });

  it('fills in only what the member left out, and names what it filled', () => {
    expect(withDefaults({ prompt: 'p', style: 'cyberpunk' }, { style: 'fantasy', strength: 0.5 })).toEqual({
      values: { prompt: 'p', style: 'cyberpunk', strength: 0.5 },
      fromDefaults: ['strength'],
    });
  });
});
