/**
 * Every sentence a Discord user reads, in one place so the bot speaks with one voice.
 * Pure functions: they take facts and return text.
 */
import { creditsPerOutput, modelLabel } from '../models/index.js';
import { knownModels } from '../models/known-models.js';
import type { AttachmentProblem } from '../services/assets/attachments.js';
import type { QuotaLine } from '../services/credits/quota-adapter.js';
import type { Generation } from '../services/jobs/generation-log.js';
import type { Refusal } from '../services/jobs/generation-pipeline.js';
import type { FailureCause, LinkedFile } from '../services/jobs/job-messenger.js';
import type { ScenarioErrorKind } from '../services/scenario/scenario-errors.js';

const BAR_SLOTS = 12;

export function progressBar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_SLOTS);
  return `${'▰'.repeat(filled)}${'▱'.repeat(BAR_SLOTS - filled)} ${Math.round(fraction * 100)}%`;
}

/** A moment as Discord shows it relative to the reader ("in 7 hours", "2 minutes ago"). */
export function relativeTime(at: Date | number | string): string {
  const ms = typeof at === 'string' ? Date.parse(at) : typeof at === 'number' ? at : at.getTime();
  return `<t:${Math.floor(ms / 1000)}:R>`;
}

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

/**
 * Every character Discord's markdown reads as syntax: emphasis, code, spoilers, quotes, headings, lists,
 * masked links `[text](url)`, and `<…>` (mentions, channels, timestamps, custom emoji). A backslash before
 * each renders it as text. One pass of our own rather than discord.js's escapeMarkdown, which leaves masked
 * links and `<…>` forms alone, and whose output a second pass would escape twice.
 */
const MARKDOWN_SYNTAX = /[\\`*_~|>#\-[\]()<]/g;

/** User text as plain text in a message: no markdown, no mention (a zero-width joiner after each @). */
export function escapeUserText(text: string): string {
  return text.replace(MARKDOWN_SYNTAX, '\\$&').replace(/@/g, '@\u200b');
}

/** Shortens user text to one line of at most `max` characters (before escaping), then escapes it. */
export function quoteUserText(text: string, max = 180): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  // Cut before, not inside, a surrogate pair (an emoji): half of one is malformed text for Discord.
  const cut = /[\ud800-\udbff]/.test(oneLine.charAt(max - 2)) ? max - 2 : max - 1;
  const short = oneLine.length > max ? `${oneLine.slice(0, cut)}…` : oneLine;
  return escapeUserText(short);
}

/** Discord refuses message content over 2,000 characters (50035): a message is clipped, never refused. */
export const MESSAGE_CONTENT_LIMIT = 2_000;

/**
 * Fits content into one message: whole lines while they fit, then an ellipsis. Only a first line longer
 * than the limit is cut inside (before a surrogate pair, never leaving a lone escaping backslash).
 */
export function clipMessage(content: string, limit = MESSAGE_CONTENT_LIMIT): string {
  if (content.length <= limit) return content;
  const lastBreak = content.lastIndexOf('\n', limit - 2);
  if (lastBreak > 0) return `${content.slice(0, lastBreak)}\n…`;
  let cut = limit - 1;
  if (/[\ud800-\udbff]/.test(content.charAt(cut - 1))) cut -= 1;
  let head = content.slice(0, cut);
  // An odd run of backslashes at the end would escape the ellipsis: drop the last one.
  if ((/\\+$/.exec(head)?.[0].length ?? 0) % 2 === 1) head = head.slice(0, -1);
  return `${head}…`;
}

/** How many parameters a message lists besides the prompt: a body may carry hundreds (`/generate` params). */
const SHOWN_PARAMETERS = 8;

/** A compact view of the request body: prompt first, then the other parameters, each bounded and escaped. */
export function summariseParameters(body: Record<string, unknown>): string {
  const entries = Object.entries(body).filter(([key]) => key !== 'prompt' && key !== 'seed');
  const parts = entries.slice(0, SHOWN_PARAMETERS).map(([key, value]) => {
    const name = quoteUserText(key, 40);
    if (Array.isArray(value)) return `${name}: ${value.length}`;
    if (typeof value === 'string' && value.startsWith('asset_')) return `${name}: attached`;
    const shown = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
    return `${name}: ${quoteUserText(shown, 40)}`;
  });
  if (entries.length > SHOWN_PARAMETERS) parts.push(`+${entries.length - SHOWN_PARAMETERS} more`);
  const prompt = typeof body.prompt === 'string' ? `“${quoteUserText(body.prompt)}”` : undefined;
  return [prompt, parts.join(' · ')].filter((part) => part && part.length > 0).join('\n> ');
}

export const STATE_WORDS: Record<string, string> = {
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
  return `${quota.remaining} of ${quota.limit} credits left, resets ${relativeTime(quota.resetsAt)}`;
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
  /** Files beyond Discord's 10 attachments per message: linked. */
  beyondAttachmentLimit?: { name: string; url: string; expires?: string }[];
  missing: number;
}

const expiryNote = (expires: string | undefined) =>
  expires ? ` (link expires ${relativeTime(expires)})` : '';

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
      `📦 \`${file.name}\` is ${formatBytes(file.size)}, ${NOT_ATTACHED_WORDS[file.why]}: [download it from Scenario](${file.url})${expiryNote(file.expires)}`,
    );
  }
  for (const file of view.beyondAttachmentLimit ?? [])
    lines.push(`📦 [\`${file.name}\`](${file.url}) (a message holds 10 files)${expiryNote(file.expires)}`);
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
  result_undeliverable: {
    explanation:
      'The result was ready, but Discord kept refusing to take its files, so the bot stopped trying.',
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
  tooManyFailedAttempts: (retryAfterMs: number) =>
    `Scenario refused several of your requests in the last minute, so the bot is not sending more for now. Nothing was spent. Check the options and try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
  quotaExhausted: (quota: QuotaLine, cost: number) =>
    `This needs ${cost} credit${cost === 1 ? '' : 's'} but you have ${quota.remaining} of ${quota.limit} left; your credits reset ${relativeTime(quota.resetsAt)}.`,
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
      ...links.map((link) => `📦 [\`${link.name}\`](${link.url})${expiryNote(link.expires)}`),
    ].join('\n'),
  replyGoneFallback: (userId: string) =>
    `<@${userId}>, your earlier request's message was deleted, so here is the result:`,
} as const;

/**
 * `/history`: one line per generation, newest first. A posted result links to its message; one Discord
 * has not taken yet is marked so, with Scenario's links to its files meanwhile.
 */
export function historyText(generations: Generation[]): string {
  if (generations.length === 0) return 'You have no generations in this server yet.';
  return generations
    .map((generation) => {
      const prompt =
        typeof generation.body.prompt === 'string' ? ` “${quoteUserText(generation.body.prompt, 60)}”` : '';
      const seed = generation.seed === undefined ? 'no seed' : `seed \`${generation.seed}\``;
      const parent = generation.parentGenerationId ? ' (reroll)' : '';
      const where =
        generation.status === 'delivered' && generation.messageId
          ? `[result](https://discord.com/channels/${generation.guildId}/${generation.channelId}/${generation.messageId})`
          : [
              '⏳ not yet posted (Discord is refusing it for now; the bot will post it)',
              ...generation.links.map((link) => `[\`${link.name}\`](${link.url})`),
            ].join(' · ');
      return `• ${relativeTime(generation.createdAt)} **${modelLabel(generation.modelId)}**${parent}${prompt} · ${seed} · ${where}`;
    })
    .join('\n');
}

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
    case 'too_many_failed_attempts':
      return TEXT.tooManyFailedAttempts(refusal.retryAfterMs);
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
        ? `${SCENARIO_ERROR_WORDS.invalid} ${quoteUserText(refusal.scenarioMessage, 300)} Nothing was spent.`
        : SCENARIO_ERROR_WORDS[refusal.kind];
  }
}
