import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerTo,
  deliveredFor,
  type Harness,
  resultActionable,
  skyboxGpt,
  startHarness,
} from '../support/harness.js';

/** What a moderator running a busy server reads: mod-log lines in words, and usage per member. */
describe('moderation, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 500 } });
  });
  afterAll(() => h?.close());

  const run = (
    user: string,
    name: string,
    subcommand: string,
    options: Record<string, string | number> = {},
  ) => answerTo(h, h.discord.invokeSlashCommand({ user, name, subcommand, options }));
  const modLogLine = (words: string) =>
    h.discord.waitFor(
      () => h.discord.channelHistory(h.discord.ids.modLog).find((message) => message.content === words),
      5_000,
      `the mod-log line “${words}”`,
    );

  it('writes settings changes to the mod-log in words', async () => {
    const { mod, modLog, general } = h.discord.ids;
    await run(mod, 'bot-settings', 'mod-log', { channel: modLog });
    await modLogLine(`🛡️ <@${mod}> set the mod-log to <#${modLog}>`);
    await run(mod, 'bot-settings', 'allow-channel', { channel: general });
    await modLogLine(`🛡️ <@${mod}> allowed generation in <#${general}>`);
  });

  it('returns a member to the server default when /quota set has no limit', async () => {
    const { mod, alice } = h.discord.ids;
    await run(mod, 'quota', 'set', { user: alice, limit: 3 });
    expect((await h.bot.deps.quota.status(h.discord.guildId, alice)).limit).toBe(3);
    const answer = await run(mod, 'quota', 'set', { user: alice });
    expect(answer.content).toContain('returned');
    const status = await h.bot.deps.quota.status(h.discord.guildId, alice);
    expect(status.limitOverride).toBeUndefined();
    expect(status.limit).toBe((await h.bot.deps.quota.policy(h.discord.guildId)).limit);
    await modLogLine(
      `🛡️ <@${mod}> returned <@${alice}> to the server default limit (${status.limit} credits)`,
    );
  });

  it('logs a moderator deleting a member’s result, and shows usage per member with Scenario’s cost', async () => {
    const { mod, alice, general } = h.discord.ids;
    const result = await deliveredFor(h, h.discord.invokeSlashCommand(skyboxGpt(alice, 'to be removed')));
    await resultActionable(h, result);
    h.discord.addReaction({ user: mod, messageId: result.id, emoji: '❌' });
    await modLogLine(`🛡️ <@${mod}> deleted <@${alice}>'s result in <#${general}>`);
    expect(h.discord.messages.has(result.id)).toBe(false);

    const usage = await run(mod, 'quota', 'usage');
    expect(usage.visibleTo).toBe(mod);
    expect(usage.content).toMatch(/^\*\*Today \(UTC\)\*\* · resets <t:\d+:R>/);
    expect(usage.content).toMatch(/1 credit · 1 generation · \d+ Scenario CU/);
    expect(usage.content).toContain(`1. <@${alice}> — 1 credit · 1 generation`);
  });
});
