import { MessageFlags } from 'discord.js';
import { statusText } from '../discord/messages-queue.js';
import { isModerator } from '../discord/permissions.js';
import type { Clock } from '../services/clock.js';
import type { GuildSettingsService } from '../services/credits/guild-settings.js';
import type { BotStatus } from '../services/jobs/bot-status.js';
import type { ChatCommand, ChatCommandData } from './types.js';

const data = {
  name: 'status',
  description: 'Your queued and running jobs, the queue, and how the bot and Scenario are doing',
  contexts: [0],
} as const satisfies ChatCommandData;

export interface StatusCommandDeps {
  botStatus: BotStatus;
  settings: GuildSettingsService;
  clock: Clock;
}

/**
 * `/status`, for anyone, answered only to them. Moderators (checked here, like every moderator command,
 * not through Discord's command permissions, which a server admin can change) also see every member's
 * counts; others see only their own jobs and totals.
 */
export const statusCommand: ChatCommand<StatusCommandDeps> = {
  kind: 'chat',
  data,
  create: ({ botStatus, settings, clock }) => ({
    async execute(interaction) {
      const guildId = interaction.guildId;
      if (!guildId) return;
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const { moderatorRoleId } = await settings.get(guildId).catch(() => ({ moderatorRoleId: undefined }));
      const moderator = isModerator(interaction.member, moderatorRoleId);
      const report = await botStatus.report(guildId, interaction.user.id, moderator);
      await interaction.editReply({
        content: statusText(report, clock.now()),
        allowedMentions: { parse: [] },
      });
    },
  }),
};
