import { withCost } from '../discord/messages-info.js';
import { readModelOptions } from '../discord/model-options.js';
import { type GenerationStarter, startGeneration } from '../discord/start-generation.js';
import { gptImage2 } from '../models/gpt-image-2.js';
import { toDiscordOptions } from '../models/spec.js';
import type { ChatCommand, ChatCommandData } from './types.js';

const data = {
  name: 'image',
  description: withCost(
    'Generate or edit an image with GPT Image 2 (references, inpainting mask)',
    gptImage2,
  ),
  contexts: [0],
  options: toDiscordOptions(gptImage2),
} as const satisfies ChatCommandData;

export const imageCommand: ChatCommand<GenerationStarter> = {
  kind: 'chat',
  data,
  create: (starter) => ({
    async execute(interaction) {
      const { values, files } = readModelOptions(interaction, gptImage2);
      // The mask is checked against the first reference: order references first, mask last.
      files.sort((a, b) => Number(a.param === 'mask') - Number(b.param === 'mask'));
      await startGeneration(interaction, starter, {
        command: 'image',
        spec: gptImage2,
        values,
        files,
        maskParam: 'mask',
      });
    },
  }),
};
