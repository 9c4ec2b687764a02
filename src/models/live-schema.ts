import type { ModelInput, ModelSchema } from '../services/scenario/model-schemas.js';

/**
 * Validation from a model's live input schema (`GET /models/{id}`): the same checks Scenario makes, done
 * before anything is spent. Pure: the Discord side puts a `ParamProblem` into words.
 */
export type Scalar = string | number | boolean;

export type ParamProblem =
  | { kind: 'unknown'; name: string; inputs: string[] }
  | { kind: 'type'; name: string; expected: ModelInput['type']; given: unknown }
  | { kind: 'below'; name: string; min: number; given: number }
  | { kind: 'above'; name: string; max: number; given: number }
  | { kind: 'step'; name: string; step: number; given: number }
  | { kind: 'not_allowed'; name: string; allowed: readonly Scalar[]; given: unknown }
  | { kind: 'required'; name: string; file: boolean }
  | { kind: 'too_many'; name: string; maxItems: number; given: number }
  /** A file input given a value instead of an attachment. */
  | { kind: 'file_expected'; name: string }
  /** `"@n"` on an input that does not take files. */
  | { kind: 'not_a_file_input'; name: string; fileInputs: string[] }
  /** `"@5"` with fewer attachments. */
  | { kind: 'no_attachment'; name: string; ref: number; attached: number }
  /** An attachment no file input can take: refused, never dropped. */
  | { kind: 'attachment_unplaced'; position: number; fileInputs: string[] }
  /** A prompt for a model that takes none. */
  | { kind: 'prompt_not_taken'; inputs: string[] };

export type ParamCheck<T> = ({ ok: true } & T) | { ok: false; problem: ParamProblem };

const isFileType = (input: ModelInput) => input.type === 'file' || input.type === 'file_array';
const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;

/** Whether `value` is a multiple of `step` counted from `base`, within floating-point noise. */
function onStep(value: number, step: number, base: number): boolean {
  const steps = (value - base) / step;
  return Math.abs(steps - Math.round(steps)) < 1e-9;
}

/**
 * One scalar against its input: the type (coercing `"5"`↔`5` only where the input's type asks for the
 * other), then range, step and allowed values. Returns the value to send.
 */
export function checkValue(input: ModelInput, given: unknown): ParamCheck<{ value: unknown }> {
  const { name } = input;
  let value = given;
  const wrongType = {
    ok: false as const,
    problem: { kind: 'type' as const, name, expected: input.type, given },
  };
  switch (input.type) {
    case 'string':
      if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
      if (typeof value !== 'string') return wrongType;
      break;
    case 'number':
    case 'integer':
      if (typeof value === 'string' && NUMERIC.test(value)) value = Number(value);
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrongType;
      if (input.type === 'integer' && !Number.isInteger(value)) return wrongType;
      if (input.min !== undefined && value < input.min)
        return { ok: false, problem: { kind: 'below', name, min: input.min, given: value } };
      if (input.max !== undefined && value > input.max)
        return { ok: false, problem: { kind: 'above', name, max: input.max, given: value } };
      if (input.step !== undefined && !onStep(value, input.step, 0))
        return { ok: false, problem: { kind: 'step', name, step: input.step, given: value } };
      break;
    case 'boolean':
      if (value === 'true' || value === 'false') value = value === 'true';
      if (typeof value !== 'boolean') return wrongType;
      break;
    case 'file':
    case 'file_array':
      return { ok: false, problem: { kind: 'file_expected', name } };
    case 'unknown':
      break;
  }
  if (input.allowedValues && !input.allowedValues.includes(value as Scalar))
    return { ok: false, problem: { kind: 'not_allowed', name, allowed: input.allowedValues, given } };
  return { ok: true, value };
}

/**
 * Parameters → the body Scenario accepts, checked against the live schema: unknown keys (naming the
 * model's inputs), types, ranges, steps, allowed values, required inputs. File inputs take asset ids (one,
 * or a list of at most `maxItems`). `null`/`undefined` values are left out (Scenario's default applies).
 * Pure; exported for every place that takes option values for a model.
 */
export function validateParams(
  schema: Pick<ModelSchema, 'inputs'>,
  params: Record<string, unknown>,
): ParamCheck<{ body: Record<string, unknown> }> {
  const byName = new Map(schema.inputs.map((input) => [input.name, input]));
  const body: Record<string, unknown> = {};
  for (const [name, given] of Object.entries(params)) {
    if (given === undefined || given === null) continue;
    const input = byName.get(name);
    if (!input) return { ok: false, problem: { kind: 'unknown', name, inputs: [...byName.keys()] } };
    if (input.type === 'file') {
      if (typeof given !== 'string') return { ok: false, problem: { kind: 'file_expected', name } };
      body[name] = given;
      continue;
    }
    if (input.type === 'file_array') {
      const ids = Array.isArray(given) ? given : [given];
      if (ids.some((id) => typeof id !== 'string'))
        return { ok: false, problem: { kind: 'file_expected', name } };
      if (input.maxItems !== undefined && ids.length > input.maxItems)
        return {
          ok: false,
          problem: { kind: 'too_many', name, maxItems: input.maxItems, given: ids.length },
        };
      body[name] = ids;
      continue;
    }
    const checked = checkValue(input, given);
    if (!checked.ok) return checked;
    body[name] = checked.value;
  }
  for (const input of schema.inputs)
    if (input.required && !(input.name in body))
      return { ok: false, problem: { kind: 'required', name: input.name, file: isFileType(input) } };
  return { ok: true, body };
}

/** Where an attachment goes: the file input, and the attachment's position (0-based) among those given. */
export interface FilePlacement {
  param: string;
  attachment: number;
}

/** A `"@2"` reference to the second attachment, or undefined. */
function attachmentRef(value: unknown): number | undefined {
  const match = typeof value === 'string' ? /^@(\d{1,2})$/.exec(value.trim()) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * A /generate request against the live schema: the prompt (sent only when the model has a `prompt`
 * input), the `params` (attachments mapped by `"@n"`, e.g. `{"firstFrame":"@1"}`), and the attachments
 * not mapped, placed in schema order (required file inputs first; a `file_array` takes the rest). An
 * attachment with nowhere to go is refused. Returns the body without files (uploaded later) and where
 * each attachment goes. Pure.
 */
export function planRequest(
  schema: Pick<ModelSchema, 'inputs'>,
  input: { prompt?: string; params: Record<string, unknown>; attachments: number },
): ParamCheck<{ body: Record<string, unknown>; files: FilePlacement[] }> {
  const byName = new Map(schema.inputs.map((entry) => [entry.name, entry]));
  const fileInputs = schema.inputs.filter(isFileType);
  const fileNames = fileInputs.map((entry) => entry.name);
  const placed: FilePlacement[] = [];
  const scalars: Record<string, unknown> = {};
  const pending = 'asset_pending_upload';
  for (const [name, value] of Object.entries(input.params)) {
    const refs = (Array.isArray(value) ? value : [value]).map(attachmentRef);
    const target = byName.get(name);
    if (refs.length === 0 || refs.some((ref) => ref === undefined)) {
      // Files come from attachments only: an asset id typed in could be anyone's in the project.
      if (target && isFileType(target)) return { ok: false, problem: { kind: 'file_expected', name } };
      scalars[name] = value;
      continue;
    }
    if (!target) return { ok: false, problem: { kind: 'unknown', name, inputs: [...byName.keys()] } };
    if (!isFileType(target))
      return { ok: false, problem: { kind: 'not_a_file_input', name, fileInputs: fileNames } };
    if (target.type === 'file' && refs.length > 1)
      return { ok: false, problem: { kind: 'too_many', name, maxItems: 1, given: refs.length } };
    for (const ref of refs as number[]) {
      if (ref < 1 || ref > input.attachments)
        return { ok: false, problem: { kind: 'no_attachment', name, ref, attached: input.attachments } };
      placed.push({ param: name, attachment: ref - 1 });
    }
  }
  const used = new Set(placed.map((entry) => entry.attachment));
  const free = Array.from({ length: input.attachments }, (_, index) => index).filter(
    (index) => !used.has(index),
  );
  const mapped = new Set(placed.map((entry) => entry.param));
  const order = [
    ...fileInputs.filter((entry) => entry.required),
    ...fileInputs.filter((entry) => !entry.required),
  ];
  for (const target of order) {
    if (free.length === 0) break;
    if (mapped.has(target.name)) continue;
    const taken = target.type === 'file_array' ? free.splice(0) : free.splice(0, 1);
    for (const attachment of taken) placed.push({ param: target.name, attachment });
  }
  const leftover = free[0];
  if (leftover !== undefined)
    return {
      ok: false,
      problem: { kind: 'attachment_unplaced', position: leftover + 1, fileInputs: fileNames },
    };

  const prompt = input.prompt?.trim();
  if (prompt) {
    if (!byName.has('prompt'))
      return { ok: false, problem: { kind: 'prompt_not_taken', inputs: [...byName.keys()] } };
    scalars.prompt = prompt;
  }
  // Files stand as placeholders while checked (counts and required inputs matter, ids come after upload).
  for (const { param } of placed) {
    const isList = byName.get(param)?.type === 'file_array';
    scalars[param] = isList ? [...((scalars[param] as string[] | undefined) ?? []), pending] : pending;
  }
  const checked = validateParams(schema, scalars);
  if (!checked.ok) return checked;
  const files = new Set(placed.map((entry) => entry.param));
  const body = Object.fromEntries(Object.entries(checked.body).filter(([key]) => !files.has(key)));
  return { ok: true, body, files: placed };
}
