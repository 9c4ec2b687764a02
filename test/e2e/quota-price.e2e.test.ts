import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXT } from '../../src/discord/messages.js';
import { answerTo, deliveredFor, type Harness, type Invocation, startHarness } from '../support/harness.js';
import { makePng } from '../support/media.js';

describe('/quota price, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 600 } });
    // Moderator actions are posted to the mod-log channel once one is set.
    const { mod, modLog } = h.discord.ids;
    await answerTo(
      h,
      h.discord.invokeSlashCommand({
        user: mod,
        name: 'bot-settings',
        subcommand: 'mod-log',
        options: { channel: modLog },
      }),
    );
  });
  afterAll(() => h?.close());

  const price = (user: string, options: Invocation['options'] = {}) =>
    h.discord.invokeSlashCommand({ user, name: 'quota', subcommand: 'price', options });
  const to3d = (user: string) =>
    h.discord.invokeSlashCommand({
      user,
      name: 'to3d',
      options: {},
      attachments: {
        image: { filename: 'in.png', contentType: 'image/png', data: makePng({ width: 32, height: 32 }) },
      },
    });

  it('refuses a member who is not a moderator, privately, and changes nothing', async () => {
    const { alice } = h.discord.ids;
    const answer = await answerTo(h, price(alice, { model: 'model_pixal3d', credits: 0 }));
    expect(answer.visibleTo).toBe(alice);
    expect(answer.content).toBe(TEXT.moderatorsOnly);
    expect(await h.bot.deps.quota.policy(h.discord.guildId)).toMatchObject({ costOverrides: {} });
  });

  it('lets a moderator price Pixal3D at 3 credits per output: a /to3d is charged 3 and says so', async () => {
    const { mod, alice, modLog } = h.discord.ids;
    const set = await answerTo(h, price(mod, { model: 'model_pixal3d', credits: 3 }));
    expect(set.visibleTo).toBe(mod);
    expect(set.content).toContain('Pixal3D');
    expect(set.content).toContain('3 credits per output');
    const logged = await h.discord.waitFor(
      () => h.discord.channelHistory(modLog).find((message) => message.content.includes('Pixal3D')),
      5_000,
      'the mod-log entry',
    );
    expect(logged.content).toContain(`<@${mod}>`);

    const result = await deliveredFor(h, to3d(alice));
    expect(result.content).toContain('3 credits');
    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toMatchObject({ spent: 3, reserved: 0 });
  });

  it('lists every price, the changed one marked, when run alone', async () => {
    const list = await answerTo(h, price(h.discord.ids.mod));
    expect(list.content).toContain('Pixal3D (`model_pixal3d`): **3** (set here; default 5)');
    expect(list.content).toContain('Skybox GPT (`model_scenario-skybox-gpt`): 1 (default)');
  });

  it.each([
    [{ credits: 2 }, TEXT.priceNeedsModel],
    [{ model: 'not a model', credits: 2 }, TEXT.notAModelId],
    [{ model: 'model_pixal3d', credits: 5000 }, 'between 0 and 1000'],
  ])('refuses %o with a clear private message and changes nothing', async (options, words) => {
    const answer = await answerTo(h, price(h.discord.ids.mod, options));
    expect(answer.visibleTo).toBe(h.discord.ids.mod);
    expect(answer.content).toContain(words);
    expect((await h.bot.deps.quota.policy(h.discord.guildId)).costOverrides).toEqual({ model_pixal3d: 3 });
  });
});
