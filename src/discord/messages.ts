/**
 * Every sentence a Discord user reads, in one place so the bot speaks with one voice.
 * Pure functions: they take facts and return text.
 */
import { creditsPerOutput, modelLabel } from '../models/index.js';
import { knownModels } from '../models/known-models.js';
import type { AttachmentProblem } from '../services/assets/attachments.js';
import type { QuotaLine } from '../services/credits/quota-adapter.js';
import type { Refusal } from '../services/jobs/generation-pipeline.js';
import type { FailureCause, LinkedFile } from '../services/jobs/job-messenger.js';
import type { ScenarioErrorKind } from '../services/scenario/scenario-errors.js';

const BAR_SLOTS = 12;

export function progressBar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_SLOTS);
  return `${'▰'.repeat(filled)}${'▱'.repeat(BAR_SLOTS - filled)} ${Math.round(fraction * 100)}%`;
}

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

/** Shortens user text for display and stops it from pinging or breaking formatting. */
export function quoteUserText(text: string, max = 180): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  // Cut before, not inside, a surrogate pair (an emoji): half of one is malformed text for Discord.
  const cut = /[\ud800-\udbff]/.test(oneLine.charAt(max - 2)) ? max - 2 : max - 1;
  const short = oneLine.length > max ? `${oneLine.slice(0, cut)}…` : oneLine;
  return short.replace(/([`*_~|>\\])/g, '\\$1').replace(/@/g, '@\u200b');
}

/** A compact view of the request body: prompt first, then the other parameters. */
export function summariseParameters(body: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === 'prompt' || key === 'seed') continue;
    if (Array.isArray(value)) parts.push(`${key}: ${value.length}`);
    else if (typeof value === 'string' && value.startsWith('asset_')) parts.push(`${key}: attached`);
    else parts.push(`${key}: ${quoteUserText(String(value), 40)}`);
  }
  const prompt = typeof body.prompt === 'string' ? `“${quoteUserText(body.prompt)}”` : undefined;
  return [prompt, parts.join(' · ')].filter((part) => part && part.length > 0).join('\n> ');
}

const STATE_WORDS: Record<string, string> = {
  submitting: 'sending to Scenario',
  submitted: 'queued',
  pending: 'queued',
  queued: 'queued',
  'warming-up': 'warming up',
  'in-progress': 'generating',
  finalizing: 'finishing',
  running: 'generating',
  delivering: 'uploading the result',
};

export interface ProgressView {
  modelLabel: string;
  state: string;
  progress: number;
  elapsedMs: number;
  body: Record<string, unknown>;
  seed: number | undefined;
  userId: string;
}

export function progressMessage(view: ProgressView): string {
  return [
    `**${view.modelLabel}** for <@${view.userId}> · ${STATE_WORDS[view.state] ?? view.state}`,
    `\`${progressBar(view.progress)}\` · ${formatDuration(view.elapsedMs)} elapsed`,
    `> ${summariseParameters(view.body)}`,
    view.seed === undefined ? undefined : `seed \`${view.seed}\``,
  ]
    .filter(Boolean)
    .join('\n');
}

export function quotaLine(quota: QuotaLine): string {
  return `${quota.remaining} of ${quota.limit} credits left, resets <t:${Math.floor(quota.resetsAt.getTime() / 1000)}:R>`;
}

export interface ResultView {
  modelLabel: string;
  userId: string;
  elapsedMs: number;
  body: Record<string, unknown>;
  seed: number | undefined;
  creditsSpent: number;
  quota: QuotaLine | undefined;
  notAttached: LinkedFile[];
  missing: number;
}

/** Why a result file is linked rather than attached. */
const NOT_ATTACHED_WORDS: Record<LinkedFile['why'], string> = {
  upload_limit: 'more than this server accepts as an upload',
  job_total: "more than fits beside this result's other files",
};

export function resultMessage(view: ResultView): string {
  const lines = [
    `**${view.modelLabel}** for <@${view.userId}> · done in ${formatDuration(view.elapsedMs)}`,
    `> ${summariseParameters(view.body)}`,
    `${view.seed === undefined ? 'no seed (this model has none)' : `seed \`${view.seed}\``} · ${view.creditsSpent} credit${view.creditsSpent === 1 ? '' : 's'}${view.quota ? ` · ${quotaLine(view.quota)}` : ''}`,
  ];
  for (const file of view.notAttached) {
    lines.push(
      `📦 \`${file.name}\` is ${formatBytes(file.size)}, ${NOT_ATTACHED_WORDS[file.why]}: [download it from Scenario](${file.url})${file.expires ? ` (link expires <t:${Math.floor(Date.parse(file.expires) / 1000)}:R>)` : ''}`,
    );
  }
  if (view.missing > 0)
    lines.push(
      `⚠️ ${view.missing} result file${view.missing === 1 ? '' : 's'} could not be downloaded from Scenario.`,
    );
  lines.push('🔄 reroll with a new seed · ❌ delete (buttons below, or react)');
  return lines.join('\n');
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${bytes} B`;
}

export function failureMessage(view: {
  modelLabel: string;
  userId: string;
  error?: string;
  hint?: string;
  /** What went wrong when it was not Scenario's job that failed. */
  cause?: FailureCause;
  refunded: number;
}): string {
  const cause = view.cause ? FAILURE_CAUSE_WORDS[view.cause] : undefined;
  const hint = view.hint ? quoteUserText(view.hint, 300) : cause?.hint;
  return [
    `**${view.modelLabel}** for <@${view.userId}> · ❌ failed`,
    cause?.explanation ??
      (view.error ? `Scenario said: ${quoteUserText(view.error, 300)}` : 'Scenario did not say why.'),
    hint ? `Hint: ${hint}` : undefined,
    view.refunded > 0
      ? `Your ${view.refunded} credit${view.refunded === 1 ? ' was' : 's were'} refunded.`
      : undefined,
  ]
    .filter(Boolean)
    .join('\n');
}

export function stuckMessage(view: {
  modelLabel: string;
  userId: string;
  elapsedMs: number;
  refunded: number;
}): string {
  return `**${view.modelLabel}** for <@${view.userId}> · ⏳ still not finished after ${formatDuration(view.elapsedMs)}; the bot stopped waiting for it. ${view.refunded > 0 ? `Your ${view.refunded} credits were refunded.` : ''}`.trim();
}

/** The bot's own account of a failure that was not Scenario's job failing. */
const FAILURE_CAUSE_WORDS: Record<FailureCause, { explanation: string; hint?: string }> = {
  results_unavailable: {
    explanation:
      'The job finished on Scenario, but none of its result files could be downloaded (missing or expired links).',
  },
  restart_unconfirmed: {
    explanation: 'The bot restarted before Scenario confirmed this request.',
    hint: 'Please run the command again.',
  },
};

export const SCENARIO_ERROR_WORDS: Record<ScenarioErrorKind, string> = {
  auth: 'The bot cannot sign in to Scenario right now (an admin needs to check its API key). Nothing was spent.',
  forbidden: 'This model is not available in the Scenario plan the bot uses. Nothing was spent.',
  invalid: 'Scenario refused these parameters.',
  not_found: 'Scenario does not know this model or file.',
  rate_limited: 'Scenario is busy right now (rate limit). Nothing was spent; try again in a minute.',
  concurrency: 'Too many generations are running at once on Scenario. Nothing was spent; try again shortly.',
  unavailable: 'Scenario is not answering right now. Nothing was spent; try again later.',
  timeout:
    'Scenario took too long to answer. Nothing was spent from your quota; check /history before retrying.',
  malformed: 'Scenario sent an answer the bot could not read. Nothing was spent from your quota.',
  too_large: 'The file is too large for Scenario.',
  refused_url: 'Scenario answered with a link the bot does not open. Nothing was spent from your quota.',
};

export const TEXT = {
  storageUnavailable:
    'Storage is unavailable right now, so the bot cannot meter credits: nothing was spent. Try again in a moment.',
  notAllowedHere: 'Generation is not enabled in this channel or for your roles.',
  guildNotServed: 'This bot works in the servers it is set up for, not in direct messages.',
  tooManyRunning: (max: number) => `You already have ${max} generations running; wait for one to finish.`,
  blocked: 'A moderator has paused generation for you in this server.',
  quotaExhausted: (quota: QuotaLine, cost: number) =>
    `This needs ${cost} credit${cost === 1 ? '' : 's'} but you have ${quota.remaining} of ${quota.limit} left; your credits reset <t:${Math.floor(quota.resetsAt.getTime() / 1000)}:R>.`,
  internalError: (errorId: string) =>
    `Something went wrong on the bot's side (error id \`${errorId}\`). Nothing was spent.`,
  deleteRefused: 'Only the member who asked for this result, or a moderator, can delete it.',
  rerollStarted: '🔄 Rerolling with a new seed: the new result will appear as a reply to this one.',
  resultDeleted: 'Deleted.',
  resultActionIgnored:
    'Nothing to do: this is not a result the bot knows, or the same request is already running.',
  notAModelId: '`model` must be a Scenario model id like `model_meshy-txt23d`; pick one from the list.',
  priceNeedsModel: 'Name the `model` whose price to set (or run `/quota price` alone to see every price).',
  moderatorsOnly: 'Only moderators (Manage Server, or the configured moderator role) can do that.',
  filesTooLarge: "⚠️ The files were too large for this server's upload limit.",
  replyUnavailable:
    'The bot could not post in this channel (it may lack the Send Messages permission), so nothing was started. Nothing was spent.',
  cannotAttachFiles: (links: { name: string; url: string; expires?: string }[]) =>
    [
      '⚠️ The bot lacks the **Attach Files** permission in this channel (a moderator can grant it), so the files are linked instead:',
      ...links.map(
        (link) =>
          `📦 [\`${link.name}\`](${link.url})${link.expires ? ` (link expires <t:${Math.floor(Date.parse(link.expires) / 1000)}:R>)` : ''}`,
      ),
    ].join('\n'),
  replyGoneFallback: (userId: string) =>
    `<@${userId}>, your earlier request's message was deleted, so here is the result:`,
} as const;

/** `/quota price`: credits per output here, for every model the bot knows and every priced model. */
export function priceList(overrides: Record<string, number>, onlyModelId?: string): string {
  const ids = onlyModelId
    ? [onlyModelId]
    : [...new Set([...knownModels.map((model) => model.id), ...Object.keys(overrides)])];
  const lines = ids.map((id) => {
    const base = creditsPerOutput(id);
    const price = overrides[id];
    const shown = price === undefined ? `${base} (default)` : `**${price}** (set here; default ${base})`;
    return `• ${modelLabel(id)} (\`${id}\`): ${shown}`;
  });
  return ['**Credits per output in this server**', ...lines].join('\n');
}

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
      return TEXT.notAllowedHere;
    case 'storage_unavailable':
      return TEXT.storageUnavailable;
    case 'too_many_running':
      return TEXT.tooManyRunning(refusal.maxRunning);
    case 'blocked':
      return TEXT.blocked;
    case 'quota_exhausted':
      return TEXT.quotaExhausted(refusal.quota, refusal.credits);
    case 'invalid_file':
      return `\`${refusal.option}\`: ${attachmentProblemText(refusal.problem)}`;
    case 'upload_failed':
      return `Your image could not be sent to Scenario. ${SCENARIO_ERROR_WORDS.unavailable}`;
    case 'reply_unavailable':
      return TEXT.replyUnavailable;
    case 'scenario':
      return refusal.kind === 'invalid' && refusal.scenarioMessage
        ? `${SCENARIO_ERROR_WORDS.invalid} ${refusal.scenarioMessage} Nothing was spent.`
        : SCENARIO_ERROR_WORDS[refusal.kind];
  }
}
