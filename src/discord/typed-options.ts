import { specFor } from '../models/index.js';
import { assetOptionNames, type ModelSpec, toSnakeCase } from '../models/spec.js';

/** One request parameter under the Discord option name a member types for it. */
export interface TypedOption {
  /** The option's name (`reference_image`, `negative_prompt`); a pass-through model's parameter as given. */
  name: string;
  /** The value as sent; an asset id for an attachment. */
  value: unknown;
  /** An image the member attached: its asset id cannot be typed back. */
  attachment: boolean;
  /** The value is the member's `/defaults`, not an option they gave this time. */
  fromDefault?: boolean;
}

/** Option names per asset parameter, and the parameter of each (`referenceImages` → reference_image…). */
function assetNamesOf(spec: ModelSpec): Record<string, string[]> {
  return spec.passThrough ? { image: ['image'] } : assetOptionNames(spec);
}

/**
 * Every parameter of a request body under the option names a member types (an image list spread over
 * `reference_image`, `reference_image_2`…), prompt first. Pure.
 */
export function typedOptions(modelId: string, body: Record<string, unknown>): TypedOption[] {
  const spec = specFor(modelId);
  const assets = assetNamesOf(spec);
  const options: TypedOption[] = [];
  for (const [key, value] of Object.entries(body)) {
    const names = assets[key];
    if (names) {
      const ids = Array.isArray(value) ? value : [value];
      for (const [index, id] of ids.entries())
        options.push({ name: names[index] ?? `${names[0]}_${index + 1}`, value: id, attachment: true });
      continue;
    }
    options.push({ name: spec.passThrough ? key : toSnakeCase(key), value, attachment: false });
  }
  return options.sort((a, b) => Number(b.name === 'prompt') - Number(a.name === 'prompt'));
}

/**
 * The options the member actually gave: without the prompt and seed (shown apart), the values the bot
 * sends on its own (`sendDefaults`) and the default output count; values from the member's `/defaults`
 * (`fromDefaults`, body parameter names) are marked. Pure.
 */
export function givenOptions(
  modelId: string,
  body: Record<string, unknown>,
  fromDefaults: readonly string[] = [],
): TypedOption[] {
  const spec = specFor(modelId);
  const added = new Map<string, unknown>(Object.entries(spec.sendDefaults ?? {}));
  if (spec.outputsParam) added.set(spec.outputsParam, spec.defaultOutputs ?? 1);
  const fromBot = new Set(
    Object.entries(body)
      .filter(([key, value]) => added.has(key) && added.get(key) === value)
      .map(([key]) => (spec.passThrough ? key : toSnakeCase(key))),
  );
  const defaulted = new Set(fromDefaults.map((key) => (spec.passThrough ? key : toSnakeCase(key))));
  return typedOptions(modelId, body)
    .filter((option) => option.name !== 'prompt' && option.name !== 'seed' && !fromBot.has(option.name))
    .map((option) => (defaulted.has(option.name) ? { ...option, fromDefault: true } : option));
}

/** A value as typed in a Discord command line: text quoted when it has spaces or quotes. Pure. */
function typedValue(value: unknown): string {
  const text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  return /[\s"]/.test(text) || text === '' ? `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : text;
}

/**
 * A ready-to-paste command line that sends the same request body (`/skybox gpt prompt:"…" quality:low
 * seed:123`), and the attachment options to add again (Discord cannot type a file). A pass-through model's
 * parameters go in `params` as JSON, as /generate takes them. Pure.
 */
export function commandLine(
  command: string,
  modelId: string,
  body: Record<string, unknown>,
  seed: number | undefined,
): { line: string; attachments: string[] } {
  const spec = specFor(modelId);
  const options = typedOptions(modelId, { ...body, ...(seed === undefined ? {} : { seed }) });
  const attachments = options.filter((option) => option.attachment).map((option) => option.name);
  const typed = options.filter((option) => !option.attachment);
  const parts = [`/${command}`];
  if (spec.passThrough) {
    parts.push(`model:${modelId}`);
    const prompt = typed.find((option) => option.name === 'prompt');
    if (prompt) parts.push(`prompt:${typedValue(prompt.value)}`);
    const params = Object.fromEntries(
      typed.filter((option) => option.name !== 'prompt').map((option) => [option.name, option.value]),
    );
    if (Object.keys(params).length > 0) parts.push(`params:${typedValue(JSON.stringify(params))}`);
  } else for (const option of typed) parts.push(`${option.name}:${typedValue(option.value)}`);
  return { line: parts.join(' '), attachments };
}
