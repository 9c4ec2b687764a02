import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { readModelOptions } from '../discord/model-options.js';
import { runGeneration } from '../discord/run-generation.js';
import { gptImage2 } from '../models/gpt-image-2.js';
import { toDiscordOptions } from '../models/spec.js';
import type { ChatCommand } from './types.js';

const data = {
  name: 'image',
  description: 'Generate or edit an image with GPT Image 2 (references and an inpainting mask)',
  contexts: [0],
  options: toDiscordOptions(gptImage2),
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const imageCommand: ChatCommand = {
  kind: 'chat',
  data,
  async execute(interaction, deps, log) {
    const { values, attachments } = readModelOptions(interaction, gptImage2);
    // The mask is checked against the first reference: order references first, mask last.
    attachments.sort((a, b) => Number(a.param === 'mask') - Number(b.param === 'mask'));
    await runGeneration(interaction, deps, log, {
      command: 'image',
      spec: gptImage2,
      values,
      attachments,
      maskParam: 'mask',
    });
  },
};
