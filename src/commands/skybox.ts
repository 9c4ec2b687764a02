import {
  ApplicationCommandOptionType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { readModelOptions } from '../discord/model-options.js';
import { runGeneration } from '../discord/run-generation.js';
import { skyboxFlux } from '../models/skybox-flux.js';
import { skyboxGpt } from '../models/skybox-gpt.js';
import { toDiscordOptions } from '../models/spec.js';
import type { ChatCommand } from './types.js';

const data = {
  name: 'skybox',
  description: 'Generate a 360° equirectangular panorama (skybox) with Scenario',
  contexts: [0],
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'gpt',
      description: 'Skybox GPT: prompt and optional reference images',
      options: toDiscordOptions(skyboxGpt),
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'flux',
      description: 'Skybox Flux.1: 22 styles, optional start image',
      options: toDiscordOptions(skyboxFlux),
    },
  ],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const skyboxCommand: ChatCommand = {
  kind: 'chat',
  data,
  async execute(interaction, deps, log) {
    const subcommand = interaction.options.getSubcommand();
    const spec = subcommand === 'flux' ? skyboxFlux : skyboxGpt;
    const { values, attachments } = readModelOptions(interaction, spec);
    await runGeneration(interaction, deps, log, {
      command: `skybox ${subcommand}`,
      spec,
      values,
      attachments,
    });
  },
};
