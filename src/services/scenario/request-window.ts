import { z } from 'zod';
import type { KeyValue } from '../store/store.js';

/**
 * HOW MANY Scenario requests may go out: a sliding window of send times. WHICH caller goes next is the
 * request budget's business (request-budget.ts); it asks the window before each send.
 *
 * Every method takes the time from its caller, so a window is deterministic under an injected clock and
 * never assumes that a timer fired on time.
 */
export type TakeResult =
  | { granted: true; slot: string }
  /** `reserved`: the window has room, but only within the slots the caller was asked to leave free. */
  | { granted: false; retryAt: number; reserved?: true };

/**
 * Requests expected within `afterMs` from now that a caller leaves room for: the budget's reserve for the
 * work that finishes the jobs already running, asked by new submissions (job-timing.ts
 * `resultsReserveFor`). A slot taken now is held for a whole window, so a reserve is a curve, not a
 * number: the results expected in 40 s need their slots among the sends still counted 40 s from now.
 */
export interface ReservedSlots {
  afterMs: number;
  slots: number;
}

export interface RequestWindow {
  /**
   * Counts one request at `now` if the window has room and no pause holds; otherwise says when to ask
   * again. A granted slot is recorded (and, where the window is durable, stored) before this resolves.
   * `keep`: the room to leave for others (see `ReservedSlots`; each point at most perMinute − 1, so that
   * an empty window always grants).
   */
  take(now: number, keep?: readonly ReservedSlots[]): Promise<TakeResult>;
  /**
   * The request of `slot` went out by `now` (never earlier than its take): from now on it counts from
   * then. A caller that was late to send (a busy event loop) thus holds its place in the window longer
   * instead of squeezing one more request into the next window.
   */
  sent(slot: string, now: number): Promise<void>;
  /** No slot before `until` (a 429 from Scenario applies to the whole project). Only ever extends. */
  pauseUntil(until: number, now: number): Promise<void>;
  /** The latest pause this instance knows of (others may have set a later one on a shared window). */
  pausedUntil(): number;
  /** Requests counted in the window ending at `now`. */
  count(now: number): Promise<number>;
}

export interface WindowLimits {
  /** Requests allowed in any window. */
  perMinute: number;
  /** The window's length: Scenario's minute plus a margin (see request-budget.ts). */
  windowMs: number;
}

/** A reserve point's slots, as a window applies them: whole, and at most perMinute − 1. */
export function keptSlots(perMinute: number, slots: number): number {
  return Math.max(0, Math.min(perMinute - 1, Math.floor(slots)));
}

/**
 * When `keep` lets one more request in, or undefined if it does now. For each point: the sends still
 * counted at `now + afterMs` (those after `now + afterMs − windowMs`), plus the slots kept by then, plus
 * this one, must fit in perMinute; if not, it fits once enough of those sends have left. Pure; `sent` in
 * ascending order. The Redis window runs the same rule in its script (request-window-redis.ts).
 */
export function reservedUntil(
  sent: readonly number[],
  now: number,
  limits: WindowLimits,
  keep: readonly ReservedSlots[],
): number | undefined {
  let until: number | undefined;
  for (const { afterMs, slots } of keep) {
    const from = now + afterMs - limits.windowMs;
    const first = sent.findIndex((at) => at > from);
    if (first < 0) continue;
    const excess = sent.length - first + keptSlots(limits.perMinute, slots) - limits.perMinute + 1;
    if (excess <= 0) continue;
    const leaves = (sent[first + excess - 1] ?? now) + limits.windowMs - afterMs;
    until = Math.max(until ?? leaves, leaves);
  }
  return until;
}

const persistedSchema = z.object({
  sent: z.array(z.number()),
  pausedUntil: z.number(),
});

type PersistedWindow = z.infer<typeof persistedSchema>;

/** Where a one-instance window keeps its send times so that a restart within the minute sees them. */
const PERSIST_KEY = 'scenario';

/**
 * The window of one instance (SQLite deployments). With `persist`, every granted slot and every pause is
 * written to the store before the request may go: a bot killed and started again within the minute
 * loads them and does not spend a second budget in that minute. The write is one small value (at most
 * `perMinute` numbers) per request, next to a Scenario call that takes far longer.
 */
export function createLocalRequestWindow(
  limits: WindowLimits & { persist?: KeyValue; restored?: PersistedWindow },
): RequestWindow {
  const { perMinute, windowMs, persist } = limits;
  const sentAt = new Map<string, number>();
  let paused = limits.restored?.pausedUntil ?? 0;
  let nextSlot = 0;
  for (const at of limits.restored?.sent ?? []) sentAt.set(String(nextSlot++), at);
  // Writes go out in call order, so an older snapshot never overwrites a newer one.
  let writes: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    if (!persist) return Promise.resolve();
    const snapshot = { sent: [...sentAt.values()], pausedUntil: paused };
    const write = writes.then(() => persist.set(PERSIST_KEY, snapshot));
    writes = write.catch(() => undefined);
    return write;
  };
  const prune = (now: number) => {
    for (const [slot, at] of sentAt) if (at <= now - windowMs) sentAt.delete(slot);
  };

  return {
    async take(now, keep = []) {
      if (now < paused) return { granted: false, retryAt: paused };
      prune(now);
      if (sentAt.size >= perMinute) {
        return { granted: false, retryAt: Math.min(...sentAt.values()) + windowMs };
      }
      if (keep.length > 0) {
        const sent = [...sentAt.values()].sort((a, b) => a - b);
        const retryAt = reservedUntil(sent, now, limits, keep);
        if (retryAt !== undefined) return { granted: false, retryAt, reserved: true };
      }
      const slot = String(nextSlot++);
      sentAt.set(slot, now);
      try {
        await save();
      } catch (error) {
        // Not stored, not granted: a slot a restart could not see must not be spent.
        sentAt.delete(slot);
        throw error;
      }
      return { granted: true, slot };
    },
    async sent(slot, now) {
      const at = sentAt.get(slot);
      if (at === undefined || now <= at) return;
      sentAt.set(slot, now);
      await save();
    },
    async pauseUntil(until) {
      if (until <= paused) return;
      paused = until;
      await save();
    },
    pausedUntil: () => paused,
    async count(now) {
      prune(now);
      return sentAt.size;
    },
  };
}

/** The one-instance window with the send times and pause a previous run stored (none on a first start). */
export async function loadLocalRequestWindow(
  limits: WindowLimits,
  persist: KeyValue,
): Promise<RequestWindow> {
  const stored = persistedSchema.safeParse(await persist.get(PERSIST_KEY));
  return createLocalRequestWindow({ ...limits, persist, restored: stored.success ? stored.data : undefined });
}
