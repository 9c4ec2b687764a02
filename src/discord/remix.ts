import {
  type APIModalInteractionResponseCallbackData,
  type Client,
  ComponentType,
  MessageFlags,
  type ModalSubmitInteraction,
  Routes,
  TextInputStyle,
} from 'discord.js';
import type { Logger } from 'pino';
import { specFor } from '../models/index.js';
import type { ModelSpec } from '../models/spec.js';
import type { Generation, GenerationLog } from '../services/jobs/generation-log.js';
import type { GenerationPipeline } from '../services/jobs/generation-pipeline.js';
import type { OnceKeys } from '../services/store/once.js';
import { DISCORD_ERROR, discordCode } from './discord-errors.js';
import { refusalText } from './messages-refusals.js';
import { REMIX_TEXT } from './messages-remix.js';
import { roleIdsOf } from './permissions.js';
import { REMIX_IDS, remixTarget, takesPrompt } from './remix-controls.js';
import { uploadLimitForTier } from './result-actions.js';
import { type ComponentHandler, replyEphemeral } from './router.js';
import { threadParentIdOf } from './thread-parent.js';

/** Discord: a text input holds at most 4,000 characters, prefilled or typed. */
const TEXT_INPUT_MAX = 4000;

export interface RemixDeps {
  pipeline: GenerationPipeline;
  generationLog: GenerationLog;
  /** Guards each modal submit (its interaction id) so a duplicate delivery starts nothing. */
  once: OnceKeys;
  client: Client;
  logger: Logger;
}

/** The longest text a parameter takes: the spec's limit, else Discord's. */
function maxLengthOf(spec: ModelSpec, name: string): number {
  const param = spec.params.find((candidate) => candidate.name === name);
  return Math.min(param?.kind === 'string' ? param.maxLength : TEXT_INPUT_MAX, TEXT_INPUT_MAX);
}

/** Whether the modal offers the negative prompt: the model has one, or the original request carried one. */
function hasNegativePrompt(spec: ModelSpec, generation: Generation): boolean {
  return (
    spec.params.some((param) => param.name === 'negativePrompt') ||
    typeof generation.body.negativePrompt === 'string'
  );
}

/** The Remix modal: the prompt prefilled, the negative prompt when the model has one, an empty seed. */
export function remixModal(generation: Generation): APIModalInteractionResponseCallbackData {
  const spec = specFor(generation.modelId);
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, TEXT_INPUT_MAX) : '');
  const prompt = text(generation.body.prompt);
  const negative = text(generation.body.negativePrompt);
  const components: APIModalInteractionResponseCallbackData['components'] = [
    {
      type: ComponentType.Label,
      label: REMIX_TEXT.promptLabel,
      component: {
        type: ComponentType.TextInput,
        custom_id: REMIX_IDS.prompt,
        style: TextInputStyle.Paragraph,
        required: true,
        min_length: 1,
        max_length: maxLengthOf(spec, 'prompt'),
        ...(prompt ? { value: prompt } : {}),
      },
    },
  ];
  if (hasNegativePrompt(spec, generation))
    components.push({
      type: ComponentType.Label,
      label: REMIX_TEXT.negativePromptLabel,
      component: {
        type: ComponentType.TextInput,
        custom_id: REMIX_IDS.negativePrompt,
        style: TextInputStyle.Paragraph,
        required: false,
        max_length: maxLengthOf(spec, 'negativePrompt'),
        ...(negative ? { value: negative } : {}),
      },
    });
  if (spec.seed)
    components.push({
      type: ComponentType.Label,
      label: REMIX_TEXT.seedLabel,
      component: {
        type: ComponentType.TextInput,
        custom_id: REMIX_IDS.seed,
        style: TextInputStyle.Short,
        required: false,
        max_length: String(spec.seed.max).length,
        placeholder: REMIX_TEXT.seedPlaceholder(generation.seed),
      },
    });
  return { custom_id: REMIX_IDS.modal(generation.id), title: REMIX_TEXT.modalTitle(spec.label), components };
}

/** A text input's value as submitted; undefined when the modal did not carry it. */
function fieldOf(interaction: ModalSubmitInteraction, customId: string): string | undefined {
  const field = interaction.fields.fields.get(customId);
  return field?.type === ComponentType.TextInput && typeof field.value === 'string' ? field.value : undefined;
}

/**
 * The original request with the member's edits: the same body except the prompt (and negative prompt)
 * and the seed (the one given, else none so a new one is drawn). Pure: a refusal in words, or the body.
 */
export function remixBody(
  generation: Generation,
  edits: { prompt: string | undefined; negativePrompt: string | undefined; seed: string | undefined },
): { ok: true; body: Record<string, unknown> } | { ok: false; message: string } {
  const spec = specFor(generation.modelId);
  const { seed: _previousSeed, ...body } = generation.body;
  const prompt = (edits.prompt ?? '').trim();
  if (prompt === '') return { ok: false, message: REMIX_TEXT.empty('prompt') };
  const promptMax = maxLengthOf(spec, 'prompt');
  if (prompt.length > promptMax)
    return { ok: false, message: REMIX_TEXT.tooLong('prompt', prompt.length, promptMax) };
  body.prompt = prompt;
  if (edits.negativePrompt !== undefined) {
    const negative = edits.negativePrompt.trim();
    const negativeMax = maxLengthOf(spec, 'negativePrompt');
    if (negative.length > negativeMax)
      return { ok: false, message: REMIX_TEXT.tooLong('negative_prompt', negative.length, negativeMax) };
    if (negative === '') delete body.negativePrompt;
    else body.negativePrompt = negative;
  }
  const seedText = (edits.seed ?? '').trim();
  if (seedText !== '' && spec.seed) {
    const seed = Number(seedText);
    if (!/^\d+$/.test(seedText) || seed < spec.seed.min || seed > spec.seed.max)
      return { ok: false, message: REMIX_TEXT.badSeed(spec.seed.min, spec.seed.max, seedText) };
    body.seed = seed;
  }
  return { ok: true, body };
}

/**
 * Remix: the button under a result opens a modal prefilled from the stored generation; submitting it runs
 * the original request with the edited text through the pipeline, charged to whoever submitted, posted as
 * a reply to the original. Works after a restart (everything comes from the store by generation id).
 */
export function createRemixHandler(deps: RemixDeps): ComponentHandler {
  const { client } = deps;

  /** Whether the result's message is gone (deleted, or its channel): a remix would reply to nothing. */
  const messageDeleted = async (generation: Generation): Promise<boolean> => {
    if (!generation.messageId) return false;
    try {
      await client.rest.get(Routes.channelMessage(generation.channelId, generation.messageId));
      return false;
    } catch (error) {
      const code = discordCode(error);
      return code === DISCORD_ERROR.unknownMessage || code === DISCORD_ERROR.unknownChannel;
    }
  };

  const submit = async (interaction: ModalSubmitInteraction<'cached' | 'raw'>, id: string) => {
    // One generation per submit, even when the same interaction arrives twice (or at two instances).
    if (!(await deps.once.claim(`remix:${interaction.id}`))) {
      deps.logger.debug({ interactionId: interaction.id }, 'duplicate remix submit ignored');
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const answer = (content: string) =>
      interaction.editReply({ content, allowedMentions: { parse: [] } }).then(() => undefined);
    const generation = await deps.generationLog.get(id);
    if (!generation || generation.guildId !== interaction.guildId) return answer(REMIX_TEXT.unknown);
    if (!generation.messageId) return answer(REMIX_TEXT.notPosted);
    const edited = remixBody(generation, {
      prompt: fieldOf(interaction, REMIX_IDS.prompt),
      negativePrompt: fieldOf(interaction, REMIX_IDS.negativePrompt),
      seed: fieldOf(interaction, REMIX_IDS.seed),
    });
    if (!edited.ok) return answer(edited.message);
    if (await messageDeleted(generation)) return answer(REMIX_TEXT.deleted);
    const outcome = await deps.pipeline.run({
      command: generation.command,
      modelId: generation.modelId,
      body: edited.body,
      files: [],
      requester: {
        guildId: interaction.guildId,
        channelId: generation.channelId,
        parentChannelId: await threadParentIdOf(interaction.client, generation.channelId),
        userId: interaction.user.id,
        roleIds: roleIdsOf(interaction.member),
      },
      reply: {
        kind: 'message',
        applicationId: interaction.applicationId,
        replyToMessageId: generation.messageId,
        attachmentSizeLimit: interaction.attachmentSizeLimit ?? uploadLimitForTier(0),
      },
      parentGenerationId: generation.id,
      lineage: 'remix',
    });
    if (!outcome.ok) return answer(refusalText(outcome.refusal));
    deps.logger.info(
      { parent: generation.id, userId: interaction.user.id, jobId: outcome.record.scenarioJobId },
      'remix submitted',
    );
    return answer(REMIX_TEXT.started);
  };

  return async function onRemix(interaction) {
    if (interaction.isModalSubmit()) {
      const id = remixTarget(interaction.customId, 'modal');
      if (!id) return false;
      await submit(interaction, id);
      return true;
    }
    const id = remixTarget(interaction.customId, 'button');
    if (!id) return false;
    const generation = await deps.generationLog.get(id);
    if (!generation || generation.guildId !== interaction.guildId) {
      await replyEphemeral(interaction, REMIX_TEXT.unknown);
      return true;
    }
    if (!takesPrompt(specFor(generation.modelId))) return false;
    // A modal must be the first answer, within Discord's 3 s: one store read before it.
    await interaction.showModal(remixModal(generation));
    return true;
  };
}
