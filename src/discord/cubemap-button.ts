import { type Client, MessageFlags, Routes } from 'discord.js';
import type { Logger } from 'pino';
import type { CubemapService } from '../services/assets/cubemap-service.js';
import type { GuildSettingsService } from '../services/credits/guild-settings.js';
import type { QuotaLedger } from '../services/credits/quota-ledger.js';
import type { GenerationLog } from '../services/jobs/generation-log.js';
import { type CubemapUploads, parseCubemapButtonId, planCubemapUploads } from './cubemap-controls.js';
import { discordCode } from './discord-errors.js';
import { withFiles } from './message-posting.js';
import { clipMessage } from './messages.js';
import { CUBEMAP_TEXT } from './messages-cubemap.js';
import { uploadLimitForTier } from './result-actions.js';
import type { ComponentHandler } from './router.js';
import { mayGenerateWhereClicked } from './thread-parent.js';

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
    if (!(await mayGenerateWhereClicked(deps.settings, interaction))) {
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
    const uploads = planCubemapUploads(outcome.files, limit);
    if (uploads.messages.length === 0) {
      await say(CUBEMAP_TEXT.tooLargeForUpload(uploads.tooLarge, limit));
      return true;
    }
    const posted = await postReplies(deps, {
      channelId,
      messageId: interaction.message.id,
      userId: interaction.user.id,
      uploads,
      limit,
    });
    await say(posted ? CUBEMAP_TEXT.posted(outcome.reused) : CUBEMAP_TEXT.cannotPost);
    return true;
  };
}

/**
 * The files as replies to the result (one message unless they are more than one message takes), the first
 * saying what they are; files over the server's upload limit are named instead of attached.
 */
async function postReplies(
  deps: Pick<CubemapButtonDeps, 'client' | 'logger'>,
  reply: { channelId: string; messageId: string; userId: string; uploads: CubemapUploads; limit: number },
): Promise<boolean> {
  const { messages, tooLarge, split } = reply.uploads;
  const outputs = new Set(messages.flat().map((file) => file.output)).size;
  const intro = [CUBEMAP_TEXT.replyIntro(reply.userId, outputs)];
  if (split) intro.push(CUBEMAP_TEXT.splitForUpload);
  if (tooLarge.length > 0) intro.push(CUBEMAP_TEXT.tooLargeForUpload(tooLarge, reply.limit));
  for (const [index, files] of messages.entries()) {
    const body = {
      content: clipMessage(index === 0 ? intro.join('\n') : CUBEMAP_TEXT.continued),
      message_reference: { message_id: reply.messageId, fail_if_not_exists: false },
      attachments: files.map((file, id) => ({ id, filename: file.name })),
      // The member who clicked is named, not pinged; nobody else is either.
      allowed_mentions: { parse: [] },
    };
    const attached = files.map((file) => ({
      ...file,
      contentType: file.part === 'cross' ? 'image/png' : 'application/zip',
    }));
    try {
      await deps.client.rest.post(Routes.channelMessages(reply.channelId), await withFiles(body, attached));
    } catch (error) {
      deps.logger.warn({ code: discordCode(error), channelId: reply.channelId }, 'could not post a cubemap');
      return false;
    }
  }
  return true;
}
