import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerTo, deliveredFor, type Harness, skyboxGpt, startHarness } from '../support/harness.js';

/**
 * Teams work in threads and forum posts: once a moderator restricts generation to channels, a thread is
 * allowed when its channel is, and results stay in the thread they were asked for in.
 */
describe('threads and forums, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 500 } });
  });
  afterAll(() => h?.close());

  const allow = async (channel: string) => {
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.mod,
      name: 'bot-settings',
      subcommand: 'allow-channel',
      options: { channel },
    });
    expect((await answerTo(h, handle)).content).toContain('Saved');
  };
  const privateAnswer = (user: string, handle: { id: string }) =>
    h.discord.waitFor(
      () =>
        [...h.discord.messages.values()].find(
          (message) => message.interactionId === handle.id && message.visibleTo === user,
        ),
      8_000,
      'the private answer',
    );

  it('runs a command in a thread of the allowed #general and posts its result in the thread', async () => {
    const { alice, general } = h.discord.ids;
    await allow(general);
    const thread = h.discord.createThread({ parentId: general, name: 'moodboard' });
    const handle = h.discord.invokeSlashCommand({ ...skyboxGpt(alice, 'in a thread'), channelId: thread });
    const result = await deliveredFor(h, handle);
    expect(result.channelId).toBe(thread);
    expect(result.replyTo).toBe(h.discord.originalMessage(handle)?.id);
    expect(h.discord.channelHistory(general).some((message) => message.content.includes('in a thread'))).toBe(
      false,
    );
  });

  it('refuses a command in another channel, naming #general, and spends nothing', async () => {
    const { alice, general } = h.discord.ids;
    const random = h.discord.createChannel({ name: 'random' });
    const before = h.scenario.generateCalls().length;
    const handle = h.discord.invokeSlashCommand({ ...skyboxGpt(alice, 'elsewhere'), channelId: random });
    const refusal = await privateAnswer(alice, handle);
    expect(refusal.content).toContain(`Use <#${general}>`);
    expect(refusal.content).toContain('Nothing was spent');
    expect(h.scenario.generateCalls().length).toBe(before);
    // A thread of a channel that is not allowed is refused the same way.
    const aside = h.discord.createThread({ parentId: random, name: 'aside', type: 12 });
    const inThread = h.discord.invokeSlashCommand({ ...skyboxGpt(alice, 'aside'), channelId: aside });
    expect((await privateAnswer(alice, inThread)).content).toContain(`Use <#${general}>`);
    expect(h.scenario.generateCalls().length).toBe(before);
  });

  it('lets a moderator allow a forum, whose posts then run commands and keep their results', async () => {
    const { bob } = h.discord.ids;
    const forum = h.discord.createChannel({ name: 'ideas', type: 15 });
    await allow(forum);
    const post = h.discord.createThread({ parentId: forum, name: 'castle concepts' });
    const handle = h.discord.invokeSlashCommand({ ...skyboxGpt(bob, 'in a forum post'), channelId: post });
    const result = await deliveredFor(h, handle);
    expect(result.channelId).toBe(post);
  });

  it('rerolls a result inside the thread, posting the new one there', async () => {
    const { alice, bob, general } = h.discord.ids;
    const thread = h.discord.createThread({ parentId: general, name: 'rerolls' });
    const handle = h.discord.invokeSlashCommand({ ...skyboxGpt(alice, 'reroll me'), channelId: thread });
    const result = await deliveredFor(h, handle);
    await h.discord.waitFor(() => result.reactions.get('🔄')?.has(h.discord.botUserId), 5_000, 'the 🔄');
    h.discord.addReaction({ user: bob, messageId: result.id, emoji: '🔄' });
    const reroll = await h.discord.waitFor(
      () =>
        h.discord
          .channelHistory(thread)
          .find((message) => message.attachments.length > 0 && message.id !== result.id),
      20_000,
      'the reroll in the thread',
    );
    expect(reroll.channelId).toBe(thread);
  });
});
