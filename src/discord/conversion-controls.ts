import { type APIActionRowComponent, type APIButtonComponent, ButtonStyle, ComponentType } from 'discord.js';
import { specFor } from '../models/index.js';
import { knownModels } from '../models/known-models.js';
import type { JobRecord } from '../services/jobs/job-ledger.js';
import { CONVERSION_FORMATS, type ConversionFormat } from '../services/models3d/model-conversions.js';
import { formatLabel } from './messages-3d.js';

/** `convert:<generation id>:<format>`: nothing else, the models' asset ids come from the store. */
const CUSTOM_ID = /^convert:([A-Za-z0-9_-]{1,80}):([a-z]+)$/;
export const customIdFor = (generationId: string, format: ConversionFormat) =>
  `convert:${generationId}:${format}`;

/** Whether a model's results are 3D models (its spec, or what the catalogue of known models says). */
function makesModels({ modelId, output }: Pick<JobRecord, 'modelId' | 'output'>): boolean {
  if (output !== undefined) return output === '3d';
  return specFor(modelId).output === '3d' || knownModels.some((m) => m.id === modelId && m.kind === '3d');
}

/** The FBX / OBJ / USDZ / STL row under a 3D result; none under other results. */
export function conversionRow(
  record: Pick<JobRecord, 'id' | 'modelId' | 'output'>,
): APIActionRowComponent<APIButtonComponent> | undefined {
  if (!makesModels(record)) return undefined;
  return {
    type: ComponentType.ActionRow,
    components: CONVERSION_FORMATS.map((format) => ({
      type: ComponentType.Button,
      style: ButtonStyle.Secondary,
      custom_id: customIdFor(record.id, format),
      label: formatLabel(format),
    })),
  };
}

/** The generation and format a conversion button names, or undefined for another button. Pure. */
export function parseConversionId(
  customId: string,
): { generationId: string; format: ConversionFormat } | undefined {
  const match = CUSTOM_ID.exec(customId);
  const format = CONVERSION_FORMATS.find((candidate) => candidate === match?.[2]);
  return match?.[1] && format ? { generationId: match[1], format } : undefined;
}
