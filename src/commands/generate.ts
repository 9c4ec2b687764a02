import { ApplicationCommandOptionType } from 'discord.js';
import { z } from 'zod';
import { type ArgsOf, readArgs } from '../discord/command-options.js';
import { TEXT } from '../discord/messages.js';
import { toDiscordAttachment } from '../discord/model-options.js';
import { replyEphemeral } from '../discord/router.js';
import { startGeneration } from '../discord/start-generation.js';
import { isModelId, PASS_THROUGH_CREDITS, specFor } from '../models/index.js';
import { knownModels } from '../models/known-models.js';
import { toSnakeCase } from '../models/spec.js';
import type { GenerationPipeline } from '../services/jobs/generation-pipeline.js';
import type { ChatCommand, ChatCommandData } from './types.js';

const PARAMS_MAX_LENGTH = 4000;
const PROMPT_MAX_LENGTH = 4000;

const data = {
  name: 'generate',
  description: `Run any Scenario model by id (video, audio, 3D, images) · ${PASS_THROUGH_CREDITS.other} credit, 3D models ${PASS_THROUGH_CREDITS['3d']}`,
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
} as const satisfies ChatCommandData;

const paramsSchema = z.record(z.string(), z.unknown());

/** Parses the `params` option: a JSON object, or a message saying what is wrong with it. Pure. */
export function parseParams(
  raw: string | undefined,
): { ok: true; params: Record<string, unknown> } | { ok: false; message: string } {
  if (raw === undefined || raw.trim() === '') return { ok: true, params: {} };
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

export const generateCommand: ChatCommand<{ pipeline: GenerationPipeline }> = {
  kind: 'chat',
  data,
  create: ({ pipeline }) => ({
    async autocomplete(interaction) {
      const typed = interaction.options.getFocused().toLowerCase();
      const matches = knownModels
        .filter(
          (model) => model.id.toLowerCase().includes(typed) || model.label.toLowerCase().includes(typed),
        )
        .slice(0, 25)
        .map((model) => ({
          name: `${model.label} (${model.kind}) — ${model.id}`.slice(0, 100),
          value: model.id,
        }));
      await interaction.respond(matches);
    },
    async execute(interaction) {
      const args = readArgs<ArgsOf<typeof data.options>>(interaction);
      const modelId = args.model.trim();
      if (!isModelId(modelId)) return replyEphemeral(interaction, TEXT.notAModelId);
      const params = parseParams(args.params);
      if (!params.ok) return replyEphemeral(interaction, params.message);
      // Discord's max_length binds its own clients only: a request can carry 6000 characters.
      if (args.prompt.trim().length > PROMPT_MAX_LENGTH)
        return replyEphemeral(
          interaction,
          `\`prompt\` is ${args.prompt.trim().length} characters; keep it under ${PROMPT_MAX_LENGTH}.`,
        );
      const files = args.image
        ? [{ param: 'image', option: 'image', attachment: toDiscordAttachment(args.image) }]
        : [];
      const spec = specFor(modelId);
      // Models with a spec file are validated against it (by Discord option name); others pass through.
      const values: Record<string, unknown> = { prompt: args.prompt };
      for (const [key, value] of Object.entries(params.params))
        values[spec.passThrough ? key : toSnakeCase(key)] = value;
      await startGeneration(interaction, pipeline, { command: 'generate', spec, values, files });
    },
  }),
};
