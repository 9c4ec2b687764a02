import { type Clock, systemClock } from '../clock.js';

/** Who is asking: user-facing calls (uploads, generate) go before background polling. */
export type RequestPriority = 'interactive' | 'background';

export interface RequestBudget {
  /** Resolves when one request may be sent now; the slot is counted at that moment. */
  acquire(priority?: RequestPriority): Promise<void>;
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

/** One slot in three goes to background work (polls, deliveries) when both kinds are waiting. */
const BACKGROUND_SHARE = 3;

interface Waiter {
  priority: RequestPriority;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * One sliding-window limiter shared by every Scenario call (Scenario counts all of them against
 * 100 requests/minute per project). A single timer wakes the queue; no timer per caller.
 */
export function createRequestBudget(options: RequestBudgetOptions): RequestBudget {
  const clock = options.clock ?? systemClock;
  const windowMs = options.windowMs ?? 61_000;
  const sentAt: number[] = [];
  const waiting: Waiter[] = [];
  let pausedUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const prune = (now: number) => {
    while (sentAt.length > 0 && (sentAt[0] ?? 0) <= now - windowMs) sentAt.shift();
  };

  let interactiveStreak = 0;
  const nextWaiter = (): Waiter | undefined => {
    // Interactive calls go first, but every BACKGROUND_SHARE-th slot goes to background work when some
    // waits: a burst of commands must not starve the polls and deliveries of jobs already running.
    const background = waiting.findIndex((waiter) => waiter.priority === 'background');
    const interactive = waiting.findIndex((waiter) => waiter.priority === 'interactive');
    const pickBackground = interactive < 0 || (background >= 0 && interactiveStreak >= BACKGROUND_SHARE - 1);
    const index = pickBackground ? Math.max(background, 0) : interactive;
    interactiveStreak = pickBackground ? 0 : interactiveStreak + 1;
    return waiting.splice(index, 1)[0];
  };

  const pump = () => {
    timer = undefined;
    if (closed) return;
    let now = clock.now();
    prune(now);
    while (waiting.length > 0 && now >= pausedUntil && sentAt.length < options.perMinute) {
      const waiter = nextWaiter();
      if (!waiter) break;
      sentAt.push(now);
      waiter.resolve();
      now = clock.now();
    }
    if (waiting.length === 0) return;
    const oldest = sentAt[0];
    const freeAt = sentAt.length >= options.perMinute && oldest !== undefined ? oldest + windowMs : now;
    const wakeAt = Math.max(freeAt, pausedUntil);
    timer = setTimeout(pump, Math.max(1, wakeAt - now));
    timer.unref?.();
  };

  return {
    acquire(priority = 'interactive') {
      if (closed) return Promise.reject(new Error('request budget closed'));
      return new Promise<void>((resolve, reject) => {
        waiting.push({ priority, resolve, reject });
        if (timer === undefined) pump();
      });
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
      for (const waiter of waiting.splice(0)) waiter.reject(new Error('request budget closed'));
    },
  };
}
