import type { Logger } from 'pino';
import { assetTakesList, outputCount, specFor } from '../../models/index.js';
import type { ParamProblem } from '../../models/live-schema.js';
import { liveProblem } from '../../models/live-spec.js';
import type { ModelSpec } from '../../models/spec.js';
import type {
  AttachmentProblem,
  AttachmentService,
  DiscordAttachment,
  FetchedImage,
} from '../assets/attachments.js';
import type { Clock } from '../clock.js';
import type { GuildSettingsService } from '../credits/guild-settings.js';
import type { CreditReserver, QuotaLine } from '../credits/quota-adapter.js';
import type { ModelCatalog } from '../scenario/model-catalog.js';
import type { ModelSchema } from '../scenario/model-schemas.js';
import type { ScenarioErrorKind } from '../scenario/scenario-errors.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import type { JobRecord } from './job-ledger.js';
import type { JobMessenger } from './job-messenger.js';
import type { JobSubmission, JobSubmissionInput } from './submission.js';

/** A file the member attached, going to one Scenario asset parameter. */
export interface FileInput {
  /** The Scenario parameter the asset goes to (`image`, `referenceImages`, `mask`). */
  param: string;
  /** The Discord option it came from, for messages. */
  option: string;
  attachment: DiscordAttachment;
}

/** The answer to a slash command or context menu: its deferred reply is the job's message. */
export interface InteractionReply {
  kind: 'interaction';
  applicationId: string;
  token: string;
  attachmentSizeLimit: number;
  /**
   * Acknowledges the interaction (Discord's 3 s window) once the checks that cost nothing have passed;
   * resolves to the reply's message id when Discord gave it.
   */
  acknowledge(): Promise<{ messageId?: string }>;
}

/** A new message replying to an earlier one (rerolls): posted by the pipeline before submission. */
export interface MessageReply {
  kind: 'message';
  applicationId: string;
  replyToMessageId: string;
  attachmentSizeLimit: number;
}

/** Everything a generation needs, from whichever entry point: command, context menu, reaction, button. */
export interface GenerationRequest {
  /** What the member ran (`skybox gpt`, `to3d`…): names the files and the job in logs. */
  command: string;
  modelId: string;
  /** Validated parameters without the assets of `files` (those are uploaded here); a seed only if chosen. */
  body: Record<string, unknown>;
  files: readonly FileInput[];
  /** The parameter whose image must be a PNG with alpha the size of the first image (inpainting mask). */
  maskParam?: string;
  /**
   * Who asks, and where: `channelId` is where the job reports (a thread's own id), `parentChannelId` the
   * thread's channel (text or forum), which decides whether generation is allowed there.
   */
  requester: {
    guildId: string;
    channelId: string;
    parentChannelId?: string;
    userId: string;
    roleIds: readonly string[];
  };
  reply: InteractionReply | MessageReply;
  parentGenerationId?: string;
  /** How a generation with a parent came from it: the same request with a new seed, or with edited text. */
  lineage?: Lineage;
  /** Body parameters whose value is the member's default rather than an option they gave (shown as such). */
  fromDefaults?: readonly string[];
}

export type Lineage = 'reroll' | 'remix';

/** Why a generation did not start. Nothing is left reserved when one of these is returned. */
export type Refusal =
  | { reason: 'guild_not_served' }
  | {
      reason: 'not_allowed_here';
      why: 'channel' | 'role';
      allowedChannelIds: readonly string[];
      allowedRoleIds: readonly string[];
    }
  | { reason: 'storage_unavailable' }
  | { reason: 'too_many_running'; maxRunning: number }
  | { reason: 'too_many_failed_attempts'; retryAfterMs: number }
  | { reason: 'blocked' }
  | { reason: 'quota_exhausted'; quota: QuotaLine; credits: number }
  | { reason: 'invalid_file'; option: string; problem: AttachmentProblem }
  | { reason: 'upload_failed' }
  /** Scenario does not know the model, or it is not in the project's plan. */
  | { reason: 'model_not_found'; modelId: string }
  /** The model's live schema refuses the request (it may be narrower than our spec). */
  | { reason: 'live_rule'; modelLabel: string; problem: ParamProblem }
  | { reason: 'reply_unavailable' }
  | { reason: 'scenario'; kind: ScenarioErrorKind; scenarioMessage?: string };

export type GenerationOutcome = { ok: true; record: JobRecord } | { ok: false; refusal: Refusal };

export interface GenerationPipelineOptions {
  attachments: AttachmentService;
  settings: GuildSettingsService;
  credits: Pick<CreditReserver, 'costOf'>;
  /** Models' specs and live schemas (cached): the live rules are enforced before anything is spent. */
  models: Pick<ModelCatalog, 'specFor' | 'schemaOf'>;
  submission: JobSubmission;
  messenger: JobMessenger;
  attempts: AttemptLimiter;
  logger: Logger;
  clock: Clock;
  servedGuildIds: readonly string[];
}

/**
 * The one way a generation starts. In order: file checks that cost nothing, the acknowledgement, access
 * (served guild, allowed channel and roles), cost, reservation (running slot and credits; a blocked member
 * is refused here), uploads, the job's message, submission and ledger, first progress. Every step after
 * the reservation that fails gives the credits and the running slot back, whatever it was.
 */
export class GenerationPipeline {
  private readonly served: ReadonlySet<string>;

  constructor(private readonly options: GenerationPipelineOptions) {
    this.served = new Set(options.servedGuildIds);
  }

  async run(request: GenerationRequest): Promise<GenerationOutcome> {
    const { attachments, settings, credits, submission } = this.options;
    const { guildId, channelId, userId, roleIds } = request.requester;
    const log = this.options.logger.child({ guildId, userId, command: request.command });

    // Another instance may serve that guild: only it answers.
    if (!this.served.has(guildId)) return refuse({ reason: 'guild_not_served' });
    for (const file of request.files) {
      const check = attachments.precheck(file.option, file.attachment);
      if (!check.ok) return refuse({ reason: 'invalid_file', option: check.option, problem: check.problem });
    }
    const mask = request.files.find((file) => file.param === request.maskParam);
    if (mask && request.files.every((file) => file === mask))
      return refuse({
        reason: 'invalid_file',
        option: mask.option,
        problem: { kind: 'mask_without_reference' },
      });
    const known = await this.knownSpec(request);
    if (!known.ok) return known;
    const spec = known.spec;
    const acknowledged = request.reply.kind === 'interaction' ? await request.reply.acknowledge() : {};
    const attemptKey = `${guildId}:${userId}`;
    const wait = this.options.attempts.waitFor(attemptKey);
    if (wait > 0) return refuse({ reason: 'too_many_failed_attempts', retryAfterMs: wait });
    const tokenIssuedAt = this.options.clock.now();

    const outputs = outputCount(spec, request.body);
    let cost: number;
    try {
      const access = await settings.access(
        guildId,
        { channelId, parentChannelId: request.requester.parentChannelId },
        roleIds,
      );
      if (!access.ok) {
        const { why, allowedChannelIds, allowedRoleIds } = access;
        return refuse({ reason: 'not_allowed_here', why, allowedChannelIds, allowedRoleIds });
      }
      cost = await credits.costOf(guildId, spec.id, outputs, spec.creditsPerOutput);
    } catch (error) {
      log.error({ err: error }, 'settings store unavailable');
      return refuse({ reason: 'storage_unavailable' });
    }
    const reservation = await submission.reserve({ guildId, userId, credits: cost });
    if (!reservation.ok) {
      if (reservation.reason === 'too_many_running')
        return refuse({ reason: 'too_many_running', maxRunning: submission.maxRunningPerUser });
      if (reservation.reason === 'quota_exhausted')
        return refuse({ reason: 'quota_exhausted', quota: reservation.quota, credits: cost });
      return refuse({ reason: reservation.reason });
    }

    let submitted = false;
    let placeholderId: string | undefined;
    try {
      const uploaded = await this.upload(request, spec, log);
      if (!uploaded.ok) return uploaded;
      const body = { ...request.body, ...uploaded.assets };

      let messageId = acknowledged.messageId;
      if (request.reply.kind === 'message') {
        const placeholder = await this.options.messenger.openPlaceholder({
          channelId,
          replyToMessageId: request.reply.replyToMessageId,
          userId,
          modelId: spec.id,
          body,
        });
        if (!placeholder.ok) {
          log.warn({ reason: placeholder.reason }, 'could not post the message the job would report in');
          return refuse({ reason: 'reply_unavailable' });
        }
        messageId = placeholderId = placeholder.messageId;
      }

      const input: JobSubmissionInput = {
        command: request.command,
        modelId: spec.id,
        body,
        outputs,
        credits: cost,
        seedRange: spec.seed ? { min: spec.seed.min, max: spec.seed.max } : undefined,
        guildId,
        channelId,
        userId,
        applicationId: request.reply.applicationId,
        attachmentSizeLimit: request.reply.attachmentSizeLimit,
        messageId,
        parentGenerationId: request.parentGenerationId,
        lineage: request.lineage,
        fromDefaults: request.fromDefaults,
        output: spec.output,
        ...(request.reply.kind === 'interaction'
          ? { interactionToken: request.reply.token, tokenIssuedAt }
          : {}),
      };
      const result = await submission.submit(input, reservation.reservationId);
      if (!result.ok) {
        if (result.reason === 'storage_unavailable') return refuse({ reason: 'storage_unavailable' });
        // What the member asked for was refused (not Scenario being busy or down): it counts against them.
        if (MEMBER_CAUSED.has(result.error.kind)) this.options.attempts.recordFailure(attemptKey);
        return refuse({
          reason: 'scenario',
          kind: result.error.kind,
          scenarioMessage: result.error.details.scenarioMessage,
        });
      }
      submitted = true;
      // Not sent here: the bot is stopping (the next start sends it) or another instance sent it.
      if (result.record.state === 'queued') return { ok: true, record: result.record };
      await this.showFirstProgress(result.record, log);
      return { ok: true, record: result.record };
    } finally {
      if (!submitted) {
        await submission.cancel(guildId, userId, reservation.reservationId);
        if (placeholderId) await this.options.messenger.discardPlaceholder(channelId, placeholderId);
      }
    }
  }

  /** Attachments: real bytes checked, then uploaded; the assetId (not the expiring URL) is what is kept. */
  private async upload(
    request: GenerationRequest,
    spec: ModelSpec,
    log: Logger,
  ): Promise<{ ok: true; assets: Record<string, string | string[]> } | { ok: false; refusal: Refusal }> {
    const { attachments } = this.options;
    const fetched: FetchedImage[] = [];
    try {
      for (const file of request.files) {
        const first = fetched[0];
        const isMask = file.param === request.maskParam;
        const result = await attachments.fetchImage(file.option, file.attachment, {
          requirePngAlpha: isMask,
          sameSizeAs:
            isMask && first ? { width: first.width, height: first.height, option: first.option } : undefined,
          sameFormatAs: isMask && first ? { mimeType: first.mimeType, option: first.option } : undefined,
        });
        if (!result.ok)
          return {
            ok: false,
            refusal: { reason: 'invalid_file', option: result.option, problem: result.problem },
          };
        fetched.push(result.image);
      }
      const assets: Record<string, string | string[]> = {};
      for (const [index, image] of fetched.entries()) {
        const param = request.files[index]?.param;
        if (!param) continue;
        const assetId = await attachments.upload(image);
        const previous = assets[param];
        assets[param] = assetTakesList(spec, param)
          ? [...(Array.isArray(previous) ? previous : []), assetId]
          : assetId;
      }
      return { ok: true, assets };
    } catch (error) {
      log.warn({ err: error }, 'attachment upload failed');
      return { ok: false, refusal: { reason: 'upload_failed' } };
    }
  }

  /**
   * A model's live schema, for a command that builds its request from it (/generate). A model Scenario
   * does not know counts as a refused attempt (the read cost a request of the shared budget), and a
   * member over the limit is refused before anything is read.
   */
  async liveSchema(
    requester: { guildId: string; userId: string },
    modelId: string,
  ): Promise<{ ok: true; schema: ModelSchema } | { ok: false; refusal: Refusal }> {
    const attemptKey = `${requester.guildId}:${requester.userId}`;
    const wait = this.options.attempts.waitFor(attemptKey);
    if (wait > 0) return { ok: false, refusal: { reason: 'too_many_failed_attempts', retryAfterMs: wait } };
    const lookup = await this.options.models.schemaOf(modelId);
    if (lookup.ok) return lookup;
    if (lookup.reason === 'unavailable')
      return { ok: false, refusal: { reason: 'scenario', kind: lookup.kind } };
    this.options.attempts.recordFailure(attemptKey);
    return { ok: false, refusal: { reason: 'model_not_found', modelId } };
  }

  /**
   * The model's spec (its file, or derived from its live schema) and the live rules: a request the live
   * schema refuses (a lower max than our spec's, a removed value, a new required input) is refused here,
   * before anything is spent. When Scenario cannot describe the model right now, a seed model runs on its
   * spec and another model as given (Scenario still validates it).
   */
  private async knownSpec(
    request: GenerationRequest,
  ): Promise<{ ok: true; spec: ModelSpec } | { ok: false; refusal: Refusal }> {
    const { models } = this.options;
    const known = await models.specFor(request.modelId);
    const live = await models.schemaOf(request.modelId);
    // A seed model runs on its spec even when Scenario cannot describe it (its own checks still apply).
    if (!known && !live.ok && live.reason === 'model_not_found')
      return { ok: false, refusal: { reason: 'model_not_found', modelId: request.modelId } };
    const spec = known ?? specFor(request.modelId);
    if (!live.ok) return { ok: true, spec };
    const files: Record<string, number> = {};
    for (const file of request.files) files[file.param] = (files[file.param] ?? 0) + 1;
    const problem = liveProblem(live.schema, request.body, files);
    return problem
      ? { ok: false, refusal: { reason: 'live_rule', modelLabel: spec.label, problem } }
      : { ok: true, spec };
  }

  /** The job's message shows it is queued with its seed; the message id is recorded for channel-route edits. */
  private async showFirstProgress(record: JobRecord, log: Logger): Promise<void> {
    const shown = await this.options.messenger.showProgress(record, {
      state: 'submitted',
      progress: 0,
      elapsedMs: 0,
    });
    if (!shown.ok) {
      log.warn({ reason: shown.reason }, 'could not show the first progress message');
      return;
    }
    if (shown.messageId !== record.messageId)
      // The job is submitted and tracked: a store hiccup here must not surface as an error to the user.
      await this.options.submission
        .attachMessage(record.id, shown.messageId)
        .catch((error) => log.warn({ err: error }, 'could not record the reply message id'));
  }
}

/** Scenario refusals caused by the request itself: repeated, they are a member draining the budget. */
const MEMBER_CAUSED: ReadonlySet<ScenarioErrorKind> = new Set([
  'invalid',
  'not_found',
  'forbidden',
  'too_large',
]);

function refuse(refusal: Refusal): GenerationOutcome {
  return { ok: false, refusal };
}
