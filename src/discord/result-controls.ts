import { ButtonStyle, ComponentType } from 'discord.js';

/** The reactions a member uses on a result: reroll with a new seed, delete. */
export const REROLL_EMOJI = '🔄';
export const DELETE_EMOJI = '❌';

/** The buttons under every result: the same actions as the reactions, with private answers. */
export const RESULT_BUTTON_IDS = { reroll: 'result:reroll', delete: 'result:delete' } as const;

/** The action row a result message carries (raw API shape: results are posted through REST). */
export const resultButtonsRow = {
  type: ComponentType.ActionRow,
  components: [
    {
      type: ComponentType.Button,
      style: ButtonStyle.Secondary,
      custom_id: RESULT_BUTTON_IDS.reroll,
      label: 'Reroll',
      emoji: { name: REROLL_EMOJI },
    },
    {
      type: ComponentType.Button,
      style: ButtonStyle.Secondary,
      custom_id: RESULT_BUTTON_IDS.delete,
      label: 'Delete',
      emoji: { name: DELETE_EMOJI },
    },
  ],
} as const;
