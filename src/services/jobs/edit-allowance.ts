import type { Clock } from '../clock.js';

/**
 * How many progress edits (a running job's progress, a waiting job's place) the bot may make per second,
 * across every job. Discord lets a bot make 50 requests a second in all, and past that discord.js holds
 * EVERY request until the next second, a finished result's post included. These edits are the only
 * requests that may be skipped, so they get a share (`PROGRESS_EDITS_PER_SECOND`, 20 by default) and
 * results, commands and reactions keep the rest. An edit refused here is not lost: the next look shows
 * the newer news. A token bucket holding one second's worth.
 */
export class EditAllowance {
  private tokens: number;
  private refilledAt: number;

  constructor(private readonly options: { perSecond: number; clock: Pick<Clock, 'now'> }) {
    this.tokens = options.perSecond;
    this.refilledAt = options.clock.now();
  }

  /** Takes one edit if one is left this second. */
  take(): boolean {
    const now = this.options.clock.now();
    const { perSecond } = this.options;
    this.tokens = Math.min(perSecond, this.tokens + ((now - this.refilledAt) / 1_000) * perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
