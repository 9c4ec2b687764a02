import { type APIActionRowComponent, type APIButtonComponent, ButtonStyle, ComponentType } from 'discord.js';
import { z } from 'zod';
import { specFor } from '../models/index.js';
import { knownModels } from '../models/known-models.js';
import type { CubemapFile } from '../services/assets/cubemap-service.js';

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
 * Whether a result is equirectangular panoramas: what its record says the model makes (its spec, or the family
 * of its live schema when it was submitted), else the skybox specs and models /generate knows as panoramas.
 */
export function makesPanoramas(record: { modelId: string; output?: string }): boolean {
  if (record.output !== undefined) return record.output === 'panorama';
  return (
    specFor(record.modelId).output === 'panorama' ||
    knownModels.some((model) => model.id === record.modelId && model.kind === 'panorama')
  );
}

/** The Cubemap row under a skybox result (none under other results). */
export function cubemapRows(record: {
  id: string;
  modelId: string;
  output?: string;
}): APIActionRowComponent<APIButtonComponent>[] {
  if (!makesPanoramas(record)) return [];
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

/** Discord takes at most 10 files per message. */
const FILES_PER_MESSAGE = 10;

export interface CubemapUploads {
  /** The files to post, grouped into messages of at most 10 files and `limit` bytes together. */
  messages: CubemapFile[][];
  /** Files over the upload limit even on their own: named, not attached. */
  tooLarge: CubemapFile[];
  /** Whether an output's whole zip was over the limit, so its faces and cross come as two files. */
  split: boolean;
}

/**
 * What to post for a server whose upload limit is `limit` bytes: each output's whole zip when it fits, else
 * its two parts (the faces zip and the cross PNG). Pure.
 */
export function planCubemapUploads(files: readonly CubemapFile[], limit: number): CubemapUploads {
  const chosen: CubemapFile[] = [];
  const tooLarge: CubemapFile[] = [];
  let split = false;
  const outputs = [...new Set(files.map((file) => file.output))].sort((a, b) => a - b);
  for (const output of outputs) {
    const part = (name: CubemapFile['part']) =>
      files.find((file) => file.output === output && file.part === name);
    const whole = part('whole');
    if (whole && whole.size <= limit) {
      chosen.push(whole);
      continue;
    }
    split = true;
    for (const piece of [part('faces'), part('cross')])
      if (piece) (piece.size <= limit ? chosen : tooLarge).push(piece);
  }
  const messages: CubemapFile[][] = [];
  let room = 0;
  for (const file of chosen) {
    const last = messages.at(-1);
    if (last && last.length < FILES_PER_MESSAGE && file.size <= room) {
      last.push(file);
      room -= file.size;
    } else {
      messages.push([file]);
      room = limit - file.size;
    }
  }
  return { messages, tooLarge, split };
}
