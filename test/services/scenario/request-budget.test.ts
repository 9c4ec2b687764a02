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

  it('serves interactive callers before background ones', async () => {
    const budget = createRequestBudget({ perMinute: 1, windowMs: 100 });
    await budget.acquire();
    const order: string[] = [];
    const background = budget.acquire('background').then(() => order.push('background'));
    const interactive = budget.acquire('interactive').then(() => order.push('interactive'));
    await Promise.all([background, interactive]);
    budget.close();
    expect(order).toEqual(['interactive', 'background']);
  });

  it('gives background work one slot in three while interactive calls queue', async () => {
    const budget = createRequestBudget({ perMinute: 1, windowMs: 20 });
    await budget.acquire();
    const order: string[] = [];
    const calls = [
      ...Array.from({ length: 6 }, () => budget.acquire('interactive').then(() => order.push('i'))),
      ...Array.from({ length: 3 }, () => budget.acquire('background').then(() => order.push('b'))),
    ];
    await Promise.all(calls);
    budget.close();
    // The first acquire was interactive, so background work gets the second slot, then every third.
    expect(order.join('')).toBe('ibiibiibi');
  });

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
