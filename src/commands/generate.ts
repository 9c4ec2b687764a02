import { ApplicationCommandOptionType } from 'discord.js';
import { z } from 'zod';
import { type ArgsOf, readArgs } from '../discord/command-options.js';
import { TEXT } from '../discord/messages.js';
import { paramProblemText } from '../discord/messages-generate.js';
import { refusalText } from '../discord/messages-refusals.js';
import { toDiscordAttachment } from '../discord/model-options.js';
import { replyEphemeral } from '../discord/router.js';
import { deferPublicly, type GenerationStarter, startGeneration } from '../discord/start-generation.js';
import { gptImage2 } from '../models/gpt-image-2.js';
import { isModelId, modelSpecs } from '../models/index.js';
import { planRequest } from '../models/live-schema.js';
import { FAMILY_CREDITS, specFromSchema } from '../models/live-spec.js';
import { toSnakeCase } from '../models/spec.js';
import type { FileInput } from '../services/jobs/generation-pipeline.js';
import type { ModelCatalog } from '../services/scenario/model-catalog.js';
import type { ChatCommand, ChatCommandData } from './types.js';

/**
 * A schema read (cached for minutes, but a first read waits its turn in the request budget) slower than
 * this defers the reply first, inside Discord's 3 s window; a refusal then replaces it privately.
 */
const DEFER_AFTER_MS = 1_500;
const PARAMS_MAX_LENGTH = 4000;
const PROMPT_MAX_LENGTH = 4000;
/** Attachment options `file_1` … `file_4`: `"@n"` in `params` names the n-th. */
const FILE_OPTIONS = ['file_1', 'file_2', 'file_3', 'file_4'] as const;

const fileOption = (name: (typeof FILE_OPTIONS)[number], description: string) =>
  ({ type: ApplicationCommandOptionType.Attachment, name, description, required: false }) as const;

const data = {
  name: 'generate',
  description: `Run any Scenario model with its own inputs, checked live · ${FAMILY_CREDITS.image} credit per output, 3D and video ${FAMILY_CREDITS['3d']}`,
  contexts: [0],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'model',
      description: 'Scenario model id, e.g. model_kling-v2-6-t2v-pro (pick from the list)',
      required: true,
      autocomplete: true,
      max_length: 120,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'prompt',
      description: 'What to generate (for models with a prompt input)',
      required: false,
      max_length: PROMPT_MAX_LENGTH,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'params',
      description: 'Inputs as JSON, e.g. {"duration":"5"}; files: {"image":"@1"} = file_1',
      required: false,
      max_length: PARAMS_MAX_LENGTH,
    },
    fileOption('file_1', 'A file for the model ("@1"); unmapped files fill its file inputs in order'),
    fileOption('file_2', 'A second file ("@2")'),
    fileOption('file_3', 'A third file ("@3")'),
    fileOption('file_4', 'A fourth file ("@4")'),
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
      message: `\`params\` is ${raw.length} characters; keep it under ${PARAMS_MAX_LENGTH}. Nothing was spent.`,
    };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return {
      ok: false,
      message: `\`params\` is not valid JSON (${error instanceof Error ? error.message : 'parse error'}). Example: {"aspectRatio":"16:9","duration":"5"}. Nothing was spent.`,
    };
  }
  const parsed = paramsSchema.safeParse(value);
  if (!parsed.success || Array.isArray(value))
    return {
      ok: false,
      message:
        '`params` must be a JSON object like {"aspectRatio":"16:9"}, not a list or a single value. Nothing was spent.',
    };
  if ('prompt' in parsed.data)
    return { ok: false, message: '`params` must not contain "prompt": use the `prompt` option instead.' };
  return { ok: true, params: parsed.data };
}

export const generateCommand: ChatCommand<GenerationStarter & { models: ModelCatalog }> = {
  kind: 'chat',
  data,
  create: (starter) => ({
    async autocomplete(interaction) {
      const typed = interaction.options.getFocused().toLowerCase();
      const matches = (await starter.models.list())
        .filter((model) => `${model.id} ${model.name ?? ''}`.toLowerCase().includes(typed))
        .slice(0, 25)
        .map((model) => ({
          name: `${model.name ?? model.id}${model.type ? ` (${model.type})` : ''} — ${model.id}`.slice(
            0,
            100,
          ),
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
      const prompt = args.prompt?.trim();
      // Discord's max_length binds its own clients only: a request can carry 6000 characters.
      if (prompt && prompt.length > PROMPT_MAX_LENGTH)
        return replyEphemeral(
          interaction,
          `\`prompt\` is ${prompt.length} characters; keep it under ${PROMPT_MAX_LENGTH}.`,
        );
      const attached = FILE_OPTIONS.flatMap((option) => {
        const attachment = args[option];
        return attachment ? [{ option, attachment: toDiscordAttachment(attachment) }] : [];
      });

      if (!interaction.guildId) return;
      const requester = { guildId: interaction.guildId, userId: interaction.user.id };
      let acknowledged: Promise<{ messageId?: string }> | undefined;
      // Real time on purpose: Discord's window is wall-clock time, whatever clock the services use.
      const slow = setTimeout(() => {
        acknowledged = deferPublicly(interaction);
      }, DEFER_AFTER_MS);
      const lookup = await starter.pipeline.liveSchema(requester, modelId).finally(() => clearTimeout(slow));
      // A deferral under way must have landed before a refusal replaces it.
      await acknowledged;
      if (!lookup.ok) return replyEphemeral(interaction, refusalText(lookup.refusal));
      const seedSpec = modelSpecs.find((spec) => spec.id === modelId);
      const spec = seedSpec ?? specFromSchema(lookup.schema);
      const plan = planRequest(lookup.schema, {
        prompt,
        params: params.params,
        attachments: attached.length,
      });
      if (!plan.ok) return replyEphemeral(interaction, paramProblemText(plan.problem, spec.label));

      const files: FileInput[] = plan.files.flatMap(({ param, attachment }) => {
        const file = attached[attachment];
        return file ? [{ param, ...file }] : [];
      });
      const maskParam = seedSpec === gptImage2 ? 'mask' : undefined;
      // The mask is checked against the first reference: references first, mask last.
      files.sort((a, b) => Number(a.param === maskParam) - Number(b.param === maskParam));
      // A seed model is checked by its spec too (by option name), so its body is its own command's.
      const values = seedSpec
        ? Object.fromEntries(Object.entries(plan.body).map(([key, value]) => [toSnakeCase(key), value]))
        : plan.body;
      await startGeneration(interaction, starter, {
        command: 'generate',
        spec,
        values,
        files,
        maskParam,
        acknowledged,
      });
    },
  }),
};
