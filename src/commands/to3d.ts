import { withCost } from '../discord/messages-info.js';
import { readModelOptions } from '../discord/model-options.js';
import { type GenerationStarter, startGeneration } from '../discord/start-generation.js';
import { pixal3d } from '../models/pixal3d.js';
import { toDiscordOptions } from '../models/spec.js';
import type { ChatCommand, ChatCommandData } from './types.js';

const data = {
  name: 'to3d',
  description: withCost('Turn an image into a textured 3D model (.glb) with Pixal3D', pixal3d),
  contexts: [0],
  options: toDiscordOptions(pixal3d),
} as const satisfies ChatCommandData;

export const to3dCommand: ChatCommand<GenerationStarter> = {
  kind: 'chat',
  data,
  create: (starter) => ({
    async execute(interaction) {
      const { values, files } = readModelOptions(interaction, pixal3d);
      await startGeneration(interaction, starter, { command: 'to3d', spec: pixal3d, values, files });
    },
  }),
};
