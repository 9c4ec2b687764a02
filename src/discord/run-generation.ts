import type { ChatInputCommandInteraction, MessageContextMenuCommandInteraction } from 'discord.js';
import type { Logger } from 'pino';
import type { Deps } from '../commands/types.js';
import type { ModelSpec } from '../models/spec.js';
import { parseModelOptions } from '../models/spec.js';
import type { DiscordAttachment, FetchedImage } from '../services/assets/attachments.js';
import { progressMessage, refusalText, SCENARIO_ERROR_WORDS, TEXT } from './messages.js';
import { replyEphemeral } from './router.js';

type GenerationInteraction = ChatInputCommandInteraction | MessageContextMenuCommandInteraction;

export interface AttachmentInput {
  /** The Scenario parameter the asset goes to (`image`, `referenceImages`, `mask`). */
  param: string;
  /** The Discord option it came from, for messages. */
  option: string;
  attachment: DiscordAttachment;
}

export interface GenerationInput {
  command: string;
  spec: ModelSpec;
  values: Record<string, string | number | boolean | undefined>;
  attachments: AttachmentInput[];
  /** Check the mask against the first reference image (GPT Image 2 inpainting). */
  maskParam?: string;
}

const PLACEHOLDER_ASSET = 'asset_pending_upload';

/**
 * The flow every generation command shares: validate everything that costs nothing, acknowledge within
 * Discord's 3 s, reserve credits, turn attachments into Scenario assets, submit, show progress.
 * Every refusal is ephemeral and names what to change; nothing is spent unless Scenario accepted the job.
 */
export async function runGeneration(
  interaction: GenerationInteraction,
  deps: Deps,
  log: Logger,
  input: GenerationInput,
): Promise<void> {
  const { spec } = input;
  const guildId = interaction.guildId;
  if (!guildId) return;

  // 1. Pure checks before anything else: the options, and what Discord says about each attachment.
  const placeholderAssets: Record<string, string[]> = {};
  for (const item of input.attachments)
    placeholderAssets[item.param] = [...(placeholderAssets[item.param] ?? []), PLACEHOLDER_ASSET];
  const preview = buildBody(spec, input.values, placeholderAssets);
  if (!preview.ok) return replyEphemeral(interaction, preview.message);
  for (const item of input.attachments) {
    const check = deps.attachments.precheck(item.option, item.attachment);
    if (!check.ok) return replyEphemeral(interaction, check.message);
  }

  // 2. Acknowledge now: downloads, uploads and store calls may take longer than Discord's 3 s window.
  const deferred = await interaction.deferReply({ withResponse: true });
  const tokenIssuedAt = deps.clock.now();
  // Known now, so the reply can still be edited through the channel if the token stops working.
  const replyMessageId = deferred.resource?.message?.id;

  let allowed: boolean;
  try {
    allowed = await deps.settings.mayGenerate(guildId, interaction.channelId, memberRoleIds(interaction));
  } catch (error) {
    log.error({ err: error }, 'settings store unavailable');
    return replyEphemeral(interaction, TEXT.storageUnavailable);
  }
  if (!allowed) return replyEphemeral(interaction, TEXT.notAllowedHere);

  const outputs = outputCount(spec, preview.body);
  const credits = await deps.quota
    .costOf(guildId, spec.id, outputs)
    .catch(() => spec.creditsPerOutput * outputs);
  const reservation = await deps.generations.reserve({
    guildId,
    userId: interaction.user.id,
    credits,
    reason: input.command,
  });
  if (!reservation.ok) {
    const text = refusalText(reservation, credits, deps.config.MAX_RUNNING_JOBS_PER_USER);
    return replyEphemeral(interaction, text);
  }
  const refundAndTell = async (message: string) => {
    await deps.generations.cancelReservation(guildId, interaction.user.id, reservation.reservationId);
    await replyEphemeral(interaction, message);
  };

  // 3. Attachments: real bytes checked, then uploaded; the assetId (not the expiring URL) is what is kept.
  const assets: Record<string, string[]> = {};
  try {
    const fetched: FetchedImage[] = [];
    for (const item of input.attachments) {
      const first = fetched[0];
      const isMask = item.param === input.maskParam;
      const result = await deps.attachments.fetchImage(item.option, item.attachment, {
        requirePngAlpha: isMask,
        sameSizeAs:
          isMask && first ? { width: first.width, height: first.height, option: first.option } : undefined,
      });
      if (!result.ok) return refundAndTell(result.message);
      fetched.push(result.image);
    }
    for (const [index, image] of fetched.entries()) {
      const param = input.attachments[index]?.param;
      if (!param) continue;
      assets[param] = [...(assets[param] ?? []), await deps.attachments.upload(image)];
    }
  } catch (error) {
    log.warn({ err: error }, 'attachment upload failed');
    return refundAndTell(`Your image could not be sent to Scenario. ${SCENARIO_ERROR_WORDS.unavailable}`);
  }

  const parsed = buildBody(spec, input.values, assets);
  if (!parsed.ok) return refundAndTell(parsed.message);

  // 4. Submit and show the first progress message.
  const submitted = await deps.generations.submit(
    {
      command: input.command,
      modelId: spec.id,
      body: parsed.body,
      outputs,
      credits,
      seedRange: spec.seed ? { min: spec.seed.min, max: spec.seed.max } : undefined,
      guildId,
      channelId: interaction.channelId,
      userId: interaction.user.id,
      applicationId: interaction.applicationId,
      interactionToken: interaction.token,
      tokenIssuedAt,
      messageId: replyMessageId,
      attachmentSizeLimit: interaction.attachmentSizeLimit ?? 10 * 1024 * 1024,
    },
    reservation.reservationId,
  );
  if (!submitted.ok) {
    const text =
      submitted.reason === 'storage_unavailable'
        ? TEXT.storageUnavailable
        : submitted.error.kind === 'invalid' && submitted.error.details.scenarioMessage
          ? `${SCENARIO_ERROR_WORDS.invalid} ${submitted.error.details.scenarioMessage} Nothing was spent.`
          : SCENARIO_ERROR_WORDS[submitted.error.kind];
    return replyEphemeral(interaction, text);
  }
  const { record } = submitted;
  const message = await interaction
    .editReply({
      content: progressMessage({
        modelLabel: spec.label,
        state: 'submitted',
        progress: 0,
        elapsedMs: 0,
        body: record.body,
        seed: record.seed,
        userId: record.userId,
      }),
      allowedMentions: { parse: [] },
    })
    .catch((error) => {
      log.warn({ err: error }, 'could not show the first progress message');
      return undefined;
    });
  if (message && message.id !== replyMessageId)
    // The job is submitted and tracked: a store hiccup here must not surface as an error to the user.
    await deps.generations
      .attachMessage(record.id, message.id)
      .catch((error) => log.warn({ err: error }, 'could not record the reply message id'));
}

/** Spec models are validated against their spec; pass-through models (/generate) send what the user gave. */
function buildBody(
  spec: ModelSpec,
  values: GenerationInput['values'],
  assets: Record<string, string[]>,
): { ok: true; body: Record<string, unknown> } | { ok: false; message: string } {
  if (!spec.passThrough) return parseModelOptions(spec, { values, assets });
  const prompt = values.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '')
    return { ok: false, message: '`prompt` must not be empty.' };
  const image = assets.image?.[0];
  return { ok: true, body: { ...values, prompt: prompt.trim(), ...(image ? { image } : {}) } };
}

function outputCount(spec: ModelSpec, body: Record<string, unknown>): number {
  if (!spec.outputsParam) return 1;
  const value = body[spec.outputsParam];
  return typeof value === 'number' && value > 0 ? value : (spec.defaultOutputs ?? 1);
}

function memberRoleIds(interaction: GenerationInteraction): string[] {
  const roles = interaction.member?.roles;
  if (!roles) return [];
  return Array.isArray(roles) ? roles : [...roles.cache.keys()];
}
