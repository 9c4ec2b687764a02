import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import {
  type Harness,
  type Invocation,
  OUTCOME_TEXT,
  RESULT_TEXT,
  skyboxGpt,
  startHarness,
} from '../support/harness.js';
import { type SecretServer, startSecretServer } from '../support/secret-server.js';

/**
 * Scenario's answers carry the links the bot downloads results from. A link (or one of its redirects)
 * that leads inside the bot's network — another service on its loopback, the cloud metadata service — is
 * never fetched: the job ends as one whose results could not be downloaded, its credits are refunded, and
 * nothing from inside reaches a Discord channel.
 */
describe('result links that lead inside, end to end', () => {
  let h: Harness;
  let secret: SecretServer;
  beforeAll(async () => {
    secret = await startSecretServer();
    h = await startHarness({ scenario: { jobDurationMs: 500 } });
  }, 30_000);
  afterEach(() => {
    h.scenario.faults.downloadsRedirectTo = undefined;
  });
  afterAll(async () => {
    await h?.close();
    await secret?.close();
  });

  /** The reply once it says how the job ended. */
  const outcomeOf = (handle: { token: string }) =>
    h.discord.waitFor(
      () => {
        const message = h.discord.outcomeOf(handle);
        return message && OUTCOME_TEXT.test(message.content) ? message : undefined;
      },
      30_000,
      'the outcome',
    );
  /** Every byte the bot sent to Discord: each create and edit, the messages as they stand, their files. */
  const sentToDiscord = () =>
    [
      ...h.discord.writes.map((write) => write.content),
      ...[...h.discord.messages.values()].flatMap((message) => [
        message.content,
        JSON.stringify(message.embeds),
        ...message.attachments.map((file) => `${file.filename} ${file.data.toString('latin1')}`),
      ]),
    ].join('\n');
  const settled = (user: string) =>
    eventually(
      async () => {
        const status = await h.bot.deps.quota.status(h.discord.guildId, user);
        return status.reserved === 0 ? status : undefined;
      },
      15_000,
      'credits settled',
    );
  const meshy = (user: string): Invocation => ({
    user,
    name: 'generate',
    options: { model: 'model_meshy-txt23d', prompt: 'a lantern' },
  });

  it.each([
    ['a service on another loopback port', () => secret.url('/secret'), skyboxGpt, 1],
    ['the cloud metadata service', () => 'http://169.254.169.254/latest/meta-data/', skyboxGpt, 1],
    ['loopback by name, over https', () => `https://localhost:${secret.port}/secret`, skyboxGpt, 1],
    ['loopback as one decimal number', () => `https://2130706433:${secret.port}/secret`, skyboxGpt, 1],
    [
      'an IPv4-mapped IPv6 loopback (a 3D result and its thumbnail)',
      () => `https://[::ffff:7f00:1]:${secret.port}/secret`,
      meshy,
      5,
    ],
  ])(
    'refunds a job whose result link redirects to %s, and never fetches it',
    async (_label, target, command, credits) => {
      const { bob } = h.discord.ids;
      const before = await settled(bob);
      h.scenario.faults.downloadsRedirectTo = target();
      const downloadsBefore = h.scenario.downloads.length;
      const handle = h.discord.invokeSlashCommand(command(bob, 'a link that leads inside'));
      const message = await outcomeOf(handle);
      expect(message.content).toMatch(/❌ \*\*.+\*\* failed\./);
      expect(message.content).toContain('none of its result files could be downloaded');
      expect(message.content).toContain(
        credits === 1 ? 'Your 1 credit came back' : `Your ${credits} credits came back`,
      );
      expect(message.attachments).toHaveLength(0);
      expect((await settled(bob)).spent).toBe(before.spent);
      // Scenario's signed link was asked for (and redirected); where it led was never contacted.
      expect(h.scenario.downloads.length).toBe(downloadsBefore);
      expect(secret.connections()).toBe(0);
      expect(sentToDiscord()).not.toContain(secret.secret);
      expect(h.logs.some((line) => line.includes('refused to fetch'))).toBe(true);
    },
    60_000,
  );

  it('still delivers results whose links stay on Scenario', async () => {
    const handle = h.discord.invokeSlashCommand(skyboxGpt(h.discord.ids.alice, 'an honest link'));
    const message = await outcomeOf(handle);
    expect(message.content).toMatch(RESULT_TEXT);
    expect(message.attachments).toHaveLength(1);
    expect(secret.connections()).toBe(0);
  }, 60_000);
});
