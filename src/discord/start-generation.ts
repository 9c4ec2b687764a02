import type { ChatInputCommandInteraction, MessageContextMenuCommandInteraction } from 'discord.js';
import { buildRequestBody } from '../models/index.js';
import type { ModelSpec } from '../models/spec.js';
import type { FileInput, GenerationPipeline } from '../services/jobs/generation-pipeline.js';
import { refusalText } from './messages-refusals.js';
import { roleIdsOf } from './permissions.js';
import { uploadLimitForTier } from './result-actions.js';
import { replyEphemeral } from './router.js';
import { threadParentId } from './thread-parent.js';

type GenerationInteraction = ChatInputCommandInteraction | MessageContextMenuCommandInteraction;

export interface GenerationInput {
  command: string;
  spec: ModelSpec;
  /** Discord option values by option name (pass-through models: Scenario parameters as given). */
  values: Record<string, unknown>;
  files: FileInput[];
  maskParam?: string;
}

/** Stands for an asset while the options are checked: counts matter, ids come after the upload. */
const PENDING_ASSET = 'asset_pending_upload';

/**
 * A command or context menu starts a generation: its options are checked (a refusal costs nothing and
 * needs no acknowledgement), then the pipeline runs with the deferred reply as the job's message. What
 * the pipeline refuses is answered so only the member sees it.
 */
export async function startGeneration(
  interaction: GenerationInteraction,
  pipeline: GenerationPipeline,
  input: GenerationInput,
): Promise<void> {
  const guildId = interaction.guildId;
  if (!guildId) return;
  const pendingAssets: Record<string, string[]> = {};
  for (const file of input.files)
    pendingAssets[file.param] = [...(pendingAssets[file.param] ?? []), PENDING_ASSET];
  const built = buildRequestBody(input.spec, input.values, pendingAssets);
  if (!built.ok) return replyEphemeral(interaction, built.message);
  // The pipeline adds the real asset ids once the files are checked and uploaded.
  const body = Object.fromEntries(Object.entries(built.body).filter(([key]) => !(key in pendingAssets)));

  const outcome = await pipeline.run({
    command: input.command,
    modelId: input.spec.id,
    body,
    files: input.files,
    maskParam: input.maskParam,
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
      async acknowledge() {
        // Downloads, uploads and store calls may take longer than Discord's 3 s window.
        const deferred = await interaction.deferReply({ withResponse: true });
        // Known now, so the reply can still be edited through the channel if the token stops working.
        return { messageId: deferred.resource?.message?.id };
      },
    },
  });
  if (!outcome.ok && outcome.refusal.reason !== 'guild_not_served')
    await replyEphemeral(interaction, refusalText(outcome.refusal));
}
