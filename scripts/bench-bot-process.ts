/**
 * The bot alone in its own process, for `npm run bench` (bench.ts `startMeasuredBot`): started like `src/main.ts` but in scaled time
 * (argument 1: the time scale; argument 2: the bot's module, the TypeScript source under tsx by default or
 * the compiled `dist/index.js`, which the bench passes unless `--tsx`), it prints its memory every 100 ms (`rss <bytes> …`) so that
 * the bench measures the bot's memory apart from the emulators, which stay in the bench's process.
 *
 * `BENCH_ALLOCATION_PROFILE=<file>`: V8's sampling heap profile of every allocation (collected ones
 * included) written there at the end, to find what churns the heap (open it in Chrome DevTools, Memory).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { Writable } from 'node:stream';

const scale = Number(process.argv[2] ?? '1');
const { startBot } = (await import(process.argv[3] ?? '../src/index.js')) as typeof import('../src/index.js');

const profilePath = process.env.BENCH_ALLOCATION_PROFILE;
const session = new Session();
if (profilePath) {
  session.connect();
  // Collected objects too: what fills the heap between two collections, not only what survives them.
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as { samplingInterval: number });
}

const bot = await startBot(process.env, {
  timeScale: scale,
  logDestination: process.env.BENCH_LOG_LEVEL ? undefined : new Writable({ write: (_c, _e, cb) => cb() }),
});

/**
 * The kernel's split of the resident set (Linux): anonymous (V8 heaps, malloc) against file-backed (node's
 * and the native modules' code), and the threads (the 3D worker is one).
 */
const residentSplit = () => {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const field = (name: string) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
    return ` anon ${field('RssAnon') * 1024} file ${field('RssFile') * 1024} threads ${field('Threads')}`;
  } catch {
    return '';
  }
};
/** CPU time used so far by every thread, in ms: what a memory setting costs. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
};
const report = () => {
  const memory = process.memoryUsage();
  process.stdout.write(
    `rss ${memory.rss} cpu ${cpuMs()} heap ${memory.heapUsed} heapTotal ${memory.heapTotal} external ${memory.external} buffers ${memory.arrayBuffers}${residentSplit()}\n`,
  );
};
report();
const timer = setInterval(report, 100);
process.once('SIGTERM', () => {
  clearInterval(timer);
  if (profilePath)
    session.post('HeapProfiler.stopSampling', (error, result) => {
      writeFileSync(profilePath, JSON.stringify(error ?? result.profile));
    });
  void bot.close().then(() => process.exit(0));
});
