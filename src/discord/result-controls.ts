import { type APIActionRowComponent, type APIButtonComponent, ButtonStyle, ComponentType } from 'discord.js';
import type { JobRecord } from '../services/jobs/job-ledger.js';
import { conversionRow } from './conversion-controls.js';
import { cubemapRows } from './cubemap-controls.js';
import { remixRow } from './remix-controls.js';

/** The reactions a member uses on a result: reroll with a new seed, delete. */
export const REROLL_EMOJI = '🔄';
export const DELETE_EMOJI = '❌';

/** The buttons under every result: the same actions as the reactions, with private answers. */
export const RESULT_BUTTON_IDS = { reroll: 'result:reroll', delete: 'result:delete' } as const;

type ButtonRow = APIActionRowComponent<APIButtonComponent>;

/** The action row every result carries (raw API shape: results are posted through REST). */
const everyResultRow: ButtonRow = {
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
};

/**
 * The rows under a result. Discord allows 5 rows of 5 buttons; rows that depend on the model (its family, whether
 * it takes a prompt) are added here from the record, so a button's custom id can carry the generation id.
 */
export function resultComponents(record: JobRecord): ButtonRow[] {
  return [
    everyResultRow,
    detailsRow(record),
    ...remixRow(record),
    ...cubemapRows(record),
    conversionRow(record),
  ].filter((row) => row !== undefined);
}

/** The Details button's custom id: the generation's id only (everything else comes from the store). */
export const DETAILS_BUTTON_PREFIX = 'result:details:';

/** Every parameter sent and a command line to run it again, privately (see result-details.ts). */
function detailsRow(record: JobRecord): ButtonRow {
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.Button,
        style: ButtonStyle.Secondary,
        custom_id: `${DETAILS_BUTTON_PREFIX}${record.id}`,
        label: 'Details',
        emoji: { name: 'ℹ️' },
      },
    ],
  };
}
