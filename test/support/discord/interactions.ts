import { randomBytes } from 'node:crypto';
import type { Messages } from './messages.js';
import { checkModal } from './modals.js';
import {
  ApiError,
  BOT_PERMS,
  type EmulatedInteraction,
  type Routes,
  snowflake,
  unknownMessage,
} from './model.js';
import type { Serialisers } from './serialise.js';
import type { EmulatorState } from './state.js';

type OptionValue = string | number | boolean;
/** A member running a slash command (or typing in one, for autocomplete: `type: 4`). */
export interface Invocation {
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

/**
 * Interactions: the commands the bot registers, members invoking them (INTERACTION_CREATE), and the
 * interaction's routes with Discord's rules: the acknowledgement window, one acknowledgement, the original
 * response and follow-ups through the webhook, tokens that expire.
 */
export function createInteractions(
  state: EmulatorState,
  api: Pick<Serialisers, 'apiUser' | 'apiMember' | 'apiAttachment' | 'apiMessage'>,
  gateway: { dispatch: (type: string, data: unknown, intent?: number) => void },
  messageArea: Pick<
    Messages,
    'storeFile' | 'applyBody' | 'newMessage' | 'announceCreate' | 'announceUpdate' | 'removeMessage'
  >,
) {
  const {
    guild,
    guildId,
    channels,
    messages,
    interactions,
    commands,
    applicationId,
    botUserId,
    ids,
    ackWindowMs,
    tokenLifetimeMs,
    notify,
  } = state;
  const { apiUser, apiMember, apiAttachment, apiMessage } = api;
  const { dispatch } = gateway;
  const { storeFile, applyBody, newMessage, announceCreate, announceUpdate, removeMessage } = messageArea;
  /** What INTERACTION_CREATE carried, by interaction id: a duplicate delivery sends it again. */
  const payloads = new Map<string, unknown>();

  const interactionFor = (tokenValue: string) => {
    const interaction = interactions.get(tokenValue);
    if (!interaction) throw new ApiError(404, 10015, 'Unknown Webhook');
    if (interaction.expired || Date.now() - interaction.createdAt > tokenLifetimeMs)
      throw new ApiError(401, 50027, 'Invalid Webhook Token');
    return interaction;
  };

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
      type,
    };
    interactions.set(interaction.token, interaction);
    const channel = channels.get(interaction.channelId);
    const payload = {
      id: interaction.id,
      application_id: applicationId,
      type,
      data,
      guild_id: guildId,
      guild: { id: guildId, locale: 'en-US', features: [] },
      channel_id: interaction.channelId,
      channel: {
        id: interaction.channelId,
        type: channel?.type ?? 0,
        name: channel?.name ?? 'general',
        guild_id: guildId,
        ...(channel?.parentId ? { parent_id: channel.parentId } : {}),
      },
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
    };
    payloads.set(interaction.id, payload);
    dispatch('INTERACTION_CREATE', payload);
    return interaction;
  }

  const routes: Routes = ({ method, is, parts, body, query }) => {
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
      // MODAL: not an answer to a modal submit or an autocomplete; its shape is checked as Discord does.
      if (type === 9) checkModal(data, interaction.type);
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
    return undefined;
  };

  return {
    createInteraction,
    routes,
    helpers: {
      /** Every interaction token handed to the bot: secrets it must never print or post. */
      interactionTokens: () => [...interactions.keys()],
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
              ...(channel?.parentId ? { parent_id: channel.parentId } : {}),
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
      invokeMessageCommand(invocation: {
        user: string;
        name: string;
        messageId: string;
        channelId?: string;
      }) {
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

      interaction: (handle: { token: string }) => interactions.get(handle.token),
      /** Discord (or a gateway resume) delivers the same interaction again: same id, same token. */
      redeliverInteraction(handle: { id: string }) {
        const payload = payloads.get(handle.id);
        if (!payload) throw new Error('no such interaction');
        dispatch('INTERACTION_CREATE', payload);
      },
      originalMessage(handle: { token: string }) {
        const id = interactions.get(handle.token)?.originalMessageId;
        return id ? messages.get(id) : undefined;
      },
      /**
       * How the job of a command ended, as Discord shows it: the bot's newest public message replying to the
       * command's reply (a result, a failure, a stuck notice), undefined while there is none.
       */
      outcomeOf(handle: { token: string }) {
        const id = interactions.get(handle.token)?.originalMessageId;
        if (!id) return undefined;
        return [...messages.values()]
          .filter((message) => message.replyTo === id && message.authorId === botUserId && !message.visibleTo)
          .at(-1);
      },
      expireInteractionToken(tokenValue: string) {
        const interaction = interactions.get(tokenValue);
        if (interaction) interaction.expired = true;
      },
    },
  };
}

export type Interactions = ReturnType<typeof createInteractions>;
