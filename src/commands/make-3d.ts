import { ApplicationCommandType } from 'discord.js';
import { toDiscordAttachment } from '../discord/model-options.js';
import { replyEphemeral } from '../discord/router.js';
import { type GenerationStarter, startGeneration } from '../discord/start-generation.js';
import { pixal3d } from '../models/pixal3d.js';
import type { MessageMenuCommand, MessageMenuCommandData } from './types.js';

const data = {
  name: 'Make 3D model',
  type: ApplicationCommandType.Message,
  contexts: [0],
} as const satisfies MessageMenuCommandData;

/** Right-click a message with an image → Pixal3D with its defaults on the first image. */
export const make3dCommand: MessageMenuCommand<GenerationStarter> = {
  kind: 'message-menu',
  data,
  create: (starter) => ({
    async execute(interaction) {
      const image = interaction.targetMessage.attachments.find(
        (attachment) =>
          attachment.contentType?.startsWith('image/') ?? /\.(png|jpe?g|webp)$/i.test(attachment.name),
      );
      if (!image)
        return replyEphemeral(interaction, 'That message has no image attachment to turn into a 3D model.');
      await startGeneration(interaction, starter, {
        command: 'to3d',
        spec: pixal3d,
        values: {},
        files: [
          {
            param: 'image',
            option: 'image',
            attachment: toDiscordAttachment(image),
          },
        ],
      });
    },
  }),
};
