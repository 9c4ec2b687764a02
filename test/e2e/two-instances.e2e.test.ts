import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../../src/index.js';
import { eventually } from '../support/eventually.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type OwnRedisServer, startOwnRedisServer } from '../support/redis-server.js';

/**
 * Two processes of the bot on one Redis store following the same jobs, as during a rolling deploy where
 * the new instance starts before the old one has stopped: every outcome is posted once.
 */
describe('two instances sharing one Redis store', () => {
  let redis: OwnRedisServer;
  let h: Harness;
  let second: RunningBot | undefined;
  beforeAll(async () => {
    redis = await startOwnRedisServer();
    h = await startHarness({
      // No progress edit after the first: the next edit of each reply is its result.
      env: { STORE_URL: redis.url, MAX_RUNNING_JOBS_PER_USER: '10', PROGRESS_EDIT_INTERVAL_MS: '600000' },
      scenario: { jobDurationMs: 3_000 },
    });
  }, 30_000);
  afterAll(async () => {
    await second?.close();
    await h?.close();
    await redis?.close();
  });

  it('posts each result exactly once when both follow the same jobs', async () => {
    const { alice } = h.discord.ids;
    const handles = [0, 1, 2, 3].map((i) =>
      h.discord.invokeSlashCommand({
        user: alice,
        name: 'skybox',
        subcommand: 'gpt',
        options: { prompt: `followed twice ${i}` },
      }),
    );
    await h.discord.waitFor(() => h.scenario.generateCalls().length === 4 || undefined, 10_000, '4 jobs');
    await h.discord.waitFor(
      () =>
        handles.every((handle) => h.discord.originalMessage(handle)?.content.includes('seed')) || undefined,
      10_000,
      'the first progress messages',
    );
    // The new instance starts while the first still runs: it resumes the same open jobs from the store.
    const logDestination = new Writable({
      write(chunk, _encoding, callback) {
        h.logs.push(String(chunk));
        callback();
      },
    });
    second = await startBot({ ...h.env, REGISTER_COMMANDS_ON_START: 'false' }, { logDestination });
    expect(second.tracker.pendingCount()).toBe(4);
    // Discord holds the first result edit back for 3 s: both instances are then finishing that job.
    h.discord.injectRateLimit({
      route: /^PATCH \/webhooks\//,
      count: 1,
      retryAfterSec: 3,
      withFilesOnly: true,
    });

    await h.discord.waitFor(
      () =>
        handles.every((handle) => /done in/.test(h.discord.originalMessage(handle)?.content ?? '')) ||
        undefined,
      30_000,
      'the 4 results',
    );
    await eventually(
      async () => h.bot.tracker.pendingCount() === 0 && second?.tracker.pendingCount() === 0,
      30_000,
      'both trackers idle',
    );
    for (const handle of handles) {
      const message = h.discord.originalMessage(handle);
      const results = h.discord.writes.filter(
        (write) => write.messageId === message?.id && /done in/.test(write.content),
      );
      expect(results).toHaveLength(1);
    }
    expect(
      h.discord.writes.filter((write) => write.kind === 'create' && /done in/.test(write.content)),
    ).toEqual([]);
    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toMatchObject({ spent: 4, reserved: 0 });
  }, 90_000);
});
