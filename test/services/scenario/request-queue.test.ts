import { describe, expect, it } from 'vitest';
import { createRequestBudget } from '../../../src/services/scenario/request-budget.js';
import {
  type QueueTicket,
  RequestQueue,
  SUBMIT_SHARE,
} from '../../../src/services/scenario/request-queue.js';
import { eventually } from '../../support/eventually.js';
import { manualClock } from '../../support/manual-clock.js';

const submit = (userId: string, key?: string, guildId = 'g1'): QueueTicket => ({
  class: 'submit',
  guildId,
  userId,
  key,
});

function drainOrder(queue: RequestQueue<string>): string[] {
  return queue.drain();
}

describe('request queue (pure)', () => {
  it("serves one member's single request within one turn of another member's 40", () => {
    const queue = new RequestQueue<string>();
    for (let i = 0; i < 40; i += 1) queue.push(submit('flood'), `flood-${i}`);
    queue.push(submit('lone'), 'lone');
    const order = drainOrder(queue);
    expect(order.indexOf('lone')).toBeLessThanOrEqual(1);
    expect(order).toHaveLength(41);
    // The flooding member's own requests keep their order.
    expect(order.filter((item) => item.startsWith('flood'))).toEqual(
      Array.from({ length: 40 }, (_, i) => `flood-${i}`),
    );
  });

  it('takes turns across guilds before members', () => {
    const queue = new RequestQueue<string>();
    for (const member of ['a', 'b', 'c'])
      for (let i = 0; i < 5; i += 1) queue.push(submit(member), `g1-${member}`);
    queue.push(submit('z', undefined, 'g2'), 'g2-z');
    const order = drainOrder(queue);
    expect(order.indexOf('g2-z')).toBeLessThanOrEqual(1);
    // Within guild 1, members alternate.
    expect(order.filter((item) => item.startsWith('g1')).slice(0, 6)).toEqual([
      'g1-a',
      'g1-b',
      'g1-c',
      'g1-a',
      'g1-b',
      'g1-c',
    ]);
  });

  it('serves finishing work first but gives submissions one slot in SUBMIT_SHARE', () => {
    const queue = new RequestQueue<string>();
    for (let i = 0; i < 4; i += 1) queue.push(submit(`m${i}`), 's');
    for (let i = 0; i < 10; i += 1) queue.push({ class: 'finish' }, 'f');
    queue.push({ class: 'interactive' }, 'i');
    const order = drainOrder(queue).join('');
    expect(SUBMIT_SHARE).toBe(4);
    // Three finishing requests, then a submission; once finishing work runs out, the rest in class order.
    expect(order).toBe('fffsfffsfffsfis');
  });

  it('lets a lone finishing request overtake a long submission queue', () => {
    const queue = new RequestQueue<string>();
    for (let i = 0; i < 100; i += 1) queue.push(submit(`m${i % 7}`), `s${i}`);
    expect(queue.next()).toBe('s0');
    queue.push({ class: 'finish' }, 'listing');
    expect(queue.next()).toBe('listing');
  });

  it('reports positions in the order next() serves submissions', () => {
    const queue = new RequestQueue<string>();
    const keys: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const key = `job-${i}`;
      keys.push(key);
      queue.push(submit(`m${i % 3}`, key, i % 5 === 0 ? 'g2' : 'g1'), key);
    }
    const positions = queue.positions();
    const order = drainOrder(queue);
    for (const key of keys) expect(positions.get(key)).toBe(order.indexOf(key));
  });

  it('counts the finishing work that will go first in a position', () => {
    const queue = new RequestQueue<string>();
    queue.push(submit('a', 'first'), 'first');
    queue.push(submit('b', 'second'), 'second');
    for (let i = 0; i < 10; i += 1) queue.push({ class: 'finish' }, `f${i}`);
    const positions = queue.positions();
    const order = drainOrder(queue);
    expect(positions.get('first')).toBe(order.indexOf('first'));
    expect(positions.get('second')).toBe(order.indexOf('second'));
  });

  it('counts submissions per member and forgets a removed waiter', () => {
    const queue = new RequestQueue<string>();
    for (let i = 0; i < 3; i += 1) queue.push(submit('a'), `a${i}`);
    queue.push(submit('b'), 'b0');
    queue.push({ class: 'finish' }, 'f');
    expect(queue.remove('a1')).toBe(true);
    expect(queue.remove('a1')).toBe(false);
    const counts = queue.counts();
    expect(counts.total).toBe(4);
    expect(counts.byClass).toEqual({ finish: 1, interactive: 0, submit: 3 });
    expect(counts.submitsByMember).toEqual([
      { guildId: 'g1', userId: 'a', count: 2 },
      { guildId: 'g1', userId: 'b', count: 1 },
    ]);
  });
});

describe('request budget with the queue (manual clock)', () => {
  it("serves a lone member's request in the next free slot, however many another member queued", async () => {
    const clock = manualClock(1_000_000);
    const budget = createRequestBudget({ perMinute: 6, windowMs: 60_000, clock });
    const served: string[] = [];
    for (let i = 0; i < 6; i += 1) await budget.acquire({ class: 'finish' });
    const waits = Array.from({ length: 40 }, (_, i) =>
      budget.acquire(submit('flood', `flood-${i}`)).then(() => served.push(`flood-${i}`)),
    );
    await eventually(async () => clock.sleeping() > 0, 5_000, 'the budget waiting for its window');
    clock.advance(1_000);
    const lone = budget.acquire(submit('lone', 'lone')).then(() => served.push('lone'));
    const view = budget.view();
    expect(view.sentInWindow).toBe(6);
    expect(view.queue.byClass.submit).toBe(41);
    // The window frees up 60 s after the first six requests; the lone member's is the second slot then.
    expect(view.waiting.get('lone')).toEqual({ ahead: 1, etaMs: 59_000 });
    clock.advance(59_000);
    await lone;
    await eventually(async () => served.length === 6 && clock.sleeping() > 0, 5_000, 'six more slots');
    // Six slots free at once: the lone member's request is the second of them, not the 41st.
    expect(served.slice(0, 2)).toEqual(['flood-0', 'lone']);
    expect(served).toHaveLength(6);
    budget.close();
    await Promise.allSettled(waits);
  });

  it("lets a member's only job past the room kept for another member's results", async () => {
    const clock = manualClock(1_000_000);
    // Six of ten slots kept for the results of the jobs running: new submissions may fill four.
    const budget = createRequestBudget({
      perMinute: 10,
      windowMs: 60_000,
      clock,
      reserve: () => [{ afterMs: 0, slots: 6 }],
    });
    const served: string[] = [];
    const waits = Array.from({ length: 8 }, (_, i) =>
      budget
        .acquire({ ...submit('flood', `flood-${i}`), alone: () => false })
        .then(() => served.push(`flood-${i}`)),
    );
    await eventually(async () => served.length === 4 && clock.sleeping() > 0, 5_000, 'four submissions');
    const lone = budget
      .acquire({ ...submit('lone', 'lone'), alone: () => true })
      .then(() => served.push('lone'));
    await lone;
    expect(served).toEqual(['flood-0', 'flood-1', 'flood-2', 'flood-3', 'lone']);
    // At most a tenth of the budget per window goes past the reserve so (here one): another member's
    // only job waits, as the flooding member's next ones do, for the window to turn.
    const second = budget
      .acquire({ ...submit('second', 'second'), alone: () => true })
      .then(() => served.push('second'));
    await eventually(async () => clock.sleeping() > 0, 5_000, 'the budget waiting again');
    expect(served).toHaveLength(5);
    clock.advance(60_000);
    await second;
    // Then it takes its turn with the flooding member's.
    expect(served.slice(5, 7)).toEqual(['flood-4', 'second']);
    budget.close();
    await Promise.allSettled(waits);
  });

  it('still maps the older priorities: background work (finishing jobs) before interactive calls', async () => {
    const clock = manualClock(5_000);
    const budget = createRequestBudget({ perMinute: 1, windowMs: 100, clock });
    await budget.acquire();
    const order: string[] = [];
    const both = [
      budget.acquire('interactive').then(() => order.push('interactive')),
      budget.acquire('background').then(() => order.push('background')),
    ];
    for (let turn = 0; turn < 2; turn += 1) {
      await eventually(async () => clock.sleeping() > 0, 5_000, 'the budget waiting for its window');
      clock.advance(100);
    }
    await Promise.all(both);
    budget.close();
    expect(order).toEqual(['background', 'interactive']);
  });
});
