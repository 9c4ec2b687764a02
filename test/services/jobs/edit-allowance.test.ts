import { describe, expect, it } from 'vitest';
import { EditAllowance } from '../../../src/services/jobs/edit-allowance.js';
import { manualClock } from '../../support/manual-clock.js';

describe('progress edit allowance', () => {
  it('gives a second’s worth at once, then refills at its rate', () => {
    const clock = manualClock();
    const allowance = new EditAllowance({ perSecond: 20, clock });
    const taken = () => Array.from({ length: 30 }, () => allowance.take()).filter(Boolean).length;
    expect(taken()).toBe(20);
    clock.advance(100);
    expect(taken()).toBe(2);
    clock.advance(10_000);
    // Never more than one second's worth saved up.
    expect(taken()).toBe(20);
  });

  it('holds every second to its rate however the takes are spread', () => {
    const clock = manualClock();
    const allowance = new EditAllowance({ perSecond: 5, clock });
    let granted = 0;
    for (let ms = 0; ms < 10_000; ms += 7) {
      clock.advance(7);
      if (allowance.take()) granted += 1;
    }
    // 5 a second for 10 s, plus the first second's worth.
    expect(granted).toBeGreaterThanOrEqual(50);
    expect(granted).toBeLessThanOrEqual(55);
  });
});
