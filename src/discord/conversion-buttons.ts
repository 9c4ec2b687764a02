import { MessageFlags, type REST, Routes } from 'discord.js';
import type { Logger } from 'pino';
import type { GuildSettingsService } from '../services/credits/guild-settings.js';
import type { OutgoingFile } from '../services/jobs/job-messenger.js';
import type {
  ConversionFormat,
  ConversionOutcome,
  LinkedConversion,
  ModelConversions,
} from '../services/models3d/model-conversions.js';
import { parseConversionId } from './conversion-controls.js';
import { DISCORD_ERROR, discordCode } from './discord-errors.js';
import { withFiles } from './message-posting.js';
import { clipMessage } from './messages.js';
import { TEXT_3D } from './messages-3d.js';
import { uploadLimitForTier } from './result-actions.js';
import type { ComponentHandler } from './router.js';
import { mayGenerateWhereClicked } from './thread-parent.js';

/**
 * A click on a conversion button: refused privately to members who may not generate in this channel,
 * answered privately while Scenario converts, then the file is posted as a reply to the result (visible to
 * the channel). A second click of the same format points to the earlier reply instead of converting again.
 */
export function createConversionButtonHandler(deps: {
  conversions: ModelConversions;
  settings: GuildSettingsService;
  rest: REST;
  logger: Logger;
}): ComponentHandler {
  return async function onConversionButton(interaction) {
    if (!interaction.isButton()) return false;
    const parsed = parseConversionId(interaction.customId);
    if (!parsed) return false;
    const { generationId, format } = parsed;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const say = (content: string) =>
      interaction.editReply({ content: clipMessage(content), allowedMentions: { parse: [] } });
    const { guildId } = interaction;
    if (!(await mayGenerateWhereClicked(deps.settings, interaction))) {
      await say(TEXT_3D.notAllowed);
      return true;
    }
    await say(TEXT_3D.converting(format));
    const request = {
      generationId,
      guildId,
      // A button copied onto another message, or a forged id: only the result's own buttons convert it.
      messageId: interaction.message.id,
      format,
      uploadLimit: interaction.attachmentSizeLimit ?? uploadLimitForTier(0),
    };
    let outcome = await deps.conversions.convert(request);
    if (outcome.ok && outcome.kind === 'posted') {
      const { channelId: where, messageId } = outcome;
      const stillThere = await deps.rest.get(Routes.channelMessage(where, messageId)).then(
        () => true,
        () => false,
      );
      if (stillThere) {
        await say(
          TEXT_3D.alreadyConverted(format, `https://discord.com/channels/${guildId}/${where}/${messageId}`),
        );
        return true;
      }
      outcome = await deps.conversions.convert({ ...request, repost: true });
    }
    await say(await post(outcome, format, interaction.user.id));
    return true;
  };

  /** Posts the converted files under the result; returns what the member is told. */
  async function post(outcome: ConversionOutcome, format: ConversionFormat, userId: string): Promise<string> {
    if (!outcome.ok) {
      if (outcome.reason === 'unknown') return TEXT_3D.unknownResult;
      if (outcome.reason === 'unavailable') return TEXT_3D.unavailable(format);
      if (outcome.reason === 'busy') return TEXT_3D.busy(format);
      return TEXT_3D.failed(format);
    }
    if (outcome.kind !== 'files') return TEXT_3D.failed(format);
    const { record, files, linked } = outcome;
    const reply = async (attached: readonly OutgoingFile[], links: readonly LinkedConversion[]) => {
      const body = {
        content: clipMessage(TEXT_3D.posted(format, userId, links)),
        message_reference: { message_id: record.messageId, fail_if_not_exists: false },
        attachments: attached.map((file, id) => ({ id, filename: file.name })),
        allowed_mentions: { parse: [], users: [userId] },
      };
      return (await deps.rest.post(
        Routes.channelMessages(record.channelId),
        await withFiles(body, attached),
      )) as {
        id: string;
      };
    };
    try {
      const message = await reply(files, linked).catch((error: unknown) => {
        // Discord refused the upload after all (a limit lower than the interaction said): Scenario's links.
        if (discordCode(error) !== DISCORD_ERROR.requestEntityTooLarge) throw error;
        const asLinks = files.map((file) => ({ name: file.name, url: file.link?.url ?? '' }));
        return reply([], [...linked, ...asLinks.filter((link) => link.url)]);
      });
      await deps.conversions.rememberPosted(record.generationId, format, message.id);
      deps.logger.info(
        { generationId: record.generationId, format, messageId: message.id },
        'conversion posted',
      );
      return TEXT_3D.converted(format);
    } catch (error) {
      deps.logger.warn(
        { code: discordCode(error), generationId: record.generationId, format },
        'could not post a conversion',
      );
      return TEXT_3D.cannotPost;
    } finally {
      await outcome.dispose();
    }
  }
}
