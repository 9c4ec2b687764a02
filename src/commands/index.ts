import type { GenerationStarter } from '../discord/start-generation.js';
import type { ModelCatalog } from '../services/scenario/model-catalog.js';
import { settingsCommand } from './bot-settings.js';
import { defaultsCommand } from './defaults.js';
import { generateCommand } from './generate.js';
import { historyCommand } from './history.js';
import { imageCommand } from './image.js';
import { type InfoCommandDeps, infoCommand } from './info.js';
import { make3dCommand } from './make-3d.js';
import { type QuotaCommandDeps, quotaCommand } from './quota.js';
import { skyboxCommand } from './skybox.js';
import { type StatusCommandDeps, statusCommand } from './status.js';
import { to3dCommand } from './to3d.js';
import type { BoundCommand } from './types.js';

/** Every command the bot registers and answers (registration reads `data` only). */
export const commands = [
  skyboxCommand,
  to3dCommand,
  imageCommand,
  generateCommand,
  make3dCommand,
  quotaCommand,
  historyCommand,
  settingsCommand,
  defaultsCommand,
  infoCommand,
  statusCommand,
] as const;

/** The services commands use, altogether; each command's factory takes only its part. */
export type CommandDeps = QuotaCommandDeps &
  InfoCommandDeps &
  StatusCommandDeps &
  GenerationStarter & { models: ModelCatalog };

/** Each command with its handler, given the services it uses. */
export function bindCommands(deps: CommandDeps): BoundCommand[] {
  return commands.map((command): BoundCommand => {
    const name = command.data.name;
    return command.kind === 'chat'
      ? { kind: 'chat', name, ...command.create(deps) }
      : { kind: 'message-menu', name, ...command.create(deps) };
  });
}
