import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import {
  answerTo,
  deliveredFor,
  type Harness,
  RESULT_TEXT,
  skyboxGpt,
  startHarness,
} from '../support/harness.js';

/**
 * Discord answering 502 to every upload (a message created or edited with files, through the interaction
 * webhook or the channel) until `lift()`; text-only writes still go through.
 */
const uploadOutage = (h: Harness) =>
  h.discord.injectServerError({
    route: /^(PATCH|POST) \/(webhooks|channels)\//,
    count: Number.POSITIVE_INFINITY,
    status: 502,
    withFilesOnly: true,
  });

/**
 * Discord refusing uploads (502) for a while: the finished result is kept as undelivered and posted
 * again with backoff (the first wait shortened to 300 ms) until Discord takes it, across restarts. The
 * outage is a switch the test lifts once the bot has recorded a refused attempt, not a length of time.
 */
describe('results survive a Discord outage', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 600 }, bot: { deliveryRetryBaseMs: 300 } });
  });
  afterAll(() => h?.close());

  const refusedAttempts = (userId: string) =>
    h.logs.filter((line) => line.includes('Discord refused the result for now') && line.includes(userId))
      .length;
  const resultWrites = (messageId: string) =>
    h.discord.writes.filter((write) => write.messageId === messageId && RESULT_TEXT.test(write.content));
  const history = async (userId: string) =>
    (await answerTo(h, h.discord.invokeSlashCommand({ user: userId, name: 'history' }))).content;

  it('posts the result once Discord takes uploads again, once, charged once; /history lists it meanwhile', async () => {
    const { alice } = h.discord.ids;
    const before = await h.bot.deps.quota.status(h.discord.guildId, alice);
    const outage = uploadOutage(h);
    const handle = h.discord.invokeSlashCommand(skyboxGpt(alice, 'during a Discord outage'));
    try {
      // Two refused attempts: the result was kept and tried again after the first refusal.
      await h.discord.waitFor(() => refusedAttempts(alice) >= 2 || undefined, 20_000, 'two refused attempts');
      const meanwhile = await history(alice);
      expect(meanwhile).toContain('not yet posted');
      expect(meanwhile).toMatch(/\[`skybox-gpt-\d+-1\.png`\]\(http:\/\/127\.0\.0\.1:\d+\/.+\)/);
      expect(h.discord.outcomeOf(handle)).toBeUndefined();
    } finally {
      outage.lift();
    }

    const result = await deliveredFor(h, handle);
    await eventually(async () => h.bot.tracker.pendingCount() === 0, 10_000, 'the tracker idle');
    expect(result.attachments).toHaveLength(1);
    expect(resultWrites(result.id)).toHaveLength(1);
    // Posted once, as a new message replying to the command's reply (refused attempts wrote nothing).
    expect(h.discord.writes.filter((write) => RESULT_TEXT.test(write.content))).toHaveLength(1);
    expect(h.discord.requests.filter((request) => request.status === 502).length).toBeGreaterThanOrEqual(2);
    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toMatchObject({
      spent: before.spent + 1,
      reserved: 0,
    });
    const after = await history(alice);
    expect(after).toContain(`[result](https://discord.com/channels/${h.discord.guildId}/`);
    expect(after).not.toContain('not yet posted');
  });

  it('posts it once from the next process when the bot restarts while the result waits', async () => {
    const { bob } = h.discord.ids;
    const before = await h.bot.deps.quota.status(h.discord.guildId, bob);
    const outage = uploadOutage(h);
    const handle = h.discord.invokeSlashCommand(skyboxGpt(bob, 'refused, then a restart'));
    try {
      await h.discord.waitFor(() => refusedAttempts(bob) >= 1 || undefined, 20_000, 'a refused attempt');
      await h.restart(); // the old process is closed: whatever is posted from now on, the new one posts
    } finally {
      outage.lift();
    }

    expect(h.logs.filter((line) => line.includes('job tracker started')).at(-1)).toContain('"resumed":1');
    const result = await deliveredFor(h, handle);
    await eventually(async () => h.bot.tracker.pendingCount() === 0, 10_000, 'the tracker idle');
    expect(resultWrites(result.id)).toHaveLength(1);
    expect(await h.bot.deps.quota.status(h.discord.guildId, bob)).toMatchObject({
      spent: before.spent + 1,
      reserved: 0,
    });
  });

  it('made no request to a route Discord does not have', () => {
    expect(h.discord.unknownRoutes).toEqual([]);
  });
});

/** An outage longer than UNDELIVERED_RETENTION_MS (shortened to 1.5 s): the member is told and not charged. */
describe('a result Discord refuses for longer than the retention', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { UNDELIVERED_RETENTION_MS: '1500' },
      scenario: { jobDurationMs: 600 },
      bot: { deliveryRetryBaseMs: 300 },
    });
  });
  afterAll(() => h?.close());

  it('ends failed, says why, gives the credits back and drops it from /history', async () => {
    const { alice } = h.discord.ids;
    const outage = uploadOutage(h);
    try {
      const handle = h.discord.invokeSlashCommand(skyboxGpt(alice, 'refused for good'));
      const failed = await h.discord.waitFor(
        () => {
          const message = h.discord.outcomeOf(handle);
          return message && /failed/.test(message.content) ? message : undefined;
        },
        20_000,
        'the failure notice',
      );
      expect(failed.content).toContain('Discord kept refusing');
      expect(failed.content).toContain('Your 1 credit came back.');
      expect(failed.attachments).toHaveLength(0);
    } finally {
      outage.lift();
    }
    await eventually(async () => h.bot.tracker.pendingCount() === 0, 10_000, 'the tracker idle');
    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toMatchObject({ spent: 0, reserved: 0 });
    const listed = await answerTo(h, h.discord.invokeSlashCommand({ user: alice, name: 'history' }));
    expect(listed.content).toBe('You have no generations in this server yet.');
  });
});
