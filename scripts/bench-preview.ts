/**
 * `npm run bench -- --preview`: how long a 3D result's facts and rendered preview take, and the memory they
 * need. Each measurement runs in a fresh process (`tsx`, as `npm start` runs the bot) holding only the
 * ModelInspector, so its peak resident memory (VmHWM; Linux only) is the inspector's plus Node's baseline:
 * the model is built beforehand by this script. Models: a torus knot of about `--triangles` triangles with a
 * 2048² striped texture, and the same mesh with an incompressible noise texture grown to `--big-mb` MB.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { drawBatchesOf, readModel } from '../src/services/models3d/model-document.js';
import { ModelInspector } from '../src/services/models3d/model-inspector.js';
import { renderPreview } from '../src/services/models3d/rasterizer.js';
import { makeModelGlb } from '../test/support/model-mesh.js';

export interface PreviewBenchOptions {
  triangles: number;
  runs: number;
  /** Size of the heavy model, reached with a noise texture of the right side. */
  bigMb: number;
}

interface ChildReport {
  facts: { triangles: number; bytes: number };
  ms: number[];
  preview: string;
  baselineMb: number;
  peakMb: number;
}

const MB = 1024 * 1024;

function memoryMb(): { rss: number; peak: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1]) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** In the child: inspect one file `runs` times, report times and the process's peak memory. */
async function child(path: string, withPreview: boolean, runs: number): Promise<ChildReport> {
  const inspector = new ModelInspector({ previewTimeoutMs: 60_000 });
  const baselineMb = memoryMb().rss;
  const ms: number[] = [];
  let report: Omit<ChildReport, 'ms' | 'baselineMb' | 'peakMb'> | undefined;
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    const inspection = await inspector.inspect(path, withPreview ? { previewPath: `${path}.png` } : {});
    ms.push(performance.now() - started);
    if (!inspection.ok) throw new Error(`could not read the model: ${inspection.problem}`);
    report = {
      facts: { triangles: inspection.facts.triangles, bytes: inspection.facts.bytes },
      preview: inspection.preview ? (inspection.preview.ok ? 'rendered' : inspection.preview.reason) : 'none',
    };
  }
  if (!report) throw new Error('no run');
  return { ...report, ms, baselineMb, peakMb: memoryMb().peak };
}

function measure(path: string, withPreview: boolean, runs: number): ChildReport {
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL(import.meta.url).pathname,
      '--child',
      path,
      '--runs',
      String(runs),
      ...(withPreview ? ['--with-preview'] : []),
    ],
    { encoding: 'utf8', maxBuffer: 10 * MB },
  );
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ChildReport;
}

export async function runPreviewBench(options: PreviewBenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-preview-'));
  try {
    const radial = 32;
    const tubular = Math.max(8, Math.round(options.triangles / (radial * 2)));
    const models = {
      textured: join(dir, 'textured.glb'),
      big: join(dir, 'big.glb'),
    };
    writeFileSync(models.textured, await makeModelGlb({ tubular, radial, textureSide: 2048 }));
    // Noise PNG at 8-bit RGB is about 3 bytes a pixel: choose the side that reaches the size asked.
    const side = Math.round(Math.sqrt((options.bigMb * MB) / 3.05) / 16) * 16;
    writeFileSync(models.big, await makeModelGlb({ tubular, radial, textureSide: side, noiseTexture: true }));
    console.log(
      `Models: ${(tubular * radial * 2).toLocaleString('en-US')} triangles; textured ${(statSync(models.textured).size / MB).toFixed(1)} MB (2048² texture), heavy ${(statSync(models.big).size / MB).toFixed(1)} MB (${side}² noise texture). ${options.runs} runs each, fresh process per row.\n`,
    );
    console.log('model     what              median    min       max       process baseline → peak RSS');
    for (const [name, path] of Object.entries(models))
      for (const withPreview of [false, true]) {
        const report = measure(path, withPreview, options.runs);
        const sorted = [...report.ms].sort((a, b) => a - b);
        const fmt = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(2)} s`.padEnd(10);
        console.log(
          `${name.padEnd(10)}${(withPreview ? `facts + preview` : 'facts only').padEnd(18)}${fmt(sorted[Math.floor(sorted.length / 2)])}${fmt(sorted[0])}${fmt(sorted.at(-1))}${report.baselineMb.toFixed(0)} → ${report.peakMb.toFixed(0)} MB${withPreview ? ` (${report.preview})` : ''}`,
        );
      }
    // The rasterizer alone, on this thread, untextured: what the preview costs without the worker's start,
    // the file's parsing and the PNG encoding.
    const read = await readModel(readFileSync(models.textured));
    if (!read.ok) throw new Error(read.problem);
    const batches = drawBatchesOf(read.model).map(({ batch }) => batch);
    const renders: number[] = [];
    for (let run = 0; run < options.runs; run += 1) {
      const started = performance.now();
      renderPreview(batches, { width: 1024, height: 1024 });
      renders.push(performance.now() - started);
    }
    renders.sort((a, b) => a - b);
    console.log(
      `\nRasterizer alone (1024² before the 2× downscale, ${(tubular * radial * 2).toLocaleString('en-US')} triangles, this thread): median ${((renders[Math.floor(renders.length / 2)] ?? 0) / 1000).toFixed(2)} s`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run as the child of a measurement: `--child <path> [--with-preview] --runs N`, one JSON line out.
const { values } = parseArgs({
  strict: false,
  options: { child: { type: 'string' }, runs: { type: 'string' }, 'with-preview': { type: 'boolean' } },
});
if (typeof values.child === 'string') {
  const report = await child(values.child, values['with-preview'] === true, Number(values.runs ?? 3));
  console.log(JSON.stringify(report));
}
