import { type APIActionRowComponent, type APIButtonComponent, ButtonStyle, ComponentType } from 'discord.js';
import { z } from 'zod';
import { specFor } from '../models/index.js';
import { knownModels } from '../models/known-models.js';

/**
 * The Cubemap button's custom id: the generation id and nothing else. The panoramas it converts are found
 * from that generation's own record, so a forged id can at most name another of the bot's results, and the
 * handler checks that it is the result the button sits under.
 */
const CUBEMAP_PREFIX = 'cubemap:';
const cubemapIdSchema = z
  .string()
  .regex(/^cubemap:[A-Za-z0-9_-]{1,90}$/)
  .transform((id) => id.slice(CUBEMAP_PREFIX.length));

export function cubemapButtonId(generationId: string): string {
  return `${CUBEMAP_PREFIX}${generationId}`;
}

/** The generation id a custom id names, or undefined when the id is not a Cubemap button's. Pure. */
export function parseCubemapButtonId(customId: string): string | undefined {
  const parsed = cubemapIdSchema.safeParse(customId);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Whether a model makes equirectangular panoramas: the skybox specs, and models /generate knows as
 * panoramas. A pass-through model the bot has no family for gets no button (its family would come from
 * Scenario's model schema).
 */
export function makesPanoramas(modelId: string): boolean {
  return (
    specFor(modelId).output === 'panorama' ||
    knownModels.some((model) => model.id === modelId && model.kind === 'panorama')
  );
}

/** The Cubemap row under a skybox result (none under other results). */
export function cubemapRows(record: {
  id: string;
  modelId: string;
}): APIActionRowComponent<APIButtonComponent>[] {
  if (!makesPanoramas(record.modelId)) return [];
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          custom_id: cubemapButtonId(record.id),
          label: 'Cubemap',
          emoji: { name: '🧊' },
        },
      ],
    },
  ];
}
