import type { ChatInputCommandInteraction } from 'discord.js';
import { assetOptionNames, type ModelSpec, toDiscordOptions } from '../models/spec.js';
import type { FileInput } from '../services/jobs/generation-pipeline.js';

/**
 * Reads a model command's options back in the shape the spec derived them: scalar values by option
 * name, and attachments in option order per asset parameter (reference_image, reference_image_2, …).
 */
export function readModelOptions(
  interaction: ChatInputCommandInteraction,
  spec: ModelSpec,
): { values: Record<string, string | number | boolean | undefined>; files: FileInput[] } {
  const values: Record<string, string | number | boolean | undefined> = {};
  const attachmentOptions = new Set<string>();
  const files: FileInput[] = [];
  for (const [param, names] of Object.entries(assetOptionNames(spec))) {
    for (const name of names) {
      attachmentOptions.add(name);
      const attachment = interaction.options.getAttachment(name);
      if (attachment) files.push({ param, option: name, attachment: toDiscordAttachment(attachment) });
    }
  }
  for (const option of toDiscordOptions(spec)) {
    if (attachmentOptions.has(option.name)) continue;
    const value = interaction.options.get(option.name)?.value;
    if (value !== undefined && value !== null) values[option.name] = value;
  }
  return { values, files };
}

/** What the pipeline needs to know of a Discord attachment (its link, name, declared size and type). */
export function toDiscordAttachment(attachment: {
  url: string;
  name: string;
  size: number;
  contentType: string | null;
}): FileInput['attachment'] {
  return {
    url: attachment.url,
    name: attachment.name,
    size: attachment.size,
    contentType: attachment.contentType,
  };
}
