import type { ChatInputCommandInteraction } from 'discord.js';
import { assetOptionNames, type ModelSpec, toDiscordOptions } from '../models/spec.js';
import type { AttachmentInput } from './run-generation.js';

/**
 * Reads a model command's options back in the shape the spec derived them: scalar values by option
 * name, and attachments in option order per asset parameter (reference_image, reference_image_2, …).
 */
export function readModelOptions(
  interaction: ChatInputCommandInteraction,
  spec: ModelSpec,
): { values: Record<string, string | number | boolean | undefined>; attachments: AttachmentInput[] } {
  const values: Record<string, string | number | boolean | undefined> = {};
  const attachmentOptions = new Set<string>();
  const attachments: AttachmentInput[] = [];
  for (const [param, names] of Object.entries(assetOptionNames(spec))) {
    for (const name of names) {
      attachmentOptions.add(name);
      const attachment = interaction.options.getAttachment(name);
      if (attachment)
        attachments.push({
          param,
          option: name,
          attachment: {
            url: attachment.url,
            name: attachment.name,
            size: attachment.size,
            contentType: attachment.contentType,
          },
        });
    }
  }
  for (const option of toDiscordOptions(spec)) {
    if (attachmentOptions.has(option.name)) continue;
    const value = interaction.options.get(option.name)?.value;
    if (value !== undefined && value !== null) values[option.name] = value;
  }
  return { values, attachments };
}
