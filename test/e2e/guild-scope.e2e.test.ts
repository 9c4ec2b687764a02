import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { answerTo, deliveredFor, type Harness, skyboxGpt, startHarness } from '../support/harness.js';

describe('credits under a burst of slash commands, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    // The running-jobs cap is lifted so that only the credit limit stands between the burst and Scenario.
    h = await startHarness({ env: { QUOTA_DEFAULT_LIMIT: '10', MAX_RUNNING_JOBS_PER_USER: '100' } });
  }, 30_000);
  afterAll(() => h?.close());

  it('runs exactly the limit out of 50 concurrent /skybox commands by one member, and refuses the rest', async () => {
    const { alice } = h.discord.ids;
    const handles = Array.from({ length: 50 }, (_, index) =>
      h.discord.invokeSlashCommand({
        user: alice,
        name: 'skybox',
        subcommand: 'gpt',
        options: { prompt: `burst ${index}` },
      }),
    );
    const answers = await Promise.all(handles.map((handle) => answerTo(h, handle)));
    const refusals = answers.filter((message) => message.visibleTo === alice);
    expect(refusals).toHaveLength(40);
    for (const refusal of refusals) expect(refusal.content).toContain('0 of 10');
    // With SCENARIO_PACE_SUBMISSIONS the tenth would leave a moment after the first nine: wait for it.
    await h.discord.waitFor(
      () => h.scenario.generateCalls().length >= 10 || undefined,
      10_000,
      'ten generate calls',
    );
    await eventually(
      async () => {
        const status = await h.bot.deps.quota.status(h.discord.guildId, alice);
        return status.spent === 10 && status.reserved === 0 ? status : undefined;
      },
      60_000,
      'the ten jobs delivered and committed',
    );
    const status = await h.bot.deps.quota.status(h.discord.guildId, alice);
    expect(status.remaining).toBe(0);
    expect(h.scenario.generateCalls()).toHaveLength(10);
  }, 90_000);
});

describe('allowed roles, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);
  afterAll(() => h?.close());

  it('lets only members with an allowed role generate once a moderator restricts roles', async () => {
    const { mod, alice, moderatorRole } = h.discord.ids;
    const allow = h.discord.invokeSlashCommand({
      user: mod,
      name: 'bot-settings',
      subcommand: 'allow-role',
      options: { role: moderatorRole },
    });
    expect((await answerTo(h, allow)).content).toContain('Saved');

    const refused = h.discord.invokeSlashCommand(skyboxGpt(alice, 'no allowed role'));
    const refusal = await answerTo(h, refused);
    expect(refusal.visibleTo).toBe(alice);
    expect(refusal.content).toContain(`Generation here is for members with <@&${moderatorRole}>`);
    expect(h.scenario.generateCalls()).toHaveLength(0);
    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toMatchObject({ spent: 0, reserved: 0 });

    const served = h.discord.invokeSlashCommand(skyboxGpt(mod, 'has the role'));
    await deliveredFor(h, served);
    expect(h.scenario.generateCalls()).toHaveLength(1);
  }, 60_000);
});

describe('a guild outside DISCORD_GUILD_IDS, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    // The emulator's guild is not among the served ones: another instance of the bot would serve it.
    h = await startHarness({ env: { DISCORD_GUILD_IDS: '999999999999999999' } });
  }, 30_000);
  afterAll(() => h?.close());

  it('does not answer, spend or react there', async () => {
    const { alice } = h.discord.ids;
    const handle = h.discord.invokeSlashCommand(skyboxGpt(alice, 'not served here'));
    await h.discord.waitFor(
      () => h.logs.some((line) => line.includes(handle.id) && line.includes('does not serve')) || undefined,
      10_000,
      'the bot to see and ignore the interaction',
    );
    expect(h.discord.interaction(handle)?.callbacks).toEqual([]);
    expect([...h.discord.messages.values()].filter((m) => m.interactionId === handle.id)).toEqual([]);
    expect(h.scenario.generateCalls()).toHaveLength(0);
    expect(h.discord.registeredCommands()).toEqual([]);
  }, 30_000);
});
