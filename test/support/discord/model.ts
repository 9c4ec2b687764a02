import { SnowflakeUtil } from 'discord.js';
import type { WebSocket } from 'ws';

/** What the Discord emulator models: its public types, Discord's permission bits and its API errors. */

export const INTENTS = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  DirectMessages: 1 << 12,
} as const;
export const PERMS = {
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  AttachFiles: 1n << 15n,
  ReadHistory: 1n << 16n,
  UseCommands: 1n << 31n,
};
export const EVERYONE_PERMS =
  PERMS.AddReactions |
  PERMS.ViewChannel |
  PERMS.SendMessages |
  PERMS.AttachFiles |
  PERMS.ReadHistory |
  PERMS.UseCommands;
export const BOT_PERMS = EVERYONE_PERMS | PERMS.ManageMessages;

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

export interface EmulatedInteraction {
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
  /** Discord's interaction type: 2 command, 3 component, 4 autocomplete, 5 modal submit. */
  type?: number;
  /** A button click: the message whose button it was (a modal opened from it carries that message). */
  sourceMessageId?: string;
}

export interface EmulatedChannel {
  id: string;
  guildId?: string;
  name: string;
  type: number;
  deleted: boolean;
  denied: Set<BotPermission>;
  recipientId?: string;
  /** A thread's channel (text or forum). */
  parentId?: string;
}

/** Discord's channel types the emulator models. */
export const CHANNEL_TYPES = {
  text: 0,
  dm: 1,
  announcementThread: 10,
  publicThread: 11,
  privateThread: 12,
  forum: 15,
} as const;
export const isThread = (type: number) => type === 10 || type === 11 || type === 12;

export interface Session {
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

export const snowflake = () => SnowflakeUtil.generate().toString();

/** An error Discord answers with its status and JSON error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
export const unknownMessage = () => new ApiError(404, 10008, 'Unknown Message');
export const unknownChannel = () => new ApiError(404, 10003, 'Unknown Channel');

/** A REST request as the area modules see it: its path split into decoded segments, its body read. */
export interface RestRequest {
  method: string;
  path: string;
  parts: string[];
  /** Whether the path has this shape (`:name` matches any one segment). */
  is(pattern: string): boolean;
  body: Body;
  query: URLSearchParams;
}

export type Body = {
  json: Record<string, unknown>;
  files: Map<string, { name: string; data: Buffer; type: string }>;
};

export interface RestResult {
  status: number;
  body?: unknown;
}

/** An area's REST routes: a result when one of its routes answered, undefined to let the next area try. */
export type Routes = (request: RestRequest) => RestResult | undefined;
