/** The Details button's private answer: every parameter sent, and the command that sends it again. */
import { creditCount, quoteUserText, relativeTime } from './messages.js';
import type { TypedOption } from './typed-options.js';

export interface DetailsView {
  modelLabel: string;
  modelId: string;
  createdAt: number;
  creditsSpent: number;
  /** Every parameter sent, under the option names a member types (the seed included). */
  options: TypedOption[];
  /** The ready-to-paste command line and the attachment options to add again. */
  line: string;
  attachments: string[];
}

/** A value as listed: text quoted (clipped), an attachment named as such. */
function listedValue(option: TypedOption): string {
  if (option.attachment) return 'an image you attached';
  if (typeof option.value === 'string') return `“${quoteUserText(option.value, 300)}”`;
  const text =
    typeof option.value === 'object' && option.value !== null
      ? JSON.stringify(option.value)
      : String(option.value);
  return `\`${text.replace(/`/g, 'ˋ')}\``;
}

export function detailsText(view: DetailsView): string {
  // A code block cannot escape its own fence: three backticks in a prompt are split by a zero-width space.
  const line = view.line.replace(/```/g, '``\u200b`');
  return [
    `**${quoteUserText(view.modelLabel, 80)}** (\`${view.modelId}\`) · ${creditCount(view.creditsSpent)} · ${relativeTime(view.createdAt)}`,
    '**Sent to Scenario**',
    ...view.options.map((option) => `• ${quoteUserText(option.name, 60)}: ${listedValue(option)}`),
    '**To run it again**, paste:',
    `\`\`\`\n${line}\n\`\`\``,
    view.attachments.length > 0
      ? `-# Then attach ${view.attachments.map((name) => `\`${name}\``).join(', ')} again: a command line cannot carry files.`
      : undefined,
  ]
    .filter((part) => part !== undefined)
    .join('\n');
}

export const DETAILS_TEXT = {
  unknown:
    'The bot has no details of this result: it is still being recorded (try again in a moment), it is older than the bot keeps them, or it belongs to another server.',
} as const;
