import { settingsCommand } from './bot-settings.js';
import { generateCommand } from './generate.js';
import { historyCommand } from './history.js';
import { imageCommand } from './image.js';
import { make3dCommand } from './make-3d.js';
import { quotaCommand } from './quota.js';
import { skyboxCommand } from './skybox.js';
import { to3dCommand } from './to3d.js';
import type { Command } from './types.js';

/** Every command the bot registers and answers. */
export const commands: readonly Command[] = [
  skyboxCommand,
  to3dCommand,
  imageCommand,
  generateCommand,
  make3dCommand,
  quotaCommand,
  historyCommand,
  settingsCommand,
];
