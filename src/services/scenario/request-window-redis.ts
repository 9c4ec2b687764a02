import { randomBytes } from 'node:crypto';
import type { LockRedis } from '../store/key-lock.js';
import { keptSlots, type RequestWindow, type WindowLimits } from './request-window.js';

/**
 * One window for every instance on a Redis store, so that N instances with one Scenario key together stay
 * under `perMinute`.
 *
 * A Lua script on a sorted set rather than `rate-limiter-flexible`: its Redis limiters count points in
 * fixed windows (a burst at a window's end and another at the next one's start make two budgets within
 * one of Scenario's minutes), and it has no way to move a counted request to the time it was actually
 * sent (`sent`), which is how the budget stays exact when the event loop is late. The script is a few
 * lines: prune the send times older than the window, check the pause and the count, add the new send
 * time, all in one atomic step on the server, under our own key prefix.
 *
 * Times come from the instances' clocks (the budget's injected clock, so tests are exact): instances
 * must keep their clocks in sync (NTP); a skew well below the window's margin (1 s) cannot break it.
 *
 * When Redis cannot be reached, every call fails and the budget grants nothing until it answers again
 * (fail safe: no request goes out uncounted).
 */
export interface RedisWindowOptions extends WindowLimits {
  redis: Pick<LockRedis, 'eval'>;
  /** Key prefix (the store's namespace prefix + `bot:`): tests isolate themselves with their own. */
  prefix: string;
}

// KEYS: the sorted set of send times, the pause key. ARGV: now, window, perMinute, slot, then pairs of
// afterMs and slots to keep (request-window.ts `reservedUntil`: the same rule).
// Returns {1} when granted, {0, retryAt, 'paused' | 'full' | 'reserved'} when not.
const TAKE_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return {0, tostring(paused), 'paused'} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tostring(tonumber(oldest[2]) + window), 'full'}
end
local reservedUntil = nil
for i = 5, #ARGV - 1, 2 do
  local after = tonumber(ARGV[i])
  local from = string.format('(%d', now + after - window)
  local excess = redis.call('ZCOUNT', KEYS[1], from, '+inf') + tonumber(ARGV[i + 1]) - limit + 1
  if excess > 0 then
    local leaving = redis.call('ZRANGEBYSCORE', KEYS[1], from, '+inf', 'WITHSCORES', 'LIMIT', excess - 1, 1)
    local at = tonumber(leaving[2]) + window - after
    if reservedUntil == nil or at > reservedUntil then reservedUntil = at end
  end
end
if reservedUntil ~= nil then return {0, tostring(reservedUntil), 'reserved'} end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window * 2)
return {1}`;

// Moves a slot to a later send time only (XX: never re-adds a pruned one; GT: never earlier).
const SENT_SCRIPT = `return redis.call('ZADD', KEYS[1], 'XX', 'GT', ARGV[1], ARGV[2])`;

// Extends the pause only; it expires a window after it ends.
const PAUSE_SCRIPT = `
local until_ = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', math.max(1, until_ - tonumber(ARGV[2])) + tonumber(ARGV[3]))
  return ARGV[1]
end
return tostring(current)`;

export function createRedisRequestWindow(options: RedisWindowOptions): RequestWindow {
  const { redis, perMinute, windowMs } = options;
  // One hash tag for both keys: the take script reads both, which a Redis Cluster allows only in one slot.
  const sentKey = `${options.prefix}{scenario-window}:sent`;
  const pauseKey = `${options.prefix}{scenario-window}:paused-until`;
  // Slot names are unique across instances: this instance's id and a counter.
  const instance = randomBytes(6).toString('hex');
  let nextSlot = 0;
  let paused = 0;

  return {
    async take(now, keep = []) {
      // A pause this instance set is known at once, before Redis has it.
      if (now < paused) return { granted: false, retryAt: paused };
      const slot = `${instance}:${nextSlot++}`;
      const answer = (await redis.eval(TAKE_SCRIPT, {
        keys: [sentKey, pauseKey],
        arguments: [
          String(now),
          String(windowMs),
          String(perMinute),
          slot,
          ...keep.flatMap(({ afterMs, slots }) => [
            String(Math.round(afterMs)),
            String(keptSlots(perMinute, slots)),
          ]),
        ],
      })) as [number, string?, string?];
      if (answer[0] === 1) return { granted: true, slot };
      const retryAt = Number(answer[1]);
      if (answer[2] === 'reserved') return { granted: false, retryAt, reserved: true };
      // A pause set by another instance: remember it so that `pausedUntil` says so.
      if (answer[2] === 'paused' && retryAt > paused) paused = retryAt;
      return { granted: false, retryAt };
    },
    async sent(slot, now) {
      await redis.eval(SENT_SCRIPT, { keys: [sentKey], arguments: [String(now), slot] });
    },
    async pauseUntil(until, now) {
      if (until > paused) paused = until;
      const current = Number(
        await redis.eval(PAUSE_SCRIPT, {
          keys: [pauseKey],
          arguments: [String(until), String(now), String(windowMs)],
        }),
      );
      if (current > paused) paused = current;
    },
    pausedUntil: () => paused,
    async count(now) {
      const answer = await redis.eval(
        `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1]) return redis.call('ZCARD', KEYS[1])`,
        { keys: [sentKey], arguments: [String(now - windowMs)] },
      );
      return Number(answer);
    },
  };
}
