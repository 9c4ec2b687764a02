import { writeFile } from 'node:fs/promises';
import { loadSharp } from '../assets/load-sharp.js';
import type { ModelFacts, ModelReadProblem } from './model-document.js';
import type { ModelWorkerInput } from './model-worker.js';
import { ModelWorkerPool } from './model-worker-pool.js';

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
  /** Models read at once, one worker each (1 by default; 2 at most: each worker holds its own memory). */
  workerCount?: number;
  /** A worker with nothing to do is ended after this long (30 s by default). */
  workerIdleMs?: number;
}

const WORKER_ENTRY = new URL(
  `./model-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);
/** Reading and parsing may outlast the render's budget a little; past this the worker is ended. */
const GRACE_MS = 3_000;
/** How long the worker may take to load its modules before it is given up. */
const STARTUP_LIMIT_MS = 30_000;
const MAX_WORKERS = 2;

/**
 * Reads a downloaded GLB in a worker thread (the event loop keeps serving Discord meanwhile): its facts,
 * and a PNG preview when asked (when Scenario sent no picture of the model). The worker is kept for the
 * next models and ended when idle; each file is read once, its textures decoded only for the preview and
 * shrunk. `close()` ends the worker now; an inspection after it starts a fresh one.
 */
export class ModelInspector {
  private readonly workers: ModelWorkerPool;

  constructor(private readonly options: ModelInspectorOptions) {
    this.workers = new ModelWorkerPool({
      entry: WORKER_ENTRY,
      workerCount: Math.min(Math.max(options.workerCount ?? 1, 1), MAX_WORKERS),
      heapMb: options.workerHeapMb ?? 1024,
      startupLimitMs: STARTUP_LIMIT_MS,
      taskLimitMs: options.previewTimeoutMs + GRACE_MS,
      idleMs: options.workerIdleMs ?? 30_000,
    });
  }

  async inspect(path: string, options: { previewPath?: string } = {}): Promise<ModelInspection> {
    const size = this.options.previewSize ?? 512;
    const input: ModelWorkerInput = {
      path,
      previewSize: options.previewPath ? size : undefined,
      renderBudgetMs: this.options.previewTimeoutMs,
    };
    const output = await this.workers.run(input);
    // Not even the facts in time: the file is delivered as it is, without them.
    if (output === 'timeout') return { ok: false, problem: 'unsupported' };
    if (!output.ok) return output;
    const { facts, preview } = output;
    if (!preview || !options.previewPath) return { ok: true, facts };
    if (!preview.ok) return { ok: true, facts, preview };
    const { image } = preview;
    const sharp = await loadSharp();
    const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
      .resize(size, size)
      .png()
      .toBuffer();
    await writeFile(options.previewPath, png);
    return { ok: true, facts, preview: { ok: true, path: options.previewPath, size: png.byteLength } };
  }

  /** How many worker threads were started so far: one serves many models, until it fails or idles. */
  workersStarted(): number {
    return this.workers.workersStarted();
  }

  /** How many worker threads are running now. */
  workersRunning(): number {
    return this.workers.workersRunning();
  }

  /** Ends the workers now (at shutdown); inspections in flight are answered as unreadable by this bot. */
  close(): Promise<void> {
    return this.workers.close();
  }
}
