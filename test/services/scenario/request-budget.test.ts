import { describe, expect, it } from 'vitest';
import { createRequestBudget, type QueueTicket } from '../../../src/services/scenario/request-budget.js';
import { manualClock } from '../../support/manual-clock.js';

/** Any perMinute + 1 consecutive sends span at least a window: no window holds more than perMinute. */
function expectWithinBudget(sentAt: number[], perMinute: number, windowMs: number) {
  const sorted = [...sentAt].sort((a, b) => a - b);
  for (let i = 0; i + perMinute < sorted.length; i += 1) {
    expect((sorted[i + perMinute] ?? 0) - (sorted[i] ?? 0)).toBeGreaterThanOrEqual(windowMs);
  }
}

/**
 * Lets pending callbacks run until `done` holds (no timer involved: the clock is manual), then one turn
 * more: the budget stamps a slot in the turn after its caller ran, and that must happen at this time.
 */
async function settled(done: () => boolean) {
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  for (let turns = 0; turns < 10_000; turns += 1) {
    await turn();
    if (done()) return turn();
  }
  throw new Error('the budget did not settle');
}

/** mulberry32: the same "random" points on every run. */
function seededRandom(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('request budget', () => {
  it('never lets more than perMinute requests into one window of the injected clock', async () => {
    const clock = manualClock();
    const budget = createRequestBudget({ perMinute: 5, windowMs: 1_000, clock });
    const sentAt: number[] = [];
    for (let i = 0; i < 23; i += 1) void budget.acquire().then(() => sentAt.push(clock.now()));
    // Uneven steps: some land mid-window, some past several windows' ends.
    const steps = [0, 400, 700, 999, 1, 2_500, 300, 1_000, 1_000, 1_000];
    const inWindow: number[] = [];
    for (const step of steps) {
      clock.advance(step);
      await settled(() => sentAt.length === 23 || clock.sleeping() === 1);
      inWindow.push(await budget.sentInWindow());
    }
    budget.close();
    expect(inWindow).toEqual([5, 5, 5, 5, 5, 5, 5, 3, 0, 0]);
    expect(sentAt).toHaveLength(23);
    expectWithinBudget(sentAt, 5, 1_000);
    // Nothing is held back longer than the window needs: each 5 go at the first step a window after the last 5.
    const start = sentAt[0] ?? 0;
    expect(sentAt.map((at) => at - start)).toEqual([
      ...Array(5).fill(0),
      ...Array(5).fill(1_100),
      ...Array(5).fill(2_100),
      ...Array(5).fill(4_600),
      ...Array(3).fill(5_900),
    ]);
  });

  it('holds the budget while the event loop is blocked for 200 ms at random points', async () => {
    const random = seededRandom(14);
    const block = () => {
      const until = Date.now() + 200;
      while (Date.now() < until) {
        // busy: nothing else runs, timers fire late
      }
    };
    const budget = createRequestBudget({ perMinute: 5, windowMs: 300 });
    // Blocks at random moments, independent of the budget's own timers.
    let blocking = true;
    const blockAtRandom = () => {
      if (!blocking) return;
      block();
      setTimeout(blockAtRandom, random() * 400).unref();
    };
    setTimeout(blockAtRandom, random() * 100).unref();
    const sentAt: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, () =>
        budget.acquire().then(() => {
          // A caller that is slow between its grant and its send, as under load.
          if (random() < 0.25) block();
          sentAt.push(Date.now());
        }),
      ),
    );
    blocking = false;
    budget.close();
    expectWithinBudget(sentAt, 5, 300);
  }, 30_000);

  // Which waiter goes next (finishing work first, fair turns): test/services/scenario/request-queue.test.ts.

  it('holds everyone back while paused after a 429', async () => {
    const budget = createRequestBudget({ perMinute: 100 });
    const pausedAt = Date.now();
    budget.pauseUntil(pausedAt + 200);
    await budget.acquire();
    expect(Date.now() - pausedAt).toBeGreaterThanOrEqual(190);
    budget.close();
  });

  it('rejects waiting callers when closed', async () => {
    const budget = createRequestBudget({ perMinute: 1, windowMs: 10_000 });
    await budget.acquire();
    const waiting = budget.acquire();
    budget.close();
    await expect(waiting).rejects.toThrow('closed');
  });

  it('paces submissions over the window, after a small burst, without holding the work that finishes jobs', async () => {
    const clock = manualClock();
    // 30 a minute: a burst of 3, then one every 2 s.
    const budget = createRequestBudget({ perMinute: 30, windowMs: 60_000, clock, paceSubmissions: true });
    const submittedAt: number[] = [];
    for (let i = 0; i < 10; i += 1)
      void budget
        .acquire({ class: 'submit', userId: `u${i}` })
        .then(() => submittedAt.push(clock.now()))
        .catch(() => undefined);
    await settled(() => submittedAt.length === 3 && clock.sleeping() === 1);
    expect(submittedAt).toHaveLength(3);
    // Work that finishes a job goes at once, while the submissions wait for their pace.
    let finishedAt: number | undefined;
    void budget.acquire({ class: 'finish' }).then(() => {
      finishedAt = clock.now();
    });
    await settled(() => finishedAt !== undefined);
    expect(finishedAt).toBe(submittedAt[0]);
    for (let step = 0; step < 7; step += 1) {
      clock.advance(2_000);
      await settled(
        () => submittedAt.length === 4 + step && (clock.sleeping() === 1 || submittedAt.length === 10),
      );
    }
    budget.close();
    const start = submittedAt[0] ?? 0;
    expect(submittedAt.map((at) => at - start)).toEqual([
      0, 0, 0, 2_000, 4_000, 6_000, 8_000, 10_000, 12_000, 14_000,
    ]);
  });

  it("keeps the reserve free of new submissions for the work that finishes jobs, even on the submissions' turn", async () => {
    const clock = manualClock();
    let reserve = 6;
    const budget = createRequestBudget({
      perMinute: 10,
      windowMs: 60_000,
      clock,
      reserve: () => (reserve > 0 ? [{ afterMs: 0, slots: reserve }] : []),
    });
    const served: string[] = [];
    const ask = (name: string, ticket: QueueTicket) =>
      void budget
        .acquire(ticket)
        .then(() => served.push(name))
        .catch(() => undefined);
    for (let i = 0; i < 6; i += 1) ask(`submit${i}`, { class: 'submit', userId: `u${i}` });
    await settled(() => clock.sleeping() === 1);
    // 10 − 6 kept: four go.
    expect(served).toEqual(['submit0', 'submit1', 'submit2', 'submit3']);
    // Five results to finish: the kept slots go to them, although every fourth turn is a submission's.
    for (let i = 0; i < 5; i += 1) ask(`finish${i}`, { class: 'finish' });
    await settled(() => served.length === 9 && clock.sleeping() === 1);
    // The tenth slot stays free: a submission would take the reserve.
    expect(served.slice(4)).toEqual(['finish0', 'finish1', 'finish2', 'finish3', 'finish4']);
    // The jobs finished, nothing is kept: when the window turns, the last submissions go.
    reserve = 0;
    clock.advance(60_000);
    await settled(() => served.length === 11);
    budget.close();
    expect(served.slice(9)).toEqual(['submit4', 'submit5']);
    expect(clock.now() - 1_700_000_000_000).toBe(60_000);
  });

  it('tells a paced submission its wait by the pace', async () => {
    const clock = manualClock();
    const budget = createRequestBudget({ perMinute: 30, windowMs: 60_000, clock, paceSubmissions: true });
    for (let i = 0; i < 6; i += 1)
      void budget.acquire({ class: 'submit', userId: `u${i}`, key: `job${i}` }).catch(() => undefined);
    await settled(() => clock.sleeping() === 1);
    const view = budget.view();
    budget.close();
    // Three went in the burst; the next three go 2, 4 and 6 s from now.
    expect([...view.waiting.values()].map((place) => place.etaMs)).toEqual([2_000, 4_000, 6_000]);
  });
});
