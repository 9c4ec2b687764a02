import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** A reroll Scenario refuses: nothing public is left behind, and the member is told the real reason. */
describe('a refused reroll, end to end', () => {
  let h: Harness;
  let result: EmulatedMessage;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 500 } });
    result = await deliveredFor(
      h,
      h.discord.invokeSlashCommand(skyboxGpt(h.discord.ids.alice, 'a red door')),
    );
    await resultActionable(h, result);
  }, 30_000);
  afterAll(() => h?.close());

  const publicMessages = () => h.discord.channelHistory().map((message) => message.id);

  it('leaves no public message and answers the button with Scenario’s reason', async () => {
    const { bob } = h.discord.ids;
    const before = publicMessages();
    const creates = h.discord.writes.filter((write) => write.kind === 'create').length;
    const bobBefore = await h.bot.deps.quota.status(h.discord.guildId, bob);
    h.scenario.faults.refuseNextGenerate = 1;
    const answer = await answerTo(
      h,
      h.discord.clickButton({ user: bob, messageId: result.id, customId: RESULT_BUTTON_IDS.reroll }),
    );
    expect(answer.visibleTo).toBe(bob);
    expect(answer.content).toContain('This prompt was flagged by the content filter');
    expect(answer.content).toContain('Nothing was spent');
    // The placeholder the reroll posted was removed: the channel reads as before.
    expect(h.discord.writes.filter((write) => write.kind === 'create').length).toBeGreaterThan(creates);
    expect(publicMessages()).toEqual(before);
    expect(await h.bot.deps.quota.status(h.discord.guildId, bob)).toMatchObject({
      spent: bobBefore.spent,
      reserved: 0,
    });
  });

  it('tells a 🔄 refused by Scenario by DM, naming the server and linking the result', async () => {
    const { bob } = h.discord.ids;
    const before = publicMessages();
    h.scenario.faults.refuseNextGenerate = 1;
    h.discord.addReaction({ user: bob, messageId: result.id, emoji: '🔄' });
    const dm = await h.discord.waitFor(
      () => h.discord.dmsTo(bob).find((message) => message.content.includes('flagged')),
      15_000,
      'the DM',
    );
    expect(dm.content).toContain('Test Guild');
    expect(dm.content).toContain(
      `https://discord.com/channels/${h.discord.guildId}/${result.channelId}/${result.id}`,
    );
    expect(publicMessages()).toEqual(before);
  });

  it('says a reroll of someone else’s result is charged to the member who clicked', async () => {
    const { bob } = h.discord.ids;
    const answer = await answerTo(
      h,
      h.discord.clickButton({ user: bob, messageId: result.id, customId: RESULT_BUTTON_IDS.reroll }),
    );
    expect(answer.content).toContain('charged to you (1 credit)');
    const own = await answerTo(
      h,
      h.discord.clickButton({
        user: h.discord.ids.alice,
        messageId: result.id,
        customId: RESULT_BUTTON_IDS.reroll,
      }),
    );
    expect(own.content).not.toContain('charged to you');
  });
});
