import { type Client, type Guild, type GuildMember, Routes } from 'discord.js';
import type { Logger } from 'pino';
import type { GuildSettingsService } from '../services/credits/guild-settings.js';
import type { GenerationLog } from '../services/jobs/generation-log.js';
import type { GenerationPipeline } from '../services/jobs/generation-pipeline.js';
import { discordCode } from './discord-errors.js';
import { TEXT } from './messages.js';
import { MODERATION_WORDS } from './messages-moderation.js';
import { refusalText } from './messages-refusals.js';
import { postModLog } from './mod-log.js';
import { isModerator, roleIdsOf } from './permissions.js';
import { threadParentIdOf } from './thread-parent.js';

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
export type ResultActionOutcome = { ok: true; chargedToYou?: number } | { ok: false; refusal?: string };

export interface ResultActionDeps {
  pipeline: GenerationPipeline;
  generationLog: GenerationLog;
  settings: GuildSettingsService;
  client: Client;
  logger: Logger;
}

/**
 * Reroll (the same request through the pipeline with the previous body minus its seed, charged to the
 * member who asked, posted as a reply linked to its parent) and delete (by the requester or a moderator),
 * shared by the 🔄/❌ reactions and the buttons. Works on messages from before a restart: the generation
 * comes from the store, not from a cache.
 */
export function createResultActions(deps: ResultActionDeps) {
  const { client } = deps;
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
      // A moderator removing a member's result is a moderator action: it goes to the mod-log.
      if (action.userId !== generation.userId)
        await postModLog(
          { rest: client.rest, settings: deps.settings, log: deps.logger },
          {
            guildId: action.guildId,
            moderatorId: action.userId,
            summary: MODERATION_WORDS.deletedResult(generation.userId, action.channelId),
          },
        );
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
        const { seed: _previousSeed, ...body } = generation.body;
        const outcome = await deps.pipeline.run({
          command: generation.command,
          modelId: generation.modelId,
          body,
          files: [],
          requester: {
            guildId,
            channelId,
            parentChannelId: await threadParentIdOf(client, channelId),
            userId,
            roleIds: roleIdsOf(member),
          },
          reply: {
            kind: 'message',
            applicationId: client.application?.id ?? '',
            replyToMessageId: messageId,
            attachmentSizeLimit: uploadLimitForTier(guild.premiumTier),
          },
          parentGenerationId: generation.id,
          lineage: 'reroll',
        });
        if (!outcome.ok) return { ok: false, refusal: refusalText(outcome.refusal) };
        deps.logger.info(
          { ...action, parent: generation.id, jobId: outcome.record.scenarioJobId },
          'reroll submitted',
        );
        // Someone else's result: the member who asked for the reroll pays, and is told so.
        return generation.userId === userId
          ? { ok: true }
          : { ok: true, chargedToYou: outcome.record.creditsReserved };
      } finally {
        inFlight.delete(key);
      }
    },
  };
}

export type ResultActions = ReturnType<typeof createResultActions>;

/** Discord's per-file upload limit by boost tier (no interaction tells us on a reaction). Pure. */
export function uploadLimitForTier(tier: number): number {
  if (tier >= 3) return 100 * 1024 * 1024;
  if (tier === 2) return 50 * 1024 * 1024;
  return 10 * 1024 * 1024;
}
