import { describe, expect, it } from 'vitest';
import { isJobFor } from '../../../src/services/jobs/started-job.js';
import { ScenarioError, type ScenarioErrorKind } from '../../../src/services/scenario/scenario-errors.js';

const submittedAt = Date.parse('2026-11-23T12:00:00Z');
const body = { prompt: 'a canyon', seed: 1234, referenceImages: ['asset_a'] };
const job = {
  input: { prompt: 'a canyon', seed: 1234, referenceImages: ['asset_a'], quality: 'auto' },
  modelId: 'model_scenario-skybox-gpt',
  createdAt: '2026-11-23T12:00:01Z',
};

describe('isJobFor: recognising the job a lost generate started', () => {
  it.each([
    ['the same parameters (Scenario may add defaults)', job, true],
    ['another seed', { ...job, input: { ...job.input, seed: 99 } }, false],
    ['another reference', { ...job, input: { ...job.input, referenceImages: ['asset_b'] } }, false],
    ['another model', { ...job, modelId: 'model_pixal3d' }, false],
    ['no model in the listing', { ...job, modelId: undefined }, true],
    ['no input in the listing', { ...job, input: undefined }, false],
    ['started two minutes before the request', { ...job, createdAt: '2026-11-23T11:58:00Z' }, false],
    ['no creation date', { ...job, createdAt: undefined }, false],
  ])('%s → %s', (_label, candidate, expected) => {
    expect(isJobFor(candidate, 'model_scenario-skybox-gpt', body, submittedAt)).toBe(expected);
  });
});

describe('ScenarioError.mayHaveRun: when to look for a started job', () => {
  it.each([
    ['timeout', undefined, true],
    ['malformed', 200, true],
    ['unavailable', 500, true],
    ['unavailable', undefined, true], // connection dropped
    ['unavailable', 503, false],
    ['unavailable', 502, false],
    ['invalid', 422, false],
    ['rate_limited', 429, false],
    ['concurrency', 429, false],
    ['auth', 401, false],
  ] as const)('%s (%s) → %s', (kind, status, expected) => {
    expect(new ScenarioError(kind as ScenarioErrorKind, 'x', { status }).mayHaveRun).toBe(expected);
  });
});
