import { DiscordAPIError } from 'discord.js';

/** Discord JSON error codes the bot acts on (https://discord.com/developers/docs/topics/opcodes-and-status-codes). */
export const DISCORD_ERROR = {
  unknownChannel: 10003,
  unknownMessage: 10008,
  unknownWebhook: 10015,
  unknownInteraction: 10062,
  requestEntityTooLarge: 40005,
  missingAccess: 50001,
  missingPermissions: 50013,
  invalidWebhookToken: 50027,
} as const;

export function discordCode(error: unknown): number | string | undefined {
  return error instanceof DiscordAPIError ? error.code : undefined;
}
