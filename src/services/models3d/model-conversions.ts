import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { JobRecord } from '../jobs/job-ledger.js';
import type { ModelReport, OutgoingFile } from '../jobs/job-messenger.js';
import { signedUrlExpiry } from '../jobs/result-files.js';
import type { ScenarioClient } from '../scenario/scenario-client.js';
import { ScenarioError } from '../scenario/scenario-errors.js';
import type { KeyLock } from '../store/key-lock.js';
import type { KeyValue } from '../store/store.js';

/** The formats Scenario converts a 3D model to (`POST /assets/{id}/download {targetFormat}`) that engines take. */
export const CONVERSION_FORMATS = ['fbx', 'obj', 'usdz', 'stl'] as const;
export type ConversionFormat = (typeof CONVERSION_FORMATS)[number];

const convertedSchema = z.object({
  name: z.string(),
  url: z.string(),
  /** When Scenario's signed link stops working (ms since epoch); unknown = a day after it was made. */
  expiresAt: z.number(),
});

/**
 * A delivered generation's 3D models, kept for the conversion buttons: the asset ids come from here, never
 * from a custom id, so a forged button cannot convert another generation's model. Converted links and the
 * message that carried them are kept so a second click reuses them.
 */
const modelRecordSchema = z.object({
  generationId: z.string(),
  guildId: z.string(),
  channelId: z.string(),
  messageId: z.string(),
  models: z.array(z.object({ assetId: z.string(), name: z.string() })).min(1),
  conversions: z
    .partialRecord(
      z.enum(CONVERSION_FORMATS),
      z.object({ files: z.array(convertedSchema), messageId: z.string().optional() }),
    )
    .default({}),
});
export type ModelRecord = z.output<typeof modelRecordSchema>;

/** A converted file too large to upload: linked instead. */
export interface LinkedConversion {
  name: string;
  url: string;
}

export type ConversionOutcome =
  /** Converted before and posted as `messageId` (the Discord side checks it is still there). */
  | { ok: true; kind: 'posted'; channelId: string; messageId: string; record: ModelRecord }
  | {
      ok: true;
      kind: 'files';
      record: ModelRecord;
      files: OutgoingFile[];
      linked: LinkedConversion[];
      /** Deletes the downloaded files once posted. */
      dispose(): Promise<void>;
    }
  | { ok: false; reason: 'unknown' | 'unavailable' | 'failed' | 'busy' };

export interface ModelConversionsOptions {
  store: KeyValue;
  lock: KeyLock;
  scenario: ScenarioClient;
  clock: Clock;
  logger: Logger;
  retentionMs: number;
  /** Largest converted file downloaded (`MAX_RESULT_BYTES`); the member's upload limit may be lower. */
  maxBytes: number;
  tempDir?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A link that expires within this is converted again rather than handed out. */
const LINK_MARGIN_MS = 10 * 60 * 1000;

/**
 * FBX, OBJ, USDZ and STL from a 3D result's buttons: Scenario converts (through the request budget; no
 * credits), the bot downloads the file through the same safe fetch as results and hands it to the Discord
 * side to post under the result. State lives in the store, so the buttons work after a restart.
 */
export class ModelConversions {
  /** One conversion per generation and format at a time in this process (a double click is one ask). */
  private readonly running = new Set<string>();

  constructor(private readonly options: ModelConversionsOptions) {}

  /** Remembers a delivered result's models (only results with a readable or undecodable model). */
  async recordDelivered(record: JobRecord, messageId: string, models: readonly ModelReport[]): Promise<void> {
    const usable = models.filter((model) => model.problem !== 'unreadable');
    if (usable.length === 0) return;
    const entry: z.input<typeof modelRecordSchema> = {
      generationId: record.id,
      guildId: record.guildId,
      channelId: record.channelId,
      messageId,
      models: usable.map(({ assetId, name }) => ({ assetId, name })),
    };
    await this.options.store.set(record.id, entry, this.options.retentionMs);
  }

  async get(generationId: string): Promise<ModelRecord | undefined> {
    const parsed = modelRecordSchema.safeParse(await this.options.store.get(generationId));
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * The generation's models in `format`: the message that carried them before (unless `repost`), else files
   * downloaded from Scenario's links (reused while they are valid, else converted again).
   */
  async convert(input: {
    generationId: string;
    guildId: string;
    /** The message whose button was clicked: only the result's own buttons convert its models. */
    messageId: string;
    format: ConversionFormat;
    uploadLimit: number;
    repost?: boolean;
  }): Promise<ConversionOutcome> {
    const { format } = input;
    const record = await this.get(input.generationId);
    if (!record || record.guildId !== input.guildId || record.messageId !== input.messageId)
      return { ok: false, reason: 'unknown' };
    const before = record.conversions[format];
    if (before?.messageId && !input.repost)
      return { ok: true, kind: 'posted', channelId: record.channelId, messageId: before.messageId, record };
    const key = `${record.generationId}:${format}`;
    if (this.running.has(key)) return { ok: false, reason: 'busy' };
    this.running.add(key);
    try {
      const now = this.options.clock.now();
      const fresh = before?.files.every((file) => file.expiresAt - LINK_MARGIN_MS > now)
        ? before.files
        : undefined;
      const converted = fresh ?? (await this.convertOnScenario(record, format));
      if (!Array.isArray(converted)) return converted;
      if (!fresh)
        await this.update(record.generationId, (current) => ({
          ...current,
          conversions: { ...current.conversions, [format]: { files: converted } },
        }));
      return await this.download(record, converted, input.uploadLimit);
    } finally {
      this.running.delete(key);
    }
  }

  /** Notes the message that carries a conversion: the next click of the same format points to it. */
  async rememberPosted(generationId: string, format: ConversionFormat, messageId: string): Promise<void> {
    await this.update(generationId, (current) => {
      const files = current.conversions[format]?.files ?? [];
      return { ...current, conversions: { ...current.conversions, [format]: { files, messageId } } };
    });
  }

  private async update(generationId: string, change: (record: ModelRecord) => ModelRecord): Promise<void> {
    await this.options.lock.withLock(`models3d:${generationId}`, async () => {
      const current = await this.get(generationId);
      if (current) await this.options.store.set(generationId, change(current), this.options.retentionMs);
    });
  }

  private async convertOnScenario(
    record: ModelRecord,
    format: ConversionFormat,
  ): Promise<z.output<typeof convertedSchema>[] | { ok: false; reason: 'unavailable' | 'failed' }> {
    const log = this.options.logger.child({ generationId: record.generationId, format });
    const files: z.output<typeof convertedSchema>[] = [];
    for (const model of record.models) {
      try {
        const { url } = await this.options.scenario.assets.convert(model.assetId, format);
        const expires = signedUrlExpiry(url);
        files.push({
          name: `${model.name.replace(/\.[^.]+$/, '')}.${format}`,
          url,
          expiresAt: expires ? Date.parse(expires) : this.options.clock.now() + DAY_MS,
        });
      } catch (error) {
        const known = error instanceof ScenarioError ? error : undefined;
        log.warn(
          { kind: known?.kind, status: known?.details.status, error: known?.message },
          'conversion refused',
        );
        // 400/422: Scenario will not make this format from this model; anything else may pass.
        return { ok: false, reason: known?.kind === 'invalid' ? 'unavailable' : 'failed' };
      }
    }
    log.info({ files: files.length }, 'model converted');
    return files;
  }

  private async download(
    record: ModelRecord,
    converted: readonly z.output<typeof convertedSchema>[],
    uploadLimit: number,
  ): Promise<ConversionOutcome> {
    const folder = await mkdtemp(join(this.options.tempDir ?? tmpdir(), 'scenario-bot-conversion-'));
    const dispose = () => rm(folder, { recursive: true, force: true });
    const limit = Math.min(uploadLimit, this.options.maxBytes);
    const files: OutgoingFile[] = [];
    const linked: LinkedConversion[] = [];
    try {
      for (const [index, file] of converted.entries()) {
        const path = join(folder, String(index + 1));
        try {
          const { size } = await this.options.scenario.assets.downloadToFile(file.url, path, limit);
          files.push({ name: file.name, path, size, link: { url: file.url } });
        } catch (error) {
          if (!(error instanceof ScenarioError) || error.kind !== 'too_large') throw error;
          linked.push({ name: file.name, url: file.url });
        }
      }
    } catch (error) {
      await dispose();
      this.options.logger.warn(
        { generationId: record.generationId, error: error instanceof Error ? error.message : String(error) },
        'converted file download failed',
      );
      return { ok: false, reason: 'failed' };
    }
    return { ok: true, kind: 'files', record, files, linked, dispose };
  }
}
