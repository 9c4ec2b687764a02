import { ApiError, type BotPermission, INTENTS, type Routes, snowflake, unknownChannel } from './model.js';
import type { Serialisers } from './serialise.js';
import type { EmulatorState } from './state.js';

/**
 * The guild and its people: members and their roles, channels (and DM channels), and the permissions the
 * bot is denied per channel, which the message and reaction routes check.
 */
export function createGuild(
  state: EmulatorState,
  api: Pick<Serialisers, 'apiUser' | 'apiMember'>,
  gateway: {
    dispatch: (type: string, data: unknown, intent?: number) => void;
    guildCreate: () => { roles: unknown[]; channels: unknown[] };
  },
) {
  const { guild, guildId, channels, botUserId } = state;
  const { apiUser, apiMember } = api;
  const { dispatch, guildCreate } = gateway;

  const liveChannel = (channelId: string) => {
    const channel = channels.get(channelId);
    if (!channel || channel.deleted) throw unknownChannel();
    return channel;
  };
  const checkBotPermission = (channelId: string, permission: BotPermission) => {
    if (liveChannel(channelId).denied.has(permission)) throw new ApiError(403, 50013, 'Missing Permissions');
  };

  const routes: Routes = ({ method, is, parts, body }) => {
    if (method === 'GET' && is('users/@me')) return { status: 200, body: apiUser(botUserId) };
    if (method === 'GET' && is('channels/:channel')) {
      const channel = liveChannel(parts[1] ?? '');
      return {
        status: 200,
        body: {
          id: channel.id,
          type: channel.type,
          name: channel.name,
          ...(channel.guildId
            ? { guild_id: channel.guildId }
            : { recipients: [apiUser(channel.recipientId ?? '')] }),
        },
      };
    }
    if (method === 'POST' && is('users/@me/channels')) {
      const recipient = String(body.json.recipient_id ?? '');
      let dm = [...channels.values()].find((channel) => channel.recipientId === recipient);
      if (!dm) {
        dm = {
          id: snowflake(),
          name: `dm-${recipient}`,
          type: 1,
          deleted: false,
          denied: new Set(),
          recipientId: recipient,
        };
        channels.set(dm.id, dm);
      }
      return {
        status: 200,
        body: { id: dm.id, type: 1, recipients: [apiUser(recipient)], last_message_id: null },
      };
    }
    if (method === 'GET' && is('guilds/:guild/members/:user')) {
      if (!guild.members.some((member) => member.id === parts[3]))
        throw new ApiError(404, 10007, 'Unknown Member');
      return { status: 200, body: apiMember(parts[3] ?? '') };
    }
    if (method === 'GET' && is('guilds/:guild')) return { status: 200, body: guildCreate() };
    if (method === 'GET' && is('guilds/:guild/roles')) return { status: 200, body: guildCreate().roles };
    if (method === 'GET' && is('guilds/:guild/channels'))
      return { status: 200, body: guildCreate().channels };
    return undefined;
  };

  return {
    liveChannel,
    checkBotPermission,
    routes,
    helpers: {
      deleteChannel(channelId: string) {
        const channel = channels.get(channelId);
        if (channel) channel.deleted = true;
        dispatch(
          'CHANNEL_DELETE',
          { id: channelId, type: 0, guild_id: guildId, name: channel?.name },
          INTENTS.Guilds,
        );
      },
      setBotPermission(channelId: string, permission: BotPermission, allowed: boolean) {
        const channel = channels.get(channelId);
        if (!channel) return;
        if (allowed) channel.denied.delete(permission);
        else channel.denied.add(permission);
      },
      setAttachmentSizeLimit(bytes: number) {
        guild.attachmentSizeLimit = bytes;
      },
    },
  };
}

export type Guild = ReturnType<typeof createGuild>;
