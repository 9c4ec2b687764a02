import type { ModelReport } from '../services/jobs/job-messenger.js';
import type { ConversionFormat } from '../services/models3d/model-conversions.js';
import type { ModelFacts } from '../services/models3d/model-inspector.js';
import { formatBytes } from './messages.js';

/** Words about 3D results: their facts, their preview, and the conversion buttons. */

const count = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
/** A bounding-box side: whole units from 100, one decimal from 1, two below (a flat model's 0 is 0). */
function metres(n: number): string {
  if (n === 0) return '0';
  return n.toFixed(n >= 100 ? 0 : n >= 1 ? 1 : 2);
}

/** "12,480 triangles · 6,200 vertices · 1 mesh · 3 materials · 2 textures up to 2048² · 1.9 × 2.1 × 0.8 · 4.2 MB". Pure. */
export function factsLine(facts: ModelFacts): string {
  const parts = [
    count(facts.triangles, 'triangle'),
    count(facts.vertices, 'vertex', 'vertices'),
    count(facts.meshes, 'mesh', 'meshes'),
    count(facts.materials, 'material'),
  ];
  if (facts.textures === 0) parts.push('no textures');
  else {
    const largest = facts.largestTexture;
    const side = largest
      ? largest.width === largest.height
        ? `${largest.width}²`
        : `${largest.width}×${largest.height}`
      : undefined;
    parts.push(`${count(facts.textures, 'texture')}${side ? ` up to ${side}` : ''}`);
  }
  if (facts.size) parts.push(facts.size.map(metres).join(' × '));
  parts.push(formatBytes(facts.bytes));
  return parts.join(' · ');
}

/** The lines a 3D result carries: each model's facts (named when there are several), and preview notes. */
export function modelLines(models: readonly ModelReport[], convertible: boolean): string[] {
  const named = models.length > 1;
  const lines: string[] = [];
  for (const model of models) {
    const prefix = named ? `\`${model.name}\`: ` : '';
    if (model.problem === 'unreadable')
      lines.push(
        `⚠️ \`${model.name}\` from Scenario is damaged (not a readable glTF file), so it is not attached.`,
      );
    else if (model.problem === 'unsupported')
      lines.push(`🧊 ${prefix}the bot could not read this model's details (a compression it cannot decode).`);
    else if (model.facts) lines.push(`🧊 ${prefix}${factsLine(model.facts)}`);
    if (model.preview && !model.preview.ok)
      lines.push(
        model.preview.reason === 'too_slow'
          ? `🖼️ ${prefix}no preview: this model is too heavy to draw in time.`
          : `🖼️ ${prefix}no preview: the model could not be drawn.`,
      );
  }
  if (convertible && models.some((model) => model.problem !== 'unreadable'))
    lines.push('📐 FBX · OBJ · USDZ · STL buttons convert the model on Scenario (no credits).');
  return lines;
}

const FORMAT_LABEL: Record<ConversionFormat, string> = { fbx: 'FBX', obj: 'OBJ', usdz: 'USDZ', stl: 'STL' };
export const formatLabel = (format: ConversionFormat) => FORMAT_LABEL[format];

export const TEXT_3D = {
  converting: (format: ConversionFormat) => `Converting the model to ${FORMAT_LABEL[format]} on Scenario…`,
  converted: (format: ConversionFormat) =>
    `Done: the ${FORMAT_LABEL[format]} file is posted under the result. No credits were used.`,
  alreadyConverted: (format: ConversionFormat, url: string) =>
    `This model was already converted to ${FORMAT_LABEL[format]}: ${url}`,
  notAllowed:
    "You can't use this bot's generation features in this channel, so you can't convert this model here.",
  unknownResult:
    'This result is no longer known to the bot (too old, or not a 3D model), so it cannot be converted.',
  unavailable: (format: ConversionFormat) =>
    `Scenario cannot convert this model to ${FORMAT_LABEL[format]} (it refused the conversion). Try another format. Nothing was spent.`,
  failed: (format: ConversionFormat) =>
    `The ${FORMAT_LABEL[format]} conversion did not work (Scenario or the download failed). Nothing was spent; try again in a minute.`,
  busy: (format: ConversionFormat) =>
    `The ${FORMAT_LABEL[format]} conversion is already running; it will appear shortly.`,
  cannotPost: 'The converted file is ready, but the bot could not post it in this channel.',
  /** The reply under the result that carries the converted file(s) or their links. */
  posted: (format: ConversionFormat, userId: string, links: readonly { name: string; url: string }[]) =>
    [
      `📐 ${FORMAT_LABEL[format]} conversion for <@${userId}> · no credits used`,
      ...links.map(
        (link) =>
          `📦 \`${link.name}\` is more than this server accepts as an upload: [download it from Scenario](${link.url})`,
      ),
    ].join('\n'),
} as const;
