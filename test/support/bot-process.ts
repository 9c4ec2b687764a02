import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DiscordEmulator, startDiscordEmulator } from './discord/emulator.js';
import {
  type ScenarioEmulator,
  type ScenarioEmulatorOptions,
  startScenarioEmulator,
} from './scenario/emulator.js';

/** The bot as production runs it: `tsx src/main.ts` in its own process, configured by environment only. */
export function spawnBot(env: NodeJS.ProcessEnv, output: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => output.push(String(chunk)));
  child.stderr?.on('data', (chunk) => output.push(String(chunk)));
  return child;
}

/** Resolves with the exit code (null when killed by a signal) once the child has exited. */
export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Both emulators, a store folder, and the bot run (and killed, and run again) as its own process. */
export interface BotProcessFixture {
  discord: DiscordEmulator;
  scenario: ScenarioEmulator;
  env: Record<string, string>;
  /** Everything the bot printed, across starts. */
  output: string[];
  /** Starts the bot; the first start waits until its commands are registered. */
  start(): Promise<ChildProcess>;
  child(): ChildProcess;
  close(): Promise<void>;
}

export async function startBotProcessFixture(
  input: { env?: Record<string, string>; scenario?: ScenarioEmulatorOptions } = {},
): Promise<BotProcessFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'bot-process-'));
  const apiKey = 'k-process';
  const apiSecret = 's-process';
  const discord = await startDiscordEmulator();
  const scenario = await startScenarioEmulator({ apiKey, apiSecret, ...input.scenario });
  const env = {
    DISCORD_TOKEN: discord.token,
    DISCORD_GUILD_IDS: discord.guildId,
    SCENARIO_SDK_API_KEY: apiKey,
    SCENARIO_SDK_API_SECRET: apiSecret,
    STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
    DISCORD_API_URL: discord.apiUrl,
    SCENARIO_API_URL: scenario.url,
    LOG_LEVEL: 'info',
    // Result files wait here until posted: a killed bot's leftovers go with the fixture's folder.
    TMPDIR: dir,
    ...input.env,
  };
  const output: string[] = [];
  let current: ChildProcess | undefined;
  return {
    discord,
    scenario,
    env,
    output,
    async start() {
      current = spawnBot(env, output);
      await discord.waitFor(
        () => discord.registeredCommands().length > 0 || undefined,
        20_000,
        'the bot to start',
      );
      return current;
    },
    child() {
      if (!current) throw new Error('the bot was not started');
      return current;
    },
    async close() {
      current?.kill('SIGKILL');
      await discord.close();
      await scenario.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
