import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

describe('Discord faults, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 600 } });
  });
  afterAll(() => h?.close());

  const result = (handle: { token: string }) =>
    h.discord.waitFor(
      () => {
        const message = h.discord.originalMessage(handle);
        return message && /done in/.test(message.content) ? message : undefined;
      },
      20_000,
      'the result',
    );

  it.each([false, true])(
    'delivers through 429s on edits (global: %s), waiting as Discord asks',
    async (global) => {
      h.discord.injectRateLimit({ route: /^PATCH \/webhooks\//, count: 2, retryAfterSec: 0.3, global });
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

  it('survives a 5xx on an edit', async () => {
    h.discord.injectServerError({ route: /^PATCH \/webhooks\//, count: 1, status: 502 });
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'server error' },
    });
    expect((await result(handle)).attachments.length).toBe(1);
  });

  it('keeps serving after the gateway drops mid-job (the session resumes)', async () => {
    const first = h.discord.invokeSlashCommand({
      user: h.discord.ids.bob,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'before the drop' },
    });
    await h.discord.waitFor(() => h.discord.originalMessage(first), 5_000, 'the first reply');
    h.discord.dropGatewayConnections();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = h.discord.invokeSlashCommand({
      user: h.discord.ids.bob,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'after the drop' },
    });
    expect((await result(first)).attachments.length).toBe(1);
    expect((await result(second)).attachments.length).toBe(1);
  });

  it('says so in the log when it cannot add the reroll reaction', async () => {
    h.discord.setBotPermission(h.discord.ids.general, 'ADD_REACTIONS', false);
    try {
      const handle = h.discord.invokeSlashCommand({
        user: h.discord.ids.alice,
        name: 'skybox',
        subcommand: 'gpt',
        options: { prompt: 'no reactions' },
      });
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

  it('made no request to a route Discord does not have', () => {
    expect(h.discord.unknownRoutes).toEqual([]);
  });
});
