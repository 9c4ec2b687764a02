import {
  type Client,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  Routes,
  type User,
} from 'discord.js';
import type { Logger } from 'pino';
import { discordCode } from './discord-errors.js';
import { TEXT } from './messages.js';
import type { ResultActions } from './result-actions.js';
import { DELETE_EMOJI, REROLL_EMOJI } from './result-controls.js';

/** How long a refusal posted in the channel stays (when the member's DMs are closed). */
const NOTICE_LIFETIME_MS = 15_000;

/**
 * 🔄 on a result reruns it with a new seed (charged to the member who reacted; their reaction is removed
 * as the acknowledgement); ❌ by the requester or a moderator deletes it. Works on messages from before a
 * restart: the partial reaction is enough.
 */
export function createReactionHandler(deps: {
  client: Client;
  actions: ResultActions;
  servedGuildIds: readonly string[];
  logger: Logger;
}) {
  const { client, actions } = deps;
  const served = new Set(deps.servedGuildIds);

  async function notify(
    user: User | PartialUser,
    place: { guildId: string; channelId: string; messageId: string },
    text: string,
  ): Promise<void> {
    const { guildId, channelId, messageId } = place;
    // Reactions cannot get ephemeral answers: try a DM (which says where it is from), else a short-lived
    // message in the channel.
    try {
      const dm = (await client.rest.post(Routes.userChannels(), { body: { recipient_id: user.id } })) as {
        id: string;
      };
      const guildName = client.guilds.cache.get(guildId)?.name ?? 'this server';
      const link = `https://discord.com/channels/${guildId}/${channelId}/${messageId}`;
      await client.rest.post(Routes.channelMessages(dm.id), {
        body: { content: TEXT.reactionRefusedByDm(guildName, link, text), allowed_mentions: { parse: [] } },
      });
      return;
    } catch {
      // DMs closed: fall through.
    }
    try {
      const message = (await client.rest.post(Routes.channelMessages(channelId), {
        body: { content: `<@${user.id}> ${text}`, allowed_mentions: { parse: [], users: [user.id] } },
      })) as { id: string };
      setTimeout(
        () => void client.rest.delete(Routes.channelMessage(channelId, message.id)).catch(() => undefined),
        NOTICE_LIFETIME_MS,
      ).unref();
    } catch (error) {
      deps.logger.warn(
        { code: discordCode(error), userId: user.id },
        'could not tell the member why the reroll was refused',
      );
    }
  }

  return async function onReactionAdd(
    reaction: MessageReaction | PartialMessageReaction,
    user: User | PartialUser,
  ): Promise<void> {
    if (user.id === client.user?.id || user.bot) return;
    const emoji = reaction.emoji.name;
    if (emoji !== REROLL_EMOJI && emoji !== DELETE_EMOJI) return;
    const message = reaction.message;
    const guildId = message.guildId;
    if (!guildId || !served.has(guildId)) return;
    const action = { guildId, channelId: message.channelId, messageId: message.id, userId: user.id };
    const log = deps.logger.child({ ...action, command: emoji === REROLL_EMOJI ? 'reroll' : 'delete' });
    log.debug({ emoji }, 'reaction received');
    try {
      // A stranger's ❌ is ignored without a word: a reaction is public, a refusal would be noise.
      if (emoji === DELETE_EMOJI) return void (await actions.remove(action));
      await client.rest
        .delete(
          Routes.channelMessageUserReaction(
            message.channelId,
            message.id,
            encodeURIComponent(REROLL_EMOJI),
            user.id,
          ),
        )
        .catch(() => undefined);
      const outcome = await actions.reroll(action);
      if (!outcome.ok && outcome.refusal) await notify(user, action, outcome.refusal);
    } catch (error) {
      log.error({ err: error }, 'reaction handling failed');
    }
  };
}
