import type { Clock } from '../clock.js';
import { TokenBucket } from '../token-bucket.js';

/**
 * How many progress edits (a running job's progress, a waiting job's place) the bot may make per second,
 * across every job. Discord lets a bot make 50 requests a second in all, and past that discord.js holds
 * EVERY request until the next second, a finished result's post included. These edits are the only
 * requests that may be skipped, so they get a share (`PROGRESS_EDITS_PER_SECOND`, 20 by default) and
 * results, commands and reactions keep the rest. An edit refused here is not lost: the next look shows
 * the newer news. A bucket holding one second's worth.
 */
export class EditAllowance {
  private readonly bucket: TokenBucket;

  constructor(private readonly options: { perSecond: number; clock: Pick<Clock, 'now'> }) {
    this.bucket = new TokenBucket({
      perMs: options.perSecond / 1_000,
      capacity: options.perSecond,
      now: options.clock.now(),
    });
  }

  /** Takes one edit if one is left this second. */
  take(): boolean {
    return this.bucket.tryTake(this.options.clock.now());
  }
}
