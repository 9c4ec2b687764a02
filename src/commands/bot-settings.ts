import {
  ApplicationCommandOptionType,
  ChannelType,
  MessageFlags,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { TEXT } from '../discord/messages.js';
import { recordModeratorAction } from '../discord/mod-log.js';
import { isModerator } from '../discord/permissions.js';
import type { GuildSettings } from '../services/credits/guild-settings.js';
import type { ChatCommand } from './types.js';

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
      description: 'Allow generation in a channel (once any is set, only listed channels)',
      options: [
        {
          type: ApplicationCommandOptionType.Channel,
          name: 'channel',
          description: 'The channel',
          required: true,
          channel_types: [ChannelType.GuildText],
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
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

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

export const settingsCommand: ChatCommand = {
  kind: 'chat',
  data,
  async execute(interaction, deps, log) {
    const guildId = interaction.guildId;
    if (!guildId) return;
    const reply = (content: string) =>
      interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    const current = await deps.settings.get(guildId);
    if (!isModerator(interaction.member, current.moderatorRoleId)) {
      await reply(TEXT.moderatorsOnly);
      return;
    }
    const subcommand = interaction.options.getSubcommand();
    if (subcommand === 'show') {
      await reply(describe(current));
      return;
    }
    const channelId = interaction.options.getChannel('channel')?.id;
    const roleId = interaction.options.getRole('role')?.id;
    const without = (ids: string[], id: string | undefined) => ids.filter((candidate) => candidate !== id);
    const updated = await deps.settings.update(guildId, (settings) => {
      switch (subcommand) {
        case 'allow-channel':
          return {
            ...settings,
            allowedChannelIds: [
              ...without(settings.allowedChannelIds, channelId),
              ...(channelId ? [channelId] : []),
            ],
          };
        case 'disallow-channel':
          return { ...settings, allowedChannelIds: without(settings.allowedChannelIds, channelId) };
        case 'allow-role':
          return {
            ...settings,
            allowedRoleIds: [...without(settings.allowedRoleIds, roleId), ...(roleId ? [roleId] : [])],
          };
        case 'disallow-role':
          return { ...settings, allowedRoleIds: without(settings.allowedRoleIds, roleId) };
        case 'moderator-role':
          return { ...settings, moderatorRoleId: roleId };
        case 'mod-log':
          return { ...settings, modLogChannelId: channelId };
        default:
          return settings;
      }
    });
    await recordModeratorAction(interaction, deps.settings, log, `changed bot settings (${subcommand})`);
    await reply(`Saved.\n${describe(updated)}`);
  },
};
