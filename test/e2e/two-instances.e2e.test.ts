import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../../src/index.js';
import { eventually } from '../support/eventually.js';
import { type Harness, RESULT_TEXT, skyboxGpt, startHarness } from '../support/harness.js';
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
      route: /^POST \/channels\/\d+\/messages$/,
      count: 1,
      retryAfterSec: 3,
      withFilesOnly: true,
    });

    await h.discord.waitFor(
      () =>
        handles.every((handle) => RESULT_TEXT.test(h.discord.outcomeOf(handle)?.content ?? '')) || undefined,
      30_000,
      'the 4 results',
    );
    await eventually(
      async () => h.bot.tracker.pendingCount() === 0 && second?.tracker.pendingCount() === 0,
      30_000,
      'both trackers idle',
    );
    // Each result posted once, as one new message replying to its command's reply.
    for (const handle of handles) {
      const message = h.discord.outcomeOf(handle);
      const results = h.discord.writes.filter(
        (write) => write.messageId === message?.id && RESULT_TEXT.test(write.content),
      );
      expect(results).toHaveLength(1);
    }
    expect(h.discord.writes.filter((write) => RESULT_TEXT.test(write.content))).toHaveLength(4);
    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toMatchObject({ spent: 4, reserved: 0 });
  }, 90_000);
});

/**
 * A delivery that outlasts the finish lease (Discord sits on the upload): its holder keeps extending the
 * lease, so the other instance, which looks again each time the lease it saw would end, never posts the
 * result a second time. The lease is shortened to 1 s so that "longer than the lease" is seconds.
 */
describe('a delivery slower than the finish lease, two instances on one Redis', () => {
  const LEASE_MS = 1_000;
  let redis: OwnRedisServer;
  let h: Harness;
  let second: RunningBot | undefined;
  beforeAll(async () => {
    redis = await startOwnRedisServer();
    h = await startHarness({
      env: { STORE_URL: redis.url, PROGRESS_EDIT_INTERVAL_MS: '600000' },
      scenario: { jobDurationMs: 2_000 },
      bot: { finishLeaseMs: LEASE_MS },
    });
  }, 30_000);
  afterAll(async () => {
    await second?.close();
    await h?.close();
    await redis?.close();
  });

  it('keeps the lease while Discord holds the upload: one post of the result, charged once', async () => {
    const { alice } = h.discord.ids;
    const handle = h.discord.invokeSlashCommand(skyboxGpt(alice, 'an upload Discord sits on'));
    await h.discord.waitFor(
      () => h.discord.originalMessage(handle)?.content.includes('seed') || undefined,
      10_000,
      'the first progress message',
    );
    second = await startBot({ ...h.env, REGISTER_COMMANDS_ON_START: 'false' }, h.startOptions);
    expect(second.tracker.pendingCount()).toBe(1);
    const upload = h.discord.holdRequests({ route: /^POST \/channels\/\d+\/messages$/, withFilesOnly: true });
    const busyLooks = () =>
      h.logs.filter((line) => line.includes('another instance is posting this job')).length;

    try {
      await h.discord.waitFor(() => upload.held() >= 1 || undefined, 20_000, 'the held upload');
      // Each look comes when the lease last seen would end, at least 2/3 of a lease later (it is renewed
      // every third): three looks span more than one lease. Without renewal the second look finds the
      // lease expired, and the other instance's upload is the second one held.
      await h.discord.waitFor(
        () => busyLooks() >= 3 || upload.held() >= 2 || undefined,
        20_000,
        'three looks at the busy job',
      );
      expect(upload.held()).toBe(1);
    } finally {
      upload.release();
    }

    const message = await h.discord.waitFor(
      () => {
        const reply = h.discord.outcomeOf(handle);
        return reply && RESULT_TEXT.test(reply.content) ? reply : undefined;
      },
      20_000,
      'the result',
    );
    await eventually(
      async () => h.bot.tracker.pendingCount() === 0 && second?.tracker.pendingCount() === 0,
      30_000,
      'both trackers idle',
    );
    expect(message.attachments).toHaveLength(1);
    expect(h.discord.writes.filter((write) => RESULT_TEXT.test(write.content))).toHaveLength(1);
    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toMatchObject({ spent: 1, reserved: 0 });
  }, 90_000);
});
