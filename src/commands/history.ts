import { MessageFlags } from 'discord.js';
import { quoteUserText } from '../discord/messages.js';
import { modelLabel } from '../models/index.js';
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
      if (recent.length === 0) {
        await interaction.editReply('You have no generations in this server yet.');
        return;
      }
      const lines = recent.map((generation) => {
        const link = `https://discord.com/channels/${generation.guildId}/${generation.channelId}/${generation.messageId}`;
        const prompt =
          typeof generation.body.prompt === 'string' ? ` “${quoteUserText(generation.body.prompt, 60)}”` : '';
        const seed = generation.seed === undefined ? 'no seed' : `seed \`${generation.seed}\``;
        const parent = generation.parentGenerationId ? ' (reroll)' : '';
        return `• <t:${Math.floor(generation.createdAt / 1000)}:R> **${modelLabel(generation.modelId)}**${parent}${prompt} · ${seed} · [result](${link})`;
      });
      await interaction.editReply({ content: lines.join('\n'), allowedMentions: { parse: [] } });
    },
  }),
};
