import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cubemapButtonId } from '../../src/discord/cubemap-controls.js';
import { TEXT } from '../../src/discord/messages.js';
import { DETAILS_BUTTON_PREFIX, RESULT_BUTTON_IDS } from '../../src/discord/result-controls.js';
import type { EmulatedMessage } from '../support/discord/emulator.js';
import {
  answerTo,
  deliveredFor,
  type Harness,
  RESULT_TEXT,
  rerollOutcomeOf,
  resultActionable,
  startHarness,
} from '../support/harness.js';

describe('the buttons under a result, end to end', () => {
  let h: Harness;
  let result: EmulatedMessage;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 600 } });
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a lighthouse', quality: 'low' },
    });
    result = await deliveredFor(h, handle);
    await resultActionable(h, result);
  }, 30_000);
  afterAll(() => h?.close());

  const click = (user: string, customId: string) =>
    h.discord.clickButton({ user, messageId: result.id, customId });

  it('carries Reroll and Delete, Details, Remix, and for a skybox a Cubemap row', async () => {
    const rows = (result.components as { components: { custom_id: string; label: string }[] }[]).map((row) =>
      row.components.map((button) => `${button.custom_id}:${button.label}`),
    );
    const generation = await h.bot.deps.generationLog.byMessage(result.id);
    expect(rows).toEqual([
      [`${RESULT_BUTTON_IDS.reroll}:Reroll`, `${RESULT_BUTTON_IDS.delete}:Delete`],
      [`${DETAILS_BUTTON_PREFIX}${generation?.id ?? ''}:Details`],
      [`result:remix:${generation?.id ?? ''}:Remix`],
      [`${cubemapButtonId(generation?.id ?? '')}:Cubemap`],
    ]);
  });

  it('rerolls on Reroll with a new seed, charged to the member who clicked, and tells only them', async () => {
    const { bob } = h.discord.ids;
    const answer = await answerTo(h, click(bob, RESULT_BUTTON_IDS.reroll));
    expect(answer.visibleTo).toBe(bob);
    expect(answer.content).toBe(TEXT.rerollChargedToYou(1));
    const child = await h.discord.waitFor(
      () => [rerollOutcomeOf(h, result.id)].find((message) => message && RESULT_TEXT.test(message.content)),
      20_000,
      'the reroll',
    );
    expect(child.content).toContain('lighthouse');
    expect(child.content).toContain(`<@${bob}>`);
    const [first, second] = h.scenario.generateCalls().map((call) => call.body as Record<string, unknown>);
    expect(second).toMatchObject({ prompt: first?.prompt, quality: 'low' });
    expect(second?.seed).not.toBe(first?.seed);
    expect(await h.bot.deps.quota.status(h.discord.guildId, bob)).toMatchObject({ spent: 1, reserved: 0 });
  });

  it('refuses a reroll privately when the member has no credits left, spending nothing', async () => {
    const { bob, mod } = h.discord.ids;
    const set = h.discord.invokeSlashCommand({
      user: mod,
      name: 'quota',
      subcommand: 'set',
      options: { user: bob, limit: 1 },
    });
    await answerTo(h, set);
    const before = h.scenario.generateCalls().length;
    const answer = await answerTo(h, click(bob, RESULT_BUTTON_IDS.reroll));
    expect(answer.visibleTo).toBe(bob);
    expect(answer.content).toContain('0 of 1');
    expect(h.scenario.generateCalls()).toHaveLength(before);
    expect(await h.bot.deps.quota.status(h.discord.guildId, bob)).toMatchObject({ spent: 1, reserved: 0 });
  });

  it('refuses Delete to a stranger privately, and deletes for the requester', async () => {
    const { alice, bob } = h.discord.ids;
    const refused = await answerTo(h, click(bob, RESULT_BUTTON_IDS.delete));
    expect(refused.visibleTo).toBe(bob);
    expect(refused.content).toBe(TEXT.deleteRefused);
    expect(h.discord.messages.has(result.id)).toBe(true);
    const deleted = await answerTo(h, click(alice, RESULT_BUTTON_IDS.delete));
    expect(deleted.visibleTo).toBe(alice);
    expect(deleted.content).toBe(TEXT.resultDeleted);
    expect(h.discord.messages.has(result.id)).toBe(false);
  });
});
