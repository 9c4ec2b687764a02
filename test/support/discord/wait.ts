import type { EmulatorState } from './state.js';

/** The tests' way to wait on the emulator: a check run on every change it notifies, and every 50 ms. */
export function createWaitHelpers(state: EmulatorState) {
  const { waiters, identified } = state;

  const waitFor = <T>(
    check: () => T | undefined | false,
    timeoutMs = 10_000,
    what = 'condition',
  ): Promise<T> =>
    new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        // A promise is always truthy: an async check would pass at once without being awaited.
        if (value instanceof Promise) throw new Error(`waitFor(${what}) got a promise: use eventually()`);
        if (value !== undefined && value !== false) {
          cleanup();
          resolve(value as T);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const poll = setInterval(attempt, 50);
      const waiter = () => void attempt();
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(poll);
        waiters.delete(waiter);
      };
      waiters.add(waiter);
      attempt();
    });

  return {
    waitFor,
    waitForReady: () => waitFor(() => identified.length > 0 || undefined, 15_000, 'a client to identify'),
  };
}
