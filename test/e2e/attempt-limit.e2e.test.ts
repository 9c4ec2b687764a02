import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerTo, type Harness, startHarness } from '../support/harness.js';

/** Requests Scenario refuses cost its shared budget but no credits: a member can make only a few a minute. */
describe('failed attempts per member, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { FAILED_ATTEMPTS_PER_MINUTE: '3' } });
  });
  afterAll(() => h?.close());

  let tried = 0;
  /** A model id never asked about: each costs Scenario a schema read (`GET /models/{id}` answers 404). */
  const unknownModel = (user: string) =>
    h.discord.invokeSlashCommand({
      user,
      name: 'generate',
      options: { model: `model_does-not-exist-${++tried}`, prompt: 'x' },
    });

  it('refuses a fourth refused request in a minute before it reaches Scenario, privately, spending nothing', async () => {
    const { alice, bob } = h.discord.ids;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const answer = await answerTo(h, unknownModel(alice));
      expect(answer.visibleTo).toBe(alice);
      expect(answer.content).toContain('does not know');
    }
    const calls = h.scenario.generateCalls().length;
    const reads = h.scenario.schemaReads().length;
    const limited = await answerTo(h, unknownModel(alice));
    expect(limited.visibleTo).toBe(alice);
    expect(limited.content).toMatch(/try again in \d+ s/);
    expect(limited.content).toContain('Nothing was spent');
    expect(h.scenario.generateCalls()).toHaveLength(calls);
    expect(h.scenario.schemaReads()).toHaveLength(reads);
    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toMatchObject({ spent: 0, reserved: 0 });

    // Another member is not affected.
    const other = await answerTo(h, unknownModel(bob));
    expect(other.content).toContain('does not know');
    expect(h.scenario.schemaReads()).toHaveLength(reads + 1);
  });
});
