import { ApplicationCommandOptionType, ChannelType, MessageFlags, PermissionFlagsBits } from 'discord.js';
import { readSubcommand, type SubcommandOf } from '../discord/command-options.js';
import { TEXT } from '../discord/messages.js';
import { settingsChangeWords } from '../discord/messages-moderation.js';
import { recordModeratorAction } from '../discord/mod-log.js';
import { isModerator } from '../discord/permissions.js';
import type { GuildSettings, GuildSettingsService } from '../services/credits/guild-settings.js';
import type { ChatCommand, ChatCommandData } from './types.js';

const data = {
  name: 'bot-settings',
  description: 'Moderators: where and by whom generation is allowed, moderator role, mod log',
  default_member_permissions: String(PermissionFlagsBits.ManageGuild),
  contexts: [0],
  options: [
    { type: ApplicationCommandOptionType.Subcommand, name: 'show', description: 'Show the current settings' },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'allow-channel',
      description:
        'Allow generation in a text or forum channel and its threads (once any is set, only those)',
      options: [
        {
          type: ApplicationCommandOptionType.Channel,
          name: 'channel',
          description: 'The channel',
          required: true,
          channel_types: [ChannelType.GuildText, ChannelType.GuildForum],
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'disallow-channel',
      description: 'Remove a channel from the allowed list',
      options: [
        {
          type: ApplicationCommandOptionType.Channel,
          name: 'channel',
          description: 'The channel',
          required: true,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'allow-role',
      description: 'Allow a role to generate (once any is set, only listed roles)',
      options: [
        { type: ApplicationCommandOptionType.Role, name: 'role', description: 'The role', required: true },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'disallow-role',
      description: 'Remove a role from the allowed list',
      options: [
        { type: ApplicationCommandOptionType.Role, name: 'role', description: 'The role', required: true },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'moderator-role',
      description: 'The role whose members manage quotas (besides Manage Server)',
      options: [
        {
          type: ApplicationCommandOptionType.Role,
          name: 'role',
          description: 'Leave empty to clear',
          required: false,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'mod-log',
      description: 'The channel where moderator actions are posted',
      options: [
        {
          type: ApplicationCommandOptionType.Channel,
          name: 'channel',
          description: 'Leave empty to clear',
          required: false,
          channel_types: [ChannelType.GuildText],
        },
      ],
    },
  ],
} as const satisfies ChatCommandData;

function describe(settings: GuildSettings): string {
  const list = (ids: string[], mention: (id: string) => string) =>
    ids.length === 0 ? 'all' : ids.map(mention).join(', ');
  return [
    `Channels: ${list(settings.allowedChannelIds, (id) => `<#${id}>`)}`,
    `Roles: ${list(settings.allowedRoleIds, (id) => `<@&${id}>`)}`,
    `Moderator role: ${settings.moderatorRoleId ? `<@&${settings.moderatorRoleId}>` : 'none (Manage Server only)'}`,
    `Mod log: ${settings.modLogChannelId ? `<#${settings.modLogChannelId}>` : 'none'}`,
  ].join('\n');
}

/** The settings after one subcommand. Pure. */
function applyChange(settings: GuildSettings, change: SubcommandOf<typeof data>): GuildSettings {
  const without = (ids: string[], id: string) => ids.filter((candidate) => candidate !== id);
  switch (change.name) {
    case 'show':
      return settings;
    case 'allow-channel': {
      const { id } = change.args.channel;
      return { ...settings, allowedChannelIds: [...without(settings.allowedChannelIds, id), id] };
    }
    case 'disallow-channel':
      return { ...settings, allowedChannelIds: without(settings.allowedChannelIds, change.args.channel.id) };
    case 'allow-role': {
      const { id } = change.args.role;
      return { ...settings, allowedRoleIds: [...without(settings.allowedRoleIds, id), id] };
    }
    case 'disallow-role':
      return { ...settings, allowedRoleIds: without(settings.allowedRoleIds, change.args.role.id) };
    case 'moderator-role':
      return { ...settings, moderatorRoleId: change.args.role?.id };
    case 'mod-log':
      return { ...settings, modLogChannelId: change.args.channel?.id };
  }
}

export const settingsCommand: ChatCommand<{ settings: GuildSettingsService }> = {
  kind: 'chat',
  data,
  create: ({ settings }) => ({
    async execute(interaction, log) {
      const guildId = interaction.guildId;
      if (!guildId) return;
      const reply = (content: string) =>
        interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      const current = await settings.get(guildId);
      // Checked here, not only through default_member_permissions, which a server admin can change.
      if (!isModerator(interaction.member, current.moderatorRoleId)) {
        await reply(TEXT.moderatorsOnly);
        return;
      }
      const change = readSubcommand<SubcommandOf<typeof data>>(interaction);
      if (change.name === 'show') {
        await reply(describe(current));
        return;
      }
      const updated = await settings.update(guildId, (stored) => applyChange(stored, change));
      await recordModeratorAction(interaction, settings, log, settingsChangeWords(change));
      await reply(`Saved.\n${describe(updated)}`);
    },
  }),
};
