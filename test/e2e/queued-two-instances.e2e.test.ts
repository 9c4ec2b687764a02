import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../../src/index.js';
import { type Harness, RESULT_TEXT, startHarness } from '../support/harness.js';
import { type OwnRedisServer, startOwnRedisServer } from '../support/redis-server.js';

/**
 * A job waiting for the budget (`queued`) in a store two instances share, as during a rolling deploy: the
 * new instance sends it at start, the old one's turn comes later and finds it sent. One generate call.
 */
describe('a queued job held by two instances', () => {
  let redis: OwnRedisServer;
  let h: Harness;
  let second: RunningBot | undefined;
  beforeAll(async () => {
    redis = await startOwnRedisServer();
    h = await startHarness({
      // One request per (scaled) minute of 6.1 s: the second command waits for the budget.
      env: { STORE_URL: redis.url, MAX_RUNNING_JOBS_PER_USER: '10', SCENARIO_REQUESTS_PER_MINUTE: '1' },
      scenario: { jobDurationMs: 1_000 },
      bot: { timeScale: 10 },
    });
    // The start-up read of the four seed models' schemas goes first, one per (scaled) minute: then the
    // budget holds the last of them, and the commands below wait for it as the test means them to.
    await h.discord.waitFor(
      () => h.scenario.schemaReads().length >= 4 || undefined,
      45_000,
      'the start-up schema reads',
    );
  }, 60_000);
  afterAll(async () => {
    await second?.close();
    await h?.close();
    await redis?.close();
  });

  it('is sent once, by whichever instance moves it from queued to submitting first', async () => {
    const { alice } = h.discord.ids;
    const handles = [0, 1].map((i) =>
      h.discord.invokeSlashCommand({
        user: alice,
        name: 'skybox',
        subcommand: 'gpt',
        options: { prompt: `queued twice ${i}` },
      }),
    );
    const waiting = await h.discord.waitFor(
      () =>
        handles.find((handle) =>
          /waiting for Scenario/.test(h.discord.originalMessage(handle)?.content ?? ''),
        ),
      10_000,
      'a reply waiting for the budget',
    );
    await h.discord.waitFor(
      () => h.scenario.generateCalls().length >= 1 || undefined,
      20_000,
      'the first job sent',
    );
    expect(h.scenario.generateCalls()).toHaveLength(1);
    const logDestination = new Writable({
      write(chunk, _encoding, callback) {
        h.logs.push(String(chunk));
        callback();
      },
    });
    // The new instance has a budget of its own with room: it sends the queued job at start.
    second = await startBot(
      { ...h.env, REGISTER_COMMANDS_ON_START: 'false', SCENARIO_REQUESTS_PER_MINUTE: '90' },
      { logDestination },
    );
    await h.discord.waitFor(
      () => h.scenario.generateCalls().length >= 2 || undefined,
      10_000,
      'the queued job sent',
    );
    // The first instance's turn comes once its window turns: it finds the job sent and does not send it.
    await h.discord.waitFor(
      () => h.logs.some((line) => line.includes('another instance sent this queued job')) || undefined,
      30_000,
      'the first instance standing down',
    );
    await h.discord
      .waitFor(
        () => RESULT_TEXT.test(h.discord.outcomeOf(waiting)?.content ?? '') || undefined,
        30_000,
        'the queued job delivered',
      )
      .catch((error: unknown) => {
        const jobLines = h.logs.filter((line) => /job|deliver|sent|poll/.test(line)).slice(-25);
        throw new Error(
          `${String(error)}\n${h.discord.originalMessage(waiting)?.content}\n${jobLines.join('')}`,
        );
      });
    // The first instance's place updates stopped: the reply points to the result, not to a queue.
    expect(h.discord.originalMessage(waiting)?.content).not.toMatch(/waiting for Scenario/);
    expect(h.scenario.generateCalls()).toHaveLength(2);
    expect(new Set(h.scenario.generateCalls().map((call) => JSON.stringify(call.body))).size).toBe(2);
  }, 90_000);
});
