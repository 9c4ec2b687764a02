import { describe, expect, it } from 'vitest';
import { deliveryRetryDelay } from '../../../src/services/jobs/delivery.js';
import {
  FIRST_CHECK_MS,
  finishChance,
  listRoundGapFor,
  ModelDurations,
  nextCheckDelay,
  resultsReserveFor,
} from '../../../src/services/jobs/job-timing.js';
import { fileNameFor, signedUrlExpiry } from '../../../src/services/jobs/result-files.js';
import { pickSeed } from '../../../src/services/jobs/submission.js';
import { parseRetryAfter } from '../../../src/services/scenario/scenario-client.js';

describe('finishChance', () => {
  const typicalMs = 60_000;
  it.each([
    [0, 30_000, 0],
    [0, 60_000, 0.5],
    [0, 90_000, 1],
    [60_000, 15_000, 0.5],
    [80_000, 5_000, 0.5],
    [95_000, 0, 1],
  ])('a job of %i ms finishes within %i ms with a chance of %f', (ageMs, withinMs, chance) => {
    expect(finishChance({ ageMs, typicalMs }, withinMs)).toBeCloseTo(chance);
  });
});

describe('resultsReserveFor', () => {
  const limits = { perMinute: 90, windowMs: 80_000 };

  it('keeps nothing while no job runs', () => {
    expect(resultsReserveFor([], limits)).toEqual([]);
  });

  it('keeps, at each eighth of the window, the requests expected by the next and the listings', () => {
    // Two jobs past their usual range (due now), one just started (due in 30–90 s); listings: 9 per window.
    const reserve = resultsReserveFor(
      [
        { ageMs: 100_000, typicalMs: 60_000 },
        { ageMs: 100_000, typicalMs: 60_000 },
        { ageMs: 0, typicalMs: 60_000 },
      ],
      limits,
    );
    expect(reserve.map((point) => point.afterMs)).toEqual([
      0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000,
    ]);
    // 1.2 × (2 + chance of the third by the next point) + 1.125 per point, rounded up.
    expect(reserve.map((point) => point.slots)).toEqual([4, 5, 6, 8, 9, 10, 12, 13]);
  });

  it('keeps at most half the budget at any point', () => {
    const overdue = Array.from({ length: 100 }, () => ({ ageMs: 100_000, typicalMs: 60_000 }));
    expect(resultsReserveFor(overdue, limits).map((point) => point.slots)).toEqual(Array(8).fill(45));
  });
});

describe('ModelDurations', () => {
  it("starts from the spec's figure and moves a fifth of the way towards each finished job's", () => {
    const durations = new ModelDurations(() => 60_000);
    expect(durations.typicalMs('model_a')).toBe(60_000);
    durations.learn('model_a', 110_000);
    expect(durations.typicalMs('model_a')).toBe(70_000);
    durations.learn('model_a', 20_000);
    expect(durations.typicalMs('model_a')).toBe(60_000);
    expect(durations.typicalMs('model_b')).toBe(60_000);
  });
});

describe('listRoundGapFor', () => {
  it('lists every 2 s while under half the budget is used, else takes a tenth of it', () => {
    expect(listRoundGapFor({ perMinute: 90, sentInWindow: 44 })).toBe(2_000);
    expect(listRoundGapFor({ perMinute: 90, sentInWindow: 45 })).toBe(6_778);
    expect(listRoundGapFor({ perMinute: 20, sentInWindow: 20 })).toBe(15_000);
  });
});

describe('nextCheckDelay', () => {
  const typical = 60_000;
  it.each([
    [0, FIRST_CHECK_MS],
    [500, FIRST_CHECK_MS - 500],
    [FIRST_CHECK_MS - 1, 1],
  ])('looks first %i ms after submit: waits %i ms', (age, delay) => {
    expect(nextCheckDelay(age, typical)).toBe(delay);
  });

  it('looks every 2 s around the model’s usual duration (0.7× to 1.5×)', () => {
    for (const age of [typical * 0.71, typical, typical * 1.49])
      expect(nextCheckDelay(age, typical)).toBe(2_000);
  });

  it('looks less often as a job ages away from its usual duration, never more than 15 s apart', () => {
    expect(nextCheckDelay(12_000, typical)).toBe(2_000);
    expect(nextCheckDelay(30_000, typical)).toBe(5_000);
    expect(nextCheckDelay(120_000, typical)).toBe(15_000);
    expect(nextCheckDelay(3_600_000, typical)).toBe(15_000);
  });
});

describe('deliveryRetryDelay', () => {
  it.each([
    [1, 15_000],
    [2, 30_000],
    [3, 60_000],
    [4, 120_000],
    [5, 240_000],
    [6, 300_000],
    [200, 300_000],
  ])('waits after refused attempt %i: %i ms (doubling from 15 s, at most 5 min)', (attempts, delay) => {
    expect(deliveryRetryDelay(attempts)).toBe(delay);
  });

  it('doubles from a shorter first wait when one is given', () => {
    expect([1, 2, 3].map((attempts) => deliveryRetryDelay(attempts, 300))).toEqual([300, 600, 1_200]);
  });
});

describe('pickSeed', () => {
  const range = { min: 0, max: 2_147_483_647 };
  it('keeps the member’s seed, 0 included', () => {
    expect(pickSeed({ seed: 42 }, range, () => 7)).toBe(42);
    expect(pickSeed({ seed: 0 }, range, () => 7)).toBe(0);
  });

  it('draws one in the model’s range when none was given', () => {
    const asked: [number, number][] = [];
    expect(
      pickSeed({ prompt: 'x' }, { min: 5, max: 9 }, (min, max) => {
        asked.push([min, max]);
        return 8;
      }),
    ).toBe(8);
    expect(asked).toEqual([[5, 9]]);
  });

  it('draws with crypto by default, inside the range, inclusive', () => {
    const seeds = Array.from({ length: 200 }, () => pickSeed({}, { min: 3, max: 4 }));
    expect(new Set(seeds)).toEqual(new Set([3, 4]));
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  it.each([
    [null, undefined],
    ['', undefined],
    ['3', 3_000],
    ['0.5', 500],
    ['-2', 0],
    ['Sun, 29 Nov 2026 12:00:10 GMT', 10_000],
    ['Sun, 29 Nov 2026 11:59:00 GMT', 0],
    ['soon', undefined],
  ])('reads %j as %j ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });
});

describe('fileNameFor', () => {
  it.each([
    [{ command: 'skybox gpt', seed: 17 }, { mimeType: 'image/png', kind: 'image' }, 0, 'skybox-gpt-17-1.png'],
    [{ command: 'to3d', seed: 5 }, { mimeType: 'model/gltf-binary', kind: '3d' }, 1, 'to3d-5-2.glb'],
    [{ command: 'to3d', seed: 5 }, { mimeType: undefined, kind: '3d' }, 0, 'to3d-5-1.glb'],
    [{ command: 'image', seed: undefined }, { mimeType: 'image/webp', kind: 'image' }, 2, 'image-3.webp'],
    [
      { command: 'generate', seed: 1 },
      { mimeType: 'application/x-unknown', kind: 'image' },
      0,
      'generate-1-1.bin',
    ],
    [{ command: '!!!', seed: 1 }, { mimeType: 'video/mp4', kind: 'video' }, 0, 'result-1-1.mp4'],
    [{ command: 'generate', seed: 1 }, { mimeType: 'audio/wav', kind: 'audio' }, 0, 'generate-1-1.wav'],
    [{ command: 'generate', seed: 1 }, { mimeType: 'audio/mpeg', kind: 'audio' }, 0, 'generate-1-1.mp3'],
    [{ command: 'generate', seed: 1 }, { mimeType: 'audio/flac', kind: 'audio' }, 0, 'generate-1-1.flac'],
    [{ command: 'generate', seed: 1 }, { mimeType: 'video/webm', kind: 'video' }, 0, 'generate-1-1.webm'],
    [{ command: 'generate', seed: 1 }, { mimeType: 'model/obj', kind: '3d' }, 0, 'generate-1-1.obj'],
    [{ command: 'generate', seed: 1 }, { mimeType: 'image/jpeg; q=1', kind: 'image' }, 0, 'generate-1-1.jpg'],
    [{ command: 'generate', seed: 1 }, { mimeType: undefined, kind: 'video' }, 0, 'generate-1-1.mp4'],
    [{ command: 'generate', seed: 1 }, { mimeType: undefined, kind: 'unknown' }, 0, 'generate-1-1.bin'],
  ] as const)('%o + %o #%i → %s', (record, asset, index, name) => {
    expect(fileNameFor(record, asset, index)).toBe(name);
  });
});

describe('signedUrlExpiry', () => {
  it.each([
    ['https://cdn.example/a.png?Expires=1800000000', '2027-01-15T08:00:00.000Z'],
    ['https://cdn.example/a.png?expires=1800000000000', '2027-01-15T08:00:00.000Z'],
    ['https://cdn.example/a.png', undefined],
    ['https://cdn.example/a.png?Expires=tomorrow', undefined],
    ['not a url', undefined],
  ])('%s → %s', (url, expiry) => {
    expect(signedUrlExpiry(url)).toBe(expiry);
  });
});
