import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { type Harness, type Invocation, RESULT_TEXT, skyboxGpt, startHarness } from '../support/harness.js';

/**
 * Scenario misbehaving while real commands run through Discord. For each fault: every job is delivered
 * or explained to its requester, no job is submitted twice, credits end settled, and the bot keeps serving.
 */
describe('Scenario faults, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { MAX_RUNNING_JOBS_PER_USER: '10', SCENARIO_TIMEOUT_MS: '1500', SCENARIO_MAX_RETRIES: '6' },
      scenario: { jobDurationMs: 800 },
    });
  }, 30_000);
  afterEach(() => {
    Object.assign(h.scenario.faults, {
      rateLimitRatio: 0,
      rateLimitRetryAfter: true,
      serverErrorsNext: 0,
      serverErrorStatus: 503,
      delayMs: 0,
      malformedNext: 0,
      alternativeShapes: false,
      downloads404: false,
      expiredUrls: false,
    });
  });
  afterAll(() => h?.close());

  /** How the job ended (a result or a failure, posted below the reply) or why it never started (private). */
  const outcomeOf = (handle: { id: string; token: string }, timeoutMs = 30_000) =>
    h.discord.waitFor(
      () => {
        const outcome = h.discord.outcomeOf(handle);
        if (outcome) return outcome;
        return [...h.discord.messages.values()].find(
          (message) => message.interactionId === handle.id && message.visibleTo !== undefined,
        );
      },
      timeoutMs,
      'the outcome',
    );
  const settled = (user: string) =>
    eventually(
      async () => {
        const status = await h.bot.deps.quota.status(h.discord.guildId, user);
        return status.reserved === 0 ? status : undefined;
      },
      15_000,
      'credits settled',
    );

  it.each([true, false])(
    'delivers every job through 30%% of requests answered 429 (Retry-After header: %s)',
    async (retryAfter) => {
      const { alice, bob } = h.discord.ids;
      const jobsBefore = h.scenario.jobs.size;
      const before = await h.bot.deps.quota.status(h.discord.guildId, alice);
      h.scenario.faults.rateLimitRatio = 0.3;
      h.scenario.faults.rateLimitRetryAfter = retryAfter;
      const handles = [0, 1, 2, 3].map((i) =>
        h.discord.invokeSlashCommand(skyboxGpt(i % 2 ? bob : alice, `busy ${i}`)),
      );
      const outcomes = await Promise.all(handles.map((handle) => outcomeOf(handle, 60_000)));
      for (const message of outcomes) expect(message.content).toMatch(RESULT_TEXT);
      for (const message of outcomes) expect(message.attachments).toHaveLength(1);
      expect(h.scenario.jobs.size - jobsBefore).toBe(4); // a 429'd generate created nothing; none twice
      expect((await settled(alice)).spent - before.spent).toBe(2);
    },
    90_000,
  );

  it('delivers through a burst of 5xx answers', async () => {
    const jobsBefore = h.scenario.jobs.size;
    h.scenario.faults.serverErrorsNext = 4;
    const handle = h.discord.invokeSlashCommand(skyboxGpt(h.discord.ids.alice, 'through 503s'));
    const message = await outcomeOf(handle);
    expect(message.content).toMatch(RESULT_TEXT);
    expect(h.scenario.jobs.size - jobsBefore).toBe(1);
  }, 60_000);

  it('reads the other documented shapes (job.id, succeeded, progress 0–100)', async () => {
    h.scenario.faults.alternativeShapes = true;
    const handle = h.discord.invokeSlashCommand(skyboxGpt(h.discord.ids.alice, 'other shapes'));
    const message = await outcomeOf(handle);
    expect(message.content).toMatch(RESULT_TEXT);
    expect(message.attachments).toHaveLength(1);
  }, 60_000);

  it.each([
    ['the result file answers 404', { downloads404: true }],
    ['the result link has expired', { expiredUrls: true }],
  ] as const)(
    'explains a result that cannot be downloaded, and refunds it (%s)',
    async (_label, fault) => {
      const { bob } = h.discord.ids;
      const before = await h.bot.deps.quota.status(h.discord.guildId, bob);
      Object.assign(h.scenario.faults, fault);
      const handle = h.discord.invokeSlashCommand(skyboxGpt(bob, 'a file that is gone'));
      const message = await outcomeOf(handle);
      expect(message.attachments).toHaveLength(0);
      expect(message.content).toMatch(/❌ \*\*.+\*\* failed\./);
      expect(message.content).toContain('none of its result files could be downloaded');
      expect(message.content).toContain('Your 1 credit came back');
      expect((await settled(bob)).spent).toBe(before.spent);
    },
    60_000,
  );

  it.each([
    ['an unreadable answer', { malformedNext: 1 }],
    ['no answer within the timeout', { delayMs: 2_500 }],
  ] as const)(
    'finds and delivers the job a generate started despite %s, without submitting twice',
    async (_label, fault) => {
      const { alice } = h.discord.ids;
      const before = await h.bot.deps.quota.status(h.discord.guildId, alice);
      const jobsBefore = h.scenario.jobs.size;
      const generatesBefore = h.scenario.generateCalls().length;
      Object.assign(h.scenario.faults, fault);
      const handle = h.discord.invokeSlashCommand(skyboxGpt(alice, `lost answer: ${_label}`));
      await h.discord.waitFor(
        () => h.scenario.generateCalls().length > generatesBefore || undefined,
        10_000,
        'the generate',
      );
      // Only the generate misbehaves: the job listings that look for it are answered normally.
      await new Promise((resolve) => setTimeout(resolve, 200));
      Object.assign(h.scenario.faults, { malformedNext: 0, delayMs: 0 });
      const message = await outcomeOf(handle);
      expect(message.content).toMatch(RESULT_TEXT);
      expect(message.attachments).toHaveLength(1);
      expect(h.scenario.generateCalls().length - generatesBefore).toBe(1);
      expect(h.scenario.jobs.size - jobsBefore).toBe(1);
      expect((await settled(alice)).spent - before.spent).toBe(1);
    },
    60_000,
  );

  it('does not take a finished job with the same parameters for the one a timed-out request started', async () => {
    const { bob } = h.discord.ids;
    const again: Invocation = {
      ...skyboxGpt(bob, 'same prompt, same seed'),
      options: { prompt: 'same', seed: 42 },
    };
    const first = await outcomeOf(h.discord.invokeSlashCommand(again));
    expect(first.content).toMatch(RESULT_TEXT);
    const jobsBefore = h.scenario.jobs.size;
    // The repeat's job only appears 3 s after its request: the first look (2.5 s) sees only the old one.
    const generatesBefore = h.scenario.generateCalls().length;
    h.scenario.faults.delayMs = 3_000;
    const handle = h.discord.invokeSlashCommand(again);
    await h.discord.waitFor(
      () => h.scenario.generateCalls().length > generatesBefore || undefined,
      10_000,
      'the repeat’s generate',
    );
    h.scenario.faults.delayMs = 0; // only the generate is slow: the listings that look for its job are not
    const second = await outcomeOf(handle);
    expect(second.content).toMatch(RESULT_TEXT);
    expect(second.id).not.toBe(first.id);
    const [repeatJob] = [...h.scenario.jobs.values()].slice(jobsBefore);
    // The repeat's own result was fetched, not the first job's again.
    expect(h.scenario.downloads.some((download) => repeatJob?.assetIds.includes(download.assetId))).toBe(
      true,
    );
    expect(h.logs.some((line) => repeatJob && line.includes(repeatJob.jobId) && line.includes('lost'))).toBe(
      true,
    );
  }, 60_000);

  it('explains and refunds a generate answered 500 that started nothing, after looking for it', async () => {
    const { bob } = h.discord.ids;
    const before = await h.bot.deps.quota.status(h.discord.guildId, bob);
    const jobsBefore = h.scenario.jobs.size;
    Object.assign(h.scenario.faults, { serverErrorsNext: 1, serverErrorStatus: 500 });
    const handle = h.discord.invokeSlashCommand(skyboxGpt(bob, 'a 500 on generate'));
    const message = await outcomeOf(handle);
    expect(message.visibleTo).toBe(bob);
    expect(message.content).toContain('not answering');
    expect(h.scenario.jobs.size).toBe(jobsBefore);
    expect(await settled(bob)).toMatchObject({ spent: before.spent });
  }, 60_000);

  it('still serves normally afterwards', async () => {
    const handle = h.discord.invokeSlashCommand(skyboxGpt(h.discord.ids.bob, 'all is well'));
    const message = await outcomeOf(handle);
    expect(message.content).toMatch(RESULT_TEXT);
    await eventually(async () => h.bot.tracker.pendingCount() === 0, 5_000, 'no job left behind');
  }, 60_000);
});
