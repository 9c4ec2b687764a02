import type { JobRecord } from '../services/jobs/job-ledger.js';
import { linksOf, type OutgoingFile, type ResultFacts } from '../services/jobs/job-messenger.js';
import { conversionRow } from './conversion-controls.js';
import { resultMessage } from './messages.js';
import { modelLines } from './messages-3d.js';
import { resultComponents } from './result-controls.js';
import { givenOptions } from './typed-options.js';

/** Discord accepts at most 10 attachments per message: further files are linked. */
export const ATTACHMENTS_PER_MESSAGE = 10;

/**
 * A result as the message that carries it: its text, its files (at most 10, the rest linked), its
 * buttons, and for a 3D model its preview as the message's image. Pure.
 */
export function resultPayload(record: JobRecord, result: ResultFacts, modelLabel: string) {
  const attached = result.files.slice(0, ATTACHMENTS_PER_MESSAGE);
  const content = resultMessage({
    modelLabel,
    userId: record.userId,
    elapsedMs: result.elapsedMs,
    body: record.body,
    options: givenOptions(record.modelId, record.body, record.fromDefaults),
    seed: record.seed,
    creditsSpent: result.creditsSpent,
    quota: result.quota,
    notAttached: result.notAttached,
    beyondAttachmentLimit: linksOf(result.files.slice(ATTACHMENTS_PER_MESSAGE)),
    missing: result.missing,
    details: modelLines(result.models ?? [], conversionRow(record) !== undefined),
  });
  // Files alone are shown as a gallery, each at the same size; but Discord cannot show a 3D model, so its
  // preview (Scenario's or the bot's rendering) is the message's image.
  const preview: OutgoingFile | undefined =
    (result.models ?? []).length > 0
      ? attached.find((file) => file.contentType?.startsWith('image/'))
      : undefined;
  return {
    content,
    files: attached,
    embeds: preview ? [{ image: { url: `attachment://${preview.name}` }, color: 0x5865f2 }] : undefined,
    components: resultComponents(record),
    mentionUser: record.userId,
  };
}
