import type { Clock } from '../clock.js';
import type { RequestBudget } from '../scenario/request-budget.js';
import type { ScenarioHealth } from '../scenario/scenario-client.js';
import type { JobRecord } from './job-ledger.js';
import type { JobTracker } from './job-tracker.js';
import type { QueueWatch } from './queue-watch.js';

export interface QueuedJobStatus {
  record: JobRecord;
  /** Requests ahead of it and the estimated wait, once its generate call has joined the budget's queue. */
  ahead?: number;
  etaMs?: number;
}

export interface MemberQueueCount {
  userId: string;
  queued: number;
  running: number;
}

/** What `/status` shows: numbers and records; the Discord side puts them into words. */
export interface StatusReport {
  mine: { queued: QueuedJobStatus[]; running: JobRecord[] };
  /** Jobs of this guild waiting for the budget, and running (on Scenario or being delivered). */
  queued: number;
  running: number;
  /** Scenario requests in the trailing window against the budget, and every caller waiting for one. */
  requestsLastMinute: number;
  perMinute: number;
  requestsWaiting: number;
  store: 'ok' | 'unavailable';
  scenario: 'ok' | 'failing' | 'unknown';
  lastScenarioFailure?: { at: number; kind: string };
  uptimeMs: number;
  version: string;
  /** Moderators only: every member with queued or running jobs in the guild, most first. */
  members?: MemberQueueCount[];
}

export interface BotStatusOptions {
  budget: Pick<RequestBudget, 'view'>;
  queueWatch: Pick<QueueWatch, 'waiting'>;
  tracker: Pick<JobTracker, 'openJobs'>;
  store: { ping(): Promise<boolean> };
  scenarioHealth: () => ScenarioHealth;
  clock: Clock;
  startedAt: number;
  version: string;
}

/** Gathers `/status` from the live services: nothing here is stored or sent to Scenario. */
export class BotStatus {
  constructor(private readonly options: BotStatusOptions) {}

  async report(guildId: string, userId: string, withMembers: boolean): Promise<StatusReport> {
    const { budget, queueWatch, tracker, clock } = this.options;
    const view = budget.view();
    const queued = queueWatch
      .waiting(view)
      .filter(({ record }) => record.guildId === guildId)
      .map(({ record, facts }) => ({ record, ahead: facts?.ahead, etaMs: facts?.etaMs }));
    const running = tracker.openJobs(guildId);
    const storeOk = await this.options.store.ping().catch(() => false);
    const health = this.options.scenarioHealth();
    const failing =
      health.lastFailure !== undefined && (health.lastOkAt ?? 0) < health.lastFailure.at ? 'failing' : 'ok';
    const report: StatusReport = {
      mine: {
        queued: queued.filter((job) => job.record.userId === userId),
        running: running.filter((record) => record.userId === userId),
      },
      queued: queued.length,
      running: running.length,
      requestsLastMinute: view.sentInWindow,
      perMinute: view.perMinute,
      requestsWaiting: view.queue.total,
      store: storeOk ? 'ok' : 'unavailable',
      scenario: health.lastOkAt === undefined && health.lastFailure === undefined ? 'unknown' : failing,
      lastScenarioFailure: health.lastFailure,
      uptimeMs: clock.now() - this.options.startedAt,
      version: this.options.version,
    };
    if (withMembers) report.members = countByMember(queued, running);
    return report;
  }
}

function countByMember(
  queued: readonly QueuedJobStatus[],
  running: readonly JobRecord[],
): MemberQueueCount[] {
  const counts = new Map<string, MemberQueueCount>();
  const entry = (userId: string) => {
    const found = counts.get(userId) ?? { userId, queued: 0, running: 0 };
    counts.set(userId, found);
    return found;
  };
  for (const job of queued) entry(job.record.userId).queued += 1;
  for (const record of running) entry(record.userId).running += 1;
  return [...counts.values()].sort((a, b) => b.queued + b.running - (a.queued + a.running));
}
