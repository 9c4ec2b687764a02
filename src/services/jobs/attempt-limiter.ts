/**
 * Attempts that end before any job runs (a model Scenario does not know, parameters it refuses, an upload
 * it fails) cost the shared Scenario budget and no credits. Each member may make `perMinute` of them in a
 * sliding minute; beyond that the pipeline refuses before calling Scenario, until the oldest one ages out.
 * Per process: with several instances each counts its own guilds' members (a member is served by one).
 */
export class AttemptLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly options: { perMinute: number; windowMs?: number; clock: { now(): number } }) {}

  private recent(key: string, now: number): number[] {
    const windowMs = this.options.windowMs ?? 60_000;
    const kept = (this.failures.get(key) ?? []).filter((at) => now - at < windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }

  /** How long the member must wait before another attempt may call Scenario, or 0. */
  waitFor(key: string): number {
    const now = this.options.clock.now();
    const recent = this.recent(key, now);
    if (recent.length < this.options.perMinute) return 0;
    const oldest = recent[recent.length - this.options.perMinute] ?? now;
    return Math.max(1, oldest + (this.options.windowMs ?? 60_000) - now);
  }

  /** One attempt that spent Scenario requests and ended refunded. */
  recordFailure(key: string): void {
    const now = this.options.clock.now();
    this.failures.set(key, [...this.recent(key, now), now]);
  }
}
