import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extension as mimeExtension } from 'mime-types';
import type { Logger } from 'pino';
import type { ModelInspector } from '../models3d/model-inspector.js';
import type { AssetBatcher } from '../scenario/asset-batcher.js';
import type { Asset, Job, ScenarioClient } from '../scenario/scenario-client.js';
import { ScenarioError } from '../scenario/scenario-errors.js';
import type { JobRecord } from './job-ledger.js';
import type { LinkedFile, ModelReport, OutgoingFile } from './job-messenger.js';

export interface GatheredFiles {
  files: OutgoingFile[];
  notAttached: LinkedFile[];
  /** Result files that could not be downloaded (404, expired link, refused link, no URL). */
  missing: number;
  /** What was read from each downloaded 3D model (facts, preview, or why not); damaged ones are not attached. */
  models: ModelReport[];
  /** Deletes the downloaded files: once the result is posted, or could not be. */
  dispose(): Promise<void>;
}

export interface ResultFilesOptions {
  scenario: ScenarioClient;
  assets: AssetBatcher;
  /** Largest single file downloaded (the member's upload limit may be lower). */
  maxResultBytes: number;
  /** Largest total downloaded for one job, previews and thumbnails included. */
  maxJobBytes: number;
  /** Where each delivery's files are kept until posted; the system's temporary folder by default. */
  tempDir?: string;
  /** Reads 3D models' facts and renders a preview when Scenario sends no picture; without it, models are sent as they are. */
  models?: ModelInspector;
}

const FOLDER_PREFIX = 'scenario-bot-results-';
/**
 * A delivery takes seconds and runs under its job's 2-minute finish lease: a folder of ours untouched for
 * an hour belongs to a process that was killed mid-delivery.
 */
const STALE_AFTER_MS = 60 * 60 * 1000;

type Download =
  | { ok: true; path: string; size: number }
  | { ok: false; reason: 'too_large' | 'failed'; size?: number; error?: ScenarioError };

/**
 * A finished job's results as files to post: each asset downloaded under the upload limit (Scenario's
 * links expire, so files are re-uploaded to Discord), a too-large one linked instead with a smaller preview
 * when Scenario has one, and a 3D model's thumbnail beside it. Files are streamed to a folder of their own
 * and uploaded from there, so a delivery holds no file in memory; the job's files together are capped
 * (`maxJobBytes`, what one delivery may put on disk and in one message), and a file past that total is
 * linked like a too-large one.
 */
export class ResultFiles {
  constructor(private readonly options: ResultFilesOptions) {}

  async gather(record: JobRecord, job: Job, log: Logger): Promise<GatheredFiles> {
    const assets = await this.options.assets.get(job.assetIds);
    const folder = await mkdtemp(join(this.root(), FOLDER_PREFIX));
    const dispose = () => rm(folder, { recursive: true, force: true });
    let saved = 0;
    const nextPath = () => join(folder, String(++saved));
    const perFile = Math.min(record.attachmentSizeLimit, this.options.maxResultBytes);
    let room = this.options.maxJobBytes;
    /** What the next download may take: the upload limit, or what is left of the job's total. */
    const limit = () => Math.min(perFile, room);
    const files: OutgoingFile[] = [];
    // Thumbnails go after every result file and preview: the first image is the one shown large.
    const thumbnails: OutgoingFile[] = [];
    const notAttached: LinkedFile[] = [];
    const models: ModelReport[] = [];
    let missing = job.assetIds.length - assets.length;
    try {
      for (const [index, asset] of assets.entries()) {
        const name = fileNameFor(record, asset, index);
        const allowed = limit();
        const fetched = await this.fetchResult(asset, nextPath(), allowed, log);
        if (fetched.ok) {
          room -= fetched.size;
          const file: OutgoingFile = {
            name,
            path: fetched.path,
            size: fetched.size,
            contentType: asset.mimeType,
            link: asset.url ? { url: asset.url, expires: signedUrlExpiry(asset.url) } : undefined,
          };
          if (asset.kind === '3d' && this.options.models) {
            const report = await this.inspectModel(asset, file, nextPath);
            models.push(report);
            // A damaged model is no use to anyone: said, not attached.
            if (report.problem === 'unreadable') continue;
            if (report.preview?.ok && report.preview.size <= limit()) {
              room -= report.preview.size;
              thumbnails.push(pngBeside(name, 'preview', report.preview));
            }
          }
          files.push(file);
          // 3D results: also show the thumbnail Scenario provides beside the .glb.
          if (asset.kind === '3d' && asset.thumbnail?.url) {
            const thumb = await this.download(asset.thumbnail.url, nextPath(), limit());
            if (thumb.ok) {
              room -= thumb.size;
              thumbnails.push(pngBeside(name, 'thumbnail', thumb));
            }
          }
          continue;
        }
        if (fetched.reason === 'too_large' && asset.url) {
          const size = fetched.size ?? asset.properties?.size ?? allowed + 1;
          // A model too large to attach is still read for its facts (and drawn when Scenario has no picture).
          const report =
            asset.kind === '3d' ? await this.inspectLinkedModel(asset, name, nextPath) : undefined;
          if (report) models.push(report);
          if (report?.problem === 'unreadable') continue;
          notAttached.push({
            name,
            size,
            url: asset.url,
            expires: signedUrlExpiry(asset.url),
            // Within the upload limit but past what is left of the job's total.
            why: allowed < perFile && size <= perFile ? 'job_total' : 'upload_limit',
          });
          if (report?.preview?.ok && report.preview.size <= limit()) {
            room -= report.preview.size;
            files.push(pngBeside(name, 'preview', report.preview));
            continue;
          }
        } else {
          missing += 1;
        }
        // A smaller picture of the same result is better than nothing (3D thumbnails, previews).
        const previewUrl = asset.preview?.url ?? asset.thumbnail?.url;
        if (previewUrl) {
          const preview = await this.download(previewUrl, nextPath(), limit());
          if (preview.ok) {
            room -= preview.size;
            files.push(pngBeside(name, 'preview', preview));
          }
        }
      }
    } catch (error) {
      await dispose();
      throw error;
    }
    return { files: [...files, ...thumbnails], notAttached, missing, models, dispose };
  }

  /**
   * A model over the upload limit (it is linked): downloaded up to `maxResultBytes` only to be read, then
   * deleted. Undefined when it cannot be fetched.
   */
  private async inspectLinkedModel(
    asset: Asset,
    name: string,
    nextPath: () => string,
  ): Promise<ModelReport | undefined> {
    if (!this.options.models || !asset.url) return undefined;
    const path = nextPath();
    const fetched = await this.download(asset.url, path, this.options.maxResultBytes);
    if (!fetched.ok) return undefined;
    try {
      return await this.inspectModel(asset, { name, path, size: fetched.size }, nextPath);
    } finally {
      await rm(path, { force: true });
    }
  }

  /** A downloaded model's facts, and a rendered preview when Scenario sent no picture of it. */
  private async inspectModel(asset: Asset, file: OutgoingFile, nextPath: () => string): Promise<ModelReport> {
    const inspector = this.options.models;
    const report: ModelReport = { assetId: asset.id, name: file.name };
    if (!inspector) return report;
    const wantsPreview = !asset.thumbnail?.url && !asset.preview?.url;
    const inspection = await inspector.inspect(file.path, {
      previewPath: wantsPreview ? nextPath() : undefined,
    });
    if (!inspection.ok) return { ...report, problem: inspection.problem };
    return { ...report, facts: inspection.facts, preview: inspection.preview };
  }

  /**
   * Removes the folders a killed process left behind (a SIGKILL skips `dispose`); run at start. Judged by
   * the file system's own clock (modification times), not the bot's injected one.
   */
  async removeStale(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.root()).catch(() => [])) {
      if (!name.startsWith(FOLDER_PREFIX)) continue;
      const path = join(this.root(), name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isDirectory() || now - info.mtimeMs < STALE_AFTER_MS) continue;
      await rm(path, { recursive: true, force: true });
      removed += 1;
    }
    return removed;
  }

  private root(): string {
    return this.options.tempDir ?? tmpdir();
  }

  private async fetchResult(asset: Asset, path: string, limit: number, log: Logger): Promise<Download> {
    const declared = asset.properties?.size;
    // Do not download (or try to upload) a file Discord will refuse.
    if (declared !== undefined && declared > limit) return { ok: false, reason: 'too_large', size: declared };
    if (!asset.url) return { ok: false, reason: 'failed' };
    const result = await this.download(asset.url, path, limit);
    if (!result.ok)
      // The error names the host and the rule when a link was refused, never the signed query.
      log.warn(
        { assetId: asset.id, reason: result.reason, kind: result.error?.kind, error: result.error?.message },
        'result download failed',
      );
    return result;
  }

  private async download(url: string, path: string, limit: number): Promise<Download> {
    try {
      const { size } = await this.options.scenario.assets.downloadToFile(url, path, limit);
      return { ok: true, path, size };
    } catch (error) {
      // A refused link (not https, an internal address) is a failed download like a 404: never fetched.
      const known = error instanceof ScenarioError ? error : undefined;
      return { ok: false, reason: known?.kind === 'too_large' ? 'too_large' : 'failed', error: known };
    }
  }
}

function pngBeside(
  name: string,
  suffix: 'preview' | 'thumbnail',
  saved: { path: string; size: number },
): OutgoingFile {
  return {
    name: `${name.replace(/\.[^.]+$/, '')}-${suffix}.png`,
    path: saved.path,
    size: saved.size,
    contentType: 'image/png',
  };
}

/**
 * Where the MIME table (mime-types) answers with a name Discord does not play or preview, or has none:
 * `audio/mpeg` is `.mpga` there, FLAC and FBX are listed under other types.
 */
const PREFERRED_EXTENSIONS: Readonly<Record<string, string>> = {
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/flac': 'flac',
  'model/fbx': 'fbx',
  'image/vnd.radiance': 'hdr',
};
/** When Scenario gives no usable type: the usual file of each asset kind. */
const KIND_EXTENSIONS: Readonly<Record<string, string>> = {
  image: 'png',
  'image-hdr': 'hdr',
  '3d': 'glb',
  video: 'mp4',
  audio: 'mp3',
};

/**
 * The file extension of a result: from its MIME type; from its kind when it has no type; `bin` for a type
 * nobody knows (a wrong guess would make Discord show a broken preview). Pure.
 */
export function extensionFor(asset: Pick<Asset, 'mimeType' | 'kind'>): string {
  const type = asset.mimeType?.split(';')[0]?.trim().toLowerCase();
  if (type) return PREFERRED_EXTENSIONS[type] ?? (mimeExtension(type) || 'bin');
  return (asset.kind && KIND_EXTENSIONS[asset.kind]) || 'bin';
}

/** `skybox-gpt-1718585219-1.png`: the command, the seed and the output's position. Pure. */
export function fileNameFor(
  record: Pick<JobRecord, 'command' | 'seed'>,
  asset: Pick<Asset, 'mimeType' | 'kind'>,
  index: number,
): string {
  const extension = extensionFor(asset);
  return `${resultBaseName(record)}-${index + 1}.${extension}`;
}

/** `skybox-gpt-1718585219`: the command and the seed, what every file made from a result is named after. Pure. */
export function resultBaseName(record: Pick<JobRecord, 'command' | 'seed'>): string {
  const base = record.command.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'result';
  return `${base}${record.seed === undefined ? '' : `-${record.seed}`}`;
}

/** Signed CDN URLs carry their expiry in the query (Expires= or expires=, seconds or ms since epoch). Pure. */
export function signedUrlExpiry(url: string): string | undefined {
  try {
    const params = new URL(url).searchParams;
    const raw = params.get('Expires') ?? params.get('expires');
    if (!raw) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) return undefined;
    return new Date(value > 1e12 ? value : value * 1000).toISOString();
  } catch {
    return undefined;
  }
}
