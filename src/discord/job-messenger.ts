import { DiscordAPIError, type REST, Routes } from 'discord.js';
import type { Logger } from 'pino';
import { modelLabel } from '../models/index.js';
import type { Clock } from '../services/clock.js';
import { type JobRecord, jobLogger } from '../services/jobs/job-ledger.js';
import {
  type FailureFacts,
  type JobMessenger,
  linksOf,
  type OutgoingFile,
  type PlaceholderFacts,
  type PostOutcome,
  type ProgressFacts,
  type QueueFacts,
  type ResultFacts,
  type StuckFacts,
} from '../services/jobs/job-messenger.js';
import { DISCORD_ERROR, discordCode } from './discord-errors.js';
import { outcomeNonce, postFailureReason, withFiles } from './message-posting.js';
import {
  clipMessage,
  escapeUserText,
  failureMessage,
  pointerMessage,
  progressMessage,
  stuckMessage,
  TEXT,
} from './messages.js';
import { queuedMessage } from './messages-queue.js';
import { REROLL_EMOJI } from './result-controls.js';
import { resultPayload } from './result-payload.js';
import { givenOptions } from './typed-options.js';

/** A model's name as shown: a pass-through model's is its id, which is the member's text. */
const label = (modelId: string) => escapeUserText(modelLabel(modelId));

/** Discord's interaction tokens live 15 minutes; stop using one a little before that. */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
const TOKEN_SAFETY_MS = 30 * 1000;

interface MessagePayload {
  content: string;
  files?: OutgoingFile[];
  embeds?: unknown[];
  /** Buttons under the message (the result's reroll and delete). */
  components?: unknown[];
  /** Users the message may ping: only the requester, never @everyone or roles from a prompt. */
  mentionUser?: string;
}

/**
 * The Discord side of the job port: words from messages.ts, controls from result-controls.ts, and the
 * routes that carry them. Talks to Discord through REST routes only (no cached objects), so it works the
 * same for a job resumed after a restart as for one started a second ago.
 */
export class DiscordJobMessenger implements JobMessenger {
  constructor(private readonly options: { rest: REST; logger: Logger; clock: Clock }) {}

  private log(record: JobRecord): Logger {
    return jobLogger(this.options.logger, record);
  }

  private progressText(record: JobRecord, progress: ProgressFacts): string {
    return progressMessage({
      modelLabel: label(record.modelId),
      state: progress.state,
      progress: progress.progress,
      elapsedMs: progress.elapsedMs,
      body: record.body,
      options: givenOptions(record.modelId, record.body, record.fromDefaults),
      seed: record.seed,
      userId: record.userId,
    });
  }

  progressSignature(record: JobRecord, progress: ProgressFacts): string {
    return this.progressText(record, { ...progress, elapsedMs: 0 }).replace(/ · \d+:\d+ elapsed/, '');
  }

  showProgress(record: JobRecord, progress: ProgressFacts): Promise<PostOutcome> {
    return this.editJobMessage(record, { content: this.progressText(record, progress) }, false);
  }

  showQueued(record: JobRecord, queue: QueueFacts): Promise<PostOutcome> {
    const content = queuedMessage({
      modelLabel: label(record.modelId),
      userId: record.userId,
      body: record.body,
      ...queue,
    });
    return this.editJobMessage(record, { content }, false);
  }

  postResult(record: JobRecord, result: ResultFacts): Promise<PostOutcome> {
    return this.postOutcome(record, 'result', resultPayload(record, result, label(record.modelId)));
  }

  postFailure(record: JobRecord, failure: FailureFacts): Promise<PostOutcome> {
    const content = failureMessage({
      modelLabel: label(record.modelId),
      userId: record.userId,
      body: record.body,
      ...failure,
    });
    return this.postOutcome(record, 'failure', { content, mentionUser: record.userId });
  }

  postStuck(record: JobRecord, stuck: StuckFacts): Promise<PostOutcome> {
    const content = stuckMessage({
      modelLabel: label(record.modelId),
      userId: record.userId,
      body: record.body,
      ...stuck,
    });
    return this.postOutcome(record, 'stuck', { content, mentionUser: record.userId });
  }

  /**
   * A job's outcome as a NEW message replying to its first one: Discord notifies a member of a mention in
   * a new message, never of one added by an edit. `allowed_mentions` lets exactly the requester be pinged.
   * The first message then becomes a one-line pointer. When the bot may not post in the channel (no Send
   * Messages, the channel's access gone), the outcome goes into the first message instead, as before:
   * the interaction's webhook works without channel permissions.
   */
  private async postOutcome(
    record: JobRecord,
    outcome: 'result' | 'failure' | 'stuck',
    payload: MessagePayload,
  ): Promise<PostOutcome> {
    const posted = await this.postInChannel(record, payload, outcomeNonce(record, outcome));
    if (posted.ok) {
      if (record.messageId && record.messageId !== posted.messageId) {
        const link = `https://discord.com/channels/${record.guildId}/${record.channelId}/${posted.messageId}`;
        const pointer = pointerMessage({
          modelLabel: label(record.modelId),
          userId: record.userId,
          outcome,
          link,
        });
        await this.editJobMessage(record, { content: pointer }, false);
      }
      return posted;
    }
    if (posted.reason === 'failed') return posted;
    this.log(record).warn(
      { reason: posted.reason },
      'could not post the outcome as a new message: editing the reply',
    );
    return this.editJobMessage(record, payload, true);
  }

  /**
   * Posts in the job's channel (a thread's id is a channel: the outcome stays in the thread), replying to
   * the job's message while it exists. Files Discord refuses (too large after all, or no Attach Files)
   * become Scenario's links.
   */
  private async postInChannel(
    record: JobRecord,
    payload: MessagePayload,
    nonce: string,
  ): Promise<PostOutcome> {
    const files = payload.files ?? [];
    const body = {
      content: clipMessage(payload.content),
      ...(payload.embeds ? { embeds: payload.embeds } : {}),
      components: payload.components ?? [],
      attachments: files.map((file, id) => ({ id, filename: file.name })),
      allowed_mentions: { parse: [], users: payload.mentionUser ? [payload.mentionUser] : [] },
      ...(record.messageId
        ? { message_reference: { message_id: record.messageId, fail_if_not_exists: false } }
        : {}),
      // A create is not idempotent as the old edit was: when Discord made the message but its answer was
      // lost, discord.js (or a later delivery attempt) sends it again, and this returns the first one.
      nonce,
      enforce_nonce: true,
    };
    try {
      const message = (await this.options.rest.post(
        Routes.channelMessages(record.channelId),
        await withFiles(body, files),
      )) as { id: string };
      return { ok: true, messageId: message.id };
    } catch (error) {
      const reason = postFailureReason(error);
      if (reason === 'too_large' && files.length > 0)
        // Our size check trusts Scenario's declared sizes; if Discord still refuses, say so without the files.
        return this.postInChannel(
          record,
          {
            ...payload,
            files: [],
            embeds: undefined,
            content: `${payload.content}\n${TEXT.filesTooLarge}`,
          },
          nonce,
        );
      if (reason === 'forbidden' && files.length > 0) {
        // The bot may post but not attach (Attach Files denied in this channel): Scenario's links instead.
        this.log(record).warn('missing the Attach Files permission: posting links to the results instead');
        return this.postInChannel(
          record,
          {
            ...payload,
            files: [],
            content: `${payload.content}\n${TEXT.cannotAttachFiles(linksOf(files))}`,
          },
          nonce,
        );
      }
      if (reason === 'failed')
        this.log(record).warn(
          {
            code: discordCode(error),
            status: error instanceof DiscordAPIError ? error.status : undefined,
            err: error,
          },
          'posting the outcome failed',
        );
      return { ok: false, reason };
    }
  }

  async addResultControls(record: JobRecord, messageId: string): Promise<void> {
    try {
      await this.options.rest.put(
        Routes.channelMessageOwnReaction(record.channelId, messageId, encodeURIComponent(REROLL_EMOJI)),
      );
    } catch (error) {
      this.log(record).warn(
        { code: discordCode(error) },
        'could not add the reroll reaction (missing Add Reactions permission?)',
      );
    }
  }

  async openPlaceholder(placeholder: PlaceholderFacts): Promise<PostOutcome> {
    const content = progressMessage({
      modelLabel: label(placeholder.modelId),
      state: 'submitting',
      progress: 0,
      elapsedMs: 0,
      body: placeholder.body,
      options: givenOptions(placeholder.modelId, placeholder.body),
      seed: undefined,
      userId: placeholder.userId,
    });
    try {
      const message = (await this.options.rest.post(Routes.channelMessages(placeholder.channelId), {
        body: {
          content: clipMessage(content),
          message_reference: { message_id: placeholder.replyToMessageId, fail_if_not_exists: false },
          allowed_mentions: { parse: [] },
        },
      })) as { id: string };
      return { ok: true, messageId: message.id };
    } catch (error) {
      return { ok: false, reason: postFailureReason(error) };
    }
  }

  async discardPlaceholder(channelId: string, messageId: string): Promise<void> {
    await this.options.rest
      .delete(Routes.channelMessage(channelId, messageId))
      .catch((error) =>
        this.options.logger.warn(
          { code: discordCode(error), channelId, messageId },
          'could not remove a placeholder',
        ),
      );
  }

  /**
   * Edits the job's message: through the interaction webhook while its token is valid (15 minutes), then
   * through the channel route; if the message is gone and `repostIfGone`, posts a new message that
   * mentions the requester. Never throws for Discord-side conditions.
   */
  private async editJobMessage(
    record: JobRecord,
    payload: MessagePayload,
    repostIfGone: boolean,
  ): Promise<PostOutcome> {
    const { rest, clock } = this.options;
    // Made only when there is something to log: a child logger costs its redacted bindings, and this runs
    // for every progress edit (at 1,000 pending jobs, a tenth of all the bot allocates).
    const log = () => this.log(record);
    const body = {
      content: clipMessage(payload.content),
      embeds: payload.embeds ?? [],
      components: payload.components ?? [],
      attachments: (payload.files ?? []).map((file, id) => ({ id, filename: file.name })),
      allowed_mentions: { parse: [], users: payload.mentionUser ? [payload.mentionUser] : [] },
    };
    const files = payload.files ?? [];
    const tokenFresh =
      record.interactionToken !== undefined &&
      record.tokenIssuedAt !== undefined &&
      clock.now() - record.tokenIssuedAt < INTERACTION_TOKEN_LIFETIME_MS - TOKEN_SAFETY_MS;

    const attempt = async (route: `/${string}`, auth: boolean): Promise<PostOutcome | 'retry-channel'> => {
      try {
        const message = (await rest.patch(route, { ...(await withFiles(body, files)), auth })) as {
          id: string;
        };
        return { ok: true, messageId: message.id };
      } catch (error) {
        const code = discordCode(error);
        if (
          code === DISCORD_ERROR.invalidWebhookToken ||
          code === DISCORD_ERROR.unknownInteraction ||
          code === DISCORD_ERROR.unknownWebhook
        )
          return 'retry-channel';
        const reason = postFailureReason(error);
        if (reason === 'failed')
          log().warn(
            { code, status: error instanceof DiscordAPIError ? error.status : undefined, err: error },
            'message edit failed',
          );
        return { ok: false, reason };
      }
    };

    let viaWebhook: PostOutcome | 'retry-channel' = 'retry-channel';
    if (tokenFresh && record.interactionToken) {
      viaWebhook = await attempt(
        Routes.webhookMessage(record.applicationId, record.interactionToken, '@original'),
        false,
      );
    }
    let outcome: PostOutcome;
    if (viaWebhook !== 'retry-channel') outcome = viaWebhook;
    else if (!record.messageId) outcome = { ok: false, reason: 'gone' };
    else {
      const viaChannel = await attempt(Routes.channelMessage(record.channelId, record.messageId), true);
      outcome = viaChannel === 'retry-channel' ? { ok: false, reason: 'failed' } : viaChannel;
    }
    if (outcome.ok || !repostIfGone) return outcome;
    if (outcome.reason === 'too_large' && files.length > 0) {
      // Our size check trusts Scenario's declared sizes; if Discord still refuses, say so without the files.
      return this.editJobMessage(
        record,
        { ...payload, files: [], embeds: [], content: `${payload.content}\n${TEXT.filesTooLarge}` },
        repostIfGone,
      );
    }
    if (outcome.reason === 'forbidden' && files.length > 0) {
      // The bot may post but not attach (Attach Files denied in this channel): Scenario's links instead.
      log().warn('missing the Attach Files permission: posting links to the results instead');
      const links = linksOf(files);
      return this.editJobMessage(
        record,
        {
          ...payload,
          files: [],
          embeds: [],
          content: `${payload.content}\n${TEXT.cannotAttachFiles(links)}`,
        },
        repostIfGone,
      );
    }
    if (outcome.reason !== 'gone') return outcome;
    try {
      const repost = {
        ...body,
        content: clipMessage(`${TEXT.replyGoneFallback(record.userId)}\n${payload.content}`),
        allowed_mentions: { parse: [], users: [record.userId] },
      };
      const message = (await rest.post(
        Routes.channelMessages(record.channelId),
        await withFiles(repost, files),
      )) as {
        id: string;
      };
      log().info({ messageId: message.id }, 'original reply gone: posted a new message');
      return { ok: true, messageId: message.id };
    } catch (error) {
      log().error({ code: discordCode(error) }, 'could not post the result in the channel');
      return { ok: false, reason: 'gone' };
    }
  }
}
