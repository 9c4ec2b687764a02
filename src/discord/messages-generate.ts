import type { ParamProblem } from '../models/live-schema.js';
import type { AttachmentProblem } from '../services/assets/attachments.js';
import { quoteUserText } from './user-text.js';

/** Words for /generate and for the live rules of a model's schema: what is wrong, what to give instead. */

const NOTHING_SPENT = 'Nothing was spent.';
const LIST_MAX = 25;

/** A name in a code span: a member's key cannot end the span or mention anyone. */
function code(value: unknown): string {
  const text = String(value)
    .replace(/[`\r\n]/g, '')
    .slice(0, 60)
    .replace(/@/g, '@\u200b');
  return `\`${text}\``;
}

function list(values: readonly unknown[]): string {
  const shown = values.slice(0, LIST_MAX).map(code);
  return values.length > LIST_MAX ? `${shown.join(', ')} …` : shown.join(', ');
}

/** A value the member gave, as JSON on one line, escaped. */
function shown(value: unknown): string {
  return quoteUserText(JSON.stringify(value) ?? String(value), 60);
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  file: 'one attached file',
  file_array: 'attached files',
  unknown: 'a value Scenario accepts',
};

/**
 * A parameter problem in words, for a model. `live`: the rule comes from the model's live schema and is
 * narrower than what the bot's own command offers ("… for Skybox GPT right now").
 */
export function paramProblemText(problem: ParamProblem, modelLabel: string, live = false): string {
  const name = 'name' in problem ? code(problem.name) : '';
  const now = live ? ' right now' : '';
  const forModel = `for ${modelLabel}${now}`;
  switch (problem.kind) {
    case 'unknown':
      return `${name} is not an input of ${modelLabel}${now}. Its inputs are: ${list(problem.inputs)}. ${NOTHING_SPENT}`;
    case 'type':
      return `${name} must be ${TYPE_WORDS[problem.expected] ?? 'another type'} ${forModel} (you gave ${shown(problem.given)}). ${NOTHING_SPENT}`;
    case 'below':
      return `${name} must be at least ${problem.min} ${forModel} (you gave ${problem.given}). ${NOTHING_SPENT}`;
    case 'above':
      return `${name} must be at most ${problem.max} ${forModel} (you gave ${problem.given}). ${NOTHING_SPENT}`;
    case 'step':
      return `${name} must be a multiple of ${problem.step} ${forModel} (you gave ${problem.given}). ${NOTHING_SPENT}`;
    case 'not_allowed':
      return `${name} must be one of ${list(problem.allowed)} ${forModel} (you gave ${shown(problem.given)}). ${NOTHING_SPENT}`;
    case 'required':
      return problem.file
        ? `${name} is required ${forModel}: attach a file (map it with \`{"${problem.name}":"@1"}\` in \`params\` if needed). ${NOTHING_SPENT}`
        : `${name} is required ${forModel}. ${NOTHING_SPENT}`;
    case 'too_many':
      return `${name} takes at most ${problem.maxItems} file${problem.maxItems === 1 ? '' : 's'} ${forModel} (you gave ${problem.given}). ${NOTHING_SPENT}`;
    case 'file_expected':
      return `${name} takes a file: attach it and write \`"${problem.name}":"@1"\` (the first attachment) in \`params\`. ${NOTHING_SPENT}`;
    case 'not_a_file_input':
      return `${name} does not take a file ${forModel}. ${problem.fileInputs.length > 0 ? `Its file inputs are: ${list(problem.fileInputs)}.` : 'It takes no files.'} ${NOTHING_SPENT}`;
    case 'no_attachment':
      return `${name} asks for attachment @${problem.ref}, but you attached ${problem.attached === 0 ? 'no file' : `${problem.attached} file${problem.attached === 1 ? '' : 's'}`}. ${NOTHING_SPENT}`;
    case 'attachment_unplaced':
      return problem.fileInputs.length === 0
        ? `${modelLabel} takes no files, but you attached one (attachment ${problem.position}). ${NOTHING_SPENT}`
        : `Attachment ${problem.position} has nowhere to go: ${modelLabel}'s file inputs (${list(problem.fileInputs)}) are full. ${NOTHING_SPENT}`;
    case 'prompt_not_taken':
      return `${modelLabel} takes no \`prompt\`; give its inputs in \`params\` instead: ${list(problem.inputs)}. ${NOTHING_SPENT}`;
  }
}

export const GENERATE_TEXT = {
  modelNotFound: (modelId: string) =>
    `Scenario does not know \`${modelId.slice(0, 120)}\`: this model does not exist or is not in the bot's Scenario plan. Pick one from the list. ${NOTHING_SPENT}`,
  noResult: 'Scenario finished without a result: the job succeeded but produced no file.',
} as const;

/** The mask rules of an inpainting edit. */
export function maskProblemText(
  problem: Extract<AttachmentProblem, { kind: 'mask_format' | 'mask_without_reference' }>,
): string {
  if (problem.kind === 'mask_without_reference')
    return 'a mask edits a reference image: attach the image to edit as well (the mask applies to the first one).';
  return `the mask is ${problem.mimeType} but \`${problem.other.option}\` is ${problem.other.mimeType}; they must be the same format.`;
}
