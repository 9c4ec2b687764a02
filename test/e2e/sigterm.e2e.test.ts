import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, spawnBot } from '../support/bot-process.js';
import { type DiscordEmulator, startDiscordEmulator } from '../support/discord/emulator.js';
import { type ScenarioEmulator, startScenarioEmulator } from '../support/scenario/emulator.js';

describe('SIGTERM while a result is being delivered', () => {
  let discord: DiscordEmulator;
  let scenario: ScenarioEmulator;
  let dir: string;
  let child: ChildProcess | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bot-sigterm-'));
    discord = await startDiscordEmulator();
    scenario = await startScenarioEmulator({ apiKey: 'k-term', apiSecret: 's-term', jobDurationMs: 1_000 });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await discord.close();
    await scenario.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the delivery in flight, exits 0, and a new start posts nothing twice', async () => {
    const env = {
      DISCORD_TOKEN: discord.token,
      DISCORD_GUILD_IDS: discord.guildId,
      SCENARIO_SDK_API_KEY: 'k-term',
      SCENARIO_SDK_API_SECRET: 's-term',
      STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
      DISCORD_API_URL: discord.apiUrl,
      SCENARIO_API_URL: scenario.url,
      // No progress edit after the first one: the next edit of the reply is the delivery itself.
      PROGRESS_EDIT_INTERVAL_MS: '600000',
      LOG_LEVEL: 'info',
    };
    child = spawnBot(env, output);
    await discord.waitFor(() => discord.registeredCommands().length > 0 || undefined, 20_000, 'the start');
    const handle = discord.invokeSlashCommand({
      user: discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'delivered across a shutdown' },
    });
    await discord.waitFor(
      () => discord.originalMessage(handle)?.content.includes('seed') || undefined,
      10_000,
      'the first progress message',
    );
    // Discord holds the delivery's edit back for 3 s: the bot is mid-delivery when SIGTERM arrives.
    discord.injectRateLimit({ route: /^PATCH \/webhooks\//, count: 1, retryAfterSec: 3 });
    await discord.waitFor(
      () =>
        discord.requests.some(
          (request) =>
            request.method === 'PATCH' && request.path.includes('/webhooks/') && request.status === 429,
        ) || undefined,
      15_000,
      'the delivery to start',
    );
    expect(discord.originalMessage(handle)?.attachments).toHaveLength(0);
    child.kill('SIGTERM');
    const exit = await exitOf(child);
    const log = output.join('');
    expect(exit, log.slice(-3_000)).toEqual({ code: 0, signal: null });
    expect(log).toContain('SIGTERM received');
    const delivered = discord.originalMessage(handle);
    expect(delivered?.attachments).toHaveLength(1);
    expect(delivered?.content).toMatch(/done in/);

    // A new start finds nothing left to do.
    output.length = 0;
    child = spawnBot(env, output);
    await discord.waitFor(
      () => output.join('').match(/"resumed":(\d+)/)?.[1],
      20_000,
      'the tracker to start',
    );
    expect(output.join('')).toContain('"resumed":0');
    expect(discord.channelHistory().filter((message) => /done in/.test(message.content))).toHaveLength(1);
    expect(scenario.generateCalls()).toHaveLength(1);
    child.kill('SIGTERM');
    expect((await exitOf(child)).code).toBe(0);
  }, 60_000);
});
