import type { KeyLock } from './key-lock.js';
import type { KeyValue } from './store.js';

/**
 * Keys that may be acted on once, across instances sharing the store: the first `claim` wins, later ones
 * (a duplicate delivery of the same interaction, another instance) get false until the key expires.
 */
export class OnceKeys {
  constructor(private readonly options: { store: KeyValue; lock: KeyLock; ttlMs: number }) {}

  claim(key: string): Promise<boolean> {
    const { store, lock, ttlMs } = this.options;
    const stored = `once:${key}`;
    return lock.withLock(stored, async () => {
      if ((await store.get(stored)) !== undefined) return false;
      await store.set(stored, true, ttlMs);
      return true;
    });
  }
}
