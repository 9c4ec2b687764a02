import { type Client, type Guild, type GuildMember, Routes } from 'discord.js';
import type { Deps } from '../commands/types.js';
import { modelLabel, modelSpecs } from '../models/index.js';
import { discordCode } from '../services/jobs/delivery.js';
import { progressMessage, refusalText, SCENARIO_ERROR_WORDS, TEXT } from './messages.js';
import { isModerator, roleIdsOf } from './permissions.js';

/** Where an action on a result comes from: a reaction or a button, on a message in a served guild. */
export interface ResultActionInput {
  guildId: string;
  channelId: string;
  messageId: string;
  userId: string;
}

/**
 * What happened: done, refused with words for the member (only they should see them), or ignored (not a
 * result, or a concurrent duplicate of an action already running).
 */
export type ResultActionOutcome = { ok: true } | { ok: false; refusal?: string };

/**
 * Reroll (same parameters, new seed, charged to the member who asked, posted as a reply linked to its
 * parent) and delete (by the requester or a moderator), shared by the 🔄/❌ reactions and the buttons.
 * Works on messages from before a restart: the generation comes from the store, not from a cache.
 */
export function createResultActions(input: { deps: Deps; client: Client }) {
  const { deps, client } = input;
  const inFlight = new Set<string>();

  const memberOf = async (
    guildId: string,
    userId: string,
  ): Promise<{ guild: Guild; member: GuildMember | null }> => {
    const guild = client.guilds.cache.get(guildId) ?? (await client.guilds.fetch(guildId));
    return { guild, member: await guild.members.fetch(userId).catch(() => null) };
  };

  return {
    async remove(action: ResultActionInput): Promise<ResultActionOutcome> {
      const generation = await deps.generationLog.byMessage(action.messageId);
      if (!generation) return { ok: false };
      if (action.userId !== generation.userId) {
        // Only someone other than the requester needs the member and the guild's moderator role.
        const { member } = await memberOf(action.guildId, action.userId);
        const { moderatorRoleId } = await deps.settings.get(action.guildId);
        if (!isModerator(member, moderatorRoleId)) return { ok: false, refusal: TEXT.deleteRefused };
      }
      await client.rest
        .delete(Routes.channelMessage(action.channelId, action.messageId))
        .catch((error) =>
          deps.logger.warn({ code: discordCode(error), ...action }, 'could not delete the result'),
        );
      deps.logger.info(action, 'result deleted');
      return { ok: true };
    },

    async reroll(action: ResultActionInput): Promise<ResultActionOutcome> {
      const { guildId, channelId, messageId, userId } = action;
      const generation = await deps.generationLog.byMessage(messageId);
      if (!generation) return { ok: false };
      // One reroll at a time per message and member: a double click or a second reaction is the same ask.
      const key = `${messageId}:${userId}`;
      if (inFlight.has(key)) return { ok: false };
      inFlight.add(key);
      try {
        const { guild, member } = await memberOf(guildId, userId);
        if (!(await deps.settings.mayGenerate(guildId, channelId, roleIdsOf(member))))
          return { ok: false, refusal: TEXT.notAllowedHere };
        const spec = modelSpecs.find((candidate) => candidate.id === generation.modelId);
        const credits = await deps.quota
          .costOf(guildId, generation.modelId, generation.outputs)
          .catch(() => (spec?.creditsPerOutput ?? 1) * generation.outputs);
        const reservation = await deps.generations.reserve({ guildId, userId, credits, reason: 'reroll' });
        if (!reservation.ok)
          return {
            ok: false,
            refusal: refusalText(reservation, credits, deps.config.MAX_RUNNING_JOBS_PER_USER),
          };
        const { seed: _previousSeed, ...body } = generation.body;
        const placeholder = (await client.rest.post(Routes.channelMessages(channelId), {
          body: {
            content: progressMessage({
              modelLabel: modelLabel(generation.modelId),
              state: 'submitting',
              progress: 0,
              elapsedMs: 0,
              body,
              seed: undefined,
              userId,
            }),
            message_reference: { message_id: messageId, fail_if_not_exists: false },
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
            channelId,
            userId,
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
            .patch(Routes.channelMessage(channelId, placeholder.id), {
              body: { content: `<@${userId}> reroll refused: ${text}`, allowed_mentions: { parse: [] } },
            })
            .catch(() => undefined);
          return { ok: false };
        }
        deps.logger.info(
          { ...action, parent: generation.id, jobId: submitted.record.scenarioJobId },
          'reroll submitted',
        );
        return { ok: true };
      } finally {
        inFlight.delete(key);
      }
    },
  };
}

export type ResultActions = ReturnType<typeof createResultActions>;

/** Discord's per-file upload limit by boost tier (no interaction tells us on a reaction). */
export function uploadLimitForTier(tier: number): number {
  if (tier >= 3) return 100 * 1024 * 1024;
  if (tier === 2) return 50 * 1024 * 1024;
  return 10 * 1024 * 1024;
}
