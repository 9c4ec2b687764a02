import type { Interactions } from './interactions.js';
import type { Messages } from './messages.js';
import { INTENTS, type Routes } from './model.js';
import type { Serialisers } from './serialise.js';
import type { EmulatorState } from './state.js';

/**
 * What members and the bot do to a message once it is posted: reactions (added and removed, with their
 * MESSAGE_REACTION_* dispatches) and clicks on the buttons among its components.
 */
export function createReactions(
  state: EmulatorState,
  api: Pick<Serialisers, 'apiMember' | 'apiMessage'>,
  gateway: { dispatch: (type: string, data: unknown, intent?: number) => void },
  guild: { checkBotPermission: (channelId: string, permission: 'ADD_REACTIONS') => void },
  messageArea: Pick<Messages, 'liveMessage'>,
  interactionArea: Pick<Interactions, 'createInteraction'>,
) {
  const { guildId, messages, botUserId, notify } = state;
  const { apiMember, apiMessage } = api;
  const { dispatch } = gateway;
  const { checkBotPermission } = guild;
  const { liveMessage } = messageArea;
  const { createInteraction } = interactionArea;

  const routes: Routes = ({ method, is, parts }) => {
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
    return undefined;
  };

  return {
    routes,
    helpers: {
      /**
       * A member clicks a button under a message (only a button the message really carries, unless
       * `forged`: a modified client sending a custom id of its own choosing).
       */
      clickButton(input: { user: string; messageId: string; customId: string; forged?: boolean }) {
        const target = messages.get(input.messageId);
        if (!target) throw new Error('no such message');
        const buttons = (target.components as { components: { custom_id?: string }[] }[]).flatMap(
          (row) => row.components,
        );
        if (!input.forged && !buttons.some((button) => button.custom_id === input.customId))
          throw new Error(`the message has no button ${input.customId}`);
        const interaction = createInteraction(
          { user: input.user, name: input.customId, channelId: target.channelId },
          { custom_id: input.customId, component_type: 2 },
          3,
          { message: apiMessage(target) },
        );
        interaction.sourceMessageId = target.id;
        return interaction;
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
    },
  };
}
