/**
 * Every sentence a Discord user reads, in one place so the bot speaks with one voice.
 * Pure functions: they take facts and return text.
 */
import type { QuotaLine } from '../services/credits/quota-adapter.js';
import type { FailureCause, LinkedFile } from '../services/jobs/job-messenger.js';
import { GENERATE_TEXT } from './messages-generate.js';
import { escapeUserText, quoteUserText } from './user-text.js';

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

// Kept in their own module (so that feature wording modules can use them without importing this one).
export { escapeUserText, quoteUserText } from './user-text.js';

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

/** An option as a message shows it, under the name the member typed: `quality: low`, `image: attached`. */
export interface ShownOption {
  name: string;
  value: unknown;
  attachment: boolean;
  /** The value is the member's `/defaults`, not an option they gave this time. */
  fromDefault?: boolean;
}

/** After a value that came from the member's `/defaults` rather than the command. */
const DEFAULT_MARK = ' (your default)';

/** The body's parameters under their own names, when the option names are not known. */
const rawOptions = (body: Record<string, unknown>): ShownOption[] =>
  Object.entries(body)
    .filter(([key]) => key !== 'prompt' && key !== 'seed')
    .map(([name, value]) => ({
      name,
      value,
      attachment: typeof value === 'string' && value.startsWith('asset_'),
    }));

function shownOption(option: ShownOption): string {
  const value = option.attachment
    ? 'attached'
    : typeof option.value === 'object' && option.value !== null
      ? JSON.stringify(option.value)
      : String(option.value);
  return `${quoteUserText(option.name, 40)}: ${quoteUserText(value, 40)}${option.fromDefault ? DEFAULT_MARK : ''}`;
}

/** At most 8 options, then how many more: a body may carry hundreds (`/generate` params). */
function optionsLine(options: readonly ShownOption[]): string[] {
  return [
    ...options.slice(0, SHOWN_PARAMETERS).map(shownOption),
    ...(options.length > SHOWN_PARAMETERS ? [`+${options.length - SHOWN_PARAMETERS} more`] : []),
  ];
}

/**
 * A compact view of the request: the prompt, then the options (the member's, under the names they typed,
 * when given), each bounded and escaped.
 */
export function summariseParameters(
  body: Record<string, unknown>,
  options: readonly ShownOption[] = rawOptions(body),
): string {
  const prompt = typeof body.prompt === 'string' ? `“${quoteUserText(body.prompt)}”` : undefined;
  const parts = optionsLine(options).join(' · ');
  return [prompt, parts].filter((part) => part && part.length > 0).join('\n> ');
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
  /** The options the member gave, under the names they typed (see `givenOptions`). */
  options?: readonly ShownOption[];
  seed: number | undefined;
  userId: string;
}

export function progressMessage(view: ProgressView): string {
  return [
    `**${view.modelLabel}** for <@${view.userId}> · ${STATE_WORDS[view.state] ?? view.state}`,
    `\`${progressBar(view.progress)}\` · ${formatDuration(view.elapsedMs)} elapsed`,
    `> ${summariseParameters(view.body, view.options)}`,
    view.seed === undefined ? undefined : `seed \`${view.seed}\``,
  ]
    .filter(Boolean)
    .join('\n');
}

/** "1 credit", "5 credits". */
export function creditCount(count: number): string {
  return `${count} credit${count === 1 ? '' : 's'}`;
}

export function quotaLine(quota: QuotaLine): string {
  return `${quota.remaining} of ${quota.limit} credits left, resets ${relativeTime(quota.resetsAt)}`;
}

/** A result's first line: the prompt (quoted, clipped) and who asked; the model when there is no prompt. */
export function promptLine(view: {
  body: Record<string, unknown>;
  userId: string;
  modelLabel: string;
}): string {
  return typeof view.body.prompt === 'string'
    ? `“${quoteUserText(view.body.prompt, 200)}” — <@${view.userId}>`
    : `**${view.modelLabel}** for <@${view.userId}>`;
}

export interface ResultView {
  modelLabel: string;
  userId: string;
  elapsedMs: number;
  body: Record<string, unknown>;
  /** The options the member gave, under the names they typed (see `givenOptions`). */
  options: readonly ShownOption[];
  seed: number | undefined;
  creditsSpent: number;
  quota: QuotaLine | undefined;
  notAttached: LinkedFile[];
  /** Files beyond Discord's 10 attachments per message: linked. */
  beyondAttachmentLimit?: { name: string; url: string; expires?: string }[];
  missing: number;
  /** Lines about the result's files, under the facts line (a 3D model's facts). */
  details?: string[];
}

const expiryNote = (expires: string | undefined) =>
  expires ? ` (link expires ${relativeTime(expires)})` : '';

/** Why a result file is linked rather than attached. */
const NOT_ATTACHED_WORDS: Record<LinkedFile['why'], string> = {
  upload_limit: 'more than this server accepts as an upload',
  job_total: "more than fits beside this result's other files",
};

/**
 * Prompt-first: the prompt and requester, then one small line with the model, the options the member
 * gave, the seed, the cost and the credits left; notes only for files that are linked or missing.
 */
export function resultMessage(view: ResultView): string {
  const facts = [
    `**${view.modelLabel}**`,
    ...optionsLine(view.options),
    view.seed === undefined ? undefined : `seed \`${view.seed}\``,
    `${creditCount(view.creditsSpent)}${view.quota ? ` (${quotaLine(view.quota)})` : ''}`,
  ].filter(Boolean);
  const lines = [promptLine(view), `-# ${facts.join(' · ')}`, ...(view.details ?? [])];
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
  return lines.join('\n');
}

/** The job's first message once its outcome is posted below it: one line pointing there. */
export function pointerMessage(view: {
  modelLabel: string;
  userId: string;
  outcome: 'result' | 'failure' | 'stuck';
  link: string;
}): string {
  const words = { result: '✅ done', failure: '❌ failed', stuck: '⏳ stopped waiting' }[view.outcome];
  return `-# **${view.modelLabel}** for <@${view.userId}> · ${words} → [see below](${view.link})`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${bytes} B`;
}

/** Whether credits came back, in the words every failure ends with. */
function refundWords(refunded: number): string {
  return refunded > 0 ? `Your ${creditCount(refunded)} came back.` : 'Nothing was charged.';
}

/** A failed job: the prompt, then what happened, what to do and that the credits came back. */
export function failureMessage(view: {
  modelLabel: string;
  userId: string;
  body: Record<string, unknown>;
  error?: string;
  hint?: string;
  /** What went wrong when it was not Scenario's job that failed. */
  cause?: FailureCause;
  refunded: number;
}): string {
  const cause = view.cause ? FAILURE_CAUSE_WORDS[view.cause] : undefined;
  const what =
    cause?.explanation ??
    (view.error
      ? `Scenario stopped the job: “${quoteUserText(view.error, 300)}”`
      : 'Scenario stopped the job without saying why.');
  const hint = view.hint
    ? quoteUserText(view.hint, 300)
    : (cause?.hint ?? 'Try again, perhaps with other options.');
  return [
    promptLine(view),
    `❌ **${view.modelLabel}** failed. ${what} ${hint} ${refundWords(view.refunded)}`,
  ].join('\n');
}

export function stuckMessage(view: {
  modelLabel: string;
  userId: string;
  body: Record<string, unknown>;
  elapsedMs: number;
  refunded: number;
}): string {
  return [
    promptLine(view),
    `⏳ **${view.modelLabel}** was still not finished after ${formatDuration(view.elapsedMs)}, so the bot stopped waiting for it. Try again later. ${refundWords(view.refunded)}`,
  ].join('\n');
}

/** The bot's own account of a failure that was not Scenario's job failing. */
const FAILURE_CAUSE_WORDS: Record<FailureCause, { explanation: string; hint?: string }> = {
  results_unavailable: {
    explanation:
      'The job finished on Scenario, but none of its result files could be downloaded (missing or expired links).',
    hint: 'Run the command again.',
  },
  no_results: { explanation: GENERATE_TEXT.noResult, hint: 'Try again, perhaps with other parameters.' },
  restart_unconfirmed: {
    explanation: 'The bot restarted before Scenario confirmed this request.',
    hint: 'Run the command again.',
  },
  result_undeliverable: {
    explanation:
      'The result was ready, but Discord kept refusing to take its files, so the bot stopped trying.',
    hint: 'Run the command again.',
  },
  model_unreadable: {
    explanation: 'Scenario finished the job, but the 3D model it sent is damaged (not a readable glTF file).',
    hint: 'Please run the command again.',
  },
};

export const TEXT = {
  storageUnavailable:
    'Storage is unavailable right now, so the bot cannot meter credits: nothing was spent. Try again in a moment.',
  /** Where generation is allowed, named (threads and forum posts under those channels included). */
  notAllowedInChannel: (channelIds: readonly string[]) =>
    `Generation is not allowed in this channel. Use ${channelIds.map((id) => `<#${id}>`).join(', ')} (or a thread there). Nothing was spent.`,
  notAllowedForRoles: (roleIds: readonly string[]) =>
    `Generation here is for members with ${roleIds.map((id) => `<@&${id}>`).join(', ')}; a moderator can give you the role. Nothing was spent.`,
  guildNotServed: 'This bot works in the servers it is set up for, not in direct messages.',
  tooManyRunning: (max: number) =>
    `You already have ${max} generations running. Wait for one to finish, then try again. Nothing was spent.`,
  blocked: 'A moderator has paused generation for you in this server; ask them about it. Nothing was spent.',
  tooManyFailedAttempts: (retryAfterMs: number) =>
    `Scenario refused several of your requests in the last minute, so the bot is not sending more for now. Nothing was spent. Check the options and try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
  quotaExhausted: (quota: QuotaLine, cost: number) =>
    `This needs ${creditCount(cost)} but you have ${quota.remaining} of ${quota.limit} left. Your credits reset ${relativeTime(quota.resetsAt)}, or a moderator can add some with \`/quota grant\`. Nothing was spent.`,
  internalError: (errorId: string) =>
    `Something went wrong on the bot's side (error id \`${errorId}\`). Nothing was spent.`,
  deleteRefused: 'Only the member who asked for this result, or a moderator, can delete it.',
  rerollStarted: '🔄 Rerolling with a new seed: the new result will appear as a reply to this one.',
  /** A reroll of a result someone else asked for: the clicking member pays. */
  rerollChargedToYou: (credits: number) =>
    `🔄 Rerolling with a new seed: the new result will appear as a reply to this one. It is someone else's result, so it is charged to you (${creditCount(credits)}).`,
  /** A 🔄 refused, said by DM: which server and result it is about. */
  reactionRefusedByDm: (guildName: string, resultLink: string, reason: string) =>
    `About your 🔄 on [this result](${resultLink}) in **${escapeUserText(guildName)}**: ${reason}`,
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
