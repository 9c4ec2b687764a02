import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  ApplicationCommandOptionType,
  MessageFlags,
} from 'discord.js';
import { readSubcommand, type SubcommandOf } from '../discord/command-options.js';
import { DEFAULTS_TEXT } from '../discord/messages-defaults.js';
import { readModelOptions } from '../discord/model-options.js';
import { replyEphemeral } from '../discord/router.js';
import { gptImage2 } from '../models/gpt-image-2.js';
import { isModelId, specFor } from '../models/index.js';
import { isDefaultable, parseDefaultOptions } from '../models/options-schema.js';
import { pixal3d } from '../models/pixal3d.js';
import { skyboxFlux } from '../models/skybox-flux.js';
import { skyboxGpt } from '../models/skybox-gpt.js';
import { type ModelSpec, toDiscordOptions, toSnakeCase } from '../models/spec.js';
import type { MemberDefaults } from '../services/members/member-defaults.js';
import { parseParams } from './generate.js';
import type { ChatCommand, ChatCommandData } from './types.js';

/** The model commands' subcommands here, by the name a member types, and their specs. */
const families = {
  'skybox-gpt': skyboxGpt,
  'skybox-flux': skyboxFlux,
  image: gptImage2,
  to3d: pixal3d,
} as const satisfies Record<string, ModelSpec>;
type Family = keyof typeof families;

/**
 * A model command's own options (derived from the same spec), all optional, without the prompt, the seed
 * and images: those are given on each command.
 */
export function defaultOptions(spec: ModelSpec): APIApplicationCommandBasicOption[] {
  const names = new Set(spec.params.filter(isDefaultable).map((param) => toSnakeCase(param.name)));
  return toDiscordOptions(spec)
    .filter((option) => names.has(option.name))
    .map((option) => ({ ...option, required: false }));
}

function familySubcommand<Name extends Family>(name: Name, command: string) {
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name,
    description: `Your defaults for ${command} (options you give on the command still win)`,
    options: defaultOptions(families[name]),
  } as const satisfies APIApplicationCommandSubcommandOption;
}

const MODEL_MAX_LENGTH = 120;

const data = {
  name: 'defaults',
  description: 'Your own default options for each model in this server',
  contexts: [0],
  options: [
    familySubcommand('skybox-gpt', '/skybox gpt'),
    familySubcommand('skybox-flux', '/skybox flux'),
    familySubcommand('image', '/image'),
    familySubcommand('to3d', '/to3d'),
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'generate',
      description: 'Your defaults for a model run through /generate',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'model',
          description: 'Scenario model id, e.g. model_meshy-txt23d',
          required: true,
          max_length: MODEL_MAX_LENGTH,
        },
        {
          type: ApplicationCommandOptionType.String,
          name: 'params',
          description: 'Parameters as a JSON object, e.g. {"aspectRatio":"16:9"}',
          required: true,
          max_length: 4000,
        },
      ],
    },
    { type: ApplicationCommandOptionType.Subcommand, name: 'show', description: 'List your defaults' },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'clear',
      description: 'Remove your defaults for one model, or all of them',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'model',
          description: 'skybox-gpt, skybox-flux, image, to3d or a model id (all when left out)',
          required: false,
          max_length: MODEL_MAX_LENGTH,
        },
      ],
    },
  ],
} as const satisfies ChatCommandData;

/** A family name or a model id → the model id; undefined when it is neither. */
function modelIdOf(given: string): string | undefined {
  const trimmed = given.trim();
  if (trimmed in families) return families[trimmed as Family].id;
  return isModelId(trimmed) ? trimmed : undefined;
}

/** `/defaults generate`'s params: checked against the spec when the model has one, as given otherwise. */
function parseGenerateDefaults(
  modelId: string,
  raw: string,
): { ok: true; values: Record<string, unknown> } | { ok: false; message: string } {
  const params = parseParams(raw);
  if (!params.ok) return { ok: false, message: DEFAULTS_TEXT.refused(params.message) };
  const excluded = Object.keys(params.params).find((key) => ['prompt', 'seed', 'image'].includes(key));
  if (excluded) return { ok: false, message: DEFAULTS_TEXT.excludedKey(excluded) };
  const spec = specFor(modelId);
  if (spec.passThrough) return { ok: true, values: params.params };
  const values: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(params.params)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      return { ok: false, message: DEFAULTS_TEXT.notScalar(key) };
    values[toSnakeCase(key)] = value;
  }
  const parsed = parseDefaultOptions(spec, values);
  return parsed.ok ? parsed : { ok: false, message: DEFAULTS_TEXT.refused(parsed.message) };
}

/**
 * `/defaults`: a member's own defaults per model in this server. Saved values are checked as the
 * command's own options are; a model command fills in every option the member leaves out with them.
 */
export const defaultsCommand: ChatCommand<{ memberDefaults: MemberDefaults }> = {
  kind: 'chat',
  data,
  create: ({ memberDefaults }) => ({
    async execute(interaction) {
      const guildId = interaction.guildId;
      if (!guildId) return;
      const userId = interaction.user.id;
      const reply = (content: string) => replyEphemeral(interaction, content);
      const sub = readSubcommand<SubcommandOf<typeof data>>(interaction);
      // Store calls may outlast Discord's 3 s window.
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      switch (sub.name) {
        case 'show': {
          const all = await memberDefaults.all(guildId, userId);
          return reply(Object.keys(all).length === 0 ? DEFAULTS_TEXT.none : DEFAULTS_TEXT.show(all));
        }
        case 'clear': {
          const given = sub.args.model;
          const modelId = given === undefined ? undefined : modelIdOf(given);
          if (given !== undefined && !modelId) return reply(DEFAULTS_TEXT.unknownModel(given));
          const removed = await memberDefaults.clear(guildId, userId, modelId);
          return reply(removed > 0 ? DEFAULTS_TEXT.cleared(modelId) : DEFAULTS_TEXT.nothingToClear(modelId));
        }
        case 'generate': {
          const modelId = modelIdOf(sub.args.model);
          if (!modelId || !isModelId(modelId)) return reply(DEFAULTS_TEXT.unknownModel(sub.args.model));
          const parsed = parseGenerateDefaults(modelId, sub.args.params);
          if (!parsed.ok) return reply(parsed.message);
          if (Object.keys(parsed.values).length === 0) return reply(DEFAULTS_TEXT.nothingGiven);
          return reply(
            DEFAULTS_TEXT.saved(modelId, await memberDefaults.set(guildId, userId, modelId, parsed.values)),
          );
        }
        default: {
          const spec = families[sub.name];
          const { values } = readModelOptions(interaction, spec);
          if (Object.keys(values).length === 0) return reply(DEFAULTS_TEXT.nothingGiven);
          const parsed = parseDefaultOptions(spec, values);
          if (!parsed.ok) return reply(DEFAULTS_TEXT.refused(parsed.message));
          return reply(
            DEFAULTS_TEXT.saved(spec.id, await memberDefaults.set(guildId, userId, spec.id, parsed.values)),
          );
        }
      }
    },
  }),
};
