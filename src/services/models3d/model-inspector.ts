import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import type { ModelFacts, ModelReadProblem } from './model-document.js';
import type { ModelWorkerInput, ModelWorkerOutput } from './model-worker.js';

export type { ModelFacts, ModelReadProblem } from './model-document.js';

/** A rendered preview saved as PNG, or why there is none. */
export type PreviewOutcome =
  | { ok: true; path: string; size: number }
  | { ok: false; reason: 'too_slow' | 'failed' };

export type ModelInspection =
  | { ok: true; facts: ModelFacts; preview?: PreviewOutcome }
  | { ok: false; problem: ModelReadProblem };

export interface ModelInspectorOptions {
  /** A preview that would take longer is skipped, with a note (`PREVIEW_TIMEOUT_MS`, 5 s by default). */
  previewTimeoutMs: number;
  /** Side of the preview in pixels. */
  previewSize?: number;
  /** The worker's heap ceiling: a hostile model fails its own thread, not the bot. */
  workerHeapMb?: number;
}

const WORKER_ENTRY = new URL(
  `./model-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);
/** Reading and parsing may outlast the render's budget a little; past this the worker is ended. */
const GRACE_MS = 3_000;
/** How long the worker may take to load its modules before it is given up. */
const STARTUP_LIMIT_MS = 30_000;

/**
 * Reads a downloaded GLB in a worker thread (the event loop keeps serving Discord meanwhile): its facts,
 * and a PNG preview when asked (when Scenario sent no picture of the model). One worker per model; its
 * file is read once, its textures decoded only for the preview and shrunk.
 */
export class ModelInspector {
  constructor(private readonly options: ModelInspectorOptions) {}

  async inspect(path: string, options: { previewPath?: string } = {}): Promise<ModelInspection> {
    const size = this.options.previewSize ?? 512;
    const input: ModelWorkerInput = {
      path,
      previewSize: options.previewPath ? size : undefined,
      renderBudgetMs: this.options.previewTimeoutMs,
    };
    const output = await this.runWorker(input);
    // Not even the facts in time: the file is delivered as it is, without them.
    if (output === 'timeout') return { ok: false, problem: 'unsupported' };
    if (!output.ok) return output;
    const { facts, preview } = output;
    if (!preview || !options.previewPath) return { ok: true, facts };
    if (!preview.ok) return { ok: true, facts, preview };
    const { image } = preview;
    const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
      .resize(size, size)
      .png()
      .toBuffer();
    await writeFile(options.previewPath, png);
    return { ok: true, facts, preview: { ok: true, path: options.previewPath, size: png.byteLength } };
  }

  private runWorker(input: ModelWorkerInput): Promise<ModelWorkerOutput | 'timeout'> {
    return new Promise((resolve) => {
      const worker = startWorker(WORKER_ENTRY, input, this.options.workerHeapMb ?? 1024);
      let timer: NodeJS.Timeout | undefined;
      const giveUpAfter = (ms: number) => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          void worker.terminate();
          resolve('timeout');
        }, ms);
      };
      // Loading the worker's modules is not the model's fault (slow under tsx, or on a busy machine).
      giveUpAfter(STARTUP_LIMIT_MS);
      const finish = (output: ModelWorkerOutput) => {
        clearTimeout(timer);
        void worker.terminate();
        resolve(output);
      };
      worker.on('message', (message: ModelWorkerOutput | { started: true }) => {
        if ('started' in message) giveUpAfter(this.options.previewTimeoutMs + GRACE_MS);
        else finish(message);
      });
      // Out of memory or a crash in the reader: a file this bot cannot read.
      worker.once('error', () => finish({ ok: false, problem: 'unsupported' }));
      worker.once('exit', () => finish({ ok: false, problem: 'unsupported' }));
    });
  }
}

/**
 * A worker from a module of ours. Built code (`dist/`) runs as is; under tsx and the tests the source is
 * TypeScript, so the worker first registers tsx's loader in its own thread, then imports the entry.
 */
function startWorker(entry: URL, workerData: unknown, heapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: heapMb };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData, resourceLimits });
  const tsxApi = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const boot = `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}
