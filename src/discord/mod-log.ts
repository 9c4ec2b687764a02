import type { ChatInputCommandInteraction } from 'discord.js';
import type { Logger } from 'pino';
import type { GuildSettingsService } from '../services/credits/guild-settings.js';

/** Every moderator action is logged, and posted to the guild's mod-log channel when one is set. */
export async function recordModeratorAction(
  interaction: ChatInputCommandInteraction,
  settings: GuildSettingsService,
  log: Logger,
  summary: string,
): Promise<void> {
  log.info({ moderatorId: interaction.user.id, action: summary }, 'moderator action');
  const guildId = interaction.guildId;
  if (!guildId) return;
  const { modLogChannelId } = await settings.get(guildId).catch(() => ({ modLogChannelId: undefined }));
  if (!modLogChannelId) return;
  await interaction.client.rest
    .post(`/channels/${modLogChannelId}/messages`, {
      body: { content: `🛡️ <@${interaction.user.id}> ${summary}`, allowed_mentions: { parse: [] } },
    })
    .catch((error) => log.warn({ err: error }, 'could not post to the mod-log channel'));
}
