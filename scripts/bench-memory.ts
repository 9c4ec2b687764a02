/**
 * `npm run bench -- --memory`: the bot's peak memory while it delivers large results. The bot runs as its
 * own process (`tsx src/main.ts`, as in production) so that its figure holds neither emulator: the
 * Scenario emulator keeps every generated file and the Discord emulator every uploaded one. N jobs of
 * `/image … num_outputs:4` finish together, each output padded to `--file-mb` MB, under a Discord upload
 * limit raised to 100 MB per file (Discord's largest, boost level 3); the bot delivers up to 8 at a time.
 * Peak RSS is the kernel's high-water mark of the bot process (VmHWM in /proc/<pid>/status; Linux only).
 */
import { readFileSync } from 'node:fs';
import { exitOf, startBotProcessFixture } from '../test/support/bot-process.js';
import { printTable } from './bench-bot.js';

export interface MemoryBenchOptions {
  jobs: number;
  outputsPerJob: number;
  fileMb: number;
}

const MB = 1024 * 1024;
const UPLOAD_LIMIT = 100 * MB;

/** Resident set size now and its peak so far, in MB, from the kernel's view of a process. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1]);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

export async function runMemoryBench(options: MemoryBenchOptions): Promise<void> {
  const { jobs, outputsPerJob, fileMb } = options;
  console.log(
    `Memory benchmark: ${jobs} concurrent jobs × ${outputsPerJob} result files × ${fileMb} MB, Discord upload limit ${UPLOAD_LIMIT / MB} MB per file, the bot in its own process\n`,
  );
  const fixture = await startBotProcessFixture({
    env: {
      LOG_LEVEL: 'warn',
      MAX_RUNNING_JOBS_PER_USER: '100',
      QUOTA_DEFAULT_LIMIT: '100000',
    },
    scenario: { rateLimitPerMinute: null, jobDurationMs: 3_000 },
  });
  const { discord, scenario } = fixture;
  try {
    discord.setAttachmentSizeLimit(UPLOAD_LIMIT);
    scenario.faults.outputBytes = fileMb * MB;
    const child = await fixture.start();
    const pid = child.pid ?? 0;
    const idle = memoryOf(pid);
    const users = [discord.ids.alice, discord.ids.bob, discord.ids.mod];
    const started = Date.now();
    const handles = Array.from({ length: jobs }, (_, index) =>
      discord.invokeSlashCommand({
        user: users[index % users.length] ?? discord.ids.alice,
        name: 'image',
        options: { prompt: `memory ${index}`, num_outputs: outputsPerJob },
        attachmentSizeLimit: UPLOAD_LIMIT,
      }),
    );
    let sampledPeak = 0;
    const sampler = setInterval(() => {
      sampledPeak = Math.max(sampledPeak, memoryOf(pid)?.rssMb ?? 0);
    }, 50);
    const outcomes = await discord.waitFor(
      () => {
        // A job has ended once its outcome (a result or a failure) replies to the command's reply.
        const ended = handles
          .map((handle) => discord.outcomeOf(handle))
          .filter((message) => message !== undefined);
        return ended.length === handles.length ? ended : undefined;
      },
      10 * 60_000,
      'every job to end',
    );
    clearInterval(sampler);
    const peak = memoryOf(pid);
    // SIGTERM lets the last deliveries finish (and remove their files) before the fixture's SIGKILL.
    child.kill('SIGTERM');
    await exitOf(child);
    const attached = outcomes.reduce((sum, message) => sum + (message?.attachments.length ?? 0), 0);
    const failed = outcomes.filter((message) => /failed/.test(message?.content ?? '')).length;
    const rows: [string, string][] = [
      ['jobs ended (delivered / failed)', `${jobs - failed} / ${failed}`],
      ['result files attached (of generated)', `${attached} / ${jobs * outputsPerJob}`],
      ['bytes downloaded from the emulator CDN', `${(sumDownloaded(scenario.downloads) / MB).toFixed(0)} MB`],
      ['bot RSS when idle', idle ? `${idle.rssMb.toFixed(0)} MB` : 'n/a'],
      ['bot peak RSS (VmHWM)', peak ? `${peak.peakMb.toFixed(0)} MB` : 'n/a'],
      ['bot peak RSS (sampled every 50 ms)', `${sampledPeak.toFixed(0)} MB`],
      ['wall time', `${((Date.now() - started) / 1000).toFixed(1)} s`],
    ];
    printTable(rows);
  } finally {
    await fixture.close();
  }
}

function sumDownloaded(downloads: readonly { bytesSent: number }[]): number {
  return downloads.reduce((sum, download) => sum + download.bytesSent, 0);
}
