import { type EmulatedAttachment, type EmulatedChannel, type EmulatedMessage, isThread } from './model.js';
import type { EmulatorState } from './state.js';

/** The emulator's objects as Discord's API and gateway send them. */
export function createSerialisers(state: EmulatorState) {
  const { users, guild, guildId, channels, applicationId, botUserId } = state;

  const apiUser = (id: string) => {
    const user = users.get(id) ?? { id, username: `user-${id.slice(-4)}` };
    return {
      id: user.id,
      username: user.username,
      discriminator: '0',
      global_name: user.username,
      avatar: null,
      bot: user.bot ?? false,
    };
  };
  const memberPermissions = (userId: string): bigint => {
    const member = guild.members.find((candidate) => candidate.id === userId);
    if (!member) return 0n;
    return guild.roles
      .filter((role) => role.id === guildId || member.roles.includes(role.id))
      .reduce((sum, role) => sum | role.permissions, 0n);
  };
  const apiMember = (userId: string) => {
    const member = guild.members.find((candidate) => candidate.id === userId);
    return {
      user: apiUser(userId),
      roles: member?.roles ?? [],
      joined_at: new Date(0).toISOString(),
      deaf: false,
      mute: false,
      flags: 0,
      permissions: memberPermissions(userId).toString(),
    };
  };
  const apiAttachment = (attachment: EmulatedAttachment) => ({
    id: attachment.id,
    filename: attachment.filename,
    size: attachment.size,
    url: attachment.url,
    proxy_url: attachment.url,
    content_type: attachment.content_type,
  });
  /**
   * A guild channel as Discord sends it: text (0) and forum (15) channels, and threads (10–12) with their
   * parent and `thread_metadata` (https://discord.com/developers/docs/resources/channel#channel-object).
   */
  const apiChannel = (channel: EmulatedChannel, position = 0) => ({
    id: channel.id,
    type: channel.type,
    name: channel.name,
    guild_id: guildId,
    nsfw: false,
    ...(isThread(channel.type)
      ? {
          parent_id: channel.parentId,
          owner_id: botUserId,
          message_count: 0,
          member_count: 1,
          rate_limit_per_user: 0,
          flags: 0,
          thread_metadata: {
            archived: false,
            auto_archive_duration: 1440,
            archive_timestamp: new Date(0).toISOString(),
            locked: false,
            ...(channel.type === 12 ? { invitable: false } : {}),
          },
        }
      : {
          position,
          permission_overwrites: [],
          ...(channel.type === 15 ? { available_tags: [], default_reaction_emoji: null, flags: 0 } : {}),
        }),
  });
  const apiMessage = (message: EmulatedMessage) => ({
    id: message.id,
    channel_id: message.channelId,
    ...(channels.get(message.channelId)?.guildId ? { guild_id: guildId } : {}),
    author: apiUser(message.authorId),
    content: message.content,
    timestamp: new Date(message.createdAt).toISOString(),
    edited_timestamp: message.edits > 0 ? new Date().toISOString() : null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: message.attachments.map(apiAttachment),
    embeds: message.embeds,
    pinned: false,
    type: message.interactionId ? 20 : message.replyTo ? 19 : 0,
    flags: message.flags,
    components: message.components,
    ...(message.interactionId ? { webhook_id: applicationId, application_id: applicationId } : {}),
    ...(message.replyTo
      ? {
          message_reference: {
            message_id: message.replyTo,
            channel_id: message.channelId,
            guild_id: guildId,
          },
        }
      : {}),
    reactions: [...message.reactions.entries()].map(([emoji, who]) => ({
      emoji: { id: null, name: emoji },
      count: who.size,
      me: who.has(botUserId),
      burst_colors: [],
      count_details: { burst: 0, normal: who.size },
      me_burst: false,
    })),
  });
  return { apiUser, apiMember, apiAttachment, apiMessage, apiChannel };
}

export type Serialisers = ReturnType<typeof createSerialisers>;
