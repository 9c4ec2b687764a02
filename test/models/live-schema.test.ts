import { describe, expect, it } from 'vitest';
import { planRequest, validateParams } from '../../src/models/live-schema.js';
import { liveProblem, specDifferences } from '../../src/models/live-spec.js';
import { skyboxGpt } from '../../src/models/skybox-gpt.js';
import type { ModelSchema } from '../../src/services/scenario/model-schemas.js';

const kling: ModelSchema = {
  id: 'model_kling-v2-6-t2v-pro',
  name: 'Kling',
  type: 'video',
  inputs: [
    { name: 'prompt', type: 'string', required: true },
    { name: 'duration', type: 'string', allowedValues: ['5', '10'] },
    { name: 'cfgScale', type: 'number', min: 0, max: 1 },
    { name: 'steps', type: 'integer', min: 1, max: 50, step: 1 },
    { name: 'loop', type: 'boolean' },
    { name: 'image', type: 'file' },
  ],
};

const twoFiles: ModelSchema = {
  id: 'model_two',
  inputs: [
    { name: 'referenceImages', type: 'file_array', maxItems: 3 },
    { name: 'firstFrame', type: 'file', required: true },
    { name: 'mask', type: 'file' },
  ],
};

describe('validateParams: a body checked against the live schema', () => {
  it.each([
    [
      'a string input given a number is coerced',
      { prompt: 'x', duration: 5 },
      { prompt: 'x', duration: '5' },
    ],
    [
      'a number input given a numeric string is coerced',
      { prompt: 'x', cfgScale: '0.5' },
      { prompt: 'x', cfgScale: 0.5 },
    ],
    ['a boolean input given "true"', { prompt: 'x', loop: 'true' }, { prompt: 'x', loop: true }],
    ['null leaves the input out', { prompt: 'x', steps: null }, { prompt: 'x' }],
  ])('%s', (_name, params, body) => {
    expect(validateParams(kling, params)).toEqual({ ok: true, body });
  });

  it.each([
    [
      'an unknown key, naming the inputs',
      { prompt: 'x', fps: 24 },
      { kind: 'unknown', name: 'fps', inputs: ['prompt', 'duration', 'cfgScale', 'steps', 'loop', 'image'] },
    ],
    [
      'a word where a number is wanted',
      { prompt: 'x', cfgScale: 'big' },
      { kind: 'type', name: 'cfgScale', expected: 'number', given: 'big' },
    ],
    [
      'a fraction for an integer',
      { prompt: 'x', steps: 2.5 },
      { kind: 'type', name: 'steps', expected: 'integer', given: 2.5 },
    ],
    ['above the max', { prompt: 'x', cfgScale: 2 }, { kind: 'above', name: 'cfgScale', max: 1, given: 2 }],
    ['below the min', { prompt: 'x', steps: 0 }, { kind: 'below', name: 'steps', min: 1, given: 0 }],
    [
      'a value not allowed, listing the allowed ones',
      { prompt: 'x', duration: '7' },
      { kind: 'not_allowed', name: 'duration', allowed: ['5', '10'], given: '7' },
    ],
    ['a missing required input', { duration: '5' }, { kind: 'required', name: 'prompt', file: false }],
    [
      'an object for a boolean',
      { prompt: 'x', loop: {} },
      { kind: 'type', name: 'loop', expected: 'boolean', given: {} },
    ],
  ])('refuses %s', (_name, params, problem) => {
    expect(validateParams(kling, params)).toEqual({ ok: false, problem });
  });

  it('takes asset ids for file inputs, at most maxItems', () => {
    expect(validateParams(twoFiles, { firstFrame: 'asset_1', referenceImages: ['a', 'b'] })).toEqual({
      ok: true,
      body: { firstFrame: 'asset_1', referenceImages: ['a', 'b'] },
    });
    expect(validateParams(twoFiles, { firstFrame: 'a', referenceImages: ['a', 'b', 'c', 'd'] })).toEqual({
      ok: false,
      problem: { kind: 'too_many', name: 'referenceImages', maxItems: 3, given: 4 },
    });
  });
});

describe('planRequest: prompt, params and attachments for /generate', () => {
  it('sends the prompt only to a model with a prompt input, and refuses it otherwise', () => {
    expect(planRequest(kling, { prompt: ' a cat ', params: {}, attachments: 0 })).toEqual({
      ok: true,
      body: { prompt: 'a cat' },
      files: [],
    });
    expect(planRequest(twoFiles, { prompt: 'a cat', params: {}, attachments: 1 })).toMatchObject({
      ok: false,
      problem: { kind: 'prompt_not_taken' },
    });
  });

  it('places unmapped attachments in schema order: required file inputs first, a list takes the rest', () => {
    expect(planRequest(twoFiles, { params: {}, attachments: 4 })).toEqual({
      ok: true,
      body: {},
      files: [
        { param: 'firstFrame', attachment: 0 },
        { param: 'referenceImages', attachment: 1 },
        { param: 'referenceImages', attachment: 2 },
        { param: 'referenceImages', attachment: 3 },
      ],
    });
  });

  it('follows "@n" mappings, then places the others', () => {
    expect(planRequest(twoFiles, { params: { mask: '@1', firstFrame: '@3' }, attachments: 3 })).toEqual({
      ok: true,
      body: {},
      files: [
        { param: 'mask', attachment: 0 },
        { param: 'firstFrame', attachment: 2 },
        { param: 'referenceImages', attachment: 1 },
      ],
    });
    expect(
      planRequest(twoFiles, { params: { referenceImages: ['@2', '@1'] }, attachments: 3 }),
    ).toMatchObject({
      ok: true,
      files: [
        { param: 'referenceImages', attachment: 1 },
        { param: 'referenceImages', attachment: 0 },
        { param: 'firstFrame', attachment: 2 },
      ],
    });
  });

  it.each([
    [
      'a mapping to an input that does not exist',
      twoFiles,
      { lastFrame: '@1' },
      1,
      { kind: 'unknown', name: 'lastFrame' },
    ],
    [
      'a mapping to an input that takes no file',
      kling,
      { duration: '@1' },
      1,
      { kind: 'not_a_file_input', name: 'duration', fileInputs: ['image'] },
    ],
    [
      '"@5" with one attachment',
      twoFiles,
      { firstFrame: '@5' },
      1,
      { kind: 'no_attachment', name: 'firstFrame', ref: 5, attached: 1 },
    ],
    [
      'an asset id typed in for a file input',
      twoFiles,
      { firstFrame: 'asset_someone_elses' },
      0,
      { kind: 'file_expected', name: 'firstFrame' },
    ],
    [
      'two attachments for a single file input',
      twoFiles,
      { firstFrame: ['@1', '@2'] },
      2,
      { kind: 'too_many', name: 'firstFrame', maxItems: 1 },
    ],
    [
      'an attachment with nowhere to go',
      kling,
      {},
      2,
      { kind: 'attachment_unplaced', position: 2, fileInputs: ['image'] },
    ],
    [
      'a required file input left empty',
      twoFiles,
      {},
      0,
      { kind: 'required', name: 'firstFrame', file: true },
    ],
    [
      'more files than a list takes',
      twoFiles,
      {},
      5,
      { kind: 'too_many', name: 'referenceImages', maxItems: 3, given: 4 },
    ],
  ])('refuses %s', (_name, schema, params, attachments, problem) => {
    expect(planRequest(schema, { params, attachments })).toMatchObject({ ok: false, problem });
  });
});

describe('a seed spec against its live schema', () => {
  const live = (max: number): ModelSchema => ({
    id: skyboxGpt.id,
    type: 'skybox',
    inputs: [
      { name: 'prompt', type: 'string', required: true },
      { name: 'referenceImages', type: 'file_array', maxItems: 10 },
      { name: 'width', type: 'integer', min: 16, max, step: 16 },
      { name: 'height', type: 'integer', min: 16, max: 3840, step: 16 },
      { name: 'quality', type: 'string', allowedValues: ['auto', 'high', 'medium', 'low'] },
      { name: 'seed', type: 'integer', min: 0, max: 2147483647 },
    ],
  });

  it('finds no difference when they agree, and names a narrower range', () => {
    expect(specDifferences(skyboxGpt, live(3840))).toEqual([]);
    expect(specDifferences(skyboxGpt, live(2048))).toEqual([
      { param: 'width', ours: 'integer 16–3840 step 16', live: 'integer 16–2048 step 16', narrower: true },
    ]);
    expect(specDifferences(skyboxGpt, live(7680))).toMatchObject([{ param: 'width', narrower: false }]);
  });

  it('enforces the narrower live rule on a body our spec accepts', () => {
    expect(liveProblem(live(2048), { prompt: 'x', width: 3072 }, {})).toEqual({
      kind: 'above',
      name: 'width',
      max: 2048,
      given: 3072,
    });
    expect(liveProblem(live(2048), { prompt: 'x', width: 2048 }, {})).toBeUndefined();
    const removed = { ...live(3840), inputs: live(3840).inputs.filter((input) => input.name !== 'quality') };
    expect(liveProblem(removed, { prompt: 'x', quality: 'low' }, {})).toMatchObject({
      kind: 'unknown',
      name: 'quality',
    });
    const required = {
      ...live(3840),
      inputs: [...live(3840).inputs, { name: 'style', type: 'string' as const, required: true }],
    };
    expect(liveProblem(required, { prompt: 'x' }, {})).toEqual({
      kind: 'required',
      name: 'style',
      file: false,
    });
  });
});
