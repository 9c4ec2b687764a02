import { describe, expect, it } from 'vitest';
import { paramProblemText } from '../../src/discord/messages-generate.js';
import type { ParamProblem } from '../../src/models/live-schema.js';

describe('paramProblemText: a live-schema problem in words', () => {
  it.each([
    [
      { kind: 'unknown', name: 'fps', inputs: ['prompt', 'duration'] },
      '`fps` is not an input of Kling. Its inputs are: `prompt`, `duration`.',
    ],
    [
      { kind: 'type', name: 'numOutputs', expected: 'integer', given: 'three' },
      '`numOutputs` must be a whole number for Kling (you gave "three").',
    ],
    [
      { kind: 'below', name: 'steps', min: 1, given: 0 },
      '`steps` must be at least 1 for Kling (you gave 0).',
    ],
    [
      { kind: 'above', name: 'width', max: 2048, given: 3072 },
      '`width` must be at most 2048 for Kling (you gave 3072).',
    ],
    [{ kind: 'step', name: 'width', step: 16, given: 1000 }, '`width` must be a multiple of 16 for Kling'],
    [
      { kind: 'not_allowed', name: 'duration', allowed: ['5', '10'], given: '7' },
      '`duration` must be one of `5`, `10` for Kling (you gave "7").',
    ],
    [{ kind: 'required', name: 'image', file: true }, '`image` is required for Kling: attach a file'],
    [
      { kind: 'too_many', name: 'referenceImages', maxItems: 3, given: 4 },
      'takes at most 3 files for Kling (you gave 4)',
    ],
    [{ kind: 'file_expected', name: 'image' }, '`image` takes a file: attach it and write `"image":"@1"`'],
    [{ kind: 'not_a_file_input', name: 'duration', fileInputs: ['image'] }, 'Its file inputs are: `image`.'],
    [
      { kind: 'no_attachment', name: 'image', ref: 5, attached: 1 },
      'asks for attachment @5, but you attached 1 file.',
    ],
    [{ kind: 'attachment_unplaced', position: 2, fileInputs: ['image'] }, 'Attachment 2 has nowhere to go'],
    [{ kind: 'prompt_not_taken', inputs: ['image'] }, 'Kling takes no `prompt`'],
  ] satisfies [ParamProblem, string][])('%o', (problem, words) => {
    const text = paramProblemText(problem, 'Kling');
    expect(text).toContain(words);
    expect(text).toContain('Nothing was spent.');
  });

  it('names a live limit as the model’s rule right now', () => {
    expect(
      paramProblemText({ kind: 'above', name: 'width', max: 2048, given: 3072 }, 'Skybox GPT', true),
    ).toContain('`width` must be at most 2048 for Skybox GPT right now (you gave 3072).');
  });
});
