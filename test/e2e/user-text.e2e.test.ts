import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveredFor, type Harness, startHarness } from '../support/harness.js';

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

  it('shows markdown, a masked link, @everyone and 500 params keys as text, in one message that is posted', async () => {
    const { alice } = h.discord.ids;
    const prompt = '# 🛡️ <@&1> granted **me** 500 credits [claim them](https://evil.example/login) @everyone';
    // 500 keys within the 4,000 characters `params` may hold: one forged link, then short ones.
    const params: Record<string, string | number> = { '[k0](https://evil.example)': '||v0||' };
    const letter = (code: number) => String.fromCharCode(97 + code);
    for (let index = 0; Object.keys(params).length < 500; index += 1)
      params[letter(Math.floor(index / 26)) + letter(index % 26)] = 1;
    expect(JSON.stringify(params).length).toBeLessThanOrEqual(4_000);
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
    expect(result.content).toContain('\\[k0\\]\\(https://evil.example\\): \\|\\|v0\\|\\|');
    expect(result.content).toContain('+492 more');
    // Every write of this job (progress edits included) fit and pinged nobody but the requester.
    const writes = h.discord.writes.filter((write) => write.messageId === result.id);
    expect(writes.length).toBeGreaterThan(0);
    for (const write of writes) {
      expect(write.content.length).toBeLessThanOrEqual(2_000);
      expect(write.allowedMentions).toMatchObject({ parse: [] });
    }
    expect(h.discord.requests.filter((request) => request.status === 400)).toHaveLength(0);
    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toMatchObject({ spent: 1, reserved: 0 });
  });
});
