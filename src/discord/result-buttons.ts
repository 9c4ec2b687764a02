import { type ButtonInteraction, ButtonStyle, ComponentType, MessageFlags } from 'discord.js';
import { z } from 'zod';
import { TEXT } from './messages.js';
import type { ResultActions } from './result-actions.js';

/** The buttons under every result: the same actions as the 🔄 and ❌ reactions, with private answers. */
export const RESULT_BUTTON_IDS = { reroll: 'result:reroll', delete: 'result:delete' } as const;

const resultButtonIdSchema = z.enum([RESULT_BUTTON_IDS.reroll, RESULT_BUTTON_IDS.delete]);

/** The action row a result message carries (raw API shape: delivery posts through REST). */
export const resultButtonsRow = {
  type: ComponentType.ActionRow,
  components: [
    {
      type: ComponentType.Button,
      style: ButtonStyle.Secondary,
      custom_id: RESULT_BUTTON_IDS.reroll,
      label: 'Reroll',
      emoji: { name: '🔄' },
    },
    {
      type: ComponentType.Button,
      style: ButtonStyle.Secondary,
      custom_id: RESULT_BUTTON_IDS.delete,
      label: 'Delete',
      emoji: { name: '❌' },
    },
  ],
} as const;

/**
 * A click on a result's button. Unlike a reaction it can be answered so only the member sees it, so every
 * outcome (started, deleted, refused) is said privately. Returns false for buttons that are not ours.
 */
export function createResultButtonHandler(actions: ResultActions) {
  return async function onButton(interaction: ButtonInteraction<'cached' | 'raw'>): Promise<boolean> {
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
        ? TEXT.rerollStarted
        : TEXT.resultDeleted
      : (outcome.refusal ?? TEXT.resultActionIgnored);
    await interaction.editReply({ content: text, allowedMentions: { parse: [] } });
    return true;
  };
}
