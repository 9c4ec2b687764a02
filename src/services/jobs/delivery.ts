import { randomUUID } from 'node:crypto';
import { DiscordAPIError, type REST, Routes } from 'discord.js';
import type { Logger } from 'pino';
import {
  failureMessage,
  progressMessage,
  type QuotaLine,
  resultMessage,
  stuckMessage,
  TEXT,
} from '../../discord/messages.js';
import { resultButtonsRow } from '../../discord/result-buttons.js';
import type { Clock } from '../clock.js';
import { type AssetBatcher, createAssetBatcher } from '../scenario/asset-batcher.js';
import type { Asset, Job, ScenarioClient } from '../scenario/scenario-client.js';
import { ScenarioError } from '../scenario/scenario-errors.js';
import type { JobLedger, JobRecord } from './job-ledger.js';

/** Discord's interaction tokens live 15 minutes; stop using one a little before that. */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
const TOKEN_SAFETY_MS = 30 * 1000;

// Discord JSON error codes we act on (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
const UNKNOWN_MESSAGE = 10008;
const UNKNOWN_CHANNEL = 10003;
const UNKNOWN_WEBHOOK = 10015;
const UNKNOWN_INTERACTION = 10062;
const INVALID_WEBHOOK_TOKEN = 50027;
const MISSING_PERMISSIONS = 50013;
const MISSING_ACCESS = 50001;
const ENTITY_TOO_LARGE = 40005;

export const REROLL_EMOJI = '🔄';
export const DELETE_EMOJI = '❌';

/** What delivery needs from the quota ledger (kept narrow so the ledger can change behind it). */
export interface CreditHooks {
  commit(reservationId: string, creativeUnitsCost: number | undefined): Promise<void>;
  refund(reservationId: string): Promise<boolean>;
  status(guildId: string, userId: string): Promise<QuotaLine | undefined>;
}

/** Where finished generations are recorded (seeds and lineage for rerolls and /history). */
export interface GenerationRecorder {
  recordDelivered(record: JobRecord, messageId: string): Promise<void>;
}

export interface DeliveryOptions {
  rest: REST;
  scenario: ScenarioClient;
  ledger: JobLedger;
  credits: CreditHooks;
  generations: GenerationRecorder;
  logger: Logger;
  clock: Clock;
  modelLabel: (modelId: string) => string;
  progressEditIntervalMs: number;
  maxResultBytes: number;
}

interface OutgoingFile {
  name: string;
  data: Buffer;
  contentType?: string;
  /** Scenario's signed link to the same file: what is shown when the file cannot be attached. */
  link?: { url: string; expires?: string };
}

interface MessagePayload {
  content: string;
  files?: OutgoingFile[];
  embeds?: unknown[];
  /** Buttons under the message (the result's reroll and delete). */
  components?: unknown[];
  /** Users the message may ping: only the requester, never @everyone or roles from a prompt. */
  mentionUser?: string;
}

type EditOutcome =
  | { ok: true; messageId: string }
  | { ok: false; reason: 'gone' | 'forbidden' | 'too_large' | 'failed' };

/**
 * How long a process may take to post a job's outcome before another instance may try: a delivery
 * (downloads with timeouts, a multipart upload to Discord) takes seconds; a crashed holder delays the
 * job by at most this.
 */
const FINISH_LEASE_MS = 120_000;

/** Another instance holds the job's finish lease: look again later (it will then be finished). */
export class FinishBusyError extends Error {
  override readonly name = 'FinishBusyError';
  constructor(readonly jobRecordId: string) {
    super(`another instance is posting the outcome of ${jobRecordId}`);
  }
}

/**
 * Turns job events into what the requester sees in Discord: progress edits, the result files, or an
 * explanation. Talks to Discord through REST routes only (no cached objects), so it works the same for a
 * job resumed after a restart as for one started a second ago.
 */
export class Delivery {
  private readonly assetBatcher: AssetBatcher;
  /** This process, as the holder of finish leases in a store other instances may share. */
  private readonly owner = randomUUID();

  constructor(private readonly options: DeliveryOptions) {
    this.assetBatcher = createAssetBatcher(options.scenario);
  }

  private log(record: JobRecord): Logger {
    return this.options.logger.child({
      jobId: record.scenarioJobId ?? record.id,
      guildId: record.guildId,
      userId: record.userId,
      command: record.command,
    });
  }

  /** Edits the reply when what it shows changed, at most once per interval per message. */
  async showProgress(record: JobRecord, job: Job): Promise<JobRecord> {
    const { clock, ledger } = this.options;
    const now = clock.now();
    const content = progressMessage({
      modelLabel: this.options.modelLabel(record.modelId),
      state: job.status,
      progress: job.progress,
      elapsedMs: now - record.createdAt,
      body: record.body,
      seed: record.seed,
      userId: record.userId,
    });
    const shownWithoutClock = content.replace(/ · \d+:\d+ elapsed/, '');
    const changed = shownWithoutClock !== record.lastShown;
    const state =
      record.state === 'submitted' && job.status !== 'queued' && job.status !== 'pending'
        ? 'running'
        : record.state;
    if (!changed || now - record.lastEditAt < this.options.progressEditIntervalMs) {
      if (state !== record.state || job.progress !== record.progress) {
        return (
          (await ledger.update(
            record.id,
            { state, progress: job.progress, scenarioStatus: job.rawStatus },
            now,
          )) ?? record
        );
      }
      return record;
    }
    const outcome = await this.editJobMessage(record, { content }, false);
    const patch: Partial<JobRecord> = {
      state,
      progress: job.progress,
      scenarioStatus: job.rawStatus,
      lastShown: shownWithoutClock,
      lastEditAt: now,
    };
    if (outcome.ok) patch.messageId = outcome.messageId;
    return (await ledger.update(record.id, patch, now)) ?? record;
  }

  /**
   * Runs `post` only while this process holds the job's finish lease, so an outcome is posted once even
   * when two instances follow the job; `FinishBusyError` tells the caller to look again later.
   */
  private async finishOnce(
    record: JobRecord,
    post: () => Promise<void>,
    patch: Partial<JobRecord> = {},
  ): Promise<void> {
    const { ledger, clock } = this.options;
    const claim = await ledger.claimFinish(record.id, this.owner, clock.now(), FINISH_LEASE_MS, patch);
    if (claim === 'finished') return;
    if (claim === 'busy') throw new FinishBusyError(record.id);
    await post();
  }

  /** Downloads the results and posts them, once (see `finishOnce`). */
  deliver(record: JobRecord, job: Job): Promise<void> {
    return this.finishOnce(record, () => this.postResult(record, job), {
      state: 'delivering',
      progress: 1,
      scenarioStatus: job.rawStatus,
    });
  }

  private async postResult(record: JobRecord, job: Job): Promise<void> {
    const { ledger, clock, credits } = this.options;
    const log = this.log(record);

    const assets = await this.assetBatcher.get(job.assetIds);
    const limit = Math.min(record.attachmentSizeLimit, this.options.maxResultBytes);
    const files: OutgoingFile[] = [];
    const notAttached: { name: string; size: number; url: string; expires?: string }[] = [];
    let missing = job.assetIds.length - assets.length;
    for (const [index, asset] of assets.entries()) {
      const name = fileNameFor(record, asset, index);
      const fetched = await this.fetchResult(asset, limit, log);
      if (fetched.ok) {
        files.push({
          name,
          data: fetched.bytes,
          contentType: asset.mimeType,
          link: asset.url ? { url: asset.url, expires: signedUrlExpiry(asset.url) } : undefined,
        });
        continue;
      }
      if (fetched.reason === 'too_large' && asset.url) {
        notAttached.push({
          name,
          size: fetched.size ?? asset.properties?.size ?? limit + 1,
          url: asset.url,
          expires: signedUrlExpiry(asset.url),
        });
      } else {
        missing += 1;
      }
      // A smaller picture of the same result is better than nothing (3D thumbnails, previews).
      const previewUrl = asset.preview?.url ?? asset.thumbnail?.url;
      if (previewUrl) {
        const preview = await this.download(previewUrl, limit);
        if (preview.ok)
          files.push({
            name: `${stripExtension(name)}-preview.png`,
            data: preview.bytes,
            contentType: 'image/png',
          });
      }
    }
    // 3D results: also show the thumbnail Scenario provides beside the .glb.
    for (const [index, asset] of assets.entries()) {
      if (
        asset.kind === '3d' &&
        files.some((file) => file.name === fileNameFor(record, asset, index)) &&
        asset.thumbnail?.url
      ) {
        const thumb = await this.download(asset.thumbnail.url, limit);
        if (thumb.ok)
          files.push({
            name: `${stripExtension(fileNameFor(record, asset, index))}-thumbnail.png`,
            data: thumb.bytes,
            contentType: 'image/png',
          });
      }
    }

    if (missing === job.assetIds.length && job.assetIds.length > 0) {
      // Nothing reached the member (every file 404s or its link expired): they are not charged for it.
      log.warn({ assetIds: job.assetIds }, 'no result file could be downloaded');
      return this.postFailure(record, {
        error: 'result files unavailable',
        rawStatus: job.rawStatus,
        explanation: TEXT.resultsUnavailable,
      });
    }
    if (record.reservationId) await credits.commit(record.reservationId, record.creativeUnitsCost);
    const quota = await credits.status(record.guildId, record.userId).catch(() => undefined);
    const content = resultMessage({
      modelLabel: this.options.modelLabel(record.modelId),
      userId: record.userId,
      elapsedMs: clock.now() - record.createdAt,
      body: record.body,
      seed: record.seed,
      creditsSpent: record.creditsReserved,
      quota,
      notAttached,
      missing,
    });
    const firstImage = files.find((file) => file.contentType?.startsWith('image/'));
    const embeds = firstImage ? [{ image: { url: `attachment://${firstImage.name}` }, color: 0x5865f2 }] : [];
    const outcome = await this.editJobMessage(
      record,
      { content, files, embeds, components: [resultButtonsRow], mentionUser: record.userId },
      true,
    );
    if (!outcome.ok) {
      log.error({ reason: outcome.reason }, 'result could not be posted anywhere');
      await ledger.update(record.id, { state: 'failed', error: `delivery ${outcome.reason}` }, clock.now());
      return;
    }
    const delivered = await ledger.update(
      record.id,
      { state: 'delivered', messageId: outcome.messageId },
      clock.now(),
    );
    await this.options.generations.recordDelivered(delivered ?? record, outcome.messageId);
    await this.addReaction(record, outcome.messageId, REROLL_EMOJI, log);
    log.info(
      { messageId: outcome.messageId, files: files.length, notAttached: notAttached.length, missing },
      'result delivered',
    );
  }

  /** Explains a failed job and refunds it, once (see `finishOnce`). */
  fail(
    record: JobRecord,
    job: Partial<Pick<Job, 'error' | 'hint'>> & Pick<Job, 'rawStatus'> & { explanation?: string },
  ): Promise<void> {
    return this.finishOnce(record, () => this.postFailure(record, job));
  }

  private async postFailure(
    record: JobRecord,
    job: Partial<Pick<Job, 'error' | 'hint'>> & Pick<Job, 'rawStatus'> & { explanation?: string },
  ): Promise<void> {
    const { ledger, clock } = this.options;
    const refunded = await this.refund(record);
    const content = failureMessage({
      modelLabel: this.options.modelLabel(record.modelId),
      userId: record.userId,
      error: job.error,
      hint: job.hint,
      explanation: job.explanation,
      refunded,
    });
    await this.editJobMessage(record, { content, mentionUser: record.userId }, true);
    await ledger.update(
      record.id,
      { state: 'failed', error: job.error ?? job.rawStatus, scenarioStatus: job.rawStatus },
      clock.now(),
    );
    this.log(record).info({ error: job.error, refunded }, 'job failed');
  }

  /** Reports a job that never ends and refunds it, once (see `finishOnce`). */
  reportStuck(record: JobRecord): Promise<void> {
    return this.finishOnce(record, () => this.postStuck(record));
  }

  private async postStuck(record: JobRecord): Promise<void> {
    const { ledger, clock } = this.options;
    const refunded = await this.refund(record);
    const content = stuckMessage({
      modelLabel: this.options.modelLabel(record.modelId),
      userId: record.userId,
      elapsedMs: clock.now() - record.createdAt,
      refunded,
    });
    await this.editJobMessage(record, { content, mentionUser: record.userId }, true);
    await ledger.update(record.id, { state: 'failed', error: 'stuck' }, clock.now());
    this.log(record).warn({ refunded }, 'job reported as stuck');
  }

  private async refund(record: JobRecord): Promise<number> {
    if (!record.reservationId) return 0;
    const refunded = await this.options.credits.refund(record.reservationId).catch(() => false);
    return refunded ? record.creditsReserved : 0;
  }

  private async fetchResult(
    asset: Asset,
    limit: number,
    log: Logger,
  ): Promise<{ ok: true; bytes: Buffer } | { ok: false; reason: 'too_large' | 'failed'; size?: number }> {
    const declared = asset.properties?.size;
    // Do not download (or try to upload) a file Discord will refuse.
    if (declared !== undefined && declared > limit) return { ok: false, reason: 'too_large', size: declared };
    if (!asset.url) return { ok: false, reason: 'failed' };
    const result = await this.download(asset.url, limit);
    if (!result.ok) log.warn({ assetId: asset.id, reason: result.reason }, 'result download failed');
    return result;
  }

  private async download(
    url: string,
    limit: number,
  ): Promise<{ ok: true; bytes: Buffer } | { ok: false; reason: 'too_large' | 'failed' }> {
    try {
      const { bytes } = await this.options.scenario.assets.download(url, limit);
      return { ok: true, bytes };
    } catch (error) {
      return {
        ok: false,
        reason: error instanceof ScenarioError && error.kind === 'too_large' ? 'too_large' : 'failed',
      };
    }
  }

  private async addReaction(record: JobRecord, messageId: string, emoji: string, log: Logger): Promise<void> {
    try {
      await this.options.rest.put(
        Routes.channelMessageOwnReaction(record.channelId, messageId, encodeURIComponent(emoji)),
      );
    } catch (error) {
      log.warn(
        { code: discordCode(error) },
        'could not add the reroll reaction (missing Add Reactions permission?)',
      );
    }
  }

  /**
   * Edits the job's message: through the interaction webhook while its token is valid (15 minutes), then
   * through the channel route; if the message is gone and `repostIfGone`, posts a new message that
   * mentions the requester. Never throws for Discord-side conditions.
   */
  async editJobMessage(
    record: JobRecord,
    payload: MessagePayload,
    repostIfGone: boolean,
  ): Promise<EditOutcome> {
    const { rest, clock } = this.options;
    const log = this.log(record);
    const body = {
      content: payload.content,
      embeds: payload.embeds ?? [],
      components: payload.components ?? [],
      attachments: (payload.files ?? []).map((file, id) => ({ id, filename: file.name })),
      allowed_mentions: { parse: [], users: payload.mentionUser ? [payload.mentionUser] : [] },
    };
    const files = (payload.files ?? []).map((file) => ({
      name: file.name,
      data: file.data,
      contentType: file.contentType,
    }));
    const tokenFresh =
      record.interactionToken !== undefined &&
      record.tokenIssuedAt !== undefined &&
      clock.now() - record.tokenIssuedAt < INTERACTION_TOKEN_LIFETIME_MS - TOKEN_SAFETY_MS;

    const attempt = async (route: `/${string}`, auth: boolean): Promise<EditOutcome | 'retry-channel'> => {
      try {
        const message = (await rest.patch(route, { body, files, auth })) as { id: string };
        return { ok: true, messageId: message.id };
      } catch (error) {
        const code = discordCode(error);
        if (code === INVALID_WEBHOOK_TOKEN || code === UNKNOWN_INTERACTION || code === UNKNOWN_WEBHOOK)
          return 'retry-channel';
        if (code === UNKNOWN_MESSAGE) return { ok: false, reason: 'gone' };
        if (code === UNKNOWN_CHANNEL || code === MISSING_ACCESS) return { ok: false, reason: 'gone' };
        if (code === MISSING_PERMISSIONS) return { ok: false, reason: 'forbidden' };
        if (code === ENTITY_TOO_LARGE) return { ok: false, reason: 'too_large' };
        log.warn(
          { code, status: error instanceof DiscordAPIError ? error.status : undefined, err: error },
          'message edit failed',
        );
        return { ok: false, reason: 'failed' };
      }
    };

    let viaWebhook: EditOutcome | 'retry-channel' = 'retry-channel';
    if (tokenFresh && record.interactionToken) {
      viaWebhook = await attempt(
        Routes.webhookMessage(record.applicationId, record.interactionToken, '@original'),
        false,
      );
    }
    let outcome: EditOutcome;
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
        {
          ...payload,
          files: [],
          embeds: [],
          content: `${payload.content}\n⚠️ The files were too large for this server's upload limit.`,
        },
        repostIfGone,
      );
    }
    if (outcome.reason === 'forbidden' && files.length > 0) {
      // The bot may post but not attach (Attach Files denied in this channel): Scenario's links instead.
      log.warn('missing the Attach Files permission: posting links to the results instead');
      const links = (payload.files ?? []).flatMap((file) =>
        file.link ? [{ name: file.name, ...file.link }] : [],
      );
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
      const message = (await rest.post(Routes.channelMessages(record.channelId), {
        body: {
          ...body,
          content: `${TEXT.replyGoneFallback(record.userId)}\n${payload.content}`,
          allowed_mentions: { parse: [], users: [record.userId] },
        },
        files,
      })) as { id: string };
      log.info({ messageId: message.id }, 'original reply gone: posted a new message');
      return { ok: true, messageId: message.id };
    } catch (error) {
      log.error({ code: discordCode(error) }, 'could not post the result in the channel');
      return { ok: false, reason: 'gone' };
    }
  }
}

export function discordCode(error: unknown): number | string | undefined {
  return error instanceof DiscordAPIError ? error.code : undefined;
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'model/gltf-binary': 'glb',
  'video/mp4': 'mp4',
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
};

export function fileNameFor(
  record: Pick<JobRecord, 'command' | 'seed'>,
  asset: Pick<Asset, 'mimeType' | 'kind'>,
  index: number,
): string {
  const extension = (asset.mimeType && EXTENSIONS[asset.mimeType]) ?? (asset.kind === '3d' ? 'glb' : 'bin');
  const base = record.command.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'result';
  return `${base}${record.seed === undefined ? '' : `-${record.seed}`}-${index + 1}.${extension}`;
}

function stripExtension(name: string): string {
  return name.replace(/\.[^.]+$/, '');
}

/** Signed CDN URLs carry their expiry in the query (Expires= or expires=, seconds or ms since epoch). */
export function signedUrlExpiry(url: string): string | undefined {
  try {
    const params = new URL(url).searchParams;
    const raw = params.get('Expires') ?? params.get('expires');
    if (!raw) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) return undefined;
    return new Date(value > 1e12 ? value : value * 1000).toISOString();
  } catch {
    return undefined;
  }
}
