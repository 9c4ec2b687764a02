import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcessFixture, exitOf, startBotProcessFixture } from '../support/bot-process.js';
import { RESULT_TEXT } from '../support/harness.js';

const MEMBERS = 30;
const WAITING = /waiting for Scenario: (\d+ ahead of you|you are next), (about \d+ min|less than a minute)/;

describe('30 members at once with a budget of 20 requests a minute, and a SIGKILL while 10 wait', () => {
  let f: BotProcessFixture;
  beforeAll(async () => {
    f = await startBotProcessFixture({
      env: { SCENARIO_REQUESTS_PER_MINUTE: '20' },
      scenario: { jobDurationMs: 1_500 },
    });
  });
  afterAll(() => f?.close());

  it('shows the waiting members their place, then delivers all 30 once after a restart, none refunded', async () => {
    const { discord, scenario } = f;
    await f.start();
    const members = Array.from({ length: MEMBERS }, (_, i) => `7100000000000${String(i).padStart(5, '0')}`);
    const handles = members.map((user, i) =>
      discord.invokeSlashCommand({
        user,
        name: 'skybox',
        subcommand: 'gpt',
        options: { prompt: `member scene ${i}` },
      }),
    );
    const waitingReplies = await discord.waitFor(
      () => {
        const waiting = handles.filter((handle) =>
          WAITING.test(discord.originalMessage(handle)?.content ?? ''),
        );
        return waiting.length >= 5 ? waiting : undefined;
      },
      30_000,
      'replies showing a place in the queue',
    );
    // The budget let 20 requests go; the rest of the commands wait for the next window.
    expect(scenario.generateCalls().length).toBeLessThanOrEqual(20);
    const shown = waitingReplies.map((handle) => discord.originalMessage(handle)?.content ?? '')[0] ?? '';
    expect(shown).toMatch(WAITING);
    expect(shown).toContain('not spent yet');

    f.child().kill('SIGKILL');
    await exitOf(f.child());
    const sentBeforeKill = scenario.generateCalls().length;
    expect(sentBeforeKill).toBeLessThan(MEMBERS);

    await f.start();
    await discord.waitFor(
      () =>
        handles.every((handle) => RESULT_TEXT.test(discord.outcomeOf(handle)?.content ?? '')) || undefined,
      330_000,
      'all 30 results',
    );
    const results = discord.channelHistory().filter((message) => RESULT_TEXT.test(message.content));
    expect(results).toHaveLength(MEMBERS);
    const prompts = (text: string) => text.match(/member scene \d+/)?.[0];
    expect(new Set(results.map((message) => prompts(message.content))).size).toBe(MEMBERS);
    // Charged once each, nothing given back: every member has spent one job's credits.
    for (const message of results) expect(message.content).toContain('49 of 50 credits left');
    expect(
      discord.channelHistory().some((message) => /refund|given back|came back/i.test(message.content)),
    ).toBe(false);
    // Each generate call made once: the queued jobs were sent after the restart, the sent ones not again.
    const calls = scenario.generateCalls();
    expect(calls).toHaveLength(MEMBERS);
    expect(new Set(calls.map((call) => JSON.stringify(call.body))).size).toBe(MEMBERS);
    const log = f.output.join('');
    expect(log).not.toContain('found the job of a submission the restart interrupted');
    expect(log).toMatch(/"requeued":([1-9]\d*)/);
  }, 420_000);
});
