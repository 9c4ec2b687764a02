import { ApplicationCommandOptionType } from 'discord.js';
import { readSubcommand, type SubcommandOf } from '../discord/command-options.js';
import { withCost } from '../discord/messages-info.js';
import { readModelOptions } from '../discord/model-options.js';
import { type GenerationStarter, startGeneration } from '../discord/start-generation.js';
import { skyboxFlux } from '../models/skybox-flux.js';
import { skyboxGpt } from '../models/skybox-gpt.js';
import { toDiscordOptions } from '../models/spec.js';
import type { ChatCommand, ChatCommandData } from './types.js';

const data = {
  name: 'skybox',
  description: 'Generate a 360° equirectangular panorama (skybox) with Scenario',
  contexts: [0],
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'gpt',
      description: withCost('Skybox GPT: prompt and optional reference images', skyboxGpt),
      options: toDiscordOptions(skyboxGpt),
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'flux',
      description: withCost('Skybox Flux.1: 22 styles, optional start image', skyboxFlux),
      options: toDiscordOptions(skyboxFlux),
    },
  ],
} as const satisfies ChatCommandData;

const specs = { gpt: skyboxGpt, flux: skyboxFlux } as const;

export const skyboxCommand: ChatCommand<GenerationStarter> = {
  kind: 'chat',
  data,
  create: (starter) => ({
    async execute(interaction) {
      const subcommand = readSubcommand<SubcommandOf<typeof data>>(interaction).name;
      const spec = specs[subcommand];
      const { values, files } = readModelOptions(interaction, spec);
      await startGeneration(interaction, starter, { command: `skybox ${subcommand}`, spec, values, files });
    },
  }),
};
