import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CreditHooks } from '../credits/quota-adapter.js';
import type { Job } from '../scenario/scenario-client.js';
import { type JobLedger, type JobRecord, jobLogger } from './job-ledger.js';
import type { FailureCause, JobMessenger, ProgressFacts } from './job-messenger.js';
import type { GatheredFiles, ResultFiles } from './result-files.js';

/** Where finished generations are recorded (seeds and lineage for rerolls and /history). */
export interface GenerationRecorder {
  recordDelivered(record: JobRecord, messageId: string): Promise<void>;
}

export interface DeliveryOptions {
  messenger: JobMessenger;
  resultFiles: ResultFiles;
  ledger: JobLedger;
  credits: CreditHooks;
  generations: GenerationRecorder;
  logger: Logger;
  clock: Clock;
  progressEditIntervalMs: number;
}

/** What a failed job says: Scenario's error and hint, or the bot's own cause. */
export type FailureReport = Partial<Pick<Job, 'error' | 'hint'>> &
  Pick<Job, 'rawStatus'> & { cause?: FailureCause };

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
 * A job's outcome, once: progress while it runs; then the result (credits committed) or a failure or
 * stuck notice (credits refunded), posted under the job's finish lease so that instances sharing a store
 * post it once. Files come from `ResultFiles`; everything the member sees goes through the messenger.
 */
export class Delivery {
  /** This process, as the holder of finish leases in a store other instances may share. */
  private readonly owner = randomUUID();

  constructor(private readonly options: DeliveryOptions) {}

  private log(record: JobRecord): Logger {
    return jobLogger(this.options.logger, record);
  }

  /** Edits the job's message when what it shows changed, at most once per interval per message. */
  async showProgress(record: JobRecord, job: Job): Promise<JobRecord> {
    const { clock, ledger, messenger } = this.options;
    const now = clock.now();
    const facts: ProgressFacts = {
      state: job.status,
      progress: job.progress,
      elapsedMs: now - record.createdAt,
    };
    const signature = messenger.progressSignature(record, facts);
    const changed = signature !== record.lastShown;
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
    const outcome = await messenger.showProgress(record, facts);
    const patch: Partial<JobRecord> = {
      state,
      progress: job.progress,
      scenarioStatus: job.rawStatus,
      lastShown: signature,
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
    const gathered = await this.options.resultFiles.gather(record, job, this.log(record));
    try {
      await this.postGathered(record, job, gathered);
    } finally {
      await gathered.dispose();
    }
  }

  private async postGathered(record: JobRecord, job: Job, gathered: GatheredFiles): Promise<void> {
    const { ledger, clock, credits, messenger } = this.options;
    const log = this.log(record);
    const { files, notAttached, missing } = gathered;
    if (missing === job.assetIds.length && job.assetIds.length > 0) {
      // Nothing reached the member (every file 404s, or its link expired or was refused): they are not charged.
      log.warn({ assetIds: job.assetIds }, 'no result file could be downloaded');
      return this.postFailure(record, { rawStatus: job.rawStatus, cause: 'results_unavailable' });
    }
    if (record.reservationId) await credits.commit(record.reservationId, record.creativeUnitsCost);
    const quota = await credits.status(record.guildId, record.userId).catch(() => undefined);
    const outcome = await messenger.postResult(record, {
      files,
      notAttached,
      missing,
      elapsedMs: clock.now() - record.createdAt,
      creditsSpent: record.creditsReserved,
      quota,
    });
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
    await messenger.addResultControls(record, outcome.messageId);
    log.info(
      { messageId: outcome.messageId, files: files.length, notAttached: notAttached.length, missing },
      'result delivered',
    );
  }

  /** Explains a failed job and refunds it, once (see `finishOnce`). */
  fail(record: JobRecord, report: FailureReport): Promise<void> {
    return this.finishOnce(record, () => this.postFailure(record, report));
  }

  private async postFailure(record: JobRecord, report: FailureReport): Promise<void> {
    const { ledger, clock } = this.options;
    const refunded = await this.refund(record);
    await this.options.messenger.postFailure(record, {
      error: report.error,
      hint: report.hint,
      cause: report.cause,
      refunded,
    });
    await ledger.update(
      record.id,
      {
        state: 'failed',
        error: report.error ?? report.cause ?? report.rawStatus,
        scenarioStatus: report.rawStatus,
      },
      clock.now(),
    );
    this.log(record).info({ error: report.error, cause: report.cause, refunded }, 'job failed');
  }

  /** Reports a job that never ends and refunds it, once (see `finishOnce`). */
  reportStuck(record: JobRecord): Promise<void> {
    return this.finishOnce(record, () => this.postStuck(record));
  }

  private async postStuck(record: JobRecord): Promise<void> {
    const { ledger, clock } = this.options;
    const refunded = await this.refund(record);
    await this.options.messenger.postStuck(record, { elapsedMs: clock.now() - record.createdAt, refunded });
    await ledger.update(record.id, { state: 'failed', error: 'stuck' }, clock.now());
    this.log(record).warn({ refunded }, 'job reported as stuck');
  }

  private async refund(record: JobRecord): Promise<number> {
    if (!record.reservationId) return 0;
    const refunded = await this.options.credits.refund(record.reservationId).catch(() => false);
    return refunded ? record.creditsReserved : 0;
  }
}
