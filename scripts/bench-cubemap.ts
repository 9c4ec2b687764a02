/**
 * `npm run bench -- --cubemap`: how long a Cubemap click's conversion takes (decode the panorama, remap
 * the six faces, encode seven PNGs, zip them whole and in two parts) for 2048×1024 and 3840×1920 skies, on one core, and its peak
 * memory. Each size runs in a process of its own (peak RSS is a process's high-water mark), with sharp and
 * libuv limited to one thread so the figure is one core's. Also reported: the CPU time of the whole
 * conversion, the remap alone, and the longest the event loop was held (the remap yields between slices).
 * Flags: --runs 3 (conversions per size; the figures are the median, peak memory over all runs).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { panoramaToFaces } from '../src/services/assets/cubemap.js';
import { cubemapFilesOf } from '../src/services/assets/cubemap-files.js';
import { makeSkyPanoramaPng } from '../test/support/media.js';

const SIZES: ReadonlyArray<[number, number]> = [
  [2048, 1024],
  [3840, 1920],
];

interface RunFigures {
  width: number;
  height: number;
  zipBytes: number;
  wallMs: number;
  cpuMs: number;
  remapCpuMs: number;
  longestSliceCpuMs: number;
  sliceWallP50Ms: number;
  maxLoopBlockMs: number;
  peakRssMb: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** One size, in this process: the child's side. */
async function measure(width: number, height: number, runs: number): Promise<RunFigures> {
  sharp.concurrency(1);
  const png = makeSkyPanoramaPng({ width, height });
  const { data } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const walls: number[] = [];
  const cpus: number[] = [];
  const remaps: number[] = [];
  let zipBytes = 0;
  let maxLoopBlockMs = 0;
  let longestSliceCpuMs = 0;
  const sliceWalls: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const startCpu = process.cpuUsage();
    const started = performance.now();
    const zip = await cubemapFilesOf(png);
    walls.push(performance.now() - started);
    cpus.push(cpuMsSince(startCpu));
    loop.disable();
    // The histogram's max is the longest wait of a 5 ms timer: the loop held for about that long.
    maxLoopBlockMs = Math.max(maxLoopBlockMs, loop.max / 1e6);
    if (!zip.ok) throw new Error('the benchmark panorama could not be read');
    zipBytes = zip.whole.length;
    const remapCpu = process.cpuUsage();
    // CPU time between two yields: how long one slice holds the loop, whatever else runs on the machine.
    let sliceStart = process.cpuUsage();
    let sliceStartedAt = performance.now();
    await panoramaToFaces(
      { width, height, data: new Uint8Array(data) },
      {
        yieldNow: async () => {
          // Process CPU: the main thread's slice plus whatever sharp's and V8's threads did meanwhile.
          longestSliceCpuMs = Math.max(longestSliceCpuMs, cpuMsSince(sliceStart));
          sliceWalls.push(performance.now() - sliceStartedAt);
          await new Promise<void>((resolve) => setImmediate(resolve));
          sliceStart = process.cpuUsage();
          sliceStartedAt = performance.now();
        },
      },
    );
    remaps.push(cpuMsSince(remapCpu));
  }
  const status = readFileSync('/proc/self/status', 'utf8');
  const peakKb = Number(status.match(/^VmHWM:\s+(\d+) kB/m)?.[1] ?? 0);
  return {
    width,
    height,
    zipBytes,
    wallMs: median(walls),
    cpuMs: median(cpus),
    remapCpuMs: median(remaps),
    longestSliceCpuMs,
    sliceWallP50Ms: median(sliceWalls),
    maxLoopBlockMs,
    peakRssMb: peakKb / 1024,
  };
}

export async function runCubemapBench(options: { runs: number }): Promise<void> {
  console.log(
    `Cubemap benchmark: decode + remap + 7 PNGs + zip, one core (sharp and libuv on 1 thread), median of ${options.runs} runs, each size in its own process\n`,
  );
  console.log(
    `load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')} on ${cpus().length} cores: wall times and event-loop delays include waiting for a core\n`,
  );
  console.log(
    '| panorama | faces | zip | wall time | CPU time | remap alone (CPU) | remap slice p50 (wall) | longest remap slice (process CPU) | event-loop delay max | peak RSS |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [width, height] of SIZES) {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--child',
        `${width}x${height}`,
        String(options.runs),
      ],
      { env: { ...process.env, UV_THREADPOOL_SIZE: '1' }, encoding: 'utf8' },
    );
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      console.log(`| ${width}×${height} | failed: ${child.stderr.trim().split('\n').pop()} |`);
      continue;
    }
    const f = JSON.parse(line) as RunFigures;
    const face = Math.min(2048, Math.floor(width / 4));
    console.log(
      `| ${width}×${height} | 6 × ${face}² | ${(f.zipBytes / 1024 / 1024).toFixed(1)} MB | ${f.wallMs.toFixed(0)} ms | ${f.cpuMs.toFixed(0)} ms | ${f.remapCpuMs.toFixed(0)} ms | ${f.sliceWallP50Ms.toFixed(1)} ms | ${f.longestSliceCpuMs.toFixed(1)} ms | ${f.maxLoopBlockMs.toFixed(0)} ms | ${f.peakRssMb.toFixed(0)} MB |`,
    );
  }
}

// The child's entry: `--child WxH runs` prints one line of JSON.
const childAt = process.argv.indexOf('--child');
if (childAt !== -1) {
  const [width, height] = (process.argv[childAt + 1] ?? '').split('x').map(Number);
  const runs = Number(process.argv[childAt + 2] ?? 3);
  console.log(JSON.stringify(await measure(width ?? 0, height ?? 0, runs)));
}
