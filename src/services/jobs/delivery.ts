import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CreditHooks } from '../credits/quota-adapter.js';
import type { Job } from '../scenario/scenario-client.js';
import type { GenerationRecorder, ResultLink } from './generation-log.js';
import { type JobLedger, type JobRecord, jobLogger } from './job-ledger.js';
import {
  type FailureCause,
  type JobMessenger,
  linksOf,
  type ModelReport,
  type ProgressFacts,
} from './job-messenger.js';
import type { GatheredFiles, ResultFiles } from './result-files.js';

export interface DeliveryOptions {
  messenger: JobMessenger;
  resultFiles: ResultFiles;
  ledger: JobLedger;
  credits: CreditHooks;
  generations: GenerationRecorder;
  /** Where a delivered result's 3D models are remembered for its conversion buttons. */
  models?: {
    recordDelivered(record: JobRecord, messageId: string, models: readonly ModelReport[]): Promise<void>;
  };
  logger: Logger;
  clock: Clock;
  progressEditIntervalMs: number;
  /** Progress edits left this second across every job (edit-allowance.ts); without it, not limited. */
  progressEdits?: { take(): boolean };
  /** How long a finish lease lasts (`FINISH_LEASE_MS`); tests shorten it to outlast it with a slow post. */
  finishLeaseMs?: number;
  /** How long a result Discord keeps refusing is tried again before it is given up (`UNDELIVERED_RETENTION_MS`). */
  undeliveredRetentionMs: number;
  /** First wait before posting a refused result again (`DELIVERY_RETRY_BASE_MS`); tests shorten it. */
  retryBaseMs?: number;
}

/** What a failed job says: Scenario's error and hint, or the bot's own cause. */
export type FailureReport = Partial<Pick<Job, 'error' | 'hint'>> &
  Pick<Job, 'rawStatus'> & { cause?: FailureCause };

/**
 * How long a process may post a job's outcome before another instance may try: a delivery (downloads
 * with timeouts, a multipart upload to Discord, Discord's 429 waits) takes seconds, and its holder extends
 * the lease while it works; a crashed holder delays the job by at most this.
 */
export const FINISH_LEASE_MS = 120_000;
/** Longest wait before looking again at a job another instance is finishing (it is usually done by then). */
const BUSY_RECHECK_MS = 10_000;

/** First wait before posting a result Discord refused (5xx, a timeout) again; doubled per attempt. */
export const DELIVERY_RETRY_BASE_MS = 15_000;
const MAX_DELIVERY_RETRY_MS = 5 * 60_000;

/** The wait after the `attempts`-th refused attempt: 15 s, 30 s, 1 min … at most 5 min. Pure. */
export function deliveryRetryDelay(attempts: number, baseMs = DELIVERY_RETRY_BASE_MS): number {
  return Math.min(MAX_DELIVERY_RETRY_MS, baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * How a job's outcome went: `finished` (posted, explained, or finished by another instance), or `later`:
 * another instance is posting it, or Discord refused the result for now; look again at `retryAt` (with
 * the stored record, fresher than ours).
 */
export type FinishOutcome = { status: 'finished' } | { status: 'later'; retryAt: number; record: JobRecord };

/** The finish lease while its holder posts: renewed in the background until `stop()`. */
interface HeldLease {
  /** Another instance took the lease over (every renewal failed for a whole lease): do not post. */
  lost(): boolean;
  stop(): void;
}

/**
 * A job's outcome, once: progress while it runs; then the result (credits committed; given back if it
 * never reaches the member) or a failure or stuck notice (credits refunded), posted under the job's
 * finish lease so that instances sharing a store post it once. A result Discord refuses for now is kept
 * and posted later. Files come from `ResultFiles`; everything the member sees goes through the messenger.
 */
export class Delivery {
  /** This process, as the holder of finish leases in a store other instances may share. */
  private readonly owner = randomUUID();
  private readonly leaseMs: number;

  constructor(private readonly options: DeliveryOptions) {
    this.leaseMs = options.finishLeaseMs ?? FINISH_LEASE_MS;
  }

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
    const started = job.status !== 'queued' && job.status !== 'pending';
    // Computed from the stored record, under its lock: this write may land after the delivery's.
    const progressPatch = (current: JobRecord): Partial<JobRecord> => ({
      ...(current.state === 'submitted' && started ? { state: 'running' } : {}),
      progress: job.progress,
      scenarioStatus: job.rawStatus,
    });
    const due = changed && now - record.lastEditAt >= this.options.progressEditIntervalMs;
    // Skipped when the bot's share of Discord's requests is spent this second: the next poll shows it.
    if (!due || !(this.options.progressEdits?.take() ?? true)) {
      const state = record.state === 'submitted' && started ? 'running' : record.state;
      if (state !== record.state || job.progress !== record.progress)
        return (await ledger.update(record.id, progressPatch, now)) ?? record;
      return record;
    }
    const outcome = await messenger.showProgress(record, facts);
    const patch = (current: JobRecord): Partial<JobRecord> => ({
      ...progressPatch(current),
      lastShown: signature,
      lastEditAt: now,
      ...(outcome.ok ? { messageId: outcome.messageId } : {}),
    });
    return (await ledger.update(record.id, patch, now)) ?? record;
  }

  /**
   * Runs `post` only while this process holds the job's finish lease, so an outcome is posted once even
   * when two instances follow the job; `later` tells the caller to look again. `post` gets the stored
   * record as claimed (with `patch`), and the lease, kept alive while it runs.
   */
  private async finishOnce(
    record: JobRecord,
    post: (claimed: JobRecord, lease: HeldLease) => Promise<FinishOutcome>,
    patch: Partial<JobRecord> = {},
  ): Promise<FinishOutcome> {
    const { ledger, clock } = this.options;
    const now = clock.now();
    const claim = await ledger.claimFinish(record.id, this.owner, now, this.leaseMs, patch);
    if (claim.status === 'finished') return claim;
    // An undelivered result whose next attempt is not due: look again then, quietly.
    if (claim.status === 'later' && claim.reason === 'not_due') return claim;
    if (claim.status === 'later') {
      this.log(record).info('another instance is posting this job; checking later');
      return {
        status: 'later',
        record: claim.record,
        retryAt: Math.min(claim.retryAt, now + BUSY_RECHECK_MS),
      };
    }
    const lease = this.keepLease(claim.record);
    try {
      return await post(claim.record, lease);
    } finally {
      lease.stop();
    }
  }

  /**
   * Extends the finish lease three times per lease while `post` runs: a delivery slowed past the lease
   * (a large download, Discord holding an upload behind a 429) must not let another instance post the
   * same result. A holder that dies stops renewing; its lease then expires as before.
   */
  private keepLease(record: JobRecord): HeldLease {
    const { ledger, clock } = this.options;
    let lost = false;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const renew = async () => {
      try {
        const renewal = await ledger.renewFinish(record.id, this.owner, clock.now(), this.leaseMs);
        if (renewal !== 'renewed') {
          lost = renewal === 'taken';
          if (lost && !stopped) this.log(record).warn('another instance took over the finish lease');
          return;
        }
      } catch (error) {
        this.log(record).warn({ err: error }, 'could not renew the finish lease; trying again');
      }
      if (!stopped) timer = setTimeout(renew, this.leaseMs / 3);
    };
    timer = setTimeout(renew, this.leaseMs / 3);
    return {
      lost: () => lost,
      stop() {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }

  /** Downloads the results and posts them, once (see `finishOnce`). */
  deliver(record: JobRecord, job: Job): Promise<FinishOutcome> {
    return this.finishOnce(record, (claimed, lease) => this.postResult(claimed, job, lease), {
      state: 'delivering',
      progress: 1,
      scenarioStatus: job.rawStatus,
    });
  }

  private async postResult(record: JobRecord, job: Job, lease: HeldLease): Promise<FinishOutcome> {
    const gathered = await this.options.resultFiles.gather(record, job, this.log(record));
    try {
      return await this.postGathered(record, job, lease, gathered);
    } finally {
      await gathered.dispose();
    }
  }

  private async postGathered(
    record: JobRecord,
    job: Job,
    lease: HeldLease,
    gathered: GatheredFiles,
  ): Promise<FinishOutcome> {
    const { ledger, clock, credits, messenger } = this.options;
    const log = this.log(record);
    const { files, notAttached, missing, models } = gathered;
    if (job.assetIds.length === 0) {
      // A success with nothing to show: refunded and explained, never an empty result.
      log.warn({ jobId: job.jobId }, 'Scenario finished without a result');
      return this.postFailure(record, { rawStatus: job.rawStatus, cause: 'no_results' });
    }
    const damaged = models.filter((model) => model.problem === 'unreadable').length;
    if (missing + damaged === job.assetIds.length) {
      // Nothing reached the member (every file 404s, or its link expired or was refused, or every model is
      // damaged): they are not charged.
      log.warn({ assetIds: job.assetIds, damaged }, 'no usable result file');
      const cause = damaged > 0 ? 'model_unreadable' : 'results_unavailable';
      return this.postFailure(record, { rawStatus: job.rawStatus, cause });
    }
    if (lease.lost()) return { status: 'later', record, retryAt: clock.now() + BUSY_RECHECK_MS };
    // Charged before posting, so the result shows the credits left after it. A later attempt commits
    // again, which the quota ledger ignores: a result is never charged twice.
    if (record.reservationId) await credits.commit(record.reservationId, record.creativeUnitsCost);
    const quota = await credits.status(record.guildId, record.userId).catch(() => undefined);
    const outcome = await messenger.postResult(record, {
      files,
      notAttached,
      missing,
      elapsedMs: clock.now() - record.createdAt,
      creditsSpent: record.creditsReserved,
      quota,
      models,
    });
    if (!outcome.ok && outcome.reason === 'failed') {
      const links = [
        ...linksOf(files),
        ...notAttached.map(({ name, url, expires }) => ({ name, url, expires })),
      ];
      return this.deferResult(record, job, links);
    }
    if (!outcome.ok) {
      // Refused for good (the channel is gone, or the bot may not post there, after the messenger's
      // fallbacks): nothing reached the member, so they are not charged for it.
      const refunded = await this.refund(record);
      await ledger.update(record.id, { state: 'failed', error: `delivery ${outcome.reason}` }, clock.now());
      if (record.undelivered) await this.options.generations.forget(record);
      log.error({ reason: outcome.reason, refunded }, 'result could not be posted anywhere');
      return { status: 'finished' };
    }
    const delivered = await ledger.update(
      record.id,
      { state: 'delivered', messageId: outcome.messageId },
      clock.now(),
    );
    await this.options.generations.recordDelivered(delivered ?? record, outcome.messageId);
    if (models.length > 0) await this.options.models?.recordDelivered(record, outcome.messageId, models);
    await messenger.addResultControls(record, outcome.messageId);
    log.info(
      { messageId: outcome.messageId, files: files.length, notAttached: notAttached.length, missing },
      'result delivered',
    );
    return { status: 'finished' };
  }

  /**
   * Discord refused the result for a passing reason (5xx, a timeout, a 429 beyond its wait): it stays in
   * the ledger as `undelivered` and is posted again after a growing wait, across restarts, by whichever
   * instance claims it once it is due (the lease is given up meanwhile, so a restarted process need not
   * wait for its predecessor's to expire). /history lists it with Scenario's links meanwhile. After the
   * retention the member is told and their credits are given back: they were charged for a result they
   * never received.
   */
  private async deferResult(record: JobRecord, job: Job, links: ResultLink[]): Promise<FinishOutcome> {
    const { ledger, clock, generations } = this.options;
    const log = this.log(record);
    const now = clock.now();
    const since = record.undelivered?.since ?? now;
    const attempts = (record.undelivered?.attempts ?? 0) + 1;
    if (now - since >= this.options.undeliveredRetentionMs) {
      log.error({ attempts, since }, 'Discord refused the result for longer than the retention; giving up');
      await generations.forget(record);
      return this.postFailure(record, { rawStatus: job.rawStatus, cause: 'result_undeliverable' });
    }
    const nextAttemptAt = now + deliveryRetryDelay(attempts, this.options.retryBaseMs);
    await generations.recordUndelivered(record, links);
    const undelivered = { since, attempts, nextAttemptAt };
    const updated = await ledger.update(
      record.id,
      { state: 'undelivered', undelivered, finishLease: undefined },
      now,
    );
    log.warn({ attempts, nextAttemptAt }, 'Discord refused the result for now; it will be posted later');
    return { status: 'later', record: updated ?? record, retryAt: nextAttemptAt };
  }

  /** Explains a failed job and refunds it, once (see `finishOnce`). */
  fail(record: JobRecord, report: FailureReport): Promise<FinishOutcome> {
    return this.finishOnce(record, (claimed) => this.postFailure(claimed, report));
  }

  private async postFailure(record: JobRecord, report: FailureReport): Promise<FinishOutcome> {
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
    return { status: 'finished' };
  }

  /** Reports a job that never ends and refunds it, once (see `finishOnce`). */
  reportStuck(record: JobRecord): Promise<FinishOutcome> {
    return this.finishOnce(record, (claimed) => this.postStuck(claimed));
  }

  private async postStuck(record: JobRecord): Promise<FinishOutcome> {
    const { ledger, clock } = this.options;
    const refunded = await this.refund(record);
    await this.options.messenger.postStuck(record, { elapsedMs: clock.now() - record.createdAt, refunded });
    await ledger.update(record.id, { state: 'failed', error: 'stuck' }, clock.now());
    this.log(record).warn({ refunded }, 'job reported as stuck');
    return { status: 'finished' };
  }

  /**
   * Gives the member's credits back: open (a failed or stuck job) or already committed (a result that
   * was charged before it was posted, then never reached them).
   */
  private async refund(record: JobRecord): Promise<number> {
    if (!record.reservationId) return 0;
    const refunded = await this.options.credits.giveBack(record.reservationId).catch(() => false);
    return refunded ? record.creditsReserved : 0;
  }
}
