import { type Clock, systemClock } from '../clock.js';
import { createLocalRequestWindow, type RequestWindow, type TakeResult } from './request-window.js';

/** Who is asking: user-facing calls (uploads, generate) go before background polling. */
export type RequestPriority = 'interactive' | 'background';

export interface RequestBudget {
  /**
   * Resolves when one request may be sent now: send it in the continuation, without awaiting anything
   * else first. The slot is counted from then (from the next turn of the event loop if that is later).
   */
  acquire(priority?: RequestPriority): Promise<void>;
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
}

/**
 * How long to wait before asking a window that failed (Redis away) again. Failing safe: no request goes
 * out while the count cannot be checked.
 */
const WINDOW_RETRY_MS = 1_000;

/**
 * The window the budget counts in: Scenario's minute (divided by the benchmark's time scale) plus a
 * margin for the time between our send and Scenario's count (network, a busy event loop). The margin is
 * real time, so it is not scaled below 250 ms.
 */
export function scenarioWindowMs(timeScale: number): number {
  return 60_000 / timeScale + Math.max(1_000 / timeScale, 250);
}

/** One slot in three goes to background work (polls, deliveries) when both kinds are waiting. */
const BACKGROUND_SHARE = 3;

interface Waiter {
  priority: RequestPriority;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * One limiter shared by every Scenario call (Scenario counts all of them against 100 requests/minute per
 * project). A single loop serves the queue; no timer per caller. It grants one slot at a time and lets
 * the granted caller run before the next grant: the caller sends in the continuation of `acquire`, so by
 * the next turn of the event loop its request is out, and the slot is stamped with that turn's time
 * (`window.sent`). A caller that was late (the event loop blocked between the grant and the send) is thus
 * counted from when it actually sent, not from when it was granted.
 */
export function createRequestBudget(options: RequestBudgetOptions): RequestBudget {
  const clock = options.clock ?? systemClock;
  const window =
    options.window ??
    createLocalRequestWindow({
      perMinute: options.perMinute,
      windowMs: options.windowMs ?? scenarioWindowMs(1),
    });
  const waiting: Waiter[] = [];
  const stop = new AbortController();
  let pumping = false;
  let closed = false;
  // Told once per outage, not at every retry.
  let windowDown = false;

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

  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      while (waiting.length > 0 && !closed) {
        let taken: TakeResult;
        try {
          taken = await window.take(clock.now());
          windowDown = false;
        } catch (error) {
          if (!windowDown) options.onWindowError?.(error);
          windowDown = true;
          taken = { granted: false, retryAt: clock.now() + WINDOW_RETRY_MS };
        }
        if (closed) return;
        if (!taken.granted) {
          await clock.sleep(Math.max(1, taken.retryAt - clock.now()), stop.signal);
          continue;
        }
        nextWaiter()?.resolve();
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

  return {
    acquire(priority = 'interactive') {
      if (closed) return Promise.reject(new Error('request budget closed'));
      return new Promise<void>((resolve, reject) => {
        waiting.push({ priority, resolve, reject });
        void pump();
      });
    },
    pauseUntil(until) {
      void window.pauseUntil(until, clock.now()).catch((error: unknown) => options.onWindowError?.(error));
    },
    sentInWindow: () => window.count(clock.now()),
    close() {
      closed = true;
      stop.abort();
      for (const waiter of waiting.splice(0)) waiter.reject(new Error('request budget closed'));
    },
  };
}
