import { randomInt, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CreditReserver, QuotaLine } from '../credits/quota-adapter.js';
import { BudgetClosedError } from '../scenario/request-budget.js';
import type { Job, ScenarioClient } from '../scenario/scenario-client.js';
import { ScenarioError } from '../scenario/scenario-errors.js';
import type { Delivery } from './delivery.js';
import type { JobLedger, JobRecord } from './job-ledger.js';
import type { JobTracker } from './job-tracker.js';
import type { QueueWatch } from './queue-watch.js';
import { findStartedJob } from './started-job.js';

/** A job ready to send: assets uploaded, credits reserved, where its messages go known. */
export interface JobSubmissionInput {
  command: string;
  modelId: string;
  /** The request body, assets already uploaded (assetIds), seed not yet drawn. */
  body: Record<string, unknown>;
  outputs: number;
  credits: number;
  /** Seed range when the model takes one: the bot draws one when the user gave none, so every result is reproducible. */
  seedRange?: { min: number; max: number };
  guildId: string;
  channelId: string;
  userId: string;
  applicationId: string;
  interactionToken?: string;
  tokenIssuedAt?: number;
  messageId?: string;
  attachmentSizeLimit: number;
  parentGenerationId?: string;
  lineage?: 'reroll' | 'remix';
  fromDefaults?: readonly string[];
  output?: JobRecord['output'];
}

export type Reservation =
  | { ok: true; reservationId: string; quota: QuotaLine }
  | { ok: false; reason: 'quota_exhausted' | 'blocked'; quota: QuotaLine }
  | { ok: false; reason: 'too_many_running' | 'storage_unavailable' };

/**
 * `ok` with a `queued` record: not sent here (the bot is stopping and the next start sends it, or another
 * instance sent it); either way the job goes on without this call.
 */
export type SubmitResult =
  | { ok: true; record: JobRecord }
  | { ok: false; reason: 'scenario'; error: ScenarioError }
  | { ok: false; reason: 'storage_unavailable' };

export interface JobSubmissionOptions {
  scenario: ScenarioClient;
  ledger: JobLedger;
  tracker: JobTracker;
  credits: CreditReserver;
  logger: Logger;
  clock: Clock;
  maxRunningPerUser: number;
  random?: (min: number, max: number) => number;
  /** Waits between the job listings that look for a job whose submission went unanswered. */
  startedJobLookupDelaysMs?: readonly number[];
  /** Shows a waiting job's place in the budget's queue. */
  queueWatch?: QueueWatch;
  /** Explains and refunds a job resumed from the queue after a restart that Scenario then refused. */
  delivery?: Pick<Delivery, 'fail'>;
}

/**
 * The steps of the pipeline that hold state: a member's running slots and credit reservation, and the
 * submission itself, whose ledger record is written before Scenario is called so no job can be lost.
 * Only the generation pipeline calls these; it releases what it reserved whenever a later step fails.
 */
export class JobSubmission {
  /** This process, as the sender of queued jobs in a store other instances may share. */
  private readonly owner = randomUUID();
  /** Jobs per guild:user between reservation and submission, for the concurrency cap (the tracker counts the rest). */
  private readonly running = new Map<string, number>();

  constructor(private readonly options: JobSubmissionOptions) {}

  get maxRunningPerUser(): number {
    return this.options.maxRunningPerUser;
  }

  /** Takes a running slot and reserves the credits, or says why not (and holds nothing). */
  async reserve(input: { guildId: string; userId: string; credits: number }): Promise<Reservation> {
    const key = slotKey(input.guildId, input.userId);
    const active =
      (this.running.get(key) ?? 0) + this.options.tracker.openCountFor(input.guildId, input.userId);
    if (active >= this.options.maxRunningPerUser) return { ok: false, reason: 'too_many_running' };
    this.running.set(key, (this.running.get(key) ?? 0) + 1);
    try {
      const reservation = await this.options.credits.reserve({
        guildId: input.guildId,
        userId: input.userId,
        amount: input.credits,
      });
      if (!reservation.ok) this.release(key);
      return reservation;
    } catch (error) {
      this.release(key);
      this.options.logger.error(
        { err: error, guildId: input.guildId, userId: input.userId },
        'quota store unavailable',
      );
      return { ok: false, reason: 'storage_unavailable' };
    }
  }

  /** Gives a reservation back (a step before submission failed) and frees the member's running slot. */
  async cancel(guildId: string, userId: string, reservationId: string): Promise<void> {
    this.release(slotKey(guildId, userId));
    await this.options.credits
      .refund(reservationId)
      .catch((error) => this.options.logger.error({ err: error, reservationId }, 'refund failed'));
  }

  /**
   * Writes the ledger record, calls Scenario, and hands an accepted job to the tracker (which then holds
   * the member's slot). On failure the reservation is left to the caller to cancel.
   */
  async submit(input: JobSubmissionInput, reservationId: string): Promise<SubmitResult> {
    const { clock, ledger } = this.options;
    const seed = input.seedRange ? pickSeed(input.body, input.seedRange, this.options.random) : undefined;
    const body = seed === undefined ? input.body : { ...input.body, seed };
    const now = clock.now();
    const id = `local_${randomUUID()}`;
    let record: JobRecord;
    try {
      // Queued first: until the budget lets the generate call go, nothing can have reached Scenario, so a
      // restart meanwhile submits it (once) rather than looking for it.
      record = await ledger.put({
        id,
        modelId: input.modelId,
        command: input.command,
        body,
        seed,
        outputs: input.outputs,
        guildId: input.guildId,
        channelId: input.channelId,
        userId: input.userId,
        applicationId: input.applicationId,
        interactionToken: input.interactionToken,
        tokenIssuedAt: input.tokenIssuedAt,
        messageId: input.messageId,
        parentGenerationId: input.parentGenerationId,
        lineage: input.lineage,
        output: input.output,
        fromDefaults:
          input.fromDefaults && input.fromDefaults.length > 0 ? [...input.fromDefaults] : undefined,
        attachmentSizeLimit: input.attachmentSizeLimit,
        reservationId,
        creditsReserved: input.credits,
        state: 'queued',
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      this.options.logger.error({ err: error }, 'job ledger unavailable');
      return { ok: false, reason: 'storage_unavailable' };
    }
    return this.send(record);
  }

  /**
   * Submits the queued jobs a previous process left (a crash or a stop while they waited for the budget),
   * each once, in the background: they take their turn in the queue like new ones. Returns how many.
   * Jobs Scenario then refuses are explained and refunded through the delivery.
   */
  async resumeQueued(servedGuildIds: readonly string[]): Promise<number> {
    const served = new Set(servedGuildIds);
    const queued = (await this.options.ledger.open()).filter(
      (record) => record.state === 'queued' && served.has(record.guildId),
    );
    for (const record of queued) {
      const key = slotKey(record.guildId, record.userId);
      this.running.set(key, (this.running.get(key) ?? 0) + 1);
      void this.send(record, true).then(async (result) => {
        if (result.ok) return;
        this.release(key);
        const error = result.reason === 'scenario' ? result.error : undefined;
        await this.options.delivery
          ?.fail(record, {
            rawStatus: 'failed',
            error: error?.details.scenarioMessage ?? error?.message ?? 'storage unavailable',
          })
          .catch((failure) =>
            this.options.logger.error({ err: failure, jobId: record.id }, 'could not explain a refused job'),
          );
      });
    }
    return queued.length;
  }

  /**
   * Sends a queued job: it waits for its turn in the budget (its message shows its place), is marked
   * `submitting` the moment the slot is granted (from then on it may exist on Scenario), then goes.
   * A refused job is marked failed here, unless `resumed`: then the delivery explains and refunds it.
   */
  private async send(queued: JobRecord, resumed = false): Promise<SubmitResult> {
    const { clock, ledger, scenario } = this.options;
    const { modelId, body, guildId, userId } = queued;
    const log = this.options.logger.child({ guildId, userId, command: queued.command, modelId });
    const stopWatching = this.options.queueWatch?.watch(queued);
    let sent = false;
    let sentAt = queued.createdAt;
    let response: { job: Job; creativeUnitsCost?: number };
    try {
      response = await scenario.generate.runModel(modelId, body, {
        ticket: {
          class: 'submit',
          guildId,
          userId,
          key: queued.id,
          alone: () => this.isAlone(guildId, userId),
        },
        beforeSend: async () => {
          await stopWatching?.();
          if (sent) return; // a retry after a 429 or a 5xx that proves nothing ran
          sentAt = clock.now();
          // Under the job's lock, only from `queued`: of two instances holding the same queued job (an old
          // and a new one during a deploy), one sends it.
          const marked = await ledger.update(
            queued.id,
            (current) => (current.state === 'queued' ? { state: 'submitting', sender: this.owner } : {}),
            sentAt,
          );
          if (marked?.state !== 'submitting' || marked.sender !== this.owner) throw new SentElsewhereError();
          sent = true;
        },
      });
    } catch (error) {
      await stopWatching?.();
      if (!sent) return this.notSent(queued, error, log, resumed);
      const scenarioError =
        error instanceof ScenarioError ? error : new ScenarioError('unavailable', 'Scenario call failed');
      log.warn({ kind: scenarioError.kind, status: scenarioError.details.status }, 'submission refused');
      // Generate is never resubmitted (it would be paid twice), but a job it started is found and followed.
      const started = scenarioError.mayHaveRun
        ? await findStartedJob(
            { scenario, clock, log },
            {
              modelId,
              body,
              submittedAt: sentAt,
              isFollowed: (jobId) => this.options.tracker.isFollowing(jobId),
            },
            this.options.startedJobLookupDelaysMs ?? [1_000, 2_000, 4_000],
          )
        : undefined;
      if (started)
        return this.follow(queued, { job: started, creativeUnitsCost: started.cuCost }, log, sentAt);
      if (!resumed)
        await ledger
          .update(queued.id, { state: 'failed', error: scenarioError.message }, clock.now())
          .catch(() => undefined);
      return { ok: false, reason: 'scenario', error: scenarioError };
    }
    return this.follow(queued, response, log, sentAt);
  }

  /** The generate call never left: the bot is stopping (the job stays queued), or the store failed. */
  private async notSent(
    queued: JobRecord,
    error: unknown,
    log: Logger,
    resumed: boolean,
  ): Promise<SubmitResult> {
    if (error instanceof BudgetClosedError) {
      log.info({ jobId: queued.id }, 'stopping: the queued job is kept for the next start');
      return { ok: true, record: queued };
    }
    if (error instanceof SentElsewhereError) {
      log.info({ jobId: queued.id }, 'another instance sent this queued job');
      this.release(slotKey(queued.guildId, queued.userId));
      return { ok: true, record: queued };
    }
    log.error({ err: error }, 'could not record the submission; not sent');
    if (!resumed)
      await this.options.ledger
        .update(
          queued.id,
          { state: 'failed', error: 'not sent: storage unavailable' },
          this.options.clock.now(),
        )
        .catch(() => undefined);
    return { ok: false, reason: 'storage_unavailable' };
  }

  /** Records the accepted job and hands it to the tracker. */
  private async follow(
    pending: JobRecord,
    response: { job: Job; creativeUnitsCost?: number },
    log: Logger,
    sentAt: number,
  ): Promise<SubmitResult> {
    const { clock, ledger, tracker } = this.options;
    const submitted = {
      state: 'submitted',
      submittedAt: sentAt,
      scenarioJobId: response.job.jobId,
      creativeUnitsCost: response.creativeUnitsCost,
      progress: response.job.progress,
    } as const;
    let record: JobRecord = { ...pending, ...submitted };
    try {
      record = (await ledger.update(record.id, submitted, clock.now())) ?? record;
    } catch (error) {
      // Scenario accepted (and charged) the job: follow it from memory rather than refund a job that
      // runs. A restart before the store returns finds it again by its parameters (job-tracker start).
      log.error(
        { err: error, jobId: response.job.jobId },
        'job submitted but the ledger could not record it',
      );
    }
    log
      .child({ jobId: response.job.jobId })
      .info({ seed: record.seed, cost: response.creativeUnitsCost }, 'job submitted');
    tracker.track(record);
    // The slot is now held by the tracker's open job; drop the in-memory hold.
    this.release(slotKey(record.guildId, record.userId));
    return { ok: true, record };
  }

  /** Records the job's message id (known only after the first edit) so channel-route edits can find it. */
  async attachMessage(id: string, messageId: string): Promise<void> {
    await this.options.ledger.update(id, { messageId }, this.options.clock.now());
    this.options.tracker.updatePending(id, { messageId });
  }

  /** Nothing else of this member's is queued, being sent or running: this job is their only one. */
  private isAlone(guildId: string, userId: string): boolean {
    return (
      (this.running.get(slotKey(guildId, userId)) ?? 0) <= 1 &&
      this.options.tracker.openCountFor(guildId, userId) === 0
    );
  }

  private release(key: string): void {
    const count = (this.running.get(key) ?? 1) - 1;
    if (count <= 0) this.running.delete(key);
    else this.running.set(key, count);
  }
}

const slotKey = (guildId: string, userId: string) => `${guildId}:${userId}`;

/** The queued job left the `queued` state elsewhere (another instance sent it): this one does not. */
class SentElsewhereError extends Error {
  override readonly name = 'SentElsewhereError';
}

/** The user's seed when given, else a fresh one in the model's range. Pure given `random`. */
export function pickSeed(
  body: Record<string, unknown>,
  range: { min: number; max: number },
  random = (min: number, max: number) => randomInt(min, max + 1),
): number {
  return typeof body.seed === 'number' ? body.seed : random(range.min, range.max);
}
