import {
  ApiError,
  type BotPermission,
  CHANNEL_TYPES,
  type EmulatedChannel,
  INTENTS,
  isThread,
  type Routes,
  snowflake,
  unknownChannel,
} from './model.js';
import type { Serialisers } from './serialise.js';
import type { EmulatorState } from './state.js';

/**
 * The guild and its people: members and their roles, channels (and DM channels), and the permissions the
 * bot is denied per channel, which the message and reaction routes check.
 */
export function createGuild(
  state: EmulatorState,
  api: Pick<Serialisers, 'apiUser' | 'apiMember' | 'apiChannel'>,
  gateway: {
    dispatch: (type: string, data: unknown, intent?: number) => void;
    guildCreate: () => { roles: unknown[]; channels: unknown[] };
  },
) {
  const { guild, guildId, channels, botUserId } = state;
  const { apiUser, apiMember, apiChannel } = api;
  const { dispatch, guildCreate } = gateway;

  const liveChannel = (channelId: string) => {
    const channel = channels.get(channelId);
    if (!channel || channel.deleted) throw unknownChannel();
    return channel;
  };
  /** A thread has its parent's permissions (Discord computes them from the parent's overwrites). */
  const checkBotPermission = (channelId: string, permission: BotPermission) => {
    const channel = liveChannel(channelId);
    const parent = channel.parentId ? channels.get(channel.parentId) : undefined;
    if (channel.denied.has(permission) || parent?.denied.has(permission))
      throw new ApiError(403, 50013, 'Missing Permissions');
  };
  /** Discord: a forum holds threads (posts), not messages (50008 Cannot send messages in a non-text channel). */
  const checkHoldsMessages = (channelId: string) => {
    if (liveChannel(channelId).type === CHANNEL_TYPES.forum)
      throw new ApiError(400, 50008, 'Cannot send messages in a non-text channel');
  };
  const addChannel = (channel: EmulatedChannel) => {
    channels.set(channel.id, channel);
    if (isThread(channel.type))
      dispatch('THREAD_CREATE', { ...apiChannel(channel), newly_created: true }, INTENTS.Guilds);
    else dispatch('CHANNEL_CREATE', apiChannel(channel, channels.size), INTENTS.Guilds);
    state.notify();
    return channel;
  };

  const routes: Routes = ({ method, is, parts, body }) => {
    if (method === 'GET' && is('users/@me')) return { status: 200, body: apiUser(botUserId) };
    if (method === 'GET' && is('channels/:channel')) {
      const channel = liveChannel(parts[1] ?? '');
      return {
        status: 200,
        body: channel.guildId
          ? apiChannel(channel)
          : { id: channel.id, type: channel.type, recipients: [apiUser(channel.recipientId ?? '')] },
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
    checkHoldsMessages,
    routes,
    helpers: {
      /** A moderator creates a text (0) or forum (15) channel. */
      createChannel(input: { name: string; type?: 0 | 15 }) {
        return addChannel({
          id: snowflake(),
          guildId,
          name: input.name,
          type: input.type ?? CHANNEL_TYPES.text,
          deleted: false,
          denied: new Set(),
        }).id;
      },
      /**
       * A member opens a thread under a text channel (public 11 or private 12), or a post in a forum
       * (always a public thread): THREAD_CREATE, as Discord sends it.
       */
      createThread(input: { parentId: string; name: string; type?: 11 | 12 }) {
        const parent = liveChannel(input.parentId);
        return addChannel({
          id: snowflake(),
          guildId,
          name: input.name,
          type: parent.type === CHANNEL_TYPES.forum ? CHANNEL_TYPES.publicThread : (input.type ?? 11),
          deleted: false,
          denied: new Set(),
          parentId: parent.id,
        }).id;
      },
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
