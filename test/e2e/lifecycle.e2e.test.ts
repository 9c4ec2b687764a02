import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

describe('job lifecycle, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { JOB_STUCK_AFTER_MS: '4000' }, scenario: { jobDurationMs: 600 } });
  });
  afterAll(() => h?.close());

  const done = (find: () => ReturnType<Harness['discord']['originalMessage']>) =>
    h.discord.waitFor(
      () => {
        const message = find();
        return message && /done in|failed|not finished/.test(message.content) ? message : undefined;
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
    const message = await done(() => h.discord.originalMessage(handle));
    expect(message.content).toContain('still not finished');
    expect(message.content).toContain('refunded');
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
    const parent = await done(() => h.discord.originalMessage(handle));
    await h.discord.waitFor(
      () => parent.reactions.get('🔄')?.has(h.discord.botUserId),
      5_000,
      'the bot’s 🔄',
    );
    await h.restart();
    h.discord.addReaction({ user: h.discord.ids.alice, messageId: parent.id, emoji: '🔄' });
    const child = await done(() =>
      h.discord.channelHistory().find((message) => message.replyTo === parent.id),
    );
    expect(child.content).toContain('before the restart');
    expect(child.attachments.length).toBeGreaterThan(0);
  });
});
