import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Generation } from '../jobs/generation-log.js';
import type { JobLedger } from '../jobs/job-ledger.js';
import { resultBaseName } from '../jobs/result-files.js';
import type { ScenarioClient } from '../scenario/scenario-client.js';
import { ScenarioError } from '../scenario/scenario-errors.js';
import { cubemapFilesOf } from './cubemap-files.js';

/**
 * A made file, on disk in the cache. Each panorama of the result (`output`, from 1) has a `whole` zip (six
 * faces and the cross) and the same in two parts, a `faces` zip and the `cross` PNG, for a server whose
 * upload limit the whole zip exceeds.
 */
export interface CubemapFile {
  output: number;
  part: CubemapPart;
  name: string;
  path: string;
  size: number;
}
export type CubemapPart = 'whole' | 'faces' | 'cross';

export type CubemapOutcome =
  | { ok: true; files: CubemapFile[]; reused: boolean }
  | {
      ok: false;
      /**
       * `gone`: the job's record or its files are no longer on Scenario; `unavailable`: Scenario or its
       * file links did not answer; `unreadable`: a panorama is not an image sharp can decode; `too_large`:
       * a panorama over `maxSourceBytes`.
       */
      reason: 'gone' | 'unavailable' | 'unreadable' | 'too_large';
    };

export interface CubemapServiceOptions {
  scenario: Pick<ScenarioClient, 'jobs' | 'assets'>;
  ledger: Pick<JobLedger, 'get'>;
  /** Where made zips are kept, one folder per generation, so a second click (or a restart) reuses them. */
  cacheDir: string;
  /** Largest panorama downloaded. */
  maxSourceBytes: number;
  logger: Logger;
}

const manifestSchema = z.object({
  files: z.array(
    z.object({
      output: z.number(),
      part: z.enum(['whole', 'faces', 'cross']),
      // A bare file name: the manifest cannot point outside its folder.
      name: z.string().regex(/^[\w-][\w.-]*$/),
      size: z.number(),
    }),
  ),
});
const MANIFEST = 'manifest.json';

/**
 * Cubemaps of skybox results, made locally: no generate call, no credits. The panoramas are found from
 * the generation's own job (its Scenario job id from the job ledger, its asset ids from Scenario's job,
 * fresh signed links from one bulk asset read: two requests through the request budget), never from
 * anything a button carries. The zips are kept on disk per generation; a second click, on this instance or
 * after a restart, posts the same files again. Clicks on one result while it is being made share the work.
 */
export class CubemapService {
  private readonly making = new Map<string, Promise<CubemapOutcome>>();

  constructor(private readonly options: CubemapServiceOptions) {}

  make(generation: Generation): Promise<CubemapOutcome> {
    const running = this.making.get(generation.id);
    if (running) return running;
    const work = this.makeOnce(generation).finally(() => this.making.delete(generation.id));
    this.making.set(generation.id, work);
    return work;
  }

  /** Removes cubemaps made longer than `maxAgeMs` ago (their generation has expired from the store too). */
  async removeExpired(maxAgeMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.options.cacheDir).catch(() => [])) {
      const path = join(this.options.cacheDir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info || now - info.mtimeMs < maxAgeMs) continue;
      await rm(path, { recursive: true, force: true });
      removed += 1;
    }
    return removed;
  }

  private async makeOnce(generation: Generation): Promise<CubemapOutcome> {
    const folder = join(this.options.cacheDir, cacheKey(generation.id));
    const cached = await this.readCache(folder);
    if (cached) return { ok: true, files: cached, reused: true };
    const log = this.options.logger.child({ generationId: generation.id });
    const panoramas = await this.findPanoramas(generation, log);
    if (!panoramas.ok) return panoramas;
    const base = resultBaseName(generation);
    const many = panoramas.urls.length > 1;
    // Each output's files go to disk as soon as they are made: a 4-output result never sits whole in memory.
    const staging = `${folder}.partial-${randomBytes(4).toString('hex')}`;
    await mkdir(staging, { recursive: true });
    try {
      const files: CubemapFile[] = [];
      for (const [index, url] of panoramas.urls.entries()) {
        const output = index + 1;
        let bytes: Uint8Array;
        try {
          ({ bytes } = await this.options.scenario.assets.download(url, this.options.maxSourceBytes));
        } catch (error) {
          const kind = error instanceof ScenarioError ? error.kind : undefined;
          log.warn({ kind, output }, 'cubemap: panorama download failed');
          return { ok: false, reason: kind === 'too_large' ? 'too_large' : 'unavailable' };
        }
        const cubemap = await cubemapFilesOf(bytes);
        if (!cubemap.ok) {
          log.warn({ output }, 'cubemap: panorama is not a readable image');
          return cubemap;
        }
        const name = `${base}${many ? `-${output}` : ''}-cubemap`;
        const parts: Array<[CubemapPart, string, Uint8Array]> = [
          ['whole', `${name}.zip`, cubemap.whole],
          ['faces', `${name}-faces.zip`, cubemap.faces],
          ['cross', `${name}-cross.png`, cubemap.cross],
        ];
        for (const [part, fileName, content] of parts) {
          await writeFile(join(staging, fileName), content);
          files.push({ output, part, name: fileName, size: content.length, path: join(folder, fileName) });
        }
      }
      await this.publish(staging, folder, files);
      log.info({ outputs: panoramas.urls.length }, 'cubemap made');
      return { ok: true, files, reused: false };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** The signed links of the generation's image outputs, read fresh (a stored link may have expired). */
  private async findPanoramas(
    generation: Generation,
    log: Logger,
  ): Promise<{ ok: true; urls: string[] } | { ok: false; reason: 'gone' | 'unavailable' }> {
    const jobId = (await this.options.ledger.get(generation.id))?.scenarioJobId;
    if (!jobId) return { ok: false, reason: 'gone' };
    try {
      const job = await this.options.scenario.jobs.retrieve(jobId, 'interactive');
      const assets = await this.options.scenario.assets.retrieveMany(job.assetIds, 'interactive');
      // In the job's order: the output number in a zip's name is the result file's.
      const urls = job.assetIds.flatMap((id) => {
        const asset = assets.find((candidate) => candidate.id === id);
        return asset?.url && asset.kind !== '3d' ? [asset.url] : [];
      });
      return urls.length > 0 ? { ok: true, urls } : { ok: false, reason: 'gone' };
    } catch (error) {
      const kind = error instanceof ScenarioError ? error.kind : undefined;
      log.warn({ kind }, 'cubemap: the job or its assets could not be read');
      return { ok: false, reason: kind === 'not_found' ? 'gone' : 'unavailable' };
    }
  }

  private async readCache(folder: string): Promise<CubemapFile[] | undefined> {
    const raw = await readFile(join(folder, MANIFEST), 'utf8').catch(() => undefined);
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const manifest = manifestSchema.safeParse(parsed);
    if (!manifest.success) return undefined;
    const files = manifest.data.files.map((file) => ({ ...file, path: join(folder, file.name) }));
    const present = await Promise.all(
      files.map((file) =>
        stat(file.path).then(
          () => true,
          () => false,
        ),
      ),
    );
    return present.every(Boolean) ? files : undefined;
  }

  /**
   * The staged files and their manifest renamed into place: another instance (or a crash) never leaves a
   * half-written cubemap where a click would find it.
   */
  private async publish(staging: string, folder: string, files: CubemapFile[]): Promise<void> {
    const manifest = { files: files.map(({ path: _path, ...file }) => file) };
    await writeFile(join(staging, MANIFEST), JSON.stringify(manifest));
    await rm(folder, { recursive: true, force: true });
    await rename(staging, folder);
  }
}

/** A folder name from a generation id (`local_<uuid>`): only safe characters, whatever the store holds. */
function cacheKey(generationId: string): string {
  return generationId.replace(/[^A-Za-z0-9_-]/g, '_');
}
