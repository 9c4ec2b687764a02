/**
 * When the job tracker looks at jobs, and what it asks the request budget to keep free for them: pure
 * functions of a job's age, its model's usual duration and the budget's load (job-tracker.ts uses them).
 */
import type { ReservedSlots } from '../scenario/request-window.js';
import type { JobRecord } from './job-ledger.js';

/** When a job started on Scenario: its generate call, else (a record from before this was kept) its command. */
export const startedAt = (record: JobRecord): number => record.submittedAt ?? record.createdAt;

/** First look ~2 s after submit (Scenario jobs are rarely done sooner). */
export const FIRST_CHECK_MS = 2_000;
const MAX_GAP_MS = 15_000;
/** One listing every 2 s: 30 requests a minute, a third of the default budget, whatever the number of jobs. */
export const LIST_ROUND_GAP_MS = 2_000;

/**
 * The listing cadence for the budget's load. Spare budget (under half of it in use) buys a listing every
 * 2 s. Once it is busy, listings take a tenth of it (every 6.8 s at 90 a minute), which keeps a job's cost
 * near 2.3 requests (generate, confirmation, a share of an asset read, listings) and adds a few seconds to
 * its lag; between every 2 s and every 15 s (a small budget's lag stays short). Pure.
 */
export function listRoundGapFor(
  load: { perMinute: number; sentInWindow: number },
  windowMs = 61_000,
): number {
  if (load.sentInWindow * 2 < load.perMinute) return LIST_ROUND_GAP_MS;
  return Math.min(15_000, Math.max(LIST_ROUND_GAP_MS, Math.ceil((10 * windowMs) / load.perMinute)));
}

/** Requests a job still running needs to reach its member: its confirmation and a share of a bulk asset read. */
const FINISH_COST = 1.2;
/** The reserve is checked at this many points of the coming window. */
const RESERVE_POINTS = 8;

/** A job running on Scenario: how long it has run, and its model's usual duration (both scaled). */
export interface RunningJob {
  ageMs: number;
  typicalMs: number;
}

/**
 * The chance that a job still running at `ageMs` has finished `withinMs` later, taking its duration as
 * uniform between half and one and a half times its model's usual one (most jobs land there; an
 * estimate, not a promise). A job past that range is expected at any moment. Pure.
 */
export function finishChance({ ageMs, typicalMs }: RunningJob, withinMs: number): number {
  const latest = 1.5 * typicalMs;
  if (ageMs >= latest) return 1;
  const earliest = Math.max(ageMs, 0.5 * typicalMs);
  return Math.min(1, Math.max(0, (ageMs + withinMs - earliest) / (latest - earliest)));
}

/**
 * The room new submissions leave in the budget's window (request-budget.ts `reserve`) for the jobs already
 * running: at each eighth of the window, the finishing requests expected from them by the NEXT point (those
 * arriving between two points must find room among the sends counted at the first; `finishChance`), and a
 * tenth of the budget per window for the listing rounds that find them.
 *
 * Why: a slot taken now is held for a whole window. A burst of commands that takes every slot leaves
 * none for its own results, which then wait for the window to turn before they can even be confirmed
 * (real time, 100 commands at once: lag p50 16 s). Each point is at most half the budget: a job costs
 * about 2.3 requests in all, one of them its submission, so submissions need about 43% of the budget to
 * keep it busy, and jobs that outlive their model's usual duration cannot hold new work back for long.
 * Pure.
 */
export function resultsReserveFor(
  running: readonly RunningJob[],
  limits: { perMinute: number; windowMs: number },
): ReservedSlots[] {
  if (running.length === 0) return [];
  const { perMinute, windowMs } = limits;
  const listingsPerWindow = perMinute / 10;
  return Array.from({ length: RESERVE_POINTS }, (_, point) => {
    const afterMs = Math.round((point * windowMs) / RESERVE_POINTS);
    const byNext = ((point + 1) * windowMs) / RESERVE_POINTS;
    let finishing = 0;
    for (const job of running) finishing += finishChance(job, byNext);
    const listings = (listingsPerWindow * (point + 1)) / RESERVE_POINTS;
    return {
      afterMs,
      slots: Math.min(Math.floor(perMinute / 2), Math.ceil(finishing * FINISH_COST + listings)),
    };
  });
}

/**
 * When to look at a job next: soon after submit, then less often as it ages, but densely around the
 * model's usual duration, when it is most likely to finish. Pure.
 */
export function nextCheckDelay(ageMs: number, typicalMs: number): number {
  if (ageMs < FIRST_CHECK_MS) return FIRST_CHECK_MS - ageMs;
  const nearTypical = ageMs > typicalMs * 0.7 && ageMs < typicalMs * 1.5;
  if (nearTypical) return 2_000;
  return Math.min(MAX_GAP_MS, Math.max(2_000, ageMs / 6));
}

/** How far one finished job moves its model's learnt duration (an exponential moving average). */
const DURATION_LEARNING_RATE = 0.2;

/**
 * Each model's usual duration (unscaled ms): its spec's figure at first, then a fifth of the way towards
 * each of its finished jobs' durations. A spec's figure is a guess; a busy day on Scenario is not.
 */
export class ModelDurations {
  private readonly learnt = new Map<string, number>();

  constructor(private readonly specMs: (modelId: string) => number) {}

  typicalMs(modelId: string): number {
    return this.learnt.get(modelId) ?? this.specMs(modelId);
  }

  learn(modelId: string, observedMs: number): void {
    const typical = this.typicalMs(modelId);
    this.learnt.set(modelId, typical + DURATION_LEARNING_RATE * (observedMs - typical));
  }
}
