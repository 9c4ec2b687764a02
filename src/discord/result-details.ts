import { MessageFlags } from 'discord.js';
import { modelLabel } from '../models/index.js';
import type { GenerationLog } from '../services/jobs/generation-log.js';
import { clipMessage } from './messages.js';
import { DETAILS_TEXT, detailsText } from './messages-details.js';
import { DETAILS_BUTTON_PREFIX } from './result-controls.js';
import type { ComponentHandler } from './router.js';
import { commandLine, typedOptions } from './typed-options.js';

/**
 * The Details button: every parameter the result was made with (its seed included) and a command line
 * that sends the same request again, answered so only the clicking member sees it. The custom id carries
 * the generation's id only; a generation of another server is not shown.
 */
export function createDetailsHandler(deps: { generationLog: Pick<GenerationLog, 'get'> }): ComponentHandler {
  return async function onDetails(interaction) {
    if (!interaction.isButton() || !interaction.customId.startsWith(DETAILS_BUTTON_PREFIX)) return false;
    const id = interaction.customId.slice(DETAILS_BUTTON_PREFIX.length);
    const generation = await deps.generationLog.get(id);
    let content: string = DETAILS_TEXT.unknown;
    if (generation && generation.guildId === interaction.guildId) {
      const { line, attachments } = commandLine(
        generation.command,
        generation.modelId,
        generation.body,
        generation.seed,
      );
      content = detailsText({
        modelLabel: modelLabel(generation.modelId),
        modelId: generation.modelId,
        createdAt: generation.createdAt,
        creditsSpent: generation.creditsSpent,
        options: typedOptions(generation.modelId, {
          ...generation.body,
          ...(generation.seed === undefined ? {} : { seed: generation.seed }),
        }),
        line,
        attachments,
      });
    }
    await interaction.reply({
      content: clipMessage(content),
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
    return true;
  };
}
