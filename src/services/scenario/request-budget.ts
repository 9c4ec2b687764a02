import { type Clock, systemClock } from '../clock.js';
import { TokenBucket } from '../token-bucket.js';
import { type QueueCounts, type QueueTicket, RequestQueue } from './request-queue.js';
import {
  createLocalRequestWindow,
  keptSlots,
  type RequestWindow,
  type ReservedSlots,
  type TakeResult,
} from './request-window.js';

export type { QueueTicket, RequestClass } from './request-queue.js';

/**
 * The older two-way priority, still accepted: `interactive` is a member waiting at a command,
 * `background` the polls and reads that finish jobs (served first now: see request-queue.ts).
 */
export type RequestPriority = 'interactive' | 'background';

/** Where the budget stands: for a waiting member's reply and `/status`. */
export interface BudgetView {
  perMinute: number;
  /** Requests counted in the trailing window (by every instance sharing it), as last read. */
  sentInWindow: number;
  queue: QueueCounts;
  /** Per keyed submission waiting: requests ahead of it and the estimated wait, in ms. */
  waiting: Map<string, { ahead: number; etaMs: number }>;
}

export interface RequestBudget {
  /**
   * Resolves, with the time of the grant, when one request may be sent now: send it in the continuation,
   * without awaiting anything else first (or say when it left with `markSent`). A ticket says which class
   * the request is and whose it is (see request-queue.ts); a bare priority is the older form.
   */
  acquire(priority?: RequestPriority | QueueTicket): Promise<number | undefined>;
  /**
   * The request granted at `grantedAt` (what `acquire` resolved with) leaves only now: its slot is counted
   * from now, so that work done between the grant and the send (the ledger write of a generate call)
   * cannot put two windows' requests into one of Scenario's minutes.
   */
  markSent?(grantedAt: number): void;
  /** The window and the queue as they stand now (places computed: O(waiting)). */
  view(): BudgetView;
  /**
   * Only the counts, in constant time: for decisions taken often (the listing cadence, the asset reads).
   * `finishing`: requests of the `finish` class waiting.
   */
  load(): { perMinute: number; sentInWindow: number; waiting: number; finishing: number };
  /** Everyone waits until `until` (epoch ms): a 429 from Scenario applies to the whole project. */
  pauseUntil(until: number): void;
  /** Requests counted in the window now, by every instance that shares it (for a status report). */
  sentInWindow(): Promise<number>;
  /** Rejects the callers still waiting. */
  close(): void;
}

export interface RequestBudgetOptions {
  perMinute: number;
  clock?: Clock;
  /**
   * Window length. Slightly longer than Scenario's minute so that network jitter between our send time and
   * their arrival time can never put perMinute + 1 requests in one of their minutes.
   */
  windowMs?: number;
  /**
   * Where requests are counted: a shared window on Redis for several instances, a stored one-instance
   * window; by default an in-memory window of `perMinute` per `windowMs`.
   */
  window?: RequestWindow;
  /**
   * Told when the window cannot be asked (its store is away), once per outage; the budget then asks again
   * every second and grants nothing until it answers.
   */
  onWindowError?: (error: unknown) => void;
  /**
   * Spreads new submissions over the window (see `submitPacer`) instead of letting a burst of commands take
   * the whole window at once; without it, submissions go whenever the window has room.
   */
  paceSubmissions?: boolean;
  /**
   * The room a new submission must leave in the window (request-window.ts `ReservedSlots`), asked before
   * each one: the requests that will finish the jobs already submitted (their confirmations, asset reads,
   * listings), by when they are expected. Without it a burst of commands takes the whole window and their
   * own results wait up to a minute to be confirmed. Other requests may use the reserve.
   */
  reserve?: () => readonly ReservedSlots[];
}

/**
 * New generate calls at the window's average rate (perMinute per window), with a small burst so that a
 * lone command goes at once. Why: a sliding window lets a burst of commands take every slot in one second,
 * and then nothing can go for a whole minute: the jobs of that burst finish during that minute and wait
 * for it to end before they can even be confirmed (real time, N=100: lag p50 21 s). Paced, slots free up
 * one by one all the time, and the work that finishes jobs, which is not paced, takes them first. The
 * total rate is unchanged: paced submissions use every slot nobody else needs.
 */
function submitPacer(perMinute: number, windowMs: number, now: number): TokenBucket {
  // A tenth of the window, and at least three: a few commands at once still go at once.
  const capacity = Math.min(perMinute, Math.max(3, Math.ceil(perMinute / 10)));
  return new TokenBucket({ perMs: perMinute / windowMs, capacity, now });
}

/** Times within the trailing window, oldest first. */
class TimesInWindow {
  private readonly times: number[] = [];
  constructor(private readonly windowMs: number) {}

  add(at: number): void {
    this.times.push(at);
  }

  count(now: number): number {
    while ((this.times[0] ?? now) <= now - this.windowMs) this.times.shift();
    return this.times.length;
  }
}

/** The budget was closed (the bot is stopping) while a caller waited: its request was never sent. */
export class BudgetClosedError extends Error {
  override readonly name = 'BudgetClosedError';
  constructor() {
    super('request budget closed');
  }
}

/**
 * How long to wait before asking a window that failed (Redis away) again. Failing safe: no request goes
 * out while the count cannot be checked.
 */
const WINDOW_RETRY_MS = 1_000;
/** How often the count shown in views is read again from the window (a shared one is on Redis). */
const COUNT_REFRESH_MS = 500;

/**
 * The window the budget counts in: Scenario's minute (divided by the benchmark's time scale) plus a
 * margin for the time between our send and Scenario's count (network, a busy event loop). The margin is
 * real time, so it is not scaled below 250 ms.
 */
export function scenarioWindowMs(timeScale: number): number {
  return 60_000 / timeScale + Math.max(1_000 / timeScale, 250);
}

interface Waiter {
  resolve: (grantedAt: number) => void;
  reject: (error: Error) => void;
}

const ticketOf = (priority: RequestPriority | QueueTicket): QueueTicket =>
  typeof priority === 'string' ? { class: priority === 'background' ? 'finish' : 'interactive' } : priority;

/**
 * One limiter shared by every Scenario call (Scenario counts all of them against 100 requests/minute per
 * project). HOW MANY may go is the window's business (request-window.ts); WHICH caller goes next, the
 * queue's (request-queue.ts). A single loop serves the queue; no timer per caller. It grants one slot at a
 * time and lets the granted caller run before the next grant: the caller sends in the continuation of
 * `acquire`, so by the next turn of the event loop its request is out, and the slot is stamped with that
 * turn's time (`window.sent`). A caller that was late (the event loop blocked between the grant and the
 * send) is thus counted from when it actually sent, not from when it was granted.
 */
export function createRequestBudget(options: RequestBudgetOptions): RequestBudget {
  const clock = options.clock ?? systemClock;
  const windowMs = options.windowMs ?? scenarioWindowMs(1);
  const window = options.window ?? createLocalRequestWindow({ perMinute: options.perMinute, windowMs });
  const waiting = new RequestQueue<Waiter>();
  const pacer = options.paceSubmissions ? submitPacer(options.perMinute, windowMs, clock.now()) : undefined;
  // Members' only jobs let past the reserve: at most a tenth of the budget per window (at least one), so
  // that many members each sending one command at once cannot use up the room kept for their results.
  const aloneGrants = new TimesInWindow(windowMs);
  const maxAloneGrants = Math.max(1, Math.floor(options.perMinute / 10));
  // Slots granted whose caller may still say when its request left (`markSent`), by grant time.
  const grants = new Map<number, string>();
  const stop = new AbortController();
  let pumping = false;
  // Set while the pump waits for the submissions' pace or reserve with nothing else queued.
  let othersArrived: AbortController | undefined;
  let closed = false;
  // Told once per outage, not at every retry.
  let windowDown = false;
  // The window's count as last read, for views taken synchronously.
  let counted = 0;
  let countedAt = Number.NEGATIVE_INFINITY;
  // When the window last said its next slot frees up (it was full or paused then).
  let nextFreeAt = 0;

  const refreshCount = () => {
    const now = clock.now();
    if (now - countedAt < COUNT_REFRESH_MS) return;
    countedAt = now;
    window.count(now).then(
      (count) => {
        counted = count;
      },
      () => undefined,
    );
  };

  /** Sleeps for `ms`, or less when finishing work or a member's only job arrives: it need not wait. */
  const untilOthersArrive = async (ms: number) => {
    othersArrived = new AbortController();
    await clock.sleep(ms, AbortSignal.any([stop.signal, othersArrived.signal])).catch(() => undefined);
    othersArrived = undefined;
  };

  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      // Set when a submission was refused for the reserve while others waited: serve them, not it.
      let holdSubmits = false;
      // Set when a submission was refused for the reserve while a member's only job waits: serve that one.
      let aloneNext = false;
      while (waiting.size > 0 && !closed) {
        // A submission whose pace has not come yet lets the others go first, or waits for its turn.
        const head = waiting.nextClass();
        const submitWaitMs = head === 'submit' && pacer ? pacer.waitMs(clock.now()) : 0;
        if (submitWaitMs > 0 && waiting.isOnly('submit')) {
          await untilOthersArrive(submitWaitMs);
          continue;
        }
        // A submission asks the window to leave the reserve free; the others may take it. The reserve is
        // computed only then (it walks every running job).
        const asSubmission = head === 'submit' && submitWaitMs === 0 && !holdSubmits && !aloneNext;
        const keep = asSubmission ? (options.reserve?.() ?? []) : [];
        let taken: TakeResult;
        try {
          taken = await window.take(clock.now(), keep);
          windowDown = false;
        } catch (error) {
          if (!windowDown) options.onWindowError?.(error);
          windowDown = true;
          taken = { granted: false, retryAt: clock.now() + WINDOW_RETRY_MS };
        }
        if (closed) return;
        if (!taken.granted && taken.reserved) {
          // Only the reserve is left: a member's only job and the finishing work may take it now, other
          // submissions wait for a slot.
          aloneNext = waiting.hasAlone() && aloneGrants.count(clock.now()) < maxAloneGrants;
          if (aloneNext) continue;
          holdSubmits = !waiting.isOnly('submit');
          if (!holdSubmits) await untilOthersArrive(Math.max(1, taken.retryAt - clock.now()));
          continue;
        }
        if (!taken.granted) {
          nextFreeAt = taken.retryAt;
          if (!windowDown) counted = Math.max(counted, options.perMinute);
          await clock.sleep(Math.max(1, taken.retryAt - clock.now()), stop.signal);
          continue;
        }
        const grantedAt = clock.now();
        // Grants are kept in time order: drop those out of the window, oldest first, and stop at the first
        // still in it (not a walk over every grant on each one).
        for (const at of grants.keys()) {
          if (at > grantedAt - windowMs) break;
          grants.delete(at);
        }
        grants.set(grantedAt, taken.slot);
        // The window never holds more than perMinute; a count read meanwhile may already include this one.
        counted = Math.min(options.perMinute, counted + 1);
        holdSubmits = false;
        const alone = aloneNext ? waiting.nextAlone() : undefined;
        aloneNext = false;
        if (alone) aloneGrants.add(grantedAt);
        // Asked again now: requests that arrived while the window answered may have changed the order. Only
        // a slot asked for as a submission (the reserve kept, the pace come) may go to one.
        if (!alone && waiting.nextClass() === 'submit' && asSubmission) pacer?.tryTake(grantedAt);
        (alone ?? waiting.next(asSubmission))?.resolve(grantedAt);
        // The granted caller's continuation (its fetch) runs before this macrotask.
        await new Promise((resolve) => setImmediate(resolve));
        await window.sent(taken.slot, clock.now()).catch(() => undefined); // stamped at take, then
      }
    } catch {
      // Only close() aborts the sleep.
    } finally {
      pumping = false;
    }
  };

  /**
   * When the slot `index` places from now (0 = the next one) is expected: a free slot now (after any
   * pause), else from when the window said its next slot frees up, a whole window later per budget's worth
   * of places beyond the free ones (an estimate: the window's requests may leave it spread out).
   */
  const etaOf = (index: number, now: number, perWindow: number): number => {
    const start = Math.max(now, window.pausedUntil());
    const free = Math.max(0, perWindow - counted);
    const paced = pacer?.etaMs(index, now) ?? 0;
    if (index < free) return Math.max(start - now, paced);
    const first = Math.max(start, nextFreeAt);
    return Math.max(paced, first - now + Math.floor((index - free) / perWindow) * windowMs);
  };

  return {
    acquire(priority = 'interactive') {
      if (closed) return Promise.reject(new BudgetClosedError());
      return new Promise<number>((resolve, reject) => {
        const ticket = ticketOf(priority);
        waiting.push(ticket, { resolve, reject });
        // Finishing work, or a member's only job, may use the room a sleeping submission waits for.
        if (ticket.class !== 'submit' || ticket.alone) othersArrived?.abort();
        void pump();
      });
    },
    view() {
      refreshCount();
      const now = clock.now();
      const etas = new Map<string, { ahead: number; etaMs: number }>();
      // Submissions leave the reserve free (an estimate: it shrinks as jobs finish). Computed once per view.
      const kept = Math.max(0, ...(options.reserve?.() ?? []).map(({ slots }) => slots));
      const perWindow = options.perMinute - keptSlots(options.perMinute, kept);
      for (const [key, ahead] of waiting.positions())
        etas.set(key, { ahead, etaMs: etaOf(ahead, now, perWindow) });
      return {
        perMinute: options.perMinute,
        sentInWindow: counted,
        queue: waiting.counts(),
        waiting: etas,
      };
    },
    load() {
      refreshCount();
      return {
        perMinute: options.perMinute,
        sentInWindow: counted,
        waiting: waiting.size,
        finishing: waiting.sizeOf('finish'),
      };
    },
    markSent(grantedAt) {
      const slot = grants.get(grantedAt);
      if (slot === undefined) return; // already out of the window
      grants.delete(grantedAt);
      void window.sent(slot, clock.now()).catch(() => undefined);
    },
    pauseUntil(until) {
      void window.pauseUntil(until, clock.now()).catch((error: unknown) => options.onWindowError?.(error));
    },
    sentInWindow: () => window.count(clock.now()),
    close() {
      closed = true;
      stop.abort();
      for (const waiter of waiting.drain()) waiter.reject(new BudgetClosedError());
    },
  };
}
