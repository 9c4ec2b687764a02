import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcessFixture, exitOf, startBotProcessFixture } from '../support/bot-process.js';
import { RESULT_TEXT } from '../support/harness.js';

describe('a restart in the middle of 20 jobs', () => {
  let f: BotProcessFixture;
  beforeAll(async () => {
    // Job durations spread from 2.5 s to 8 s: some finish while the bot is down, some after it is back.
    let n = 0;
    f = await startBotProcessFixture({
      env: { MAX_RUNNING_JOBS_PER_USER: '50' },
      scenario: { jobDurationMs: () => 2_500 + ((n++ * 290) % 5_500) },
    });
  });
  afterAll(() => f?.close());

  it('delivers every job exactly once after SIGKILL and a new start', async () => {
    const { discord, scenario } = f;
    await f.start();
    const users = [discord.ids.alice, discord.ids.bob, discord.ids.mod];
    const handles = Array.from({ length: 20 }, (_, i) =>
      discord.invokeSlashCommand({
        user: users[i % 3] ?? discord.ids.alice,
        name: 'skybox',
        subcommand: 'gpt',
        options: { prompt: `scene ${i}` },
      }),
    );
    await discord.waitFor(
      () => scenario.generateCalls().length >= 20 || undefined,
      20_000,
      '20 submitted jobs',
    );
    // Every job is in the ledger before Scenario's answer reaches the user; give the last writes a moment.
    await new Promise((resolve) => setTimeout(resolve, 300));
    f.child().kill('SIGKILL');
    await exitOf(f.child());
    const deliveredBefore = handles.filter((handle) =>
      RESULT_TEXT.test(discord.outcomeOf(handle)?.content ?? ''),
    ).length;
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // jobs finish while the bot is down

    const outputBefore = f.output.length;
    await f.start();
    await discord.waitFor(
      () =>
        handles.every((handle) => RESULT_TEXT.test(discord.outcomeOf(handle)?.content ?? '')) || undefined,
      40_000,
      'all 20 results',
    );
    // Nothing more may arrive: the new start has delivered every job it resumed, so its tracker has nothing
    // left to post (and only a command submits to Scenario).
    await discord.waitFor(
      () => {
        const log = f.output.slice(outputBefore).join('');
        const resumed = log.match(/"resumed":(\d+)/)?.[1];
        const delivered = new Set(
          log
            .split('\n')
            .filter((line) => line.includes('"msg":"result delivered"'))
            .map((line) => line.match(/"jobId":"([^"]+)"/)?.[1]),
        );
        return (resumed !== undefined && delivered.size >= Number(resumed)) || undefined;
      },
      20_000,
      'every resumed job delivered by the new start',
    );
    const results = discord.channelHistory().filter((message) => RESULT_TEXT.test(message.content));
    expect(results).toHaveLength(20);
    expect(new Set(results.map((message) => message.content.match(/scene \d+/)?.[0])).size).toBe(20);
    for (const message of results) expect(message.attachments).toHaveLength(1);
    expect(scenario.generateCalls()).toHaveLength(20); // nothing was submitted twice
    expect(deliveredBefore).toBeLessThan(20);
  }, 90_000);
});

describe('SIGKILL while a generate request is in flight', () => {
  let f: BotProcessFixture;
  beforeAll(async () => {
    f = await startBotProcessFixture({ scenario: { jobDurationMs: 1_000 } });
  });
  afterAll(() => f?.close());

  it('finds the job the interrupted request started and delivers it, charged once', async () => {
    const { discord, scenario } = f;
    await f.start();
    // Scenario takes 2 s to answer the generate; the bot dies before the answer, the job is created anyway.
    scenario.faults.delayMs = 2_000;
    const handle = discord.invokeSlashCommand({
      user: discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'interrupted submission' },
    });
    await discord.waitFor(() => scenario.generateCalls().length > 0 || undefined, 10_000, 'the generate');
    f.child().kill('SIGKILL');
    await exitOf(f.child());
    await discord.waitFor(() => scenario.jobs.size > 0 || undefined, 10_000, 'the job created on Scenario');
    scenario.faults.delayMs = 0;

    await f.start();
    const done = await discord.waitFor(
      () => {
        const message = discord.outcomeOf(handle);
        return message && RESULT_TEXT.test(message.content) ? message : undefined;
      },
      30_000,
      'the result',
    );
    expect(done.attachments).toHaveLength(1);
    expect(done.content).toContain('49 of 50 credits left');
    expect(scenario.generateCalls()).toHaveLength(1);
    expect(scenario.jobs.size).toBe(1);
    expect(f.output.join('')).toContain('found the job of a submission the restart interrupted');
  }, 60_000);
});
