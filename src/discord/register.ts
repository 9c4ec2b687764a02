import { type REST, Routes } from 'discord.js';
import type { Logger } from 'pino';
import type { ChatCommandData, MessageMenuCommandData } from '../commands/types.js';

/** Replaces the bot's commands in each guild (guild commands update at once), or globally. */
export async function registerCommands(
  rest: REST,
  applicationId: string,
  guildIds: readonly string[],
  commands: readonly { data: ChatCommandData | MessageMenuCommandData }[],
  logger: Logger,
  global = false,
): Promise<void> {
  const body = commands.map((command) => command.data);
  if (global) {
    await rest.put(Routes.applicationCommands(applicationId), { body });
    logger.info({ count: body.length }, 'registered global commands');
    return;
  }
  for (const guildId of guildIds) {
    await rest.put(Routes.applicationGuildCommands(applicationId, guildId), { body });
    logger.info({ guildId, count: body.length }, 'registered guild commands');
  }
}
