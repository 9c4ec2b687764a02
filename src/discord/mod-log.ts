import type { ChatInputCommandInteraction, REST } from 'discord.js';
import type { Logger } from 'pino';
import type { GuildSettingsService } from '../services/credits/guild-settings.js';
import { MODERATION_WORDS } from './messages-moderation.js';

/**
 * Logs a moderator's action, and posts it in words to the guild's mod-log channel when one is set
 * ("@mod allowed generation in #art"). For actions that are not commands (a ❌ on a member's result).
 */
export async function postModLog(
  deps: { rest: REST; settings: GuildSettingsService; log: Logger },
  action: { guildId: string; moderatorId: string; summary: string },
): Promise<void> {
  const { rest, settings, log } = deps;
  log.info({ moderatorId: action.moderatorId, action: action.summary }, 'moderator action');
  const { modLogChannelId } = await settings
    .get(action.guildId)
    .catch(() => ({ modLogChannelId: undefined }));
  if (!modLogChannelId) return;
  await rest
    .post(`/channels/${modLogChannelId}/messages`, {
      body: {
        content: MODERATION_WORDS.logLine(action.moderatorId, action.summary),
        allowed_mentions: { parse: [] },
      },
    })
    .catch((error) => log.warn({ err: error }, 'could not post to the mod-log channel'));
}

/** Every moderator command's action is logged, and posted to the guild's mod-log channel when one is set. */
export async function recordModeratorAction(
  interaction: ChatInputCommandInteraction,
  settings: GuildSettingsService,
  log: Logger,
  summary: string,
): Promise<void> {
  const guildId = interaction.guildId;
  if (!guildId) return;
  await postModLog(
    { rest: interaction.client.rest, settings, log },
    { guildId, moderatorId: interaction.user.id, summary },
  );
}
