import type { CubemapOutcome } from '../services/assets/cubemap-service.js';
import { formatBytes } from './messages.js';

/** The words for the Cubemap button (made locally: never a generation, never credits). */
export const CUBEMAP_TEXT = {
  working: '🧊 Making the cubemap… it will be posted as a reply to the result. No credits are used.',
  posted: (reused: boolean) =>
    reused
      ? '🧊 Posted the cubemap made earlier for this result. No credits were used.'
      : '🧊 Cubemap posted as a reply to the result. No credits were used.',
  notThisResult:
    'This button does not belong to a result the bot still has on record (results are kept for a limited time), so there is nothing to convert.',
  notAllowedHere:
    'Cubemaps are made for members who may generate in this channel; generation is not enabled here or for your roles.',
  blocked: 'A moderator has paused generation for you in this server, and cubemaps with it.',
  cannotPost:
    'The bot could not post the cubemap in this channel (it may lack the Send Messages or Attach Files permission). No credits were used.',
  replyIntro: (userId: string, outputs: number) =>
    `🧊 Cubemap for <@${userId}>${outputs > 1 ? ', one per output' : ''}: six faces (front, right, back, left, up, down) and cross.png, the horizontal cross. Front is the middle of the panorama.`,
  splitForUpload:
    "The whole zip is over this server's upload limit, so the six faces (`-faces.zip`) and the cross (`-cross.png`) come as separate files.",
  continued: '🧊 Cubemap, continued.',
  tooLargeForUpload: (files: { name: string; size: number }[], limit: number) =>
    files
      .map(
        (file) =>
          `⚠️ \`${file.name}\` is ${formatBytes(file.size)}, over this server's ${formatBytes(limit)} upload limit, so it was not attached. No credits were used.`,
      )
      .join('\n'),
  failed: (reason: Extract<CubemapOutcome, { ok: false }>['reason']) => CUBEMAP_FAILURES[reason],
};

const CUBEMAP_FAILURES: Record<Extract<CubemapOutcome, { ok: false }>['reason'], string> = {
  gone: 'Scenario no longer has this result’s panorama, so no cubemap can be made from it. No credits were used.',
  unavailable:
    'Scenario or its file links did not answer, so the panorama could not be read. Nothing was spent; try the button again in a moment.',
  unreadable:
    'The panorama Scenario returned is not a readable image (the file is damaged), so no cubemap was made. No credits were used.',
  too_large: 'The panorama is larger than the bot downloads, so no cubemap was made. No credits were used.',
};
