import { createHash } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import type { RequestData } from 'discord.js';
import type { JobRecord } from '../services/jobs/job-ledger.js';
import type { OutgoingFile, PostOutcome } from '../services/jobs/job-messenger.js';
import { DISCORD_ERROR, discordCode } from './discord-errors.js';

/**
 * A message body with its files as Discord's multipart form (`payload_json`, `files[n]`), each file read
 * from disk while the request is sent: discord.js's own `files` option takes Buffers, which would hold
 * every result in memory. A request discord.js retries sends the same form, which reads the files again.
 */
export async function withFiles(
  body: Record<string, unknown>,
  files: readonly OutgoingFile[],
): Promise<Pick<RequestData, 'body' | 'passThroughBody'>> {
  if (files.length === 0) return { body };
  const form = new FormData();
  form.append('payload_json', JSON.stringify(body));
  for (const [index, file] of files.entries())
    form.append(`files[${index}]`, await openAsBlob(file.path, { type: file.contentType ?? '' }), file.name);
  return { body: form, passThroughBody: true };
}

/** What a refused create or edit means for the job. */
export function postFailureReason(error: unknown): Exclude<PostOutcome, { ok: true }>['reason'] {
  const code = discordCode(error);
  if (
    code === DISCORD_ERROR.unknownMessage ||
    code === DISCORD_ERROR.unknownChannel ||
    code === DISCORD_ERROR.missingAccess
  )
    return 'gone';
  if (code === DISCORD_ERROR.missingPermissions) return 'forbidden';
  if (code === DISCORD_ERROR.requestEntityTooLarge) return 'too_large';
  return 'failed';
}

/**
 * The nonce of a job's outcome message (Discord: at most 25 characters): the same for every attempt to
 * post that outcome, so Discord makes it once (`enforce_nonce`).
 */
export function outcomeNonce(record: Pick<JobRecord, 'id'>, outcome: string): string {
  return createHash('sha256').update(`${outcome}:${record.id}`).digest('base64url').slice(0, 25);
}
