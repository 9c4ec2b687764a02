import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SnowflakeUtil } from 'discord.js';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A local Discord (REST v10 + gateway v10, JSON frames) that the real discord.js client reaches through
 * `rest.api`. It keeps Discord's rules that bots break on: the 3-second window to acknowledge, one
 * acknowledgement, interaction tokens that expire after 15 minutes, per-file upload limits, intents that
 * gate events, 429s with real headers, unknown messages and channels, missing permissions.
 */

export const INTENTS = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  DirectMessages: 1 << 12,
} as const;
const PERMS = {
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  AttachFiles: 1n << 15n,
  ReadHistory: 1n << 16n,
  UseCommands: 1n << 31n,
};
const EVERYONE_PERMS =
  PERMS.AddReactions |
  PERMS.ViewChannel |
  PERMS.SendMessages |
  PERMS.AttachFiles |
  PERMS.ReadHistory |
  PERMS.UseCommands;
const BOT_PERMS = EVERYONE_PERMS | PERMS.ManageMessages;

export type BotPermission = 'ATTACH_FILES' | 'ADD_REACTIONS' | 'SEND_MESSAGES';

export interface EmulatedAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  content_type?: string;
  data: Buffer;
}

/** One body the bot sent for a message (a create or an edit), as it arrived: what Discord would parse. */
export interface MessageWrite {
  messageId: string;
  channelId: string;
  interactionId?: string;
  kind: 'create' | 'edit';
  /** The message's content after this write. */
  content: string;
  /** The body's `allowed_mentions`; undefined when the body had none (Discord then parses every mention). */
  allowedMentions: unknown;
  at: number;
}

export interface EmulatedMessage {
  id: string;
  channelId: string;
  authorId: string;
  content: string;
  embeds: unknown[];
  attachments: EmulatedAttachment[];
  flags: number;
  /** Ephemeral messages are seen by this user only. */
  visibleTo?: string;
  interactionId?: string;
  replyTo?: string;
  edits: number;
  reactions: Map<string, Set<string>>;
  allowedMentions?: unknown;
  /** Action rows with their buttons, as Discord stores them. */
  components: unknown[];
  /** Every create and edit body applied to this message, oldest first. */
  revisions: MessageWrite[];
  createdAt: number;
}

interface EmulatedInteraction {
  id: string;
  token: string;
  userId: string;
  channelId: string;
  guildId: string;
  createdAt: number;
  acknowledged: boolean;
  expired: boolean;
  originalMessageId?: string;
  attachmentSizeLimit: number;
  callbacks: { type: number; data?: Record<string, unknown>; at: number }[];
}

interface Session {
  id: string;
  intents: number;
  seq: number;
  socket?: WebSocket;
  log: { s: number; payload: string }[];
}

export interface GuildSeed {
  id: string;
  name: string;
  channels: { id: string; name: string }[];
  roles: { id: string; name: string; permissions: bigint }[];
  members: { id: string; username: string; roles: string[]; bot?: boolean }[];
  attachmentSizeLimit: number;
}

export interface DiscordEmulatorOptions {
  token?: string;
  /** Time to the first callback before 10062 (Discord: 3 s). */
  ackWindowMs?: number;
  /** Interaction token lifetime (Discord: 15 minutes). */
  tokenLifetimeMs?: number;
  heartbeatIntervalMs?: number;
}

const snowflake = () => SnowflakeUtil.generate().toString();

export async function startDiscordEmulator(options: DiscordEmulatorOptions = {}) {
  const token =
    options.token ??
    `${Buffer.from(snowflake()).toString('base64')}.emulated.${randomBytes(12).toString('hex')}`;
  const ackWindowMs = options.ackWindowMs ?? 3_000;
  const tokenLifetimeMs = options.tokenLifetimeMs ?? 15 * 60 * 1000;
  const applicationId = snowflake();
  const botUserId = applicationId;
  const guildId = snowflake();
  const ids = {
    general: snowflake(),
    modLog: snowflake(),
    alice: snowflake(),
    bob: snowflake(),
    mod: snowflake(),
    moderatorRole: snowflake(),
  };
  const users = new Map<string, { id: string; username: string; bot?: boolean }>([
    [botUserId, { id: botUserId, username: 'Scenario Bot', bot: true }],
    [ids.alice, { id: ids.alice, username: 'alice' }],
    [ids.bob, { id: ids.bob, username: 'bob' }],
    [ids.mod, { id: ids.mod, username: 'mod' }],
  ]);
  const guild: GuildSeed = {
    id: guildId,
    name: 'Test Guild',
    channels: [
      { id: ids.general, name: 'general' },
      { id: ids.modLog, name: 'mod-log' },
    ],
    roles: [
      { id: guildId, name: '@everyone', permissions: EVERYONE_PERMS },
      { id: ids.moderatorRole, name: 'Moderator', permissions: EVERYONE_PERMS | PERMS.ManageGuild },
    ],
    members: [
      { id: botUserId, username: 'Scenario Bot', roles: [], bot: true },
      { id: ids.alice, username: 'alice', roles: [] },
      { id: ids.bob, username: 'bob', roles: [] },
      { id: ids.mod, username: 'mod', roles: [ids.moderatorRole] },
    ],
    attachmentSizeLimit: 10 * 1024 * 1024,
  };
  const channels = new Map<
    string,
    {
      id: string;
      guildId?: string;
      name: string;
      type: number;
      deleted: boolean;
      denied: Set<BotPermission>;
      recipientId?: string;
    }
  >();
  for (const channel of guild.channels)
    channels.set(channel.id, {
      id: channel.id,
      guildId,
      name: channel.name,
      type: 0,
      deleted: false,
      denied: new Set(),
    });
  const messages = new Map<string, EmulatedMessage>();
  /** Every message body the bot sent, deleted messages included. */
  const writes: MessageWrite[] = [];
  const files = new Map<string, EmulatedAttachment>();
  const interactions = new Map<string, EmulatedInteraction>();
  const commands = new Map<string, Record<string, unknown>[]>();
  const sessions = new Map<string, Session>();
  const requests: { method: string; path: string; status: number; at: number }[] = [];
  const unknownRoutes: string[] = [];
  const rateLimits: {
    route: RegExp;
    count: number;
    retryAfterSec: number;
    global: boolean;
    withFilesOnly: boolean;
  }[] = [];
  const serverErrors: { route: RegExp; count: number; status: number }[] = [];
  let origin = '';
  const identified: number[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };

  // ---------- serialisation ----------
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

  // ---------- gateway ----------
  const dispatch = (type: string, data: unknown, intent?: number) => {
    for (const session of sessions.values()) {
      if (intent !== undefined && (session.intents & intent) === 0) continue;
      session.seq += 1;
      const payload = JSON.stringify({ op: 0, t: type, s: session.seq, d: data });
      session.log.push({ s: session.seq, payload });
      if (session.log.length > 500) session.log.shift();
      session.socket?.send(payload);
    }
  };
  const guildCreate = () => ({
    id: guildId,
    name: guild.name,
    icon: null,
    owner_id: ids.mod,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    system_channel_flags: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    features: [],
    emojis: [],
    stickers: [],
    roles: guild.roles.map((role, position) => ({
      id: role.id,
      name: role.name,
      color: 0,
      hoist: false,
      position,
      permissions: role.permissions.toString(),
      managed: false,
      mentionable: false,
      flags: 0,
    })),
    channels: [...channels.values()]
      .filter((channel) => channel.guildId && !channel.deleted)
      .map((channel, position) => ({
        id: channel.id,
        type: 0,
        name: channel.name,
        position,
        permission_overwrites: [],
        guild_id: guildId,
        nsfw: false,
      })),
    members: guild.members.map((member) => apiMember(member.id)),
    member_count: guild.members.length,
    large: false,
    unavailable: false,
    joined_at: new Date(0).toISOString(),
    voice_states: [],
    presences: [],
    threads: [],
    stage_instances: [],
    guild_scheduled_events: [],
  });

  const onSocket = (socket: WebSocket) => {
    let session: Session | undefined;
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: options.heartbeatIntervalMs ?? 41_250 } }));
    socket.on('message', (raw) => {
      let frame: { op: number; d: Record<string, unknown> | number | null };
      try {
        frame = JSON.parse(String(raw));
      } catch {
        socket.close(4002, 'Decode error');
        return;
      }
      if (frame.op === 1) {
        socket.send(JSON.stringify({ op: 11 }));
        return;
      }
      const data = (frame.d ?? {}) as Record<string, unknown>;
      if (frame.op === 2) {
        if (data.token !== token) {
          socket.close(4004, 'Authentication failed.');
          return;
        }
        session = {
          id: randomBytes(16).toString('hex'),
          intents: Number(data.intents ?? 0),
          seq: 0,
          socket,
          log: [],
        };
        sessions.set(session.id, session);
        identified.push(session.intents);
        dispatch('READY', {
          v: 10,
          user: { ...apiUser(botUserId), verified: true, mfa_enabled: false, flags: 0 },
          guilds: [{ id: guildId, unavailable: true }],
          session_id: session.id,
          resume_gateway_url: `ws://127.0.0.1:${new URL(origin).port}`,
          shard: [0, 1],
          application: { id: applicationId, flags: 0 },
          private_channels: [],
          presences: [],
          relationships: [],
          guild_join_requests: [],
          user_settings: {},
        });
        dispatch('GUILD_CREATE', guildCreate(), INTENTS.Guilds);
        notify();
        return;
      }
      if (frame.op === 6) {
        const previous = sessions.get(String(data.session_id));
        if (!previous || data.token !== token) {
          socket.send(JSON.stringify({ op: 9, d: false }));
          return;
        }
        session = previous;
        session.socket = socket;
        for (const entry of session.log) if (entry.s > Number(data.seq ?? 0)) socket.send(entry.payload);
        session.seq += 1;
        socket.send(JSON.stringify({ op: 0, t: 'RESUMED', s: session.seq, d: {} }));
        notify();
      }
    });
    socket.on('close', () => {
      if (session && session.socket === socket) session.socket = undefined;
    });
  };

  // ---------- REST ----------
  type Body = {
    json: Record<string, unknown>;
    files: Map<string, { name: string; data: Buffer; type: string }>;
  };
  const readBody = async (request: IncomingMessage): Promise<Body> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const type = request.headers['content-type'] ?? '';
    const filesByKey = new Map<string, { name: string; data: Buffer; type: string }>();
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      let json: Record<string, unknown> = {};
      for (const [key, value] of form.entries()) {
        if (key === 'payload_json' && typeof value === 'string') json = JSON.parse(value);
        else if (typeof value !== 'string')
          filesByKey.set(key, {
            name: value.name,
            data: Buffer.from(await value.arrayBuffer()),
            type: value.type,
          });
      }
      return { json, files: filesByKey };
    }
    if (raw.length === 0) return { json: {}, files: filesByKey };
    return { json: JSON.parse(raw.toString('utf8')), files: filesByKey };
  };

  class ApiError extends Error {
    constructor(
      readonly status: number,
      readonly code: number,
      message: string,
    ) {
      super(message);
    }
  }
  const unknownMessage = () => new ApiError(404, 10008, 'Unknown Message');
  const unknownChannel = () => new ApiError(404, 10003, 'Unknown Channel');

  const storeFile = (
    channelId: string,
    name: string,
    data: Buffer,
    contentType: string,
  ): EmulatedAttachment => {
    const id = snowflake();
    const expires = Math.floor(Date.now() / 1000 + 86_400).toString(16);
    const attachment: EmulatedAttachment = {
      id,
      filename: name,
      size: data.length,
      content_type: contentType || undefined,
      data,
      url: `${origin}/attachments/${channelId}/${id}/${encodeURIComponent(name)}?ex=${expires}&is=${expires}&hm=${randomBytes(8).toString('hex')}&`,
    };
    files.set(id, attachment);
    return attachment;
  };

  /** Applies a message body (content, embeds, attachments to keep, new files) as Discord does. */
  /** Discord's rules for message components that the bot uses: action rows of buttons. */
  const checkComponents = (value: unknown): unknown[] => {
    const invalid = () => new ApiError(400, 50035, 'Invalid Form Body');
    if (value === null || value === undefined) return [];
    if (!Array.isArray(value) || value.length > 5) throw invalid();
    for (const row of value as { type?: number; components?: unknown }[]) {
      if (row?.type !== 1 || !Array.isArray(row.components) || row.components.length === 0) throw invalid();
      if (row.components.length > 5) throw invalid();
      for (const button of row.components as Record<string, unknown>[]) {
        if (button.type !== 2 || typeof button.style !== 'number' || button.style < 1 || button.style > 5)
          throw invalid();
        if (button.style === 5 ? typeof button.url !== 'string' : typeof button.custom_id !== 'string')
          throw invalid();
        if (typeof button.custom_id === 'string' && button.custom_id.length > 100) throw invalid();
        if (button.label === undefined && button.emoji === undefined) throw invalid();
        if (typeof button.label === 'string' && button.label.length > 80) throw invalid();
      }
    }
    return value;
  };

  const applyBody = (message: EmulatedMessage, body: Body, sizeLimit: number, isEdit: boolean) => {
    for (const file of body.files.values()) {
      if (file.data.length > sizeLimit) throw new ApiError(413, 40005, 'Request entity too large');
    }
    if ('content' in body.json) message.content = String(body.json.content ?? '');
    if ('embeds' in body.json) message.embeds = (body.json.embeds as unknown[] | null) ?? [];
    if ('allowed_mentions' in body.json) message.allowedMentions = body.json.allowed_mentions;
    if ('components' in body.json) message.components = checkComponents(body.json.components);
    const listed = body.json.attachments as { id: string | number; filename?: string }[] | undefined;
    const uploads = [...body.files.entries()];
    if (listed) {
      const kept: EmulatedAttachment[] = [];
      for (const entry of listed) {
        const upload = body.files.get(`files[${entry.id}]`);
        if (upload)
          kept.push(storeFile(message.channelId, entry.filename ?? upload.name, upload.data, upload.type));
        else {
          const existing = message.attachments.find((attachment) => attachment.id === String(entry.id));
          if (existing) kept.push(existing);
        }
      }
      message.attachments = kept;
    } else if (uploads.length > 0) {
      message.attachments = [
        ...(isEdit ? message.attachments : []),
        ...uploads.map(([, upload]) => storeFile(message.channelId, upload.name, upload.data, upload.type)),
      ];
    }
    if (isEdit) message.edits += 1;
    message.flags &= ~128; // a deferred "thinking" message stops loading once edited
    const write: MessageWrite = {
      messageId: message.id,
      channelId: message.channelId,
      interactionId: message.interactionId,
      kind: isEdit ? 'edit' : 'create',
      content: message.content,
      allowedMentions: body.json.allowed_mentions,
      at: Date.now(),
    };
    message.revisions.push(write);
    writes.push(write);
  };

  const liveChannel = (channelId: string) => {
    const channel = channels.get(channelId);
    if (!channel || channel.deleted) throw unknownChannel();
    return channel;
  };
  const liveMessage = (channelId: string, messageId: string) => {
    liveChannel(channelId);
    const message = messages.get(messageId);
    if (!message || message.channelId !== channelId) throw unknownMessage();
    return message;
  };
  const interactionFor = (tokenValue: string) => {
    const interaction = interactions.get(tokenValue);
    if (!interaction) throw new ApiError(404, 10015, 'Unknown Webhook');
    if (interaction.expired || Date.now() - interaction.createdAt > tokenLifetimeMs)
      throw new ApiError(401, 50027, 'Invalid Webhook Token');
    return interaction;
  };
  const newMessage = (
    fields: Partial<EmulatedMessage> & { channelId: string; authorId: string },
  ): EmulatedMessage => {
    const message: EmulatedMessage = {
      id: snowflake(),
      content: '',
      embeds: [],
      attachments: [],
      flags: 0,
      edits: 0,
      reactions: new Map(),
      components: [],
      revisions: [],
      createdAt: Date.now(),
      ...fields,
    };
    messages.set(message.id, message);
    return message;
  };
  const announceCreate = (message: EmulatedMessage) => {
    if (message.visibleTo) return;
    dispatch(
      'MESSAGE_CREATE',
      { ...apiMessage(message), guild_id: guildId, member: apiMember(message.authorId) },
      INTENTS.GuildMessages,
    );
  };
  const announceUpdate = (message: EmulatedMessage) => {
    if (!message.visibleTo)
      dispatch('MESSAGE_UPDATE', { ...apiMessage(message), guild_id: guildId }, INTENTS.GuildMessages);
  };
  const removeMessage = (message: EmulatedMessage) => {
    messages.delete(message.id);
    if (!message.visibleTo)
      dispatch(
        'MESSAGE_DELETE',
        { id: message.id, channel_id: message.channelId, guild_id: guildId },
        INTENTS.GuildMessages,
      );
  };
  const checkBotPermission = (channelId: string, permission: BotPermission) => {
    if (liveChannel(channelId).denied.has(permission)) throw new ApiError(403, 50013, 'Missing Permissions');
  };

  async function route(
    method: string,
    path: string,
    request: IncomingMessage,
    query: URLSearchParams,
  ): Promise<{ status: number; body?: unknown }> {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const is = (pattern: string) => {
      const segments = pattern.split('/').filter(Boolean);
      return (
        segments.length === parts.length &&
        segments.every((segment, index) => segment.startsWith(':') || segment === parts[index])
      );
    };
    const body: Body =
      method === 'GET' || method === 'DELETE' ? { json: {}, files: new Map() } : await readBody(request);

    if (method === 'GET' && (is('gateway/bot') || is('gateway'))) {
      return {
        status: 200,
        body: {
          url: `ws://127.0.0.1:${new URL(origin).port}`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
        },
      };
    }
    if (method === 'GET' && is('users/@me')) return { status: 200, body: apiUser(botUserId) };
    if (method === 'GET' && is('applications/@me'))
      return {
        status: 200,
        body: { id: applicationId, name: 'Scenario Bot', flags: 0, bot: apiUser(botUserId) },
      };
    if (
      method === 'PUT' &&
      (is('applications/:app/guilds/:guild/commands') || is('applications/:app/commands'))
    ) {
      const scope = parts.length === 5 ? (parts[3] ?? 'global') : 'global';
      const list = (body.json as unknown as Record<string, unknown>[]).map((command) => ({
        ...command,
        id: snowflake(),
        application_id: applicationId,
        version: snowflake(),
        ...(scope !== 'global' ? { guild_id: scope } : {}),
      }));
      commands.set(scope, list);
      return { status: 200, body: list };
    }
    if (
      method === 'GET' &&
      (is('applications/:app/guilds/:guild/commands') || is('applications/:app/commands'))
    ) {
      return {
        status: 200,
        body: commands.get(parts.length === 5 ? (parts[3] ?? 'global') : 'global') ?? [],
      };
    }
    if (method === 'POST' && is('interactions/:id/:token/callback')) {
      const interaction = interactions.get(parts[2] ?? '');
      if (!interaction || interaction.id !== parts[1] || Date.now() - interaction.createdAt > ackWindowMs)
        throw new ApiError(404, 10062, 'Unknown interaction');
      if (interaction.acknowledged)
        throw new ApiError(400, 40060, 'Interaction has already been acknowledged.');
      const type = Number(body.json.type);
      const data = (body.json.data ?? {}) as Record<string, unknown>;
      interaction.acknowledged = true;
      interaction.callbacks.push({ type, data, at: Date.now() });
      if (type === 4 || type === 5) {
        const flags = Number(data.flags ?? 0);
        const message = newMessage({
          channelId: interaction.channelId,
          authorId: botUserId,
          interactionId: interaction.id,
          flags: (flags & 64) | (type === 5 ? 128 : 0),
          visibleTo: flags & 64 ? interaction.userId : undefined,
        });
        try {
          if (type === 4)
            applyBody(message, { json: data, files: body.files }, interaction.attachmentSizeLimit, false);
        } catch (error) {
          messages.delete(message.id);
          interaction.acknowledged = false;
          throw error;
        }
        interaction.originalMessageId = message.id;
        announceCreate(message);
      }
      notify();
      if (query.get('with_response') === 'true') {
        const original = interaction.originalMessageId
          ? messages.get(interaction.originalMessageId)
          : undefined;
        return {
          status: 200,
          body: {
            interaction: {
              id: interaction.id,
              type: 2,
              response_message_id: original?.id,
              response_message_loading: type === 5,
              response_message_ephemeral: Boolean((original?.flags ?? 0) & 64),
            },
            resource: { type, ...(original ? { message: apiMessage(original) } : {}) },
          },
        };
      }
      return { status: 204 };
    }
    if (is('webhooks/:app/:token/messages/:message')) {
      const interaction = interactionFor(parts[2] ?? '');
      const messageId = parts[4] === '@original' ? interaction.originalMessageId : parts[4];
      const message = messageId ? messages.get(messageId) : undefined;
      if (!message || !channels.get(message.channelId) || channels.get(message.channelId)?.deleted)
        throw unknownMessage();
      if (method === 'GET') return { status: 200, body: apiMessage(message) };
      if (method === 'DELETE') {
        removeMessage(message);
        notify();
        return { status: 204 };
      }
      if (method === 'PATCH') {
        applyBody(message, body, interaction.attachmentSizeLimit, true);
        announceUpdate(message);
        notify();
        return { status: 200, body: apiMessage(message) };
      }
    }
    if (method === 'POST' && is('webhooks/:app/:token')) {
      const interaction = interactionFor(parts[2] ?? '');
      if (!interaction.acknowledged) throw new ApiError(404, 10015, 'Unknown Webhook');
      const flags = Number(body.json.flags ?? 0);
      const message = newMessage({
        channelId: interaction.channelId,
        authorId: botUserId,
        interactionId: interaction.id,
        flags: flags & 64,
        visibleTo: flags & 64 ? interaction.userId : undefined,
      });
      applyBody(message, body, interaction.attachmentSizeLimit, false);
      announceCreate(message);
      notify();
      return { status: 200, body: apiMessage(message) };
    }
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
    if (is('channels/:channel/messages')) {
      const channel = liveChannel(parts[1] ?? '');
      if (method === 'GET')
        return {
          status: 200,
          body: [...messages.values()]
            .filter((message) => message.channelId === channel.id && !message.visibleTo)
            .reverse()
            .map(apiMessage),
        };
      if (method === 'POST') {
        checkBotPermission(channel.id, 'SEND_MESSAGES');
        if (body.files.size > 0) checkBotPermission(channel.id, 'ATTACH_FILES');
        const reference = body.json.message_reference as { message_id?: string } | undefined;
        const message = newMessage({
          channelId: channel.id,
          authorId: botUserId,
          replyTo: reference?.message_id,
        });
        applyBody(message, body, guild.attachmentSizeLimit, false);
        announceCreate(message);
        notify();
        return { status: 200, body: apiMessage(message) };
      }
    }
    if (is('channels/:channel/messages/:message')) {
      const message = liveMessage(parts[1] ?? '', parts[3] ?? '');
      if (method === 'GET') return { status: 200, body: apiMessage(message) };
      if (method === 'DELETE') {
        removeMessage(message);
        notify();
        return { status: 204 };
      }
      if (method === 'PATCH') {
        if (message.authorId !== botUserId)
          throw new ApiError(403, 50005, 'Cannot edit a message authored by another user');
        if (body.files.size > 0) checkBotPermission(message.channelId, 'ATTACH_FILES');
        applyBody(message, body, guild.attachmentSizeLimit, true);
        announceUpdate(message);
        notify();
        return { status: 200, body: apiMessage(message) };
      }
    }
    if (is('channels/:channel/messages/:message/reactions/:emoji/:user')) {
      const message = liveMessage(parts[1] ?? '', parts[3] ?? '');
      const emoji = parts[5] ?? '';
      const userId = parts[6] === '@me' ? botUserId : (parts[6] ?? '');
      if (method === 'PUT') {
        checkBotPermission(message.channelId, 'ADD_REACTIONS');
        const who = message.reactions.get(emoji) ?? new Set<string>();
        who.add(userId);
        message.reactions.set(emoji, who);
        dispatch(
          'MESSAGE_REACTION_ADD',
          {
            user_id: userId,
            channel_id: message.channelId,
            message_id: message.id,
            guild_id: guildId,
            member: apiMember(userId),
            emoji: { id: null, name: emoji },
            type: 0,
            burst: false,
          },
          INTENTS.GuildMessageReactions,
        );
        notify();
        return { status: 204 };
      }
      if (method === 'DELETE') {
        message.reactions.get(emoji)?.delete(userId);
        dispatch(
          'MESSAGE_REACTION_REMOVE',
          {
            user_id: userId,
            channel_id: message.channelId,
            message_id: message.id,
            guild_id: guildId,
            emoji: { id: null, name: emoji },
            type: 0,
            burst: false,
          },
          INTENTS.GuildMessageReactions,
        );
        notify();
        return { status: 204 };
      }
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
    unknownRoutes.push(`${method} ${path}`);
    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  }

  const rateHeaders = (route: string) => ({
    'x-ratelimit-limit': '5',
    'x-ratelimit-remaining': '4',
    'x-ratelimit-reset': String(Date.now() / 1000 + 1),
    'x-ratelimit-reset-after': '1',
    'x-ratelimit-bucket': Buffer.from(route.replace(/\d{15,}/g, ':id'))
      .toString('hex')
      .slice(0, 16),
  });

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const entry = { method, path: url.pathname, status: 0, at: Date.now() };
    requests.push(entry);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      response.writeHead(status, {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      });
      response.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const cdn = url.pathname.match(/^\/attachments\/\d+\/(\d+)\//);
    if (method === 'GET' && cdn) {
      const attachment = files.get(cdn[1] ?? '');
      if (!attachment) return send(404, { message: 'Not Found' });
      entry.status = 200;
      response.writeHead(200, {
        'content-type': attachment.content_type ?? 'application/octet-stream',
        'content-length': String(attachment.size),
      });
      return void response.end(attachment.data);
    }
    if (!url.pathname.startsWith('/api/v10/')) return send(404, { message: '404: Not Found', code: 0 });
    const path = url.pathname.slice('/api/v10'.length);
    const webhookRoute = path.startsWith('/webhooks/') || path.startsWith('/interactions/');
    if (!webhookRoute && request.headers.authorization !== `Bot ${token}`)
      return send(401, { message: '401: Unauthorized', code: 0 });
    const carriesFiles = request.headers['content-type']?.startsWith('multipart/form-data') ?? false;
    const limit = rateLimits.find(
      (candidate) =>
        candidate.count > 0 &&
        candidate.route.test(`${method} ${path}`) &&
        (!candidate.withFilesOnly || carriesFiles),
    );
    if (limit) {
      limit.count -= 1;
      return send(
        429,
        { message: 'You are being rate limited.', retry_after: limit.retryAfterSec, global: limit.global },
        {
          'retry-after': String(Math.ceil(limit.retryAfterSec)),
          ...rateHeaders(path),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': String(limit.retryAfterSec),
          'x-ratelimit-scope': limit.global ? 'global' : 'user',
          ...(limit.global ? { 'x-ratelimit-global': 'true' } : {}),
        },
      );
    }
    const failure = serverErrors.find(
      (candidate) => candidate.count > 0 && candidate.route.test(`${method} ${path}`),
    );
    if (failure) {
      failure.count -= 1;
      return send(failure.status, { message: 'Internal Server Error', code: 0 });
    }
    try {
      const result = await route(method, path, request, url.searchParams);
      send(result.status, result.body, rateHeaders(path));
    } catch (error) {
      if (error instanceof ApiError)
        return send(error.status, { message: error.message, code: error.code }, rateHeaders(path));
      send(500, { message: error instanceof Error ? error.message : 'error', code: 0 });
    }
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // ---------- test helpers ----------
  const waitFor = <T>(
    check: () => T | undefined | false,
    timeoutMs = 10_000,
    what = 'condition',
  ): Promise<T> =>
    new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        // A promise is always truthy: an async check would pass at once without being awaited.
        if (value instanceof Promise) throw new Error(`waitFor(${what}) got a promise: use eventually()`);
        if (value !== undefined && value !== false) {
          cleanup();
          resolve(value as T);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const poll = setInterval(attempt, 50);
      const waiter = () => void attempt();
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(poll);
        waiters.delete(waiter);
      };
      waiters.add(waiter);
      attempt();
    });

  type OptionValue = string | number | boolean;
  interface Invocation {
    user: string;
    name: string;
    subcommand?: string;
    options?: Record<string, OptionValue>;
    /**
     * Files the member attached. `url` / `proxyUrl` replace the links Discord reports for the file (the
     * bytes stay on the emulator's CDN), to play a client that forges them.
     */
    attachments?: Record<
      string,
      { filename: string; contentType: string; data: Buffer; url?: string; proxyUrl?: string }
    >;
    channelId?: string;
    attachmentSizeLimit?: number;
    type?: 2 | 4;
  }

  const registeredOptionTypes = (name: string, subcommand?: string): Map<string, number> => {
    const all = [...(commands.get(guildId) ?? []), ...(commands.get('global') ?? [])];
    const command = all.find((candidate) => candidate.name === name) as
      | { options?: { name: string; type: number; options?: { name: string; type: number }[] }[] }
      | undefined;
    const list = subcommand
      ? command?.options?.find((option) => option.name === subcommand)?.options
      : command?.options;
    return new Map((list ?? []).map((option) => [option.name, option.type]));
  };

  function createInteraction(
    invocation: Invocation,
    data: Record<string, unknown>,
    type: number,
    extra: Record<string, unknown> = {},
  ) {
    const interaction: EmulatedInteraction = {
      id: snowflake(),
      token: `aW50ZXJhY3Rpb246${randomBytes(24).toString('base64url')}`,
      userId: invocation.user,
      channelId: invocation.channelId ?? ids.general,
      guildId,
      createdAt: Date.now(),
      acknowledged: false,
      expired: false,
      attachmentSizeLimit: invocation.attachmentSizeLimit ?? guild.attachmentSizeLimit,
      callbacks: [],
    };
    interactions.set(interaction.token, interaction);
    const channel = channels.get(interaction.channelId);
    dispatch('INTERACTION_CREATE', {
      id: interaction.id,
      application_id: applicationId,
      type,
      data,
      guild_id: guildId,
      guild: { id: guildId, locale: 'en-US', features: [] },
      channel_id: interaction.channelId,
      channel: { id: interaction.channelId, type: 0, name: channel?.name ?? 'general', guild_id: guildId },
      member: apiMember(invocation.user),
      token: interaction.token,
      version: 1,
      app_permissions: BOT_PERMS.toString(),
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guildId },
      context: 0,
      attachment_size_limit: interaction.attachmentSizeLimit,
      ...extra,
    });
    return interaction;
  }

  const emulator = {
    apiUrl: `${origin}/api`,
    origin,
    token,
    applicationId,
    botUserId,
    guildId,
    ids,
    requests,
    unknownRoutes,
    messages,
    writes,
    /** Every interaction token handed to the bot: secrets it must never print or post. */
    interactionTokens: () => [...interactions.keys()],
    identifiedIntents: () => identified.at(-1),
    waitFor,
    waitForReady: () => waitFor(() => identified.length > 0 || undefined, 15_000, 'a client to identify'),
    registeredCommands: (scope = guildId) => commands.get(scope) ?? [],

    /** A member runs a slash command (attachments are served by the emulator's CDN, as Discord's). */
    invokeSlashCommand(invocation: Invocation) {
      const types = registeredOptionTypes(invocation.name, invocation.subcommand);
      const resolvedAttachments: Record<string, unknown> = {};
      const resolvedUsers: Record<string, unknown> = {};
      const resolvedMembers: Record<string, unknown> = {};
      const resolvedChannels: Record<string, unknown> = {};
      const resolvedRoles: Record<string, unknown> = {};
      const options: Record<string, unknown>[] = [];
      for (const [name, value] of Object.entries(invocation.options ?? {})) {
        const type =
          types.get(name) ??
          (typeof value === 'boolean'
            ? 5
            : typeof value === 'number'
              ? Number.isInteger(value)
                ? 4
                : 10
              : 3);
        if (type === 7) {
          const channel = channels.get(String(value));
          resolvedChannels[String(value)] = {
            id: String(value),
            type: channel?.type ?? 0,
            name: channel?.name ?? 'unknown',
            permissions: BOT_PERMS.toString(),
            guild_id: guildId,
          };
        }
        if (type === 8) {
          const role = guild.roles.find((candidate) => candidate.id === String(value));
          resolvedRoles[String(value)] = {
            id: String(value),
            name: role?.name ?? 'role',
            color: 0,
            hoist: false,
            position: 1,
            permissions: (role?.permissions ?? 0n).toString(),
            managed: false,
            mentionable: false,
            flags: 0,
          };
        }
        if (type === 6) {
          resolvedUsers[String(value)] = apiUser(String(value));
          const { user: _user, ...member } = apiMember(String(value));
          resolvedMembers[String(value)] = member;
        }
        options.push({ name, type, value });
      }
      for (const [name, file] of Object.entries(invocation.attachments ?? {})) {
        const stored = storeFile(
          invocation.channelId ?? ids.general,
          file.filename,
          file.data,
          file.contentType,
        );
        resolvedAttachments[stored.id] = {
          ...apiAttachment(stored),
          ...(file.url === undefined ? {} : { url: file.url }),
          ...(file.proxyUrl === undefined ? {} : { proxy_url: file.proxyUrl }),
        };
        options.push({ name, type: 11, value: stored.id });
      }
      const data: Record<string, unknown> = {
        id: snowflake(),
        name: invocation.name,
        type: 1,
        guild_id: guildId,
        options: invocation.subcommand ? [{ name: invocation.subcommand, type: 1, options }] : options,
        resolved: {
          attachments: resolvedAttachments,
          users: resolvedUsers,
          members: resolvedMembers,
          channels: resolvedChannels,
          roles: resolvedRoles,
        },
      };
      if (invocation.type === 4) {
        const focused = options.find((option) => option.type === 3);
        if (focused) focused.focused = true;
      }
      return createInteraction(invocation, data, invocation.type ?? 2);
    },

    /** A member picks a message context-menu command on a message. */
    invokeMessageCommand(invocation: { user: string; name: string; messageId: string; channelId?: string }) {
      const target = messages.get(invocation.messageId);
      if (!target) throw new Error('no such message');
      return createInteraction(
        { user: invocation.user, name: invocation.name, channelId: invocation.channelId },
        {
          id: snowflake(),
          name: invocation.name,
          type: 3,
          guild_id: guildId,
          target_id: target.id,
          resolved: { messages: { [target.id]: apiMessage(target) } },
        },
        2,
      );
    },

    /** A member clicks a button under a message (only a button the message really carries). */
    clickButton(input: { user: string; messageId: string; customId: string }) {
      const target = messages.get(input.messageId);
      if (!target) throw new Error('no such message');
      const buttons = (target.components as { components: { custom_id?: string }[] }[]).flatMap(
        (row) => row.components,
      );
      if (!buttons.some((button) => button.custom_id === input.customId))
        throw new Error(`the message has no button ${input.customId}`);
      return createInteraction(
        { user: input.user, name: input.customId, channelId: target.channelId },
        { custom_id: input.customId, component_type: 2 },
        3,
        { message: apiMessage(target) },
      );
    },

    /** A member posts a message (with files) in a channel. */
    postUserMessage(input: {
      user: string;
      channelId?: string;
      content?: string;
      files?: { filename: string; contentType: string; data: Buffer }[];
    }) {
      const channelId = input.channelId ?? ids.general;
      const message = newMessage({ channelId, authorId: input.user, content: input.content ?? '' });
      message.attachments = (input.files ?? []).map((file) =>
        storeFile(channelId, file.filename, file.data, file.contentType),
      );
      announceCreate(message);
      return message;
    },

    /** A member reacts to a message. */
    addReaction(input: { user: string; messageId: string; emoji: string }) {
      const message = messages.get(input.messageId);
      if (!message) throw new Error('no such message');
      const who = message.reactions.get(input.emoji) ?? new Set<string>();
      who.add(input.user);
      message.reactions.set(input.emoji, who);
      dispatch(
        'MESSAGE_REACTION_ADD',
        {
          user_id: input.user,
          channel_id: message.channelId,
          message_id: message.id,
          guild_id: guildId,
          member: apiMember(input.user),
          emoji: { id: null, name: input.emoji },
          type: 0,
          burst: false,
        },
        INTENTS.GuildMessageReactions,
      );
    },

    /** What a user sees in a channel, oldest first (ephemeral messages only for their user). */
    channelHistory(channelId: string = ids.general, asUser?: string): EmulatedMessage[] {
      return [...messages.values()].filter(
        (message) => message.channelId === channelId && (!message.visibleTo || message.visibleTo === asUser),
      );
    },
    dmsTo(userId: string): EmulatedMessage[] {
      const dm = [...channels.values()].find((channel) => channel.recipientId === userId);
      return dm ? [...messages.values()].filter((message) => message.channelId === dm.id) : [];
    },
    interaction: (handle: { token: string }) => interactions.get(handle.token),
    originalMessage(handle: { token: string }) {
      const id = interactions.get(handle.token)?.originalMessageId;
      return id ? messages.get(id) : undefined;
    },
    deleteMessage(messageId: string) {
      const message = messages.get(messageId);
      if (message) removeMessage(message);
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
    expireInteractionToken(tokenValue: string) {
      const interaction = interactions.get(tokenValue);
      if (interaction) interaction.expired = true;
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
    /** The next `count` requests on `route` (only those carrying files, if asked) are answered 429. */
    injectRateLimit(input: {
      route: RegExp;
      count: number;
      retryAfterSec: number;
      global?: boolean;
      withFilesOnly?: boolean;
    }) {
      rateLimits.push({
        ...input,
        global: input.global ?? false,
        withFilesOnly: input.withFilesOnly ?? false,
      });
    },
    injectServerError(input: { route: RegExp; count: number; status?: number }) {
      serverErrors.push({ ...input, status: input.status ?? 500 });
    },
    /** Closes every gateway socket; discord.js resumes its session. */
    dropGatewayConnections(code = 4000) {
      for (const session of sessions.values()) session.socket?.close(code, 'dropped by the emulator');
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      waiters.clear();
    },
  };
  return emulator;
}

export type DiscordEmulator = Awaited<ReturnType<typeof startDiscordEmulator>>;
