import { modelLabel } from '../models/index.js';
import { escapeUserText, quoteUserText } from './messages.js';

/** What `/defaults` says: saved, shown, cleared, refused. Every answer is private to the member. */

/** `style: fantasy · strength: 0.5`, each value bounded and escaped (member text). */
export function defaultsLine(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([option, value]) => {
      const shown = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
      return `${quoteUserText(option, 40)}: ${quoteUserText(shown, 60)}`;
    })
    .join(' · ');
}

const label = (modelId: string) => `**${escapeUserText(modelLabel(modelId))}**`;

export const DEFAULTS_TEXT = {
  saved: (modelId: string, all: Record<string, unknown>) =>
    `Saved. Your defaults for ${label(modelId)} in this server are now: ${defaultsLine(all)}.\nAn option you give on a command still wins; \`/defaults clear\` removes them.`,
  refused: (message: string) => `${message} Nothing was saved.`,
  nothingGiven:
    'Give at least one option to save as your default (`/defaults show` lists the ones you have).',
  excludedKey: (key: string) =>
    `\`${escapeUserText(key)}\` cannot be a default: the prompt, the seed and images are given on each command. Nothing was saved.`,
  notScalar: (key: string) =>
    `\`${escapeUserText(key)}\` must be text, a number or true/false for this model. Nothing was saved.`,
  unknownModel: (given: string) =>
    `\`${quoteUserText(given, 60)}\` is not a model you can set defaults for: use \`skybox-gpt\`, \`skybox-flux\`, \`image\`, \`to3d\` or a Scenario model id.`,
  none: 'You have no defaults in this server: every option you leave out takes the model’s own default.',
  show: (all: Record<string, Record<string, unknown>>) =>
    [
      'Your defaults in this server (an option you give on a command still wins):',
      ...Object.entries(all).map(([modelId, values]) => `• ${label(modelId)}: ${defaultsLine(values)}`),
    ].join('\n'),
  cleared: (modelId: string | undefined) =>
    modelId
      ? `Cleared your defaults for ${label(modelId)}: its own defaults apply again.`
      : 'Cleared all your defaults in this server: every model’s own defaults apply again.',
  nothingToClear: (modelId: string | undefined) =>
    modelId ? `You had no defaults for ${label(modelId)}.` : 'You had no defaults to clear.',
} as const;
