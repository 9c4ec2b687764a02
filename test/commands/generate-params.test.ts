import { describe, expect, it } from 'vitest';
import { parseParams } from '../../src/commands/generate.js';

describe('parseParams (the /generate params option)', () => {
  it.each([
    [undefined, {}],
    ['', {}],
    ['   ', {}],
    ['{"aspectRatio":"16:9","duration":"5"}', { aspectRatio: '16:9', duration: '5' }],
    ['{"numOutputs":2,"loop":true}', { numOutputs: 2, loop: true }],
    // Files are mapped by "@n" (checked against the live schema later, as is an asset id typed in).
    ['{"image":"@1","referenceImages":["@2","@3"]}', { image: '@1', referenceImages: ['@2', '@3'] }],
  ])('accepts %j', (raw, params) => {
    expect(parseParams(raw)).toEqual({ ok: true, params });
  });

  it.each([
    ['{not json', 'not valid JSON'],
    ['[1,2]', 'must be a JSON object'],
    ['42', 'must be a JSON object'],
    ['"text"', 'must be a JSON object'],
    ['null', 'must be a JSON object'],
    ['{"prompt":"y"}', 'use the `prompt` option instead'],
    [JSON.stringify({ negativePrompt: 'n'.repeat(4_100) }), 'keep it under 4000'],
  ])('refuses %j, saying why', (raw, words) => {
    const parsed = parseParams(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(words);
  });
});
