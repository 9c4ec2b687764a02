import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../../src/index.js';
import { type DiscordEmulator, startDiscordEmulator } from '../support/discord/emulator.js';
import { eventually } from '../support/eventually.js';
import { type Harness, RESULT_TEXT, skyboxGpt, startHarness } from '../support/harness.js';
import { type OwnRedisServer, startOwnRedisServer } from '../support/redis-server.js';

/**
 * Two instances, each serving its own guild (its own Discord), on one Redis with one Scenario key: they
 * draw from one window, so Scenario never sees more than the budget in a minute. Time is scaled as in the
 * benchmark (a Scenario "minute" lasts 60/SCALE s on both sides) so that several minutes' worth of
 * requests take seconds; the emulator's own limit is set to the budget, so one request too many is a 429.
 */
const SCALE = 12;
const MINUTE = 60_000 / SCALE;
const BUDGET = 30;
const JOBS_PER_INSTANCE = 20;

describe('two instances on one Redis and one Scenario key', () => {
  let redis: OwnRedisServer;
  let h: Harness;
  let otherDiscord: DiscordEmulator;
  let other: RunningBot | undefined;
  beforeAll(async () => {
    redis = await startOwnRedisServer();
    h = await startHarness({
      env: {
        STORE_URL: redis.url,
        SCENARIO_REQUESTS_PER_MINUTE: String(BUDGET),
        MAX_RUNNING_JOBS_PER_USER: '100',
        QUOTA_DEFAULT_LIMIT: '1000',
        PROGRESS_EDIT_INTERVAL_MS: '600000',
      },
      scenario: { rateLimitPerMinute: BUDGET, rateWindowMs: MINUTE, jobDurationMs: 1_500 },
      bot: { timeScale: SCALE },
    });
    otherDiscord = await startDiscordEmulator();
    other = await startBot(
      {
        ...h.env,
        DISCORD_TOKEN: otherDiscord.token,
        DISCORD_GUILD_IDS: otherDiscord.guildId,
        DISCORD_API_URL: otherDiscord.apiUrl,
      },
      {
        timeScale: SCALE,
        logDestination: new Writable({
          write(chunk, _encoding, callback) {
            h.logs.push(String(chunk));
            callback();
          },
        }),
      },
    );
  }, 30_000);
  afterAll(async () => {
    await other?.close();
    await otherDiscord?.close();
    await h?.close();
    await redis?.close();
  });

  it(`keeps ${2 * JOBS_PER_INSTANCE} jobs from both under ${BUDGET} requests in every minute, with no 429`, async () => {
    const send = (discord: DiscordEmulator) => {
      const members = [discord.ids.alice, discord.ids.bob, discord.ids.mod];
      return Array.from({ length: JOBS_PER_INSTANCE }, (_, i) =>
        discord.invokeSlashCommand(
          skyboxGpt(members[i % members.length] ?? discord.ids.alice, `shared ${i}`),
        ),
      );
    };
    const first = send(h.discord);
    const second = send(otherDiscord);
    const delivered = (discord: DiscordEmulator, handles: typeof first) =>
      handles.every((handle) => RESULT_TEXT.test(discord.outcomeOf(handle)?.content ?? ''));
    await eventually(
      async () => delivered(h.discord, first) && delivered(otherDiscord, second),
      120_000,
      'every result in both guilds',
    );

    const api = h.scenario.requests.filter((entry) => entry.api);
    expect(api.filter((entry) => entry.status === 429)).toHaveLength(0);
    expect(h.scenario.requestsPerMinutePeak(MINUTE)).toBeLessThanOrEqual(BUDGET);
    // The limit was binding: the work needed more than two minutes' budget, spent by both instances.
    expect(api.length).toBeGreaterThan(2 * BUDGET);
    expect(h.scenario.generateCalls()).toHaveLength(2 * JOBS_PER_INSTANCE);
  }, 150_000);
});
