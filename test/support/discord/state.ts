import { randomBytes } from 'node:crypto';
import {
  type DiscordEmulatorOptions,
  type EmulatedAttachment,
  type EmulatedChannel,
  type EmulatedInteraction,
  type EmulatedMessage,
  EVERYONE_PERMS,
  type GuildSeed,
  type MessageWrite,
  PERMS,
  snowflake,
} from './model.js';

/**
 * Everything one emulator knows, shared by its areas: one object per `startDiscordEmulator` call (several
 * emulators run in one process, so nothing of this lives at module level).
 */
export function createState(options: DiscordEmulatorOptions) {
  const token =
    options.token ??
    `${Buffer.from(snowflake()).toString('base64')}.emulated.${randomBytes(12).toString('hex')}`;
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
  const channels = new Map<string, EmulatedChannel>();
  for (const channel of guild.channels)
    channels.set(channel.id, {
      id: channel.id,
      guildId,
      name: channel.name,
      type: 0,
      deleted: false,
      denied: new Set(),
    });
  const waiters = new Set<() => void>();
  return {
    options,
    token,
    ackWindowMs: options.ackWindowMs ?? 3_000,
    tokenLifetimeMs: options.tokenLifetimeMs ?? 15 * 60 * 1000,
    applicationId,
    botUserId,
    guildId,
    ids,
    users,
    guild,
    channels,
    messages: new Map<string, EmulatedMessage>(),
    /** Every message body the bot sent, deleted messages included. */
    writes: [] as MessageWrite[],
    files: new Map<string, EmulatedAttachment>(),
    /** By token. */
    interactions: new Map<string, EmulatedInteraction>(),
    /** Registered commands by scope: a guild id, or 'global'. */
    commands: new Map<string, Record<string, unknown>[]>(),
    requests: [] as { method: string; path: string; status: number; at: number }[],
    unknownRoutes: [] as string[],
    /** `http://127.0.0.1:<port>`, known once the server listens. */
    origin: '',
    /** The intents of every client that identified, in order. */
    identified: [] as number[],
    /** Woken on every change a test may wait for. */
    waiters,
    notify: () => {
      for (const waiter of waiters) waiter();
    },
  };
}

export type EmulatorState = ReturnType<typeof createState>;
