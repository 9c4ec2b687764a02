import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Job, ScenarioClient } from '../scenario/scenario-client.js';

/**
 * Scenario has no idempotency key, so a generate whose answer was lost (timeout, unreadable answer, a
 * 500, or a crash of the bot) is never resubmitted: the job it may have started is looked for among the
 * project's recent jobs instead. A job's `metadata.input` carries its parameters, and the seed the bot
 * draws makes them unique.
 */

/**
 * Whether a listed job is the one a request started: same model (when the listing says), started no
 * earlier than a minute before the request (clock skew), with every parameter we sent. Pure.
 */
export function isJobFor(
  job: Pick<Job, 'input' | 'modelId' | 'createdAt'>,
  modelId: string,
  body: Record<string, unknown>,
  submittedAt: number,
): boolean {
  if (!job.input) return false;
  if (job.modelId !== undefined && job.modelId !== modelId) return false;
  const createdAt = job.createdAt === undefined ? Number.NaN : Date.parse(job.createdAt);
  if (Number.isNaN(createdAt) || createdAt < submittedAt - 60_000) return false;
  const input = job.input;
  return Object.entries(body).every(([key, value]) => JSON.stringify(input[key]) === JSON.stringify(value));
}

export interface StartedJobQuery {
  modelId: string;
  /** The body sent, seed included. */
  body: Record<string, unknown>;
  submittedAt: number;
  /** Jobs already followed (or just finished) by the bot: never the lost one. */
  isFollowed: (jobId: string) => boolean;
}

/** One job listing per delay (a slow request may still be creating the job); the first match wins. */
export async function findStartedJob(
  deps: { scenario: ScenarioClient; clock: Clock; log: Logger },
  query: StartedJobQuery,
  delaysMs: readonly number[],
): Promise<Job | undefined> {
  for (const waitMs of delaysMs) {
    if (waitMs > 0) await deps.clock.sleep(waitMs);
    const jobs = await listRecentJobs(deps);
    const found = jobs.find(
      (job) => !query.isFollowed(job.jobId) && isJobFor(job, query.modelId, query.body, query.submittedAt),
    );
    if (found) {
      deps.log.warn({ jobId: found.jobId }, 'a submission whose answer was lost started a job: following it');
      return found;
    }
  }
  return undefined;
}

/** The project's recent jobs, or none when Scenario cannot list them now. */
export async function listRecentJobs(deps: { scenario: ScenarioClient; log: Logger }): Promise<Job[]> {
  try {
    return (await deps.scenario.jobs.list({ pageSize: 100 }, 'interactive')).jobs;
  } catch (error) {
    deps.log.warn({ err: error }, 'could not list recent jobs while looking for a lost submission');
    return [];
  }
}
