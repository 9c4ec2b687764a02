import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Harness,
  OUTCOME_TEXT,
  rerollOutcomeOf,
  resultActionable,
  startHarness,
} from '../support/harness.js';
import { type OwnRedisServer, startOwnRedisServer } from '../support/redis-server.js';

// The same flows on both store backends: the embedded SQLite file and a Redis server of the test's own.
describe.each(['sqlite', 'redis'] as const)('job lifecycle on %s, end to end', (backend) => {
  let h: Harness;
  let redis: OwnRedisServer | undefined;
  beforeAll(async () => {
    redis = backend === 'redis' ? await startOwnRedisServer() : undefined;
    h = await startHarness({
      env: { JOB_STUCK_AFTER_MS: '4000', ...(redis ? { STORE_URL: redis.url } : {}) },
      scenario: { jobDurationMs: 600 },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
    await redis?.close();
  });

  const done = (find: () => ReturnType<Harness['discord']['originalMessage']>) =>
    h.discord.waitFor(
      () => {
        const message = find();
        return message && OUTCOME_TEXT.test(message.content) ? message : undefined;
      },
      20_000,
      'a final message',
    );

  it('reports a job that never finishes as stuck and refunds it', async () => {
    h.scenario.faults.neverFinishNextJobs = 1;
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.bob,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'forever' },
    });
    const message = await done(() => h.discord.outcomeOf(handle));
    expect(message.content).toContain('still not finished');
    expect(message.content).toContain('came back');
    const status = await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.bob);
    expect(status).toMatchObject({ spent: 0, reserved: 0 });
  });

  it('rerolls a result posted before a restart (the message is not in the new client’s cache)', async () => {
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'before the restart' },
    });
    const parent = await done(() => h.discord.outcomeOf(handle));
    await resultActionable(h, parent);
    await h.restart();
    h.discord.addReaction({ user: h.discord.ids.alice, messageId: parent.id, emoji: '🔄' });
    const child = await done(() => rerollOutcomeOf(h, parent.id));
    expect(child.content).toContain('before the restart');
    expect(child.attachments.length).toBeGreaterThan(0);
    // Charged to the member who reacted, linked to its parent in the store.
    expect(await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.alice)).toMatchObject({
      spent: 2,
      reserved: 0,
    });
  });
});
