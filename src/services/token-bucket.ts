/**
 * A token bucket with times passed in by its caller (pure: deterministic under an injected clock). Holds
 * at most `capacity` tokens and gains `perMs` a millisecond. Used for the progress-edit allowance
 * (jobs/edit-allowance.ts) and the pace of new submissions (scenario/request-budget.ts).
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(private readonly options: { perMs: number; capacity: number; now: number }) {
    this.tokens = options.capacity;
    this.refilledAt = options.now;
  }

  /** How long until a token is there (0: now). */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.options.perMs);
  }

  /** Spends a token if one is there. */
  tryTake(now: number): boolean {
    if (this.waitMs(now) > 0) return false;
    this.tokens -= 1;
    return true;
  }

  /** When the `index`-th token from now (0 = the next one) is there. */
  etaMs(index: number, now: number): number {
    this.refill(now);
    return Math.max(0, Math.ceil((index + 1 - this.tokens) / this.options.perMs));
  }

  private refill(now: number): void {
    const { perMs, capacity } = this.options;
    this.tokens = Math.min(capacity, this.tokens + (now - this.refilledAt) * perMs);
    this.refilledAt = now;
  }
}
