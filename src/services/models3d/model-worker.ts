/**
 * Worker thread entry: for each task, reads one GLB from disk once, reports its facts and, when asked, renders
 * its preview. Off the event loop because parsing tens of MB and rasterizing a million pixels take longer than
 * a bot may stall; the worker lives on for the next models (loading its modules costs more than most models),
 * and the main thread ends it when a model's time is up (see model-worker-pool.ts).
 */
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { loadSharp } from '../assets/load-sharp.js';
import { drawBatchesOf, type EncodedTexture, factsOf, readModel } from './model-document.js';
import { type RgbaImage, renderPreview } from './rasterizer.js';

export interface ModelWorkerInput {
  path: string;
  /** Render a preview of this many pixels square (rendered larger, then shrunk, for smooth edges). */
  previewSize?: number;
  /** How long the render may take before it is given up. */
  renderBudgetMs: number;
}

export type ModelWorkerOutput =
  | {
      ok: true;
      facts: import('./model-document.js').ModelFacts;
      preview?:
        | { ok: true; image: RgbaImage; supersample: number }
        | { ok: false; reason: 'too_slow' | 'failed' };
    }
  | { ok: false; problem: import('./model-document.js').ModelReadProblem };

/** A task from the main thread, and the answers: `started` once the modules are loaded, then one per task. */
export interface ModelWorkerTask {
  id: number;
  input: ModelWorkerInput;
}
export type ModelWorkerReply = { started: true } | { id: number; output: ModelWorkerOutput };

const SUPERSAMPLE = 2;
/** Textures are shrunk to this side for the preview: a 512-pixel picture shows no more detail. */
const TEXTURE_SIDE = 1024;

async function decodeTexture(texture: EncodedTexture): Promise<RgbaImage | undefined> {
  try {
    // Loaded here, not when the thread starts: most models are read for their facts alone.
    const sharp = await loadSharp();
    const { data, info } = await sharp(texture.image, { limitInputPixels: 16384 * 16384 })
      .resize(TEXTURE_SIDE, TEXTURE_SIDE, { fit: 'inside', withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data };
  } catch {
    return undefined; // a texture sharp cannot read: the material's colour alone
  }
}

async function run(input: ModelWorkerInput): Promise<ModelWorkerOutput> {
  const started = performance.now();
  const bytes = await readFile(input.path);
  const read = await readModel(bytes);
  if (!read.ok) return read;
  const facts = factsOf(read.model, bytes.byteLength);
  if (!input.previewSize) return { ok: true, facts };
  try {
    const decoded = new Map<Uint8Array, Promise<RgbaImage | undefined>>();
    const batches = await Promise.all(
      drawBatchesOf(read.model).map(async ({ batch, texture }) => {
        if (!texture) return batch;
        const image = decoded.get(texture.image) ?? decodeTexture(texture);
        decoded.set(texture.image, image);
        return { ...batch, texture: await image };
      }),
    );
    const side = input.previewSize * SUPERSAMPLE;
    const rendered = renderPreview(batches, {
      width: side,
      height: side,
      shouldStop: () => performance.now() - started > input.renderBudgetMs,
    });
    if (!rendered.ok) return { ok: true, facts, preview: { ok: false, reason: 'too_slow' } };
    return { ok: true, facts, preview: { ok: true, image: rendered.image, supersample: SUPERSAMPLE } };
  } catch {
    return { ok: true, facts, preview: { ok: false, reason: 'failed' } };
  }
}

if (parentPort) {
  const port = parentPort;
  // One task at a time: the pool sends the next only after this one's answer.
  port.on('message', ({ id, input }: ModelWorkerTask) => {
    run(input).then(
      (output) => {
        // The rendered pixels are handed over, not copied (they are allocated for this answer alone).
        const transfer =
          output.ok && output.preview?.ok ? [output.preview.image.data.buffer as ArrayBuffer] : [];
        port.postMessage({ id, output } satisfies ModelWorkerReply, transfer);
      },
      (error: unknown) =>
        port.postMessage({ id, output: { ok: false, problem: 'unreadable', error: String(error) } }),
    );
  });
  // Modules loaded (under tsx that includes compiling them): the pool's start-up limit ends here.
  port.postMessage({ started: true } satisfies ModelWorkerReply);
}
