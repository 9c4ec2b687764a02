import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import { INTENTS, isThread, type Routes, type Session } from './model.js';
import type { Serialisers } from './serialise.js';
import type { EmulatorState } from './state.js';

/**
 * The gateway (v10, JSON frames) on the REST server's port: HELLO, heartbeats, IDENTIFY with READY and
 * GUILD_CREATE, RESUME replaying what a dropped session missed, and dispatches filtered by intents.
 */
export function createGateway(
  state: EmulatorState,
  api: Pick<Serialisers, 'apiUser' | 'apiMember' | 'apiChannel'>,
) {
  const { options, token, guild, guildId, channels, applicationId, botUserId, ids, identified, notify } =
    state;
  const { apiUser, apiMember, apiChannel } = api;
  const sessions = new Map<string, Session>();

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
  /** The guild as GUILD_CREATE carries it (and GET /guilds/:guild answers). */
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
    // Threads travel apart from channels, in `threads` (Discord: the active threads the bot can see).
    channels: [...channels.values()]
      .filter((channel) => channel.guildId && !channel.deleted && !isThread(channel.type))
      .map((channel, position) => apiChannel(channel, position)),
    members: guild.members.map((member) => apiMember(member.id)),
    member_count: guild.members.length,
    large: false,
    unavailable: false,
    joined_at: new Date(0).toISOString(),
    voice_states: [],
    presences: [],
    threads: [...channels.values()]
      .filter((channel) => channel.guildId && !channel.deleted && isThread(channel.type))
      .map((channel) => apiChannel(channel)),
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
          resume_gateway_url: `ws://127.0.0.1:${new URL(state.origin).port}`,
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

  let wss: WebSocketServer | undefined;

  const routes: Routes = ({ method, is }) => {
    if (method === 'GET' && (is('gateway/bot') || is('gateway'))) {
      return {
        status: 200,
        body: {
          url: `ws://127.0.0.1:${new URL(state.origin).port}`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
        },
      };
    }
    return undefined;
  };

  return {
    dispatch,
    guildCreate,
    routes,
    /** Serves the gateway on the REST server's port. */
    attach(server: Server) {
      wss = new WebSocketServer({ server });
      wss.on('connection', onSocket);
    },
    /** Ends every gateway socket and stops accepting new ones. */
    close() {
      if (!wss) return;
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
    helpers: {
      identifiedIntents: () => identified.at(-1),
      /** Closes every gateway socket; discord.js resumes its session. */
      dropGatewayConnections(code = 4000) {
        for (const session of sessions.values()) session.socket?.close(code, 'dropped by the emulator');
      },
    },
  };
}

export type Gateway = ReturnType<typeof createGateway>;
