import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerTo, type Harness, startHarness } from '../support/harness.js';

describe('/status', () => {
  let h: Harness;
  beforeAll(async () => {
    // A budget of 7 requests a minute: the start-up read of the four seed models' schemas, then three
    // generate calls fill it, and the fourth command waits its turn. No reserve for the running jobs'
    // results (it would hold the third generate back in so small a budget; it has its own tests).
    h = await startHarness({
      env: { SCENARIO_REQUESTS_PER_MINUTE: '7', SCENARIO_RESERVE_FOR_RESULTS: 'false' },
      scenario: { jobDurationMs: 120_000 },
    });
    await h.discord.waitFor(
      () => h.scenario.schemaReads().length >= 4 || undefined,
      10_000,
      'the schema reads',
    );
  });
  afterAll(() => h?.close());

  const skybox = (user: string, prompt: string) =>
    h.discord.invokeSlashCommand({ user, name: 'skybox', subcommand: 'gpt', options: { prompt } });
  const generates = (count: number) =>
    h.discord.waitFor(
      () => h.scenario.generateCalls().length >= count || undefined,
      10_000,
      `${count} generates`,
    );
  const statusFor = async (user: string) => {
    const handle = h.discord.invokeSlashCommand({ user, name: 'status' });
    const answer = await answerTo(h, handle);
    expect(answer.visibleTo).toBe(user);
    return answer.content;
  };

  it('shows a member their queued and running jobs with a place; only moderators see every member', async () => {
    const { alice, bob, mod } = h.discord.ids;
    skybox(bob, 'bob one');
    skybox(bob, 'bob two');
    await generates(2);
    const running = skybox(alice, 'alice running');
    await generates(3);
    const queued = skybox(alice, 'alice queued');
    await h.discord.waitFor(
      () => /waiting for Scenario/.test(h.discord.originalMessage(queued)?.content ?? '') || undefined,
      10_000,
      'the queued reply',
    );
    expect(h.discord.originalMessage(running)?.content).not.toMatch(/waiting for Scenario/);

    const mine = await statusFor(alice);
    expect(mine).toMatch(
      /`\/skybox gpt` waiting for Scenario: (you are next|\d+ ahead of you), (about \d+ min|less than a minute)/,
    );
    expect(mine).toMatch(/`\/skybox gpt` (queued|generating)/);
    expect(mine).toContain('Queue: 1 waiting for Scenario · 3 running');
    expect(mine).toMatch(/Scenario requests in the last minute: 7 of 7/);
    expect(mine).toContain('Store: ok · Scenario: ok');
    expect(mine).toMatch(/Up since <t:\d+:R> · version \d+\.\d+\.\d+/);
    expect(mine).not.toContain('Members with jobs');

    const bobs = await statusFor(bob);
    expect(bobs).not.toContain('Members with jobs');
    expect(bobs).not.toContain(`<@${alice}>`);
    expect(bobs).not.toContain('waiting for Scenario:');

    const mods = await statusFor(mod);
    expect(mods).toContain('Members with jobs');
    expect(mods).toContain(`<@${alice}>: 1 waiting, 1 running`);
    expect(mods).toContain(`<@${bob}>: 0 waiting, 2 running`);
    // Nothing of /status went to Scenario: still the three generate calls.
    expect(h.scenario.generateCalls()).toHaveLength(3);
  }, 60_000);
});
