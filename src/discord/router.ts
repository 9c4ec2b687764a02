import { randomBytes } from 'node:crypto';
import {
  type ButtonInteraction,
  type Interaction,
  MessageFlags,
  type ModalSubmitInteraction,
  type RepliableInteraction,
} from 'discord.js';
import type { Logger } from 'pino';
import type { BoundCommand } from '../commands/types.js';
import { StoreUnavailableError } from '../services/store/store-errors.js';
import { clipMessage, TEXT } from './messages.js';

/** A button click or modal submit in a served guild. */
export type ComponentInteraction =
  | ButtonInteraction<'cached' | 'raw'>
  | ModalSubmitInteraction<'cached' | 'raw'>;
export type ComponentHandler = (interaction: ComponentInteraction) => Promise<boolean>;

/**
 * The one place interactions enter. It ignores guilds the bot does not serve (silently), finds the command, and
 * catches what a handler throws: logged with context and a short error id, shown to the user as a plain
 * apology with that id — never an internal message, a stack or a secret.
 */
export function createInteractionRouter(deps: {
  commands: readonly BoundCommand[];
  servedGuildIds: readonly string[];
  logger: Logger;
  /** Tried in order for every button click and modal submit; each returns true when the custom id was its own. */
  componentHandlers?: readonly ComponentHandler[];
}) {
  const byName = new Map(deps.commands.map((command) => [command.name, command]));
  const served = new Set(deps.servedGuildIds);

  return async function route(interaction: Interaction): Promise<void> {
    const commandName = 'commandName' in interaction ? interaction.commandName : undefined;
    const log = deps.logger.child({
      interactionId: interaction.id,
      guildId: interaction.guildId,
      userId: interaction.user.id,
      command: commandName,
    });
    if (!interaction.guildId) {
      if (interaction.isRepliable())
        await replyEphemeral(interaction, TEXT.guildNotServed).catch(() => undefined);
      return;
    }
    if (!served.has(interaction.guildId)) {
      // Not a word: another instance sharing this bot may serve that guild, and only one may answer.
      log.debug('interaction from a guild this instance does not serve: ignored');
      return;
    }
    const command = commandName ? byName.get(commandName) : undefined;
    try {
      if (interaction.isAutocomplete()) {
        if (command?.kind === 'chat' && command.autocomplete) await command.autocomplete(interaction);
        else await interaction.respond([]);
        return;
      }
      if ((interaction.isButton() || interaction.isModalSubmit()) && interaction.inGuild()) {
        for (const handle of deps.componentHandlers ?? []) if (await handle(interaction)) return;
        log.debug({ customId: interaction.customId }, 'component nobody handles: ignored');
        return;
      }
      if (!command) return;
      if (interaction.isChatInputCommand() && command.kind === 'chat')
        await command.execute(interaction, log);
      else if (interaction.isMessageContextMenuCommand() && command.kind === 'message-menu')
        await command.execute(interaction, log);
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        // Expected while the store is down: nothing was spent, and the user can simply retry.
        log.warn({ err: error }, 'store unavailable during a command');
        if (interaction.isRepliable())
          await replyEphemeral(interaction, TEXT.storageUnavailable).catch(() => undefined);
        return;
      }
      const errorId = randomBytes(4).toString('hex');
      log.error({ err: error, errorId }, 'command failed');
      if (interaction.isRepliable())
        await replyEphemeral(interaction, TEXT.internalError(errorId)).catch(() => undefined);
    }
  };
}

/**
 * Answers so only the invoker sees it. A deferred public reply cannot become ephemeral, so it is removed
 * and the answer is sent as an ephemeral follow-up.
 */
export async function replyEphemeral(interaction: RepliableInteraction, content: string): Promise<void> {
  const payload = {
    content: clipMessage(content),
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  } as const;
  if (interaction.deferred || interaction.replied) {
    if (!interaction.ephemeral) await interaction.deleteReply().catch(() => undefined);
    await interaction.followUp(payload);
    return;
  }
  await interaction.reply(payload);
}
