import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcessFixture, exitOf, startBotProcessFixture } from '../support/bot-process.js';

/**
 * The request window outlives the process: a bot killed (SIGKILL, nothing flushed at exit) right after it
 * spent its whole budget, and started again at once, waits for that minute to end instead of spending a
 * second budget in it. Real time: Scenario's minute is a minute here, so this test waits for one.
 */
const BUDGET = 20;

describe('the request budget across a SIGKILL and a new start', () => {
  let f: BotProcessFixture;
  beforeAll(async () => {
    f = await startBotProcessFixture({
      env: {
        SCENARIO_REQUESTS_PER_MINUTE: String(BUDGET),
        MAX_RUNNING_JOBS_PER_USER: '50',
        QUOTA_DEFAULT_LIMIT: '1000',
      },
      // The emulator allows exactly the budget: one request too many in its minute is a 429.
      scenario: { rateLimitPerMinute: BUDGET, jobDurationMs: 2_000 },
    });
  });
  afterAll(() => f?.close());

  it(`spends at most ${BUDGET} requests in the minute around the restart`, async () => {
    const { discord, scenario } = f;
    const api = () => scenario.requests.filter((entry) => entry.api);
    await f.start();
    const users = [discord.ids.alice, discord.ids.bob, discord.ids.mod];
    Array.from({ length: BUDGET + 5 }, (_, i) =>
      discord.invokeSlashCommand({
        user: users[i % 3] ?? discord.ids.alice,
        name: 'skybox',
        subcommand: 'gpt',
        options: { prompt: `budget ${i}` },
      }),
    );
    await discord.waitFor(() => api().length >= BUDGET || undefined, 20_000, 'the whole budget spent');
    f.child().kill('SIGKILL');
    await exitOf(f.child());
    const before = api().length;
    const firstAt = api()[0]?.at ?? 0;

    await f.start();
    // The new start has work (jobs to follow, interrupted submissions to look for): it sends again once
    // the window allows it, not before.
    await discord.waitFor(() => api().length > before || undefined, 90_000, 'a request after the restart');
    const firstAfter = api()[before];
    expect(before).toBe(BUDGET);
    expect((firstAfter?.at ?? 0) - firstAt).toBeGreaterThanOrEqual(60_000);
    expect(scenario.requestsPerMinutePeak(60_000)).toBeLessThanOrEqual(BUDGET);
    expect(api().filter((entry) => entry.status === 429)).toHaveLength(0);
  }, 150_000);
});
