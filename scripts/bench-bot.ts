/** What every benchmark run starts: the real bot, configured as for a busy server, logs dropped. */
import { Writable } from 'node:stream';
import { type RunningBot, startBot } from '../src/index.js';
import type { DiscordEmulator } from '../test/support/discord/emulator.js';

export interface BenchBotOptions {
  discord: DiscordEmulator;
  scenarioUrl: string;
  storeUrl: string;
  /** SCENARIO_REQUESTS_PER_MINUTE. */
  budget: number;
  /** Time scale: the budget's minute and the cadences are divided by it. */
  scale: number;
}

/** Limits out of the way (every job its own), logs dropped unless BENCH_LOG_LEVEL asks for them. */
export function startBenchBot(options: BenchBotOptions): Promise<RunningBot> {
  const { discord, scale } = options;
  return startBot(
    {
      DISCORD_TOKEN: discord.token,
      DISCORD_GUILD_IDS: discord.guildId,
      SCENARIO_SDK_API_KEY: 'bench-key',
      SCENARIO_SDK_API_SECRET: 'bench-secret',
      STORE_URL: options.storeUrl,
      DISCORD_API_URL: discord.apiUrl,
      SCENARIO_API_URL: options.scenarioUrl,
      SCENARIO_REQUESTS_PER_MINUTE: String(options.budget),
      MAX_RUNNING_JOBS_PER_USER: '100000',
      QUOTA_DEFAULT_LIMIT: '1000000',
      PROGRESS_EDIT_INTERVAL_MS: String(Math.max(250, 4_000 / scale)),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    },
    {
      logDestination: process.env.BENCH_LOG_LEVEL ? undefined : new Writable({ write: (_c, _e, cb) => cb() }),
      timeScale: scale,
    },
  );
}

/** A two-column table in Markdown, padded to read in a terminal too. */
export function printTable(rows: [string, string][]): void {
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`| ${'measure'.padEnd(width)} | value |`);
  console.log(`|${'-'.repeat(width + 2)}|-------|`);
  for (const [name, value] of rows) console.log(`| ${name.padEnd(width)} | ${value} |`);
}
