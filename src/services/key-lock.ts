/**
 * keyv has no atomic increment, so every read-modify-write of one key runs inside `withLock(key)`:
 * a promise chain per key, removed when idle. This serialises one process; several instances on
 * Redis would need a distributed lock (not built yet: see the README's limits).
 */
export interface KeyLock {
  withLock<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Keys with work queued: for tests that prove idle chains are dropped. */
  size(): number;
}

export function createKeyLock(): KeyLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const run = previous.then(task, task);
      const tail = run.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return run;
    },
    size: () => tails.size,
  };
}
