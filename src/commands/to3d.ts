import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import { readModelOptions } from '../discord/model-options.js';
import { runGeneration } from '../discord/run-generation.js';
import { pixal3d } from '../models/pixal3d.js';
import { toDiscordOptions } from '../models/spec.js';
import type { ChatCommand } from './types.js';

const data = {
  name: 'to3d',
  description: 'Turn an image into a textured 3D model (.glb) with Pixal3D',
  contexts: [0],
  options: toDiscordOptions(pixal3d),
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const to3dCommand: ChatCommand = {
  kind: 'chat',
  data,
  async execute(interaction, deps, log) {
    const { values, attachments } = readModelOptions(interaction, pixal3d);
    await runGeneration(interaction, deps, log, { command: 'to3d', spec: pixal3d, values, attachments });
  },
};
