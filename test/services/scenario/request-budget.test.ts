import { describe, expect, it } from 'vitest';
import { createRequestBudget } from '../../../src/services/scenario/request-budget.js';

describe('request budget', () => {
  it('never lets more than perMinute requests into one window', async () => {
    const budget = createRequestBudget({ perMinute: 5, windowMs: 300 });
    const sentAt: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 15 }, () => budget.acquire().then(() => sentAt.push(Date.now() - started))),
    );
    budget.close();
    sentAt.sort((a, b) => a - b);
    for (let i = 0; i + 5 < sentAt.length; i += 1) {
      // The 6th request after any request comes at least a window later.
      expect((sentAt[i + 5] ?? 0) - (sentAt[i] ?? 0)).toBeGreaterThanOrEqual(295);
    }
  });

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
});
