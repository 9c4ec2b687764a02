import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXT } from '../../src/discord/messages.js';
import { RESULT_BUTTON_IDS } from '../../src/discord/result-controls.js';
import type { EmulatedMessage } from '../support/discord/emulator.js';
import {
  answerTo,
  deliveredFor,
  type Harness,
  resultActionable,
  skyboxGpt,
  startHarness,
} from '../support/harness.js';

/**
 * A reroll reserves credits and a running slot before it posts the message its job reports in. When
 * Discord refuses that post (here: the bot lost Send Messages), both must be given back, on the reaction
 * path and on the button path alike.
 */
describe('a reroll whose message cannot be posted', () => {
  let h: Harness;
  let result: EmulatedMessage;
  beforeAll(async () => {
    h = await startHarness({ env: { MAX_RUNNING_JOBS_PER_USER: '2' }, scenario: { jobDurationMs: 600 } });
    result = await deliveredFor(h, h.discord.invokeSlashCommand(skyboxGpt(h.discord.ids.alice, 'a harbour')));
    await resultActionable(h, result);
  }, 30_000);
  afterAll(() => h?.close());

  it('spends nothing and holds no running slot, by 🔄 and by the button', async () => {
    const { bob } = h.discord.ids;
    const channel = h.discord.ids.general;
    const before = await h.bot.deps.quota.status(h.discord.guildId, bob);
    const generatesBefore = h.scenario.generateCalls().length;
    h.discord.setBotPermission(channel, 'SEND_MESSAGES', false);

    h.discord.addReaction({ user: bob, messageId: result.id, emoji: '🔄' });
    // A reaction cannot be answered privately: the refusal reaches bob by DM.
    const dm = await h.discord.waitFor(
      () => h.discord.dmsTo(bob).find((message) => message.content.endsWith(TEXT.replyUnavailable)),
      15_000,
      'the DM explaining the refused reroll',
    );
    expect(dm.content).toContain('Nothing was spent');

    const answer = await answerTo(
      h,
      h.discord.clickButton({ user: bob, messageId: result.id, customId: RESULT_BUTTON_IDS.reroll }),
    );
    expect(answer.visibleTo).toBe(bob);
    expect(answer.content).toBe(TEXT.replyUnavailable);

    h.discord.setBotPermission(channel, 'SEND_MESSAGES', true);
    expect(h.scenario.generateCalls()).toHaveLength(generatesBefore);
    expect(await h.bot.deps.quota.status(h.discord.guildId, bob)).toMatchObject({
      spent: before.spent,
      reserved: 0,
      remaining: before.remaining,
    });
    // No placeholder was left behind in the channel.
    expect(h.discord.channelHistory(channel).filter((message) => message.replyTo === result.id)).toHaveLength(
      0,
    );
  });

  it('lets the member start MAX_RUNNING_JOBS_PER_USER generations at once afterwards', async () => {
    const { bob } = h.discord.ids;
    const handles = [
      h.discord.invokeSlashCommand(skyboxGpt(bob, 'first of two')),
      h.discord.invokeSlashCommand(skyboxGpt(bob, 'second of two')),
    ];
    const delivered = await Promise.all(handles.map((handle) => deliveredFor(h, handle)));
    expect(delivered.map((message) => message.content)).toEqual([
      expect.stringContaining('first of two'),
      expect.stringContaining('second of two'),
    ]);
    expect(await h.bot.deps.quota.status(h.discord.guildId, bob)).toMatchObject({ spent: 2, reserved: 0 });
  });
});
