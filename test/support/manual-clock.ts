import type { Clock } from '../../src/services/clock.js';

/** A clock that moves only when the test says: sleepers wake when `advance` passes their time. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  /** How many sleeps are pending (a service waiting on this clock). */
  sleeping(): number;
}

export function manualClock(start = 1_700_000_000_000): ManualClock {
  let now = start;
  const sleepers = new Set<{ at: number; wake: () => void }>();
  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper = {
          at: now + ms,
          wake: () => {
            sleepers.delete(sleeper);
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          sleepers.delete(sleeper);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.add(sleeper);
      });
    },
    advance(ms) {
      now += ms;
      for (const sleeper of [...sleepers]) if (sleeper.at <= now) sleeper.wake();
    },
    sleeping: () => sleepers.size,
  };
}
