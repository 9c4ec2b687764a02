import {
  ApplicationCommandOptionType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { z } from 'zod';
import { replyEphemeral } from '../discord/router.js';
import { runGeneration } from '../discord/run-generation.js';
import { modelSpecs } from '../models/index.js';
import { knownModels } from '../models/known-models.js';
import type { ModelSpec } from '../models/spec.js';
import type { ChatCommand } from './types.js';

const PARAMS_MAX_LENGTH = 4000;
const PROMPT_MAX_LENGTH = 4000;
/** Scenario model ids look like `model_kling-v2-6-t2v-pro`. */
const MODEL_ID = /^model_[a-z0-9][a-z0-9._-]{1,100}$/i;

const data = {
  name: 'generate',
  description: 'Run any Scenario model by id (video, audio, 3D, images) through the unified endpoint',
  contexts: [0],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'model',
      description: 'Scenario model id, e.g. model_meshy-txt23d',
      required: true,
      autocomplete: true,
      max_length: 120,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'prompt',
      description: 'What to generate',
      required: true,
      max_length: PROMPT_MAX_LENGTH,
    },
    {
      type: ApplicationCommandOptionType.Attachment,
      name: 'image',
      description: 'Input image, for image-to-video or image-to-3D models',
      required: false,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'params',
      description: 'Other parameters as a JSON object, e.g. {"aspectRatio":"16:9"}',
      required: false,
      max_length: PARAMS_MAX_LENGTH,
    },
  ],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

const paramsSchema = z.record(z.string(), z.unknown());

/** Parses the `params` option: a JSON object, or a message saying what is wrong with it. Pure. */
export function parseParams(
  raw: string | null,
): { ok: true; params: Record<string, unknown> } | { ok: false; message: string } {
  if (raw === null || raw.trim() === '') return { ok: true, params: {} };
  // Discord's max_length binds its own clients only.
  if (raw.length > PARAMS_MAX_LENGTH)
    return {
      ok: false,
      message: `\`params\` is ${raw.length} characters; keep it under ${PARAMS_MAX_LENGTH}.`,
    };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return {
      ok: false,
      message: `\`params\` is not valid JSON (${error instanceof Error ? error.message : 'parse error'}). Example: {"aspectRatio":"16:9","duration":"5"}`,
    };
  }
  const parsed = paramsSchema.safeParse(value);
  if (!parsed.success || Array.isArray(value))
    return {
      ok: false,
      message: '`params` must be a JSON object like {"aspectRatio":"16:9"}, not a list or a single value.',
    };
  for (const key of ['prompt', 'image']) {
    if (key in parsed.data)
      return {
        ok: false,
        message: `\`params\` must not contain "${key}": use the \`${key}\` option instead.`,
      };
  }
  return { ok: true, params: parsed.data };
}

/** A spec for a model we have no spec file for: it passes the user's parameters through. */
function passThroughSpec(modelId: string): ModelSpec {
  const known = knownModels.find((model) => model.id === modelId);
  return {
    id: modelId,
    label: known?.label ?? modelId,
    output: 'other',
    params: [],
    typicalDurationMs: 120_000,
    creditsPerOutput: known?.kind === '3d' ? 5 : 1,
    passThrough: true,
  };
}

export const generateCommand: ChatCommand = {
  kind: 'chat',
  data,
  async autocomplete(interaction) {
    const typed = interaction.options.getFocused().toLowerCase();
    const matches = knownModels
      .filter((model) => model.id.toLowerCase().includes(typed) || model.label.toLowerCase().includes(typed))
      .slice(0, 25)
      .map((model) => ({
        name: `${model.label} (${model.kind}) — ${model.id}`.slice(0, 100),
        value: model.id,
      }));
    await interaction.respond(matches);
  },
  async execute(interaction, deps, log) {
    const modelId = interaction.options.getString('model', true).trim();
    if (!MODEL_ID.test(modelId)) {
      return replyEphemeral(
        interaction,
        '`model` must be a Scenario model id like `model_meshy-txt23d`; pick one from the list.',
      );
    }
    const params = parseParams(interaction.options.getString('params'));
    if (!params.ok) return replyEphemeral(interaction, params.message);
    const prompt = interaction.options.getString('prompt', true);
    // Discord's max_length binds its own clients only: a request can carry 6000 characters.
    if (prompt.trim().length > PROMPT_MAX_LENGTH)
      return replyEphemeral(
        interaction,
        `\`prompt\` is ${prompt.trim().length} characters; keep it under ${PROMPT_MAX_LENGTH}.`,
      );
    const image = interaction.options.getAttachment('image');
    const attachments = image
      ? [
          {
            param: 'image',
            option: 'image',
            attachment: {
              url: image.url,
              name: image.name,
              size: image.size,
              contentType: image.contentType,
            },
          },
        ]
      : [];
    // The seed models have spec files: validate against them so only documented parameters are sent.
    const spec = modelSpecs.find((candidate) => candidate.id === modelId);
    if (spec) {
      const values: Record<string, string | number | boolean | undefined> = { prompt };
      for (const [key, value] of Object.entries(params.params)) {
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
          values[toSnakeCase(key)] = value;
        else
          return replyEphemeral(
            interaction,
            `\`params\`: "${key}" must be a string, number or boolean for ${spec.label}.`,
          );
      }
      return runGeneration(interaction, deps, log, { command: 'generate', spec, values, attachments });
    }
    await runGeneration(interaction, deps, log, {
      command: 'generate',
      spec: passThroughSpec(modelId),
      values: { prompt, ...params.params } as Record<string, string | number | boolean | undefined>,
      attachments,
    });
  },
};

function toSnakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
