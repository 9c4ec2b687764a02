import type { QuotaLine } from '../credits/quota-adapter.js';
import type { ModelFacts, ModelReadProblem, PreviewOutcome } from '../models3d/model-inspector.js';
import type { JobRecord } from './job-ledger.js';

/**
 * The port through which jobs reach their member: the pipeline and delivery hand it facts, the Discord
 * side (src/discord/job-messenger.ts) turns them into words, messages, files and buttons. Nothing under
 * src/services knows how a message looks or which Discord route carries it.
 */
export interface JobMessenger {
  /**
   * What the progress message would show, minus the clock: the job's message is edited only when this
   * changes (Discord's edit limits; a ticking clock is not news).
   */
  progressSignature(record: JobRecord, progress: ProgressFacts): string;
  showProgress(record: JobRecord, progress: ProgressFacts): Promise<PostOutcome>;
  /** The job waits for Scenario's request budget: where it stands (replaced by progress once sent). */
  showQueued(record: JobRecord, queue: QueueFacts): Promise<PostOutcome>;
  postResult(record: JobRecord, result: ResultFacts): Promise<PostOutcome>;
  postFailure(record: JobRecord, failure: FailureFacts): Promise<PostOutcome>;
  postStuck(record: JobRecord, stuck: StuckFacts): Promise<PostOutcome>;
  /** Controls a member uses on a delivered result beyond its buttons (the reroll reaction). */
  addResultControls(record: JobRecord, messageId: string): Promise<void>;
  /**
   * A message for a job that has no interaction reply of its own (a reroll): posted in the channel as a
   * reply to `replyToMessageId` before the job is submitted, so progress and result have a place.
   */
  openPlaceholder(placeholder: PlaceholderFacts): Promise<PostOutcome>;
  /** Removes a placeholder whose job was never submitted. */
  discardPlaceholder(channelId: string, messageId: string): Promise<void>;
}

export interface ProgressFacts {
  /** The ledger state or Scenario's job status (`queued`, `in-progress`, …). */
  state: string;
  /** 0–1. */
  progress: number;
  elapsedMs: number;
}

/** A job waiting for the request budget: requests ahead of its generate call, and the estimated wait. */
export interface QueueFacts {
  ahead: number;
  etaMs: number;
}

/** A result file downloaded from Scenario, to attach: saved at `path` until the result is posted. */
export interface OutgoingFile {
  name: string;
  path: string;
  size: number;
  contentType?: string;
  /** Scenario's signed link to the same file: what is shown when the file cannot be attached. */
  link?: { url: string; expires?: string };
}

/** Scenario's links to files that cannot be attached (those that have one). */
export function linksOf(files: readonly OutgoingFile[]): { name: string; url: string; expires?: string }[] {
  return files.flatMap((file) => (file.link ? [{ name: file.name, ...file.link }] : []));
}

/** A result file too large to attach: linked instead. */
export interface LinkedFile {
  name: string;
  size: number;
  url: string;
  expires?: string;
  /** Over the server's upload limit, or past the total the bot posts for one job (`MAX_RESULT_BYTES_PER_JOB`). */
  why: 'upload_limit' | 'job_total';
}

export interface ResultFacts {
  files: OutgoingFile[];
  notAttached: LinkedFile[];
  /** Result files that could not be downloaded at all. */
  missing: number;
  elapsedMs: number;
  creditsSpent: number;
  quota: QuotaLine | undefined;
  /** Each 3D model of the result: its facts line, or why there is none, and how its preview went. */
  models?: ModelReport[];
}

/** What was read from one result's 3D model. */
export interface ModelReport {
  assetId: string;
  /** The result file's name (`to3d-42-1.glb`). */
  name: string;
  facts?: ModelFacts;
  /** `unreadable`: damaged, not attached; `unsupported`: attached, without facts. */
  problem?: ModelReadProblem;
  /** Only when Scenario sent no picture of the model and one was rendered (or given up). */
  preview?: PreviewOutcome;
}

/** Why a job failed when it was not Scenario's own failure. */
export type FailureCause =
  | 'results_unavailable'
  | 'restart_unconfirmed'
  | 'result_undeliverable'
  /** Every result file was a 3D model the bot could not read: damaged on Scenario's side. */
  | 'model_unreadable'
  /** Scenario reported success with no asset at all. */
  | 'no_results';

export interface FailureFacts {
  /** Scenario's error and hint, when the job failed there. */
  error?: string;
  hint?: string;
  cause?: FailureCause;
  refunded: number;
}

export interface StuckFacts {
  elapsedMs: number;
  refunded: number;
}

export interface PlaceholderFacts {
  channelId: string;
  replyToMessageId: string;
  userId: string;
  modelId: string;
  body: Record<string, unknown>;
}

/** How posting went; `gone` = the message or channel no longer exists, `forbidden` = missing permission. */
export type PostOutcome =
  | { ok: true; messageId: string }
  | { ok: false; reason: 'gone' | 'forbidden' | 'too_large' | 'failed' };
