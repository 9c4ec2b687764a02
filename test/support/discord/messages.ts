import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  ApiError,
  type Body,
  type BotPermission,
  type EmulatedAttachment,
  type EmulatedChannel,
  type EmulatedMessage,
  INTENTS,
  type MessageWrite,
  type Routes,
  snowflake,
  unknownMessage,
} from './model.js';
import type { Serialisers } from './serialise.js';
import type { EmulatorState } from './state.js';

/** Reads a REST body: JSON, or multipart with `payload_json` and `files[n]` parts. */
export const readBody = async (request: IncomingMessage): Promise<Body> => {
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

/** Discord's rules for message components that the bot uses: action rows of buttons. */
export const checkComponents = (value: unknown): unknown[] => {
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

/**
 * Messages and their files: creates, edits and deletes (with the MESSAGE_* dispatches), the bodies the
 * bot sent, attachments stored for the CDN, and what each user sees in a channel.
 */
export function createMessages(
  state: EmulatorState,
  api: Pick<Serialisers, 'apiMessage' | 'apiMember'>,
  gateway: { dispatch: (type: string, data: unknown, intent?: number) => void },
  guild: {
    liveChannel: (channelId: string) => EmulatedChannel;
    checkBotPermission: (channelId: string, permission: BotPermission) => void;
    checkHoldsMessages: (channelId: string) => void;
  },
) {
  const { guild: guildSeed, guildId, channels, messages, writes, files, botUserId, ids, notify } = state;
  const { apiMessage, apiMember } = api;
  const { dispatch } = gateway;
  const { liveChannel, checkBotPermission, checkHoldsMessages } = guild;
  /**
   * Discord's `enforce_nonce`: a create with the nonce of one the same author made in the past few minutes
   * returns that message instead of making another (https://discord.com/developers/docs/resources/message).
   */
  const NONCE_WINDOW_MS = 5 * 60 * 1000;
  const byNonce = new Map<string, { messageId: string; at: number }>();

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
      url: `${state.origin}/attachments/${channelId}/${id}/${encodeURIComponent(name)}?ex=${expires}&is=${expires}&hm=${randomBytes(8).toString('hex')}&`,
    };
    files.set(id, attachment);
    return attachment;
  };

  /** Applies a message body (content, embeds, attachments to keep, new files) as Discord does. */
  const applyBody = (message: EmulatedMessage, body: Body, sizeLimit: number, isEdit: boolean) => {
    // Discord's documented limits: 2,000 characters of content, 10 attachments (both refused as 50035).
    if (typeof body.json.content === 'string' && body.json.content.length > 2_000)
      throw new ApiError(400, 50035, 'Invalid Form Body: content must be 2000 or fewer in length');
    if (body.files.size > 10) throw new ApiError(400, 50035, 'Invalid Form Body: files must be 10 or fewer');
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

  const liveMessage = (channelId: string, messageId: string) => {
    liveChannel(channelId);
    const message = messages.get(messageId);
    if (!message || message.channelId !== channelId) throw unknownMessage();
    return message;
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

  const routes: Routes = ({ method, is, parts, body }) => {
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
        checkHoldsMessages(channel.id);
        checkBotPermission(channel.id, 'SEND_MESSAGES');
        const nonce = body.json.enforce_nonce === true ? body.json.nonce : undefined;
        if (nonce !== undefined && String(nonce).length > 25)
          throw new ApiError(400, 50035, 'Invalid Form Body: nonce must be 25 or fewer in length');
        const seen = nonce === undefined ? undefined : byNonce.get(`${botUserId}:${String(nonce)}`);
        const earlier =
          seen && Date.now() - seen.at < NONCE_WINDOW_MS ? messages.get(seen.messageId) : undefined;
        if (earlier) return { status: 200, body: apiMessage(earlier) };
        if (body.files.size > 0) checkBotPermission(channel.id, 'ATTACH_FILES');
        const reference = body.json.message_reference as
          | { message_id?: string; fail_if_not_exists?: boolean }
          | undefined;
        // Discord: a reply to a message that no longer exists is refused, or (fail_if_not_exists: false)
        // posted as a plain message.
        const referenced = reference?.message_id ? messages.get(reference.message_id) : undefined;
        if (reference?.message_id && !referenced && reference.fail_if_not_exists !== false)
          throw new ApiError(400, 50035, 'Invalid Form Body: Unknown message');
        const message = newMessage({
          channelId: channel.id,
          authorId: botUserId,
          replyTo: referenced?.id,
        });
        applyBody(message, body, guildSeed.attachmentSizeLimit, false);
        if (nonce !== undefined)
          byNonce.set(`${botUserId}:${String(nonce)}`, { messageId: message.id, at: Date.now() });
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
        applyBody(message, body, guildSeed.attachmentSizeLimit, true);
        announceUpdate(message);
        notify();
        return { status: 200, body: apiMessage(message) };
      }
    }
    return undefined;
  };

  return {
    storeFile,
    applyBody,
    liveMessage,
    newMessage,
    announceCreate,
    announceUpdate,
    removeMessage,
    routes,
    helpers: {
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
      /** What a user sees in a channel, oldest first (ephemeral messages only for their user). */
      channelHistory(channelId: string = ids.general, asUser?: string): EmulatedMessage[] {
        return [...messages.values()].filter(
          (message) =>
            message.channelId === channelId && (!message.visibleTo || message.visibleTo === asUser),
        );
      },
      dmsTo(userId: string): EmulatedMessage[] {
        const dm = [...channels.values()].find((channel) => channel.recipientId === userId);
        return dm ? [...messages.values()].filter((message) => message.channelId === dm.id) : [];
      },
      deleteMessage(messageId: string) {
        const message = messages.get(messageId);
        if (message) removeMessage(message);
      },
    },
  };
}

export type Messages = ReturnType<typeof createMessages>;
