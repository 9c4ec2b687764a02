/**
 * The bot alone in its own process, for `npm run bench` (bench.ts `startMeasuredBot`): started like `src/main.ts` but in scaled time
 * (argument 1: the time scale), it prints its resident memory every 100 ms (`rss <bytes>`) so that the
 * bench measures the bot's memory apart from the emulators, which stay in the bench's process.
 */
import { Writable } from 'node:stream';
import { startBot } from '../src/index.js';

const scale = Number(process.argv[2] ?? '1');
const bot = await startBot(process.env, {
  timeScale: scale,
  logDestination: process.env.BENCH_LOG_LEVEL ? undefined : new Writable({ write: (_c, _e, cb) => cb() }),
});
const report = () => {
  const memory = process.memoryUsage();
  process.stdout.write(
    `rss ${memory.rss} heap ${memory.heapUsed} external ${memory.external} buffers ${memory.arrayBuffers}\n`,
  );
};
report();
const timer = setInterval(report, 100);
process.once('SIGTERM', () => {
  clearInterval(timer);
  void bot.close().then(() => process.exit(0));
});
