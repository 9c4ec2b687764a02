import { escapeUserText } from './messages.js';

/** What a member reads about Remix: the modal's words, and every answer (private to them). */
export const REMIX_TEXT = {
  /** Discord: a modal title holds at most 45 characters. */
  modalTitle: (modelLabel: string) => `Remix: ${modelLabel}`.slice(0, 45),
  promptLabel: 'Prompt',
  negativePromptLabel: 'Negative prompt (empty: none)',
  seedLabel: 'Seed (empty: a new one)',
  seedPlaceholder: (previous: number | undefined) =>
    previous === undefined ? 'a whole number' : `previous: ${previous}`,
  started: '🖌️ Remixing: the new result will appear as a reply to the original. Your credits pay for it.',
  unknown: 'The bot no longer keeps that result, so it cannot be remixed. Nothing was spent.',
  notPosted: 'That result is not posted yet, so it cannot be remixed. Nothing was spent.',
  deleted: 'That result was deleted, so it cannot be remixed. Nothing was spent.',
  empty: (field: string) => `\`${field}\` must not be empty. Nothing was spent.`,
  tooLong: (field: string, length: number, max: number) =>
    `\`${field}\` is ${length} characters; keep it under ${max}. Nothing was spent.`,
  badSeed: (min: number, max: number, given: string) =>
    `\`seed\` must be a whole number between ${min} and ${max} (you gave ${escapeUserText(given.slice(0, 20))}), or empty for a new one. Nothing was spent.`,
} as const;
