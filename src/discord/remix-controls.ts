import { type APIActionRowComponent, type APIButtonComponent, ButtonStyle, ComponentType } from 'discord.js';
import { z } from 'zod';
import { specFor } from '../models/index.js';
import type { ModelSpec } from '../models/spec.js';
import type { JobRecord } from '../services/jobs/job-ledger.js';

export const REMIX_EMOJI = '🖌️';

/** Custom ids carry the generation id only: the prompt and parameters come from the store. */
const BUTTON_PREFIX = 'result:remix:';
const MODAL_PREFIX = 'remix:';
const generationId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/);

export const REMIX_IDS = {
  button: (id: string) => `${BUTTON_PREFIX}${id}`,
  modal: (id: string) => `${MODAL_PREFIX}${id}`,
  /** The text inputs of the modal. */
  prompt: 'prompt',
  negativePrompt: 'negative_prompt',
  seed: 'seed',
} as const;

/** The generation id of a Remix button's or modal's custom id; undefined when it is not one. */
export function remixTarget(customId: string, kind: 'button' | 'modal'): string | undefined {
  const prefix = kind === 'button' ? BUTTON_PREFIX : MODAL_PREFIX;
  if (!customId.startsWith(prefix)) return undefined;
  const parsed = generationId.safeParse(customId.slice(prefix.length));
  return parsed.success ? parsed.data : undefined;
}

/** Whether a model takes a prompt (Remix edits it): every pass-through model does (/generate asks for one). */
export function takesPrompt(spec: ModelSpec): boolean {
  return spec.passThrough === true || spec.params.some((param) => param.name === 'prompt');
}

/** The Remix row under a result whose model takes a prompt; none for the others (Pixal3D). */
export function remixRow(record: JobRecord): APIActionRowComponent<APIButtonComponent>[] {
  if (!takesPrompt(specFor(record.modelId))) return [];
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          custom_id: REMIX_IDS.button(record.id),
          label: 'Remix',
          emoji: { name: REMIX_EMOJI },
        },
      ],
    },
  ];
}
