import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { type Harness, OUTCOME_TEXT, RESULT_TEXT, startHarness } from '../support/harness.js';

const MB = 1024 * 1024;

/**
 * A job's result files are held in memory until they are posted, so their total is capped
 * (MAX_RESULT_BYTES_PER_JOB, 5 MB here): files that fit are attached, the first one past the total is
 * linked instead (never downloaded), and the job is delivered and charged.
 */
describe("a job's result files over its total, end to end", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { MAX_RESULT_BYTES_PER_JOB: String(5 * MB) },
      scenario: { jobDurationMs: 500 },
    });
  }, 30_000);
  afterAll(() => h?.close());

  it('attaches the files that fit, links the rest, and charges the job', async () => {
    const { alice } = h.discord.ids;
    const before = await h.bot.deps.quota.status(h.discord.guildId, alice);
    h.scenario.faults.outputBytes = 2 * MB;
    const handle = h.discord.invokeSlashCommand({
      user: alice,
      name: 'image',
      options: { prompt: 'three potions', num_outputs: 3 },
    });
    const done = await h.discord.waitFor(
      () => {
        const message = h.discord.outcomeOf(handle);
        return message && OUTCOME_TEXT.test(message.content) ? message : undefined;
      },
      30_000,
      'the result',
    );
    h.scenario.faults.outputBytes = undefined;
    expect(done.content).toMatch(RESULT_TEXT);
    expect(done.attachments.map((file) => file.filename)).toEqual([
      expect.stringMatching(/-1\.png$/),
      expect.stringMatching(/-2\.png$/),
    ]);
    expect(done.content).toMatch(
      /`image-3\.png` is 2\.0 MB, more than fits beside this result's other files: \[download it from Scenario\]/,
    );
    // Scenario declared the third file's size: it was never downloaded.
    const third = [...h.scenario.jobs.values()].at(-1)?.assetIds[2];
    expect(h.scenario.downloads.filter((download) => download.assetId === third)).toHaveLength(0);
    const after = await eventually(
      async () => {
        const status = await h.bot.deps.quota.status(h.discord.guildId, alice);
        return status.reserved === 0 ? status : undefined;
      },
      10_000,
      'credits settled',
    );
    expect(after.spent - before.spent).toBe(3);
  }, 60_000);
});
