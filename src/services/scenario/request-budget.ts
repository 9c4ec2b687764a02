import { type Clock, systemClock } from '../clock.js';
import { type QueueCounts, type QueueTicket, RequestQueue } from './request-queue.js';

export type { QueueTicket, RequestClass } from './request-queue.js';

/**
 * The older two-way priority, still accepted: `interactive` is a member waiting at a command,
 * `background` the polls and reads that finish jobs (served first now: see request-queue.ts).
 */
export type RequestPriority = 'interactive' | 'background';

/** Where the budget stands: for a waiting member's reply and `/status`. */
export interface BudgetView {
  perMinute: number;
  /** Requests counted in the trailing window. */
  sentInWindow: number;
  queue: QueueCounts;
  /** Per keyed submission waiting: requests ahead of it and the estimated wait, in ms. */
  waiting: Map<string, { ahead: number; etaMs: number }>;
}

export interface RequestBudget {
  /**
   * Resolves when one request may be sent now; the slot is counted at that moment. A ticket says which
   * class the request is and whose it is (see request-queue.ts); a bare priority is the older form.
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
  /** Only the counts, in constant time: for decisions taken often (the listing cadence). */
  load(): { perMinute: number; sentInWindow: number; waiting: number };
  /** Everyone waits until `until` (epoch ms): a 429 from Scenario applies to the whole project. */
  pauseUntil(until: number): void;
  /** Requests counted in the trailing window, and how many callers are waiting. */
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
}

/** The budget was closed (the bot is stopping) while a caller waited: its request was never sent. */
export class BudgetClosedError extends Error {
  override readonly name = 'BudgetClosedError';
  constructor() {
    super('request budget closed');
  }
}

interface Waiter {
  resolve: (grantedAt: number) => void;
  reject: (error: Error) => void;
}

const ticketOf = (priority: RequestPriority | QueueTicket): QueueTicket =>
  typeof priority === 'string' ? { class: priority === 'background' ? 'finish' : 'interactive' } : priority;

/**
 * One sliding-window limiter shared by every Scenario call (Scenario counts all of them against
 * 100 requests/minute per project). A single timer wakes the queue; no timer per caller.
 */
export function createRequestBudget(options: RequestBudgetOptions): RequestBudget {
  const clock = options.clock ?? systemClock;
  const windowMs = options.windowMs ?? 61_000;
  const sentAt: number[] = [];
  const waiting = new RequestQueue<Waiter>();
  let pausedUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const prune = (now: number) => {
    while (sentAt.length > 0 && (sentAt[0] ?? 0) <= now - windowMs) sentAt.shift();
  };

  /**
   * When the slot `index` places from now (0 = the next one) frees up, from the requests in the window: a
   * free slot now, else when the request that holds it leaves the window (whole windows later past them).
   */
  const slotFreeAt = (index: number, now: number): number => {
    const free = options.perMinute - sentAt.length;
    const start = Math.max(now, pausedUntil);
    if (index < free) return start;
    const beyond = index - free;
    const round = Math.floor(beyond / options.perMinute);
    const heldBy = sentAt[beyond % options.perMinute] ?? now;
    return Math.max(start, heldBy + windowMs * (round + 1));
  };

  const pump = () => {
    timer = undefined;
    if (closed) return;
    let now = clock.now();
    prune(now);
    while (waiting.size > 0 && now >= pausedUntil && sentAt.length < options.perMinute) {
      const waiter = waiting.next();
      if (!waiter) break;
      sentAt.push(now);
      waiter.resolve(now);
      now = clock.now();
    }
    if (waiting.size === 0) return;
    const oldest = sentAt[0];
    const freeAt = sentAt.length >= options.perMinute && oldest !== undefined ? oldest + windowMs : now;
    const wakeAt = Math.max(freeAt, pausedUntil);
    timer = setTimeout(pump, Math.max(1, wakeAt - now));
    timer.unref?.();
  };

  return {
    acquire(priority = 'interactive') {
      if (closed) return Promise.reject(new BudgetClosedError());
      return new Promise<number>((resolve, reject) => {
        const ticket = ticketOf(priority);
        waiting.push(ticket, { resolve, reject });
        if (timer === undefined) pump();
      });
    },
    view() {
      const now = clock.now();
      prune(now);
      const etas = new Map<string, { ahead: number; etaMs: number }>();
      for (const [key, ahead] of waiting.positions())
        etas.set(key, { ahead, etaMs: Math.max(0, slotFreeAt(ahead, now) - now) });
      return {
        perMinute: options.perMinute,
        sentInWindow: sentAt.length,
        queue: waiting.counts(),
        waiting: etas,
      };
    },
    load() {
      prune(clock.now());
      return { perMinute: options.perMinute, sentInWindow: sentAt.length, waiting: waiting.size };
    },
    markSent(grantedAt) {
      const index = sentAt.lastIndexOf(grantedAt);
      if (index < 0) return; // already out of the window
      sentAt.splice(index, 1);
      sentAt.push(Math.max(grantedAt, clock.now()));
    },
    pauseUntil(until) {
      if (until <= pausedUntil) return;
      pausedUntil = until;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      pump();
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const waiter of waiting.drain()) waiter.reject(new BudgetClosedError());
    },
  };
}
