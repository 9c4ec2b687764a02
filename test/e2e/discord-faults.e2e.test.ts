import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, RESULT_TEXT, skyboxGpt, startHarness } from '../support/harness.js';

describe('Discord faults, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 600 } });
  });
  afterAll(() => h?.close());

  const result = (handle: { token: string }) =>
    h.discord.waitFor(
      () => {
        const message = h.discord.outcomeOf(handle);
        return message && RESULT_TEXT.test(message.content) ? message : undefined;
      },
      20_000,
      'the result',
    );

  it.each([false, true])(
    'delivers through 429s on posts (global: %s), waiting as Discord asks',
    async (global) => {
      h.discord.injectRateLimit({ route: /^POST \/channels\//, count: 2, retryAfterSec: 0.3, global });
      const handle = h.discord.invokeSlashCommand({
        user: h.discord.ids.alice,
        name: 'skybox',
        subcommand: 'gpt',
        options: { prompt: `rate limited ${global}` },
      });
      const message = await result(handle);
      expect(message.attachments.length).toBe(1);
      expect(h.discord.requests.filter((entry) => entry.status === 429).length).toBeGreaterThanOrEqual(
        global ? 4 : 2,
      );
    },
  );

  it('posts a result once when Discord made it but the answer was lost (the retry carries the same nonce)', async () => {
    const { alice } = h.discord.ids;
    h.discord.loseAnswers({ route: /^POST \/channels\/\d+\/messages$/, count: 1, withFilesOnly: true });
    const handle = h.discord.invokeSlashCommand(skyboxGpt(alice, 'an answer lost on the way'));
    const message = await result(handle);
    await h.discord.waitFor(
      () => h.bot.tracker.pendingCount() === 0 || undefined,
      10_000,
      'the tracker idle',
    );
    expect(
      h.discord
        .channelHistory()
        .filter(
          (candidate) =>
            candidate.content.includes('an answer lost on the way') && RESULT_TEXT.test(candidate.content),
        ),
    ).toEqual([message]);
  });

  it('survives a 5xx on a post', async () => {
    h.discord.injectServerError({ route: /^POST \/channels\//, count: 1, status: 502 });
    const handle = h.discord.invokeSlashCommand(skyboxGpt(h.discord.ids.alice, 'server error'));
    expect((await result(handle)).attachments.length).toBe(1);
  });

  it('keeps serving after the gateway drops mid-job (the session resumes)', async () => {
    const first = h.discord.invokeSlashCommand(skyboxGpt(h.discord.ids.bob, 'before the drop'));
    await h.discord.waitFor(() => h.discord.originalMessage(first), 5_000, 'the first reply');
    h.discord.dropGatewayConnections();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = h.discord.invokeSlashCommand(skyboxGpt(h.discord.ids.bob, 'after the drop'));
    expect((await result(first)).attachments.length).toBe(1);
    expect((await result(second)).attachments.length).toBe(1);
  });

  it('says so in the log when it cannot add the reroll reaction', async () => {
    h.discord.setBotPermission(h.discord.ids.general, 'ADD_REACTIONS', false);
    try {
      const handle = h.discord.invokeSlashCommand(skyboxGpt(h.discord.ids.alice, 'no reactions'));
      const message = await result(handle);
      expect(message.reactions.size).toBe(0);
      await h.discord.waitFor(
        () => h.logs.some((line) => line.includes('could not add the reroll reaction')) || undefined,
        5_000,
        'the log line',
      );
    } finally {
      h.discord.setBotPermission(h.discord.ids.general, 'ADD_REACTIONS', true);
    }
  });

  it('links the results when it may post but not attach files (token expired, Attach Files denied)', async () => {
    const { alice, general } = h.discord.ids;
    h.discord.setBotPermission(general, 'ATTACH_FILES', false);
    try {
      const handle = h.discord.invokeSlashCommand(skyboxGpt(alice, 'no attachments allowed'));
      await h.discord.waitFor(() => h.discord.originalMessage(handle), 5_000, 'the reply');
      // The token no longer matters: the result is a new channel message, where permissions apply.
      h.discord.expireInteractionToken(handle.token);
      const done = await h.discord.waitFor(
        () => {
          const message = h.discord.outcomeOf(handle);
          return message && RESULT_TEXT.test(message.content) ? message : undefined;
        },
        20_000,
        'the result',
      );
      expect(done.attachments).toHaveLength(0);
      expect(done.content).toContain('Attach Files');
      expect(done.content).toMatch(/\[`skybox-gpt-\d+-1\.png`\]\(http:\/\/127\.0\.0\.1:\d+\/.+\)/);
      const status = await h.bot.deps.quota.status(h.discord.guildId, alice);
      expect(status.reserved).toBe(0);
    } finally {
      h.discord.setBotPermission(general, 'ATTACH_FILES', true);
    }
  });

  it('puts the result into the reply when the bot may no longer post in the channel', async () => {
    const { alice, general } = h.discord.ids;
    const handle = h.discord.invokeSlashCommand(skyboxGpt(alice, 'no send messages'));
    const reply = await h.discord.waitFor(() => h.discord.originalMessage(handle), 5_000, 'the reply');
    h.discord.setBotPermission(general, 'SEND_MESSAGES', false);
    try {
      const done = await h.discord.waitFor(
        () => (reply.attachments.length > 0 && RESULT_TEXT.test(reply.content) ? reply : undefined),
        20_000,
        'the result in the reply',
      );
      expect(done.attachments).toHaveLength(1);
      expect(h.discord.outcomeOf(handle)).toBeUndefined();
      expect(done.allowedMentions).toEqual({ parse: [], users: [alice] });
    } finally {
      h.discord.setBotPermission(general, 'SEND_MESSAGES', true);
    }
  });

  it('explains in the log a result whose channel was deleted, charges nothing for it, and keeps serving', async () => {
    const { bob, modLog } = h.discord.ids;
    const before = await h.bot.deps.quota.status(h.discord.guildId, bob);
    const handle = h.discord.invokeSlashCommand({
      user: bob,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a channel about to vanish' },
      channelId: modLog,
    });
    await h.discord.waitFor(() => h.discord.originalMessage(handle), 5_000, 'the reply');
    h.discord.deleteChannel(modLog);
    await h.discord.waitFor(
      () =>
        h.logs.some((line) => line.includes('result could not be posted anywhere') && line.includes(bob)) ||
        undefined,
      20_000,
      'the log line',
    );
    await h.discord.waitFor(
      () => h.bot.tracker.pendingCount() === 0 || undefined,
      5_000,
      'the tracker empty',
    );
    // Posted nowhere: the credits charged before the post are given back.
    expect(await h.bot.deps.quota.status(h.discord.guildId, bob)).toMatchObject({
      spent: before.spent,
      reserved: 0,
    });
    const next = h.discord.invokeSlashCommand(skyboxGpt(bob, 'still serving'));
    expect((await result(next)).attachments).toHaveLength(1);
  });

  it('made no request to a route Discord does not have', () => {
    expect(h.discord.unknownRoutes).toEqual([]);
  });
});
