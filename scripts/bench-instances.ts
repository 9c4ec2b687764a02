/**
 * `npm run bench -- --instances 2`: several bot instances, each serving its own guild (its own Discord
 * emulator), on one Redis server (a redis-server of our own on a free port) and one Scenario key, against
 * the Scenario emulator with its limit on (100 per scaled minute). Each instance has the full budget set
 * (SCENARIO_REQUESTS_PER_MINUTE=90): only the shared window keeps their sum under it. Reports the total
 * peak requests per (scaled) minute and the 429s Scenario answered.
 */
import type { RunningBot } from '../src/index.js';
import { type DiscordEmulator, startDiscordEmulator } from '../test/support/discord/emulator.js';
import { startOwnRedisServer } from '../test/support/redis-server.js';
import { startScenarioEmulator } from '../test/support/scenario/emulator.js';
import { printTable, startBenchBot } from './bench-bot.js';

export interface InstancesBenchOptions {
  instances: number;
  /** Jobs in all, split evenly across the instances. */
  n: number;
  scale: number;
  budget: number;
  /** Job duration in unscaled ms for the i-th job. */
  durationFor(index: number): number;
}

export async function runInstancesBench(options: InstancesBenchOptions): Promise<void> {
  const { instances, n, scale, budget } = options;
  const minute = 60_000 / scale;
  console.log(
    `Instances benchmark: ${instances} bot instances on one Redis and one Scenario key, N=${n} jobs in all, time scale ×${scale} (a Scenario minute = ${(minute / 1000).toFixed(2)} s), budget ${budget}/min per instance setting, emulator limit 100/min\n`,
  );
  const redis = await startOwnRedisServer();
  let submitted = 0;
  const scenario = await startScenarioEmulator({
    apiKey: 'bench-key',
    apiSecret: 'bench-secret',
    rateLimitPerMinute: 100,
    rateWindowMs: minute,
    jobDurationMs: () => options.durationFor(submitted++) / scale,
  });
  const discords: DiscordEmulator[] = [];
  const bots: RunningBot[] = [];
  try {
    for (let i = 0; i < instances; i += 1) {
      const discord = await startDiscordEmulator();
      discords.push(discord);
      bots.push(
        await startBenchBot({ discord, scenarioUrl: scenario.url, storeUrl: redis.url, budget, scale }),
      );
    }
    const started = Date.now();
    const sent: Array<{
      discord: DiscordEmulator;
      handle: ReturnType<DiscordEmulator['invokeSlashCommand']>;
    }> = [];
    // As in the main run: all commands within about a second, not in one synchronous burst.
    for (let index = 0; index < n; index += 1) {
      const discord = discords[index % instances] as DiscordEmulator;
      const members = [discord.ids.alice, discord.ids.bob, discord.ids.mod];
      const handle = discord.invokeSlashCommand({
        user: members[index % members.length] ?? discord.ids.alice,
        name: 'skybox',
        subcommand: 'gpt',
        options: { prompt: `instances ${index}`, quality: 'low' },
      });
      sent.push({ discord, handle });
      if (index % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 1000 / Math.max(1, n / 20)));
    }
    // The outcome is a new message replying to the command's reply (which becomes a pointer to it).
    const isDone = ({ discord, handle }: (typeof sent)[number]) => discord.outcomeOf(handle) !== undefined;
    // A command Discord expired (no answer within 3 s) is never delivered: stop waiting for it.
    const isLost = ({ discord, handle }: (typeof sent)[number]) => {
      const interaction = discord.interaction(handle);
      const first = interaction?.callbacks[0];
      return (
        !interaction || (first ? first.at - interaction.createdAt > 3_000 : Date.now() - started > 10_000)
      );
    };
    const deadline = Date.now() + 4 * 60_000;
    let lastReport = Date.now();
    while (!sent.every((entry) => isDone(entry) || isLost(entry)) && Date.now() < deadline) {
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        process.stderr.write(`  … ${sent.filter(isDone).length}/${n} delivered\n`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const api = scenario.requests.filter((entry) => entry.api);
    const rows: [string, string][] = [
      ['instances', String(instances)],
      ['jobs delivered', `${sent.filter(isDone).length}/${n}`],
      ['commands not acknowledged within 3 s', String(sent.filter(isLost).length)],
      ['Scenario requests, total', String(api.length)],
      ['requests per job', (api.length / n).toFixed(2)],
      ['peak requests per (scaled) minute, all instances', String(scenario.requestsPerMinutePeak(minute))],
      ['429s received', String(api.filter((entry) => entry.status === 429).length)],
      ['wall time', `${((Date.now() - started) / 1000).toFixed(2)} s`],
    ];
    printTable(rows);
  } finally {
    for (const bot of bots) await bot.close();
    for (const discord of discords) await discord.close();
    await scenario.close();
    await redis.close();
  }
}
