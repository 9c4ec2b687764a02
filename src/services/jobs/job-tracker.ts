import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { RequestQueue } from '../scenario/request-queue.js';
import type { Job, ScenarioClient } from '../scenario/scenario-client.js';
import { isTerminal } from '../scenario/scenario-schemas.js';
import type { Delivery, FinishOutcome } from './delivery.js';
import { type JobLedger, type JobRecord, jobLogger } from './job-ledger.js';
import {
  FIRST_CHECK_MS,
  LIST_ROUND_GAP_MS,
  ModelDurations,
  nextCheckDelay,
  type RunningJob,
  startedAt,
} from './job-timing.js';
import { isJobFor, listRecentJobs } from './started-job.js';

/** A page of the listing: the most recent jobs, enough to cover every pending one. */
const LIST_PAGE_SIZE = 200;

export interface JobTrackerOptions {
  scenario: ScenarioClient;
  ledger: JobLedger;
  delivery: Delivery;
  logger: Logger;
  clock: Clock;
  /** The model's usual run time; polls get denser around it. */
  typicalDurationMs: (modelId: string) => number;
  stuckAfterMs: number;
  /**
   * The guilds this instance serves: several instances may share one Redis store, each resuming only
   * its own guilds' jobs after a restart.
   */
  servedGuildIds: readonly string[];
  /** Above this many pending jobs, one `GET /jobs?pageSize=200` per round replaces the individual polls. */
  listModeThreshold?: number;
  /** Shortest gap between two poll rounds. */
  minRoundGapMs?: number;
  /**
   * Gap between two listing rounds (2 s by default), asked before each round. Listings go before new
   * submissions (see request-queue.ts): while requests wait for the budget they are spaced to take a
   * tenth of it (`listRoundGapFor`); spare budget buys listings every 2 s.
   */
  listRoundGapMs?: number | (() => number);
  /** Divides every cadence delay (benchmarks run in scaled time). */
  timeScale?: number;
  /** How many deliveries (downloads + uploads) run at once. */
  deliveryConcurrency?: number;
  /**
   * Starts reading a finished job's assets at once (asset-batcher.ts `prefetch`): every job found finished
   * in a round shares one read, before any waits for a delivery slot.
   */
  resultAssets?: { prefetch(assetIds: readonly string[]): void };
}

/**
 * One polling service for every job (no timer per job). It spends the shared Scenario budget where it
 * matters: individual `GET /jobs/{id}` when few jobs are due, one listing plus confirmations of the jobs
 * that changed when many are, so a poll round's cost does not grow with the number of pending jobs.
 */
export class JobTracker {
  private readonly pending = new Map<string, JobRecord>();
  private readonly inDelivery = new Map<string, JobRecord>();
  private readonly progressInFlight = new Set<string>();
  /** Confirmations under way (a listing showed the job finished), by record id. */
  private readonly confirming = new Map<string, Promise<void>>();
  /** Scenario job ids finished lately, oldest first (bounded): see `isFollowing`. */
  private readonly recentlyFinished = new Set<string>();
  /** Each model's usual duration, learnt from its finished jobs: for the cadence and the reserve. */
  private readonly durations: ModelDurations;
  /** Deliveries waiting for a free place, taken round-robin across guilds and members (request-queue.ts). */
  private readonly deliveryQueue = new RequestQueue<() => Promise<void>>();
  private activeDeliveries = 0;
  private timer: NodeJS.Timeout | undefined;
  private wakeAt = 0;
  private lastListAt = 0;
  private round: Promise<void> | undefined;
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly options: JobTrackerOptions) {
    this.durations = new ModelDurations(options.typicalDurationMs);
    this.log = options.logger.child({ component: 'job-tracker' });
  }

  /** Loads every unfinished job from the ledger (a restart resumes them) and starts polling. */
  async start(): Promise<number> {
    const { ledger, delivery, scenario, clock } = this.options;
    const served = new Set(this.options.servedGuildIds);
    // Queued jobs never reached Scenario: the submission sends them (`JobSubmission.resumeQueued`).
    const open = (await ledger.open()).filter(
      (record) => served.has(record.guildId) && record.state !== 'queued',
    );
    // Records written just before a crash, before Scenario's answer: the job may exist. One listing of
    // recent jobs tells (matched by parameters, seed included); the rest are refunded and explained.
    const unconfirmed = open.filter((record) => record.state === 'submitting');
    const recent = unconfirmed.length > 0 ? await listRecentJobs({ scenario, log: this.log }) : [];
    const followed = new Set(open.flatMap((record) => (record.scenarioJobId ? [record.scenarioJobId] : [])));
    for (const record of open) {
      if (record.state !== 'submitting') {
        // A result Discord refused waits for its next attempt; everything else is looked at now.
        const nextCheckAt = record.state === 'undelivered' ? (record.undelivered?.nextAttemptAt ?? 0) : 0;
        this.pending.set(record.id, { ...record, nextCheckAt });
        continue;
      }
      const started = recent.find(
        (job) => !followed.has(job.jobId) && isJobFor(job, record.modelId, record.body, record.createdAt),
      );
      if (started) {
        const patch = { state: 'submitted', scenarioJobId: started.jobId } as const;
        const updated = (await ledger.update(record.id, patch, clock.now())) ?? { ...record, ...patch };
        this.log.info({ jobId: started.jobId }, 'found the job of a submission the restart interrupted');
        this.pending.set(record.id, { ...updated, nextCheckAt: 0 });
        continue;
      }
      // `later`: another instance is explaining it.
      await delivery.fail(record, { cause: 'restart_unconfirmed', rawStatus: 'unknown' });
    }
    this.schedule(0);
    return this.pending.size;
  }

  track(record: JobRecord): void {
    if (this.closed) return;
    const firstCheck = FIRST_CHECK_MS / (this.options.timeScale ?? 1);
    const nextCheckAt = startedAt(record) + firstCheck;
    this.pending.set(record.id, { ...record, nextCheckAt });
    this.schedule(Math.max(0, nextCheckAt - this.options.clock.now()));
  }

  /** Keeps the in-memory copy in step with a ledger change made elsewhere. */
  updatePending(id: string, patch: Partial<JobRecord>): void {
    const record = this.pending.get(id);
    if (record) this.pending.set(id, { ...record, ...patch });
  }

  /**
   * Jobs of one member not yet delivered: the per-user concurrency cap counts these. A result waiting for
   * Discord to take it is not counted: it no longer runs on Scenario, and it may wait for hours.
   */
  openCountFor(guildId: string, userId: string): number {
    let count = 0;
    for (const record of this.pending.values())
      if (record.guildId === guildId && record.userId === userId && record.state !== 'undelivered')
        count += 1;
    for (const record of this.inDelivery.values())
      if (record.guildId === guildId && record.userId === userId) count += 1;
    return count;
  }

  /**
   * Whether this instance follows, or recently finished, a Scenario job: such a job is not the one a
   * lost submission started, even when its parameters match (a member repeating a command and seed).
   */
  isFollowing(scenarioJobId: string): boolean {
    if (this.recentlyFinished.has(scenarioJobId)) return true;
    for (const record of [...this.pending.values(), ...this.inDelivery.values()])
      if (record.scenarioJobId === scenarioJobId) return true;
    return false;
  }

  /** The jobs this instance follows in a guild (running on Scenario or being delivered): for `/status`. */
  openJobs(guildId: string): JobRecord[] {
    return [...this.pending.values(), ...this.inDelivery.values()].filter(
      (record) => record.guildId === guildId,
    );
  }

  /** The jobs running on Scenario (not yet confirmed finished): when their finishing requests may come. */
  runningJobs(now: number): RunningJob[] {
    const scale = this.options.timeScale ?? 1;
    return [...this.pending.values()].map((record) => ({
      ageMs: now - startedAt(record),
      typicalMs: this.durations.typicalMs(record.modelId) / scale,
    }));
  }

  pendingCount(): number {
    return this.pending.size + this.inDelivery.size;
  }

  /** Stops polling and waits for the round and deliveries in flight (their ledger writes) to finish. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
    await Promise.all(this.confirming.values());
    while (this.activeDeliveries > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    const wakeAt = this.options.clock.now() + Math.max(delayMs, this.options.minRoundGapMs ?? 0);
    // Keep the earliest wake-up: a burst of new jobs must not push the first poll back.
    if (this.timer && this.wakeAt <= wakeAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = wakeAt;
    this.timer = setTimeout(() => this.runRound(), wakeAt - this.options.clock.now());
  }

  private runRound(): void {
    this.timer = undefined;
    if (this.round || this.closed) return;
    this.round = this.pollRound()
      .catch((error) => {
        this.log.warn({ err: error }, 'poll round failed; backing off');
      })
      .finally(() => {
        this.round = undefined;
        this.scheduleNext();
      });
  }

  private scheduleNext(): void {
    if (this.closed || this.pending.size === 0) return;
    const now = this.options.clock.now();
    let soonest = Number.POSITIVE_INFINITY;
    // In list mode the listing finds every job: only a refused result's retry has its own time.
    const listing = this.listMode();
    for (const record of this.pending.values())
      if (!listing || record.state === 'undelivered') soonest = Math.min(soonest, record.nextCheckAt);
    if (listing) soonest = Math.min(soonest, this.lastListAt + this.listGapMs());
    this.schedule(Math.max(this.options.minRoundGapMs ?? 100, soonest - now));
  }

  /** Above the threshold, one listing per round covers every pending job: its cost does not grow with N. */
  private listMode(): boolean {
    return this.pending.size > (this.options.listModeThreshold ?? 2);
  }

  private listGapMs(): number {
    const gap = this.options.listRoundGapMs ?? LIST_ROUND_GAP_MS;
    return (typeof gap === 'number' ? gap : gap()) / (this.options.timeScale ?? 1);
  }

  private async pollRound(): Promise<void> {
    const { clock, scenario } = this.options;
    const now = clock.now();
    if (this.listMode() && now - this.lastListAt >= this.listGapMs()) {
      this.lastListAt = now;
      const { jobs } = await scenario.jobs.list({ pageSize: LIST_PAGE_SIZE });
      const byId = new Map(jobs.map((job) => [job.jobId, job]));
      const unlisted: JobRecord[] = [];
      const finished: JobRecord[] = [];
      for (const record of [...this.pending.values()]) {
        // A refused result is tried again on its own schedule, not whenever a listing shows its job.
        if (record.state === 'undelivered' && record.nextCheckAt > now) continue;
        const listed = record.scenarioJobId ? byId.get(record.scenarioJobId) : undefined;
        if (!listed) {
          if (record.nextCheckAt <= now) unlisted.push(record);
          continue;
        }
        // Listings are candidates: a job that looks finished is confirmed before delivery (scenario-api.md).
        if (isTerminal(listed.status)) finished.push(record);
        else await this.handle(record, listed);
      }
      // All confirmations wait for the budget together: it takes them round-robin across members, before
      // new submissions, instead of one round trip after another in the order the jobs were started. The
      // round does not wait for them: the next listing is due on its own cadence, and a job still being
      // confirmed is not confirmed twice.
      for (const record of finished) this.confirm(record);
      // Jobs older than the listing's window: a few individual polls per round, the most overdue first.
      unlisted.sort((a, b) => a.nextCheckAt - b.nextCheckAt);
      for (const record of unlisted.slice(0, 2)) await this.checkOne(record);
      return;
    }
    // Between listings, in list mode, only refused results due for another try are looked at one by one.
    const listing = this.listMode();
    const due = [...this.pending.values()].filter(
      (record) => record.nextCheckAt <= now && (!listing || record.state === 'undelivered'),
    );
    for (const record of due) await this.checkOne(record);
  }

  /** Confirms a job a listing showed finished, beside the rounds (see `pollRound`). */
  private confirm(record: JobRecord): void {
    if (this.confirming.has(record.id)) return;
    const confirmation = this.checkOne(record).finally(() => this.confirming.delete(record.id));
    this.confirming.set(record.id, confirmation);
  }

  private async checkOne(record: JobRecord): Promise<void> {
    if (!record.scenarioJobId) return;
    try {
      const job = await this.options.scenario.jobs.retrieve(record.scenarioJobId, {
        class: 'finish',
        guildId: record.guildId,
        userId: record.userId,
      });
      await this.handle(record, job);
    } catch (error) {
      this.log.warn({ jobId: record.scenarioJobId, err: error }, 'job poll failed');
      this.reschedule(record, 5_000);
    }
  }

  private async handle(record: JobRecord, job: Job): Promise<void> {
    const { clock, delivery } = this.options;
    const now = clock.now();
    if (job.status === 'success' || job.status === 'failure' || job.status === 'canceled') {
      this.pending.delete(record.id);
      if (job.status === 'success') {
        this.options.resultAssets?.prefetch(job.assetIds);
        this.learnDuration(record, job, now);
      }
      this.enqueueDelivery(record, job);
      return;
    }
    if (now - startedAt(record) > this.options.stuckAfterMs) {
      this.pending.delete(record.id);
      this.enqueueDelivery(record, undefined);
      return;
    }
    const scale = this.options.timeScale ?? 1;
    const delay =
      nextCheckDelay((now - startedAt(record)) * scale, this.durations.typicalMs(record.modelId)) / scale;
    this.updatePending(record.id, { nextCheckAt: now + delay });
    // Progress edits go to Discord beside the poll loop: a slow edit must not delay other jobs' polls.
    if (this.progressInFlight.has(record.id)) return;
    this.progressInFlight.add(record.id);
    void delivery
      .showProgress(this.pending.get(record.id) ?? record, job)
      .then((updated) =>
        this.updatePending(record.id, {
          lastShown: updated.lastShown,
          lastEditAt: updated.lastEditAt,
          state: updated.state,
          progress: updated.progress,
          messageId: updated.messageId,
        }),
      )
      .catch((error) => this.log.warn({ err: error, jobId: record.scenarioJobId }, 'progress edit failed'))
      .finally(() => this.progressInFlight.delete(record.id));
  }

  /** Scenario's own start and end times when it gives them, else from our submit to now. */
  private learnDuration(record: JobRecord, job: Job, now: number): void {
    const ran = Date.parse(job.updatedAt ?? '') - Date.parse(job.createdAt ?? '');
    const observed = Number.isFinite(ran) && ran > 0 ? ran : now - startedAt(record);
    this.durations.learn(record.modelId, observed * (this.options.timeScale ?? 1));
  }

  private rememberFinished(scenarioJobId: string): void {
    this.recentlyFinished.add(scenarioJobId);
    if (this.recentlyFinished.size > 1_000) {
      const oldest = this.recentlyFinished.values().next().value;
      if (oldest !== undefined) this.recentlyFinished.delete(oldest);
    }
  }

  private reschedule(record: JobRecord, delayMs: number): void {
    if (this.pending.has(record.id))
      this.pending.set(record.id, { ...record, nextCheckAt: this.options.clock.now() + delayMs });
  }

  /** Deliveries download and upload files: they run beside the poll loop, a few at a time. */
  private enqueueDelivery(record: JobRecord, job: Job | undefined): void {
    if (this.inDelivery.has(record.id)) return;
    this.inDelivery.set(record.id, record);
    const { delivery } = this.options;
    this.deliveryQueue.push({ class: 'finish', guildId: record.guildId, userId: record.userId }, async () => {
      try {
        let outcome: FinishOutcome;
        if (!job) outcome = await delivery.reportStuck(record);
        else if (job.status === 'success') outcome = await delivery.deliver(record, job);
        else outcome = await delivery.fail(record, job);
        if (outcome.status === 'later' && !this.closed)
          this.pending.set(record.id, { ...outcome.record, nextCheckAt: outcome.retryAt });
      } catch (error) {
        jobLogger(this.log, record).error({ err: error }, 'delivery failed; will retry');
        // Put it back: the ledger state makes a second attempt safe.
        if (!this.closed)
          this.pending.set(record.id, { ...record, nextCheckAt: this.options.clock.now() + 10_000 });
      } finally {
        this.inDelivery.delete(record.id);
        if (record.scenarioJobId) this.rememberFinished(record.scenarioJobId);
      }
    });
    this.pumpDeliveries();
  }

  private pumpDeliveries(): void {
    const limit = this.options.deliveryConcurrency ?? 8;
    while (this.activeDeliveries < limit && this.deliveryQueue.size > 0) {
      const task = this.deliveryQueue.next();
      if (!task) break;
      this.activeDeliveries += 1;
      void task().finally(() => {
        this.activeDeliveries -= 1;
        this.pumpDeliveries();
        this.scheduleNext();
      });
    }
  }
}
