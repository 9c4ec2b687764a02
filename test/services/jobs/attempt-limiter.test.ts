import { describe, expect, it } from 'vitest';
import { AttemptLimiter } from '../../../src/services/jobs/attempt-limiter.js';

describe('AttemptLimiter', () => {
  const limiter = () => {
    const clock = { at: 0, now: () => clock.at };
    return { clock, limiter: new AttemptLimiter({ perMinute: 3, clock }) };
  };

  it('lets a member fail perMinute times in a minute, then says how long to wait', () => {
    const { clock, limiter: attempts } = limiter();
    for (const at of [0, 10_000, 20_000]) {
      clock.at = at;
      expect(attempts.waitFor('g:alice')).toBe(0);
      attempts.recordFailure('g:alice');
    }
    clock.at = 30_000;
    expect(attempts.waitFor('g:alice')).toBe(30_000); // until the first failure is a minute old
    clock.at = 60_000;
    expect(attempts.waitFor('g:alice')).toBe(0);
  });

  it('counts each member apart', () => {
    const { limiter: attempts } = limiter();
    for (let index = 0; index < 3; index += 1) attempts.recordFailure('g:alice');
    expect(attempts.waitFor('g:alice')).toBeGreaterThan(0);
    expect(attempts.waitFor('g:bob')).toBe(0);
    expect(attempts.waitFor('other-guild:alice')).toBe(0);
  });

  it('forgets members whose failures aged out', () => {
    const { clock, limiter: attempts } = limiter();
    attempts.recordFailure('g:alice');
    clock.at = 61_000;
    expect(attempts.waitFor('g:alice')).toBe(0);
    expect((attempts as unknown as { failures: Map<string, number[]> }).failures.size).toBe(0);
  });
});
