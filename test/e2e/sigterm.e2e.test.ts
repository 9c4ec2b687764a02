import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotProcessFixture, exitOf, startBotProcessFixture } from '../support/bot-process.js';
import { RESULT_TEXT } from '../support/harness.js';

describe('SIGTERM while a result is being delivered', () => {
  let f: BotProcessFixture;
  beforeAll(async () => {
    // No progress edit after the first one: the next edit of the reply is the delivery itself.
    f = await startBotProcessFixture({
      env: { PROGRESS_EDIT_INTERVAL_MS: '600000' },
      scenario: { jobDurationMs: 1_000 },
    });
  });
  afterAll(() => f?.close());

  it('finishes the delivery in flight, exits 0, and a new start posts nothing twice', async () => {
    const { discord, scenario } = f;
    await f.start();
    const handle = discord.invokeSlashCommand({
      user: discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'delivered across a shutdown' },
    });
    await discord.waitFor(
      () => discord.originalMessage(handle)?.content.includes('seed') || undefined,
      10_000,
      'the first progress message',
    );
    // Discord holds the delivery's post back for 3 s: the bot is mid-delivery when SIGTERM arrives.
    discord.injectRateLimit({
      route: /^POST \/channels\/\d+\/messages$/,
      count: 1,
      retryAfterSec: 3,
      withFilesOnly: true,
    });
    await discord.waitFor(
      () =>
        discord.requests.some(
          (request) =>
            request.method === 'POST' &&
            /\/channels\/\d+\/messages$/.test(request.path) &&
            request.status === 429,
        ) || undefined,
      15_000,
      'the delivery to start',
    );
    expect(discord.outcomeOf(handle)).toBeUndefined();
    f.child().kill('SIGTERM');
    const exit = await exitOf(f.child());
    const log = f.output.join('');
    expect(exit, log.slice(-3_000)).toEqual({ code: 0, signal: null });
    expect(log).toContain('SIGTERM received');
    const delivered = discord.outcomeOf(handle);
    expect(delivered?.attachments).toHaveLength(1);
    expect(delivered?.content).toMatch(RESULT_TEXT);

    // A new start finds nothing left to do.
    f.output.length = 0;
    await f.start();
    await discord.waitFor(
      () => f.output.join('').match(/"resumed":(\d+)/)?.[1],
      20_000,
      'the tracker to start',
    );
    expect(f.output.join('')).toContain('"resumed":0');
    expect(discord.channelHistory().filter((message) => RESULT_TEXT.test(message.content))).toHaveLength(1);
    expect(scenario.generateCalls()).toHaveLength(1);
    f.child().kill('SIGTERM');
    expect((await exitOf(f.child())).code).toBe(0);
  }, 60_000);
});
