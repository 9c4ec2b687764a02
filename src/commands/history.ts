import { MessageFlags } from 'discord.js';
import { historyText } from '../discord/messages-lists.js';
import type { GenerationLog } from '../services/jobs/generation-log.js';
import type { ChatCommand, ChatCommandData } from './types.js';

const data = {
  name: 'history',
  description: 'Your recent generations with their seeds and links',
  contexts: [0],
} as const satisfies ChatCommandData;

export const historyCommand: ChatCommand<{ generationLog: GenerationLog }> = {
  kind: 'chat',
  data,
  create: ({ generationLog }) => ({
    async execute(interaction) {
      const guildId = interaction.guildId;
      if (!guildId) return;
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const recent = await generationLog.recent(guildId, interaction.user.id, 10);
      await interaction.editReply({ content: historyText(recent), allowedMentions: { parse: [] } });
    },
  }),
};
