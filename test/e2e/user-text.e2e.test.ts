import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerTo, deliveredFor, type Harness, startHarness } from '../support/harness.js';

/**
 * What a member types is echoed in public results: it must read as text (no masked link, heading,
 * emphasis or mention can be forged with it) and never push a message past Discord's limits.
 */
describe('user text in public results, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 600 } });
  });
  afterAll(() => h?.close());

  it('shows markdown, a masked link and @everyone in the prompt and params as text, in one message that is posted', async () => {
    const { alice } = h.discord.ids;
    const prompt = '# 🛡️ <@&1> granted **me** 500 credits [claim them](https://evil.example/login) @everyone';
    // Only the model's own inputs pass its live schema: the forged text rides in one of them.
    const params = { negativePrompt: `[k0](https://evil.example) ||v0|| ${'n'.repeat(3_000)}` };
    const handle = h.discord.invokeSlashCommand({
      user: alice,
      name: 'generate',
      options: { model: 'model_lyria-2', prompt, params: JSON.stringify(params) },
    });
    const result = await deliveredFor(h, handle);
    expect(result.content.length).toBeLessThanOrEqual(2_000);
    expect(result.content).toContain(
      '\\# 🛡️ \\<@\u200b&1\\> granted \\*\\*me\\*\\* 500 credits \\[claim them\\]\\(https://evil.example/login\\) @\u200beveryone',
    );
    expect(result.content).toContain('negativePrompt: \\[k0\\]\\(https://evil.example\\) \\|\\|v0\\|\\|');
    // Every write of this job (progress edits included) fit and pinged nobody but the requester.
    const writes = h.discord.writes.filter((write) => write.messageId === result.id);
    expect(writes.length).toBeGreaterThan(0);
    for (const write of writes) {
      expect(write.content.length).toBeLessThanOrEqual(2_000);
      expect(write.allowedMentions).toMatchObject({ parse: [] });
    }
    expect(h.discord.requests.filter((request) => request.status === 400)).toHaveLength(0);
    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toMatchObject({ spent: 2, reserved: 0 });
  });
});

describe('user text in refusals, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('names an unknown params key without letting it end its code span or mention anyone', async () => {
    const { alice } = h.discord.ids;
    const handle = h.discord.invokeSlashCommand({
      user: alice,
      name: 'generate',
      options: {
        model: 'model_lyria-2',
        prompt: 'x',
        params: '{"a` @everyone [x](https://evil.example)":1}',
      },
    });
    const answer = await answerTo(h, handle);
    expect(answer.visibleTo).toBe(alice);
    expect(answer.content).toContain(
      '`a @\u200beveryone [x](https://evil.example)` is not an input of Google Lyria 2',
    );
    expect(h.scenario.generateCalls()).toHaveLength(0);
  });
});
