import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerTo, type Harness, startHarness } from '../support/harness.js';

describe('who may generate, and how much at once', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 3_000 } });
  });
  afterAll(() => h?.close());

  const answer = (handle: { id: string }) => answerTo(h, handle);

  it('caps running jobs per member with a clear ephemeral reply, spending nothing for the refused one', async () => {
    const { bob } = h.discord.ids;
    const first = h.discord.invokeSlashCommand({
      user: bob,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'one' },
    });
    const second = h.discord.invokeSlashCommand({
      user: bob,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'two' },
    });
    await answer(first);
    await answer(second);
    const third = h.discord.invokeSlashCommand({
      user: bob,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'three' },
    });
    const refusal = await h.discord.waitFor(
      () =>
        [...h.discord.messages.values()].find(
          (message) => message.interactionId === third.id && message.visibleTo === bob,
        ),
      8_000,
      'the refusal',
    );
    expect(refusal.content).toContain('already have 2 generations running');
    expect(h.scenario.generateCalls()).toHaveLength(2);
    const status = await h.bot.deps.quota.status(h.discord.guildId, bob);
    expect(status.spent + status.reserved).toBe(2);
  });

  it('answers only in allowed channels once a moderator restricts them', async () => {
    const { mod, alice, general, modLog } = h.discord.ids;
    const allow = h.discord.invokeSlashCommand({
      user: mod,
      name: 'bot-settings',
      subcommand: 'allow-channel',
      options: { channel: modLog },
    });
    expect((await answer(allow)).content).toContain('Saved');
    const before = h.scenario.generateCalls().length;
    const refused = h.discord.invokeSlashCommand({
      user: alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'wrong channel' },
      channelId: general,
    });
    const message = await h.discord.waitFor(
      () =>
        [...h.discord.messages.values()].find(
          (candidate) => candidate.interactionId === refused.id && candidate.visibleTo === alice,
        ),
      8_000,
      'the refusal',
    );
    expect(message.content).toContain(`not allowed in this channel. Use <#${modLog}>`);
    expect(h.scenario.generateCalls().length).toBe(before);
    const posted = await h.discord.waitFor(
      () => h.logs.some((line) => line.includes('moderator action')) || undefined,
      5_000,
      'the moderator log line',
    );
    expect(posted).toBe(true);
  });

  it('refuses /bot-settings to a member without Manage Server', async () => {
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'bot-settings',
      subcommand: 'show',
    });
    expect((await answer(handle)).content).toContain('Only moderators');
  });
});
