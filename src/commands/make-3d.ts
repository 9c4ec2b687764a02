import { ApplicationCommandType, type RESTPostAPIContextMenuApplicationCommandsJSONBody } from 'discord.js';
import { replyEphemeral } from '../discord/router.js';
import { runGeneration } from '../discord/run-generation.js';
import { pixal3d } from '../models/pixal3d.js';
import type { MessageMenuCommand } from './types.js';

const data = {
  name: 'Make 3D model',
  type: ApplicationCommandType.Message,
  contexts: [0],
} satisfies RESTPostAPIContextMenuApplicationCommandsJSONBody;

/** Right-click a message with an image → Pixal3D with its defaults on the first image. */
export const make3dCommand: MessageMenuCommand = {
  kind: 'message-menu',
  data,
  async execute(interaction, deps, log) {
    const image = interaction.targetMessage.attachments.find(
      (attachment) =>
        attachment.contentType?.startsWith('image/') ?? /\.(png|jpe?g|webp)$/i.test(attachment.name),
    );
    if (!image)
      return replyEphemeral(interaction, 'That message has no image attachment to turn into a 3D model.');
    await runGeneration(interaction, deps, log, {
      command: 'to3d',
      spec: pixal3d,
      values: {},
      attachments: [
        {
          param: 'image',
          option: 'image',
          attachment: { url: image.url, name: image.name, size: image.size, contentType: image.contentType },
        },
      ],
    });
  },
};
