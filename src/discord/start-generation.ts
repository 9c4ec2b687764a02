import type { ChatInputCommandInteraction, MessageContextMenuCommandInteraction } from 'discord.js';
import { buildRequestBody } from '../models/index.js';
import { type ModelSpec, toSnakeCase } from '../models/spec.js';
import type { FileInput, GenerationPipeline } from '../services/jobs/generation-pipeline.js';
import { type MemberDefaults, withDefaults } from '../services/members/member-defaults.js';
import { refusalText } from './messages-refusals.js';
import { roleIdsOf } from './permissions.js';
import { uploadLimitForTier } from './result-actions.js';
import { replyEphemeral } from './router.js';
import { threadParentId } from './thread-parent.js';

type GenerationInteraction = ChatInputCommandInteraction | MessageContextMenuCommandInteraction;

/** What a model command needs to start a generation: the pipeline, and the members' defaults it fills in. */
export interface GenerationStarter {
  pipeline: GenerationPipeline;
  memberDefaults: MemberDefaults;
}

export interface GenerationInput {
  command: string;
  spec: ModelSpec;
  /** Discord option values by option name (pass-through models: Scenario parameters as given). */
  values: Record<string, unknown>;
  files: FileInput[];
  maskParam?: string;
  /** The reply was already deferred (a slow step before the pipeline): its message is the job's. */
  acknowledged?: Promise<{ messageId?: string }>;
}

/**
 * Acknowledges the interaction with a public "thinking…" reply that becomes the job's message. Downloads,
 * uploads and store calls may take longer than Discord's 3 s window.
 */
export async function deferPublicly(interaction: GenerationInteraction): Promise<{ messageId?: string }> {
  const deferred = await interaction.deferReply({ withResponse: true });
  // Known now, so the reply can still be edited through the channel if the token stops working.
  return { messageId: deferred.resource?.message?.id };
}

/** Stands for an asset while the options are checked: counts matter, ids come after the upload. */
const PENDING_ASSET = 'asset_pending_upload';

/**
 * A command or context menu starts a generation: every option the member did not give takes their
 * `/defaults` value for the model (the one place defaults are applied; an explicit option always wins,
 * and rerolls and remixes repeat the body as sent instead). The options are then checked (a refusal costs
 * nothing and needs no acknowledgement, and a default is checked exactly as a typed value), and the
 * pipeline runs with the deferred reply as the job's message. What the pipeline refuses is answered so
 * only the member sees it.
 */
export async function startGeneration(
  interaction: GenerationInteraction,
  { pipeline, memberDefaults }: GenerationStarter,
  input: GenerationInput,
): Promise<void> {
  const guildId = interaction.guildId;
  if (!guildId) return;
  const pendingAssets: Record<string, string[]> = {};
  for (const file of input.files)
    pendingAssets[file.param] = [...(pendingAssets[file.param] ?? []), PENDING_ASSET];
  const defaults = await memberDefaults.forModel(guildId, interaction.user.id, input.spec.id);
  const { values, fromDefaults } = withDefaults(input.values, defaults);
  const built = buildRequestBody(input.spec, values, pendingAssets);
  if (!built.ok) return replyEphemeral(interaction, built.message);
  // The pipeline adds the real asset ids once the files are checked and uploaded.
  const body = Object.fromEntries(Object.entries(built.body).filter(([key]) => !(key in pendingAssets)));

  const outcome = await pipeline.run({
    command: input.command,
    modelId: input.spec.id,
    body,
    files: input.files,
    maskParam: input.maskParam,
    fromDefaults: fromDefaults.map((option) => paramNameOf(input.spec, option)),
    requester: {
      guildId,
      channelId: interaction.channelId,
      parentChannelId: threadParentId(interaction.channel),
      userId: interaction.user.id,
      roleIds: roleIdsOf(interaction.member),
    },
    reply: {
      kind: 'interaction',
      applicationId: interaction.applicationId,
      token: interaction.token,
      // When the interaction does not say: the limit of a server without boosts.
      attachmentSizeLimit: interaction.attachmentSizeLimit ?? uploadLimitForTier(0),
      acknowledge() {
        return input.acknowledged ?? deferPublicly(interaction);
      },
    },
  });
  if (!outcome.ok && outcome.refusal.reason !== 'guild_not_served')
    await replyEphemeral(interaction, refusalText(outcome.refusal));
}

/** The body parameter an option fills: its camelCase name for a spec, the key as given for a pass-through model. */
function paramNameOf(spec: ModelSpec, option: string): string {
  return spec.params.find((param) => toSnakeCase(param.name) === option)?.name ?? option;
}
