import { type Client, MessageFlags, Routes } from 'discord.js';
import type { Logger } from 'pino';
import type { CubemapFile, CubemapService } from '../services/assets/cubemap-service.js';
import type { GuildSettingsService } from '../services/credits/guild-settings.js';
import type { QuotaLedger } from '../services/credits/quota-ledger.js';
import type { GenerationLog } from '../services/jobs/generation-log.js';
import { parseCubemapButtonId } from './cubemap-controls.js';
import { discordCode } from './discord-errors.js';
import { withFiles } from './job-messenger.js';
import { clipMessage } from './messages.js';
import { CUBEMAP_TEXT } from './messages-cubemap.js';
import { roleIdsOf } from './permissions.js';
import { uploadLimitForTier } from './result-actions.js';
import type { ComponentHandler } from './router.js';

export interface CubemapButtonDeps {
  cubemaps: CubemapService;
  generationLog: GenerationLog;
  settings: GuildSettingsService;
  /** Whether a moderator has paused the member (`/quota block`): no cubemaps either, though they are free. */
  quota: Pick<QuotaLedger, 'status'>;
  client: Client;
  logger: Logger;
}

/**
 * A click on a skybox result's Cubemap button: for members who may generate in that channel, the result's
 * panoramas as cube faces, posted as a reply to the result for the channel to see. Made locally (no
 * generate call, no credits); the answer while it works and any refusal are private.
 */
export function createCubemapButtonHandler(deps: CubemapButtonDeps): ComponentHandler {
  return async function onCubemap(interaction) {
    if (!interaction.isButton()) return false;
    const generationId = parseCubemapButtonId(interaction.customId);
    if (generationId === undefined) return false;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const say = (content: string) => interaction.editReply({ content, allowedMentions: { parse: [] } });
    const { guildId, channelId } = interaction;
    const generation = await deps.generationLog.get(generationId);
    // The id must name the result this button sits under: a forged id cannot reach another result's files.
    if (!generation || generation.guildId !== guildId || generation.messageId !== interaction.message.id) {
      await say(CUBEMAP_TEXT.notThisResult);
      return true;
    }
    if (!(await deps.settings.mayGenerate(guildId, channelId, roleIdsOf(interaction.member)))) {
      await say(CUBEMAP_TEXT.notAllowedHere);
      return true;
    }
    if ((await deps.quota.status(guildId, interaction.user.id)).blocked) {
      await say(CUBEMAP_TEXT.blocked);
      return true;
    }
    await say(CUBEMAP_TEXT.working);
    const outcome = await deps.cubemaps.make(generation);
    if (!outcome.ok) {
      await say(CUBEMAP_TEXT.failed(outcome.reason));
      return true;
    }
    const limit = interaction.attachmentSizeLimit ?? uploadLimitForTier(0);
    const posted = await postReply(deps, {
      channelId,
      messageId: interaction.message.id,
      userId: interaction.user.id,
      files: outcome.files,
      limit,
    });
    await say(posted ? CUBEMAP_TEXT.posted(outcome.reused) : CUBEMAP_TEXT.cannotPost);
    return true;
  };
}

/** The zips as a reply to the result; a zip over the server's upload limit is named instead of attached. */
async function postReply(
  deps: Pick<CubemapButtonDeps, 'client' | 'logger'>,
  reply: { channelId: string; messageId: string; userId: string; files: CubemapFile[]; limit: number },
): Promise<boolean> {
  const fits = reply.files.filter((file) => file.size <= reply.limit);
  const tooLarge = reply.files.filter((file) => file.size > reply.limit);
  const lines = [CUBEMAP_TEXT.replyIntro(reply.userId, reply.files.length)];
  if (tooLarge.length > 0) lines.push(CUBEMAP_TEXT.tooLargeForUpload(tooLarge, reply.limit));
  const body = {
    content: clipMessage(lines.join('\n')),
    message_reference: { message_id: reply.messageId, fail_if_not_exists: false },
    attachments: fits.map((file, id) => ({ id, filename: file.name })),
    // The member who clicked is named, not pinged; nobody else is either.
    allowed_mentions: { parse: [] },
  };
  const files = fits.map((file) => ({ ...file, contentType: 'application/zip' }));
  try {
    await deps.client.rest.post(Routes.channelMessages(reply.channelId), await withFiles(body, files));
    return true;
  } catch (error) {
    deps.logger.warn({ code: discordCode(error), channelId: reply.channelId }, 'could not post a cubemap');
    return false;
  }
}
