import { MessageFlags } from 'discord.js';
import { z } from 'zod';
import { TEXT } from './messages.js';
import type { ResultActions } from './result-actions.js';
import { RESULT_BUTTON_IDS } from './result-controls.js';
import type { ComponentHandler } from './router.js';

const resultButtonIdSchema = z.enum([RESULT_BUTTON_IDS.reroll, RESULT_BUTTON_IDS.delete]);

/**
 * A click on a result's button. Unlike a reaction it can be answered so only the member sees it, so every
 * outcome (started, deleted, refused) is said privately. Returns false for buttons that are not ours.
 */
export function createResultButtonHandler(actions: ResultActions): ComponentHandler {
  return async function onButton(interaction) {
    if (!interaction.isButton()) return false;
    const id = resultButtonIdSchema.safeParse(interaction.customId);
    if (!id.success) return false;
    // Store reads and Discord calls may outlast the 3 s window: acknowledge privately first.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const action = {
      guildId: interaction.guildId,
      channelId: interaction.channelId,
      messageId: interaction.message.id,
      userId: interaction.user.id,
    };
    const outcome =
      id.data === RESULT_BUTTON_IDS.reroll ? await actions.reroll(action) : await actions.remove(action);
    const text = outcome.ok
      ? id.data === RESULT_BUTTON_IDS.reroll
        ? outcome.chargedToYou === undefined
          ? TEXT.rerollStarted
          : TEXT.rerollChargedToYou(outcome.chargedToYou)
        : TEXT.resultDeleted
      : (outcome.refusal ?? TEXT.resultActionIgnored);
    await interaction.editReply({ content: text, allowedMentions: { parse: [] } });
    return true;
  };
}
