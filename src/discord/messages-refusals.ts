/**
 * Why a generation did not start, in the bot's one voice: what happened, what the member can do, and
 * whether anything was spent.
 */
import type { AttachmentProblem } from '../services/assets/attachments.js';
import type { Refusal } from '../services/jobs/generation-pipeline.js';
import type { ScenarioErrorKind } from '../services/scenario/scenario-errors.js';
import { quoteUserText, TEXT } from './messages.js';
import { GENERATE_TEXT, maskProblemText, paramProblemText } from './messages-generate.js';

export const SCENARIO_ERROR_WORDS: Record<ScenarioErrorKind, string> = {
  auth: 'The bot cannot sign in to Scenario right now (an admin needs to check its API key). Nothing was spent.',
  forbidden: 'This model is not available in the Scenario plan the bot uses. Nothing was spent.',
  invalid: 'Scenario refused these options; change them and try again. Nothing was spent.',
  not_found: 'Scenario does not know this model or file; check the model id. Nothing was spent.',
  rate_limited: 'Scenario is busy right now (rate limit). Nothing was spent; try again in a minute.',
  concurrency: 'Too many generations are running at once on Scenario. Nothing was spent; try again shortly.',
  unavailable: 'Scenario is not answering right now. Nothing was spent; try again later.',
  timeout:
    'Scenario took too long to answer, so nothing was started. Nothing was spent; try again in a minute.',
  malformed: 'Scenario sent an answer the bot could not read. Nothing was spent from your quota.',
  too_large: 'The file is too large for Scenario; send a smaller one. Nothing was spent.',
  refused_url: 'Scenario answered with a link the bot does not open. Nothing was spent from your quota.',
};

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** What is wrong with an attached file, and what to do instead. */
export function attachmentProblemText(problem: AttachmentProblem): string {
  switch (problem.kind) {
    case 'bad_link':
      return 'that attachment link is not valid.';
    case 'foreign_host':
      return 'only files uploaded to Discord are accepted.';
    case 'too_large':
      return problem.size === undefined
        ? `the file is larger than ${megabytes(problem.max)}.`
        : `the file is ${megabytes(problem.size)}; the limit is ${megabytes(problem.max)}.`;
    case 'wrong_type':
      return `send a PNG, JPEG or WebP image (this file is ${problem.contentType}).`;
    case 'not_an_image':
      return 'this file is not a PNG, JPEG or WebP image (whatever its name says).';
    case 'too_many_pixels':
      return `the image is ${problem.width}×${problem.height}; use one under ${problem.maxPixels / 1_000_000} megapixels.`;
    case 'mask_without_alpha':
      return 'the mask must be a PNG with an alpha (transparency) channel; export it with transparency preserved.';
    case 'mask_format':
    case 'mask_without_reference':
      return maskProblemText(problem);
    case 'mask_size':
      return `the mask is ${problem.width}×${problem.height} but \`${problem.other.option}\` is ${problem.other.width}×${problem.other.height}; they must be the same size.`;
    case 'download_failed':
      return problem.status === undefined
        ? 'the file could not be downloaded from Discord; try uploading it again.'
        : `Discord did not serve the file (${problem.status}); try uploading it again.`;
  }
}

/** Why a generation did not start, in words for the member (commands answer it ephemerally, reactions by DM). */
export function refusalText(refusal: Refusal): string {
  switch (refusal.reason) {
    case 'guild_not_served':
      return TEXT.guildNotServed;
    case 'not_allowed_here':
      return refusal.why === 'channel'
        ? TEXT.notAllowedInChannel(refusal.allowedChannelIds)
        : TEXT.notAllowedForRoles(refusal.allowedRoleIds);
    case 'storage_unavailable':
      return TEXT.storageUnavailable;
    case 'too_many_running':
      return TEXT.tooManyRunning(refusal.maxRunning);
    case 'too_many_failed_attempts':
      return TEXT.tooManyFailedAttempts(refusal.retryAfterMs);
    case 'blocked':
      return TEXT.blocked;
    case 'quota_exhausted':
      return TEXT.quotaExhausted(refusal.quota, refusal.credits);
    case 'invalid_file':
      return `\`${refusal.option}\`: ${attachmentProblemText(refusal.problem)} Nothing was spent.`;
    case 'model_not_found':
      return GENERATE_TEXT.modelNotFound(refusal.modelId);
    case 'live_rule':
      return paramProblemText(refusal.problem, refusal.modelLabel, true);
    case 'upload_failed':
      return `Your image could not be sent to Scenario. ${SCENARIO_ERROR_WORDS.unavailable}`;
    case 'reply_unavailable':
      return TEXT.replyUnavailable;
    case 'scenario':
      return refusal.kind === 'invalid' && refusal.scenarioMessage
        ? `Scenario refused these options: “${quoteUserText(refusal.scenarioMessage, 300)}”. Change them and try again. Nothing was spent.`
        : SCENARIO_ERROR_WORDS[refusal.kind];
  }
}
