import {
  type Client,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  Routes,
  type User,
} from 'discord.js';
import type { Deps } from '../commands/types.js';
import { modelLabel, modelSpecs } from '../models/index.js';
import { DELETE_EMOJI, type Delivery, discordCode, REROLL_EMOJI } from '../services/delivery.js';
import { progressMessage, refusalText, SCENARIO_ERROR_WORDS, TEXT } from './messages.js';
import { isModerator, roleIdsOf } from './permissions.js';

/** How long a refusal posted in the channel stays (when the member's DMs are closed). */
const NOTICE_LIFETIME_MS = 15_000;

/**
 * 🔄 on a result reruns it with a new seed (charged to the member who reacted); ❌ by the requester or a
 * moderator deletes it. Works on messages from before a restart: the partial reaction is enough, the
 * generation comes from the store.
 */
export function createReactionHandler(input: { deps: Deps; client: Client; delivery: Delivery }) {
  const { deps, client } = input;
  const inFlight = new Set<string>();
  const served = new Set(deps.config.DISCORD_GUILD_IDS);

  async function notify(user: User | PartialUser, channelId: string, text: string): Promise<void> {
    // Reactions cannot get ephemeral answers: try a DM, else a short-lived message in the channel.
    try {
      const dm = (await client.rest.post(Routes.userChannels(), { body: { recipient_id: user.id } })) as {
        id: string;
      };
      await client.rest.post(Routes.channelMessages(dm.id), {
        body: { content: text, allowed_mentions: { parse: [] } },
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
    const log = deps.logger.child({
      guildId,
      userId: user.id,
      messageId: message.id,
      command: emoji === REROLL_EMOJI ? 'reroll' : 'delete',
    });
    log.debug({ emoji }, 'reaction received');
    try {
      const generation = await deps.generationLog.byMessage(message.id);
      if (!generation) {
        log.debug('reaction on a message that is not a result: ignored');
        return;
      }
      const guild = client.guilds.cache.get(guildId) ?? (await client.guilds.fetch(guildId));
      const member = await guild.members.fetch(user.id).catch(() => null);
      const guildSettings = await deps.settings.get(guildId);

      if (emoji === DELETE_EMOJI) {
        if (user.id !== generation.userId && !isModerator(member, guildSettings.moderatorRoleId)) return;
        await client.rest
          .delete(Routes.channelMessage(message.channelId, message.id))
          .catch((error) => log.warn({ code: discordCode(error) }, 'could not delete the result'));
        log.info('result deleted by reaction');
        return;
      }

      const key = `${message.id}:${user.id}`;
      if (inFlight.has(key)) return;
      inFlight.add(key);
      try {
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
        if (!(await deps.settings.mayGenerate(guildId, message.channelId, roleIdsOf(member))))
          return notify(user, message.channelId, TEXT.notAllowedHere);
        const spec = modelSpecs.find((candidate) => candidate.id === generation.modelId);
        const credits = await deps.quota
          .costOf(guildId, generation.modelId, generation.outputs)
          .catch(() => (spec?.creditsPerOutput ?? 1) * generation.outputs);
        const reservation = await deps.generations.reserve({
          guildId,
          userId: user.id,
          credits,
          reason: 'reroll',
        });
        if (!reservation.ok) {
          const text = refusalText(reservation, credits, deps.config.MAX_RUNNING_JOBS_PER_USER);
          return notify(user, message.channelId, text);
        }
        const { seed: _previousSeed, ...body } = generation.body;
        const placeholder = (await client.rest.post(Routes.channelMessages(message.channelId), {
          body: {
            content: progressMessage({
              modelLabel: modelLabel(generation.modelId),
              state: 'submitting',
              progress: 0,
              elapsedMs: 0,
              body,
              seed: undefined,
              userId: user.id,
            }),
            message_reference: { message_id: message.id, fail_if_not_exists: false },
            allowed_mentions: { parse: [] },
          },
        })) as { id: string };
        const submitted = await deps.generations.submit(
          {
            command: generation.command,
            modelId: generation.modelId,
            body,
            outputs: generation.outputs,
            credits,
            seedRange: spec?.seed ? { min: spec.seed.min, max: spec.seed.max } : undefined,
            guildId,
            channelId: message.channelId,
            userId: user.id,
            applicationId: client.application?.id ?? '',
            messageId: placeholder.id,
            attachmentSizeLimit: uploadLimitForTier(guild.premiumTier),
            parentGenerationId: generation.id,
          },
          reservation.reservationId,
        );
        if (!submitted.ok) {
          const text =
            submitted.reason === 'storage_unavailable'
              ? TEXT.storageUnavailable
              : SCENARIO_ERROR_WORDS[submitted.error.kind];
          await client.rest
            .patch(Routes.channelMessage(message.channelId, placeholder.id), {
              body: { content: `<@${user.id}> reroll refused: ${text}`, allowed_mentions: { parse: [] } },
            })
            .catch(() => undefined);
          return;
        }
        log.info({ parent: generation.id, jobId: submitted.record.scenarioJobId }, 'reroll submitted');
      } finally {
        inFlight.delete(key);
      }
    } catch (error) {
      log.error({ err: error }, 'reaction handling failed');
    }
  };
}

/** Discord's per-file upload limit by boost tier (no interaction tells us on a reaction). */
export function uploadLimitForTier(tier: number): number {
  if (tier >= 3) return 100 * 1024 * 1024;
  if (tier === 2) return 50 * 1024 * 1024;
  return 10 * 1024 * 1024;
}
