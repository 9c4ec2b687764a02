import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXT } from '../../src/discord/messages.js';
import { REMIX_TEXT } from '../../src/discord/messages-remix.js';
import { REMIX_IDS } from '../../src/discord/remix-controls.js';
import { RESULT_BUTTON_IDS } from '../../src/discord/result-controls.js';
import type { EmulatedMessage } from '../support/discord/emulator.js';
import type { ShownModal } from '../support/discord/modals.js';
import { eventually } from '../support/eventually.js';
import {
  answerTo,
  deliveredFor,
  type Harness,
  RESULT_TEXT,
  resultActionable,
  startHarness,
} from '../support/harness.js';

type Body = Record<string, unknown>;

describe('Remix: edit a result’s prompt in a modal and generate again', () => {
  let h: Harness;
  let original: EmulatedMessage;
  let originalBody: Body;
  let generationId: string;

  const remixButtonOf = (message: EmulatedMessage) =>
    (message.components as { components: { custom_id: string; label: string }[] }[])
      .flatMap((row) => row.components)
      .find((button) => button.custom_id.startsWith('result:remix:'));

  /** A member clicks Remix under a message and gets the modal. */
  const openRemix = async (user: string, message: EmulatedMessage = original) => {
    const button = remixButtonOf(message);
    if (!button) throw new Error('no Remix button');
    const click = h.discord.clickButton({ user, messageId: message.id, customId: button.custom_id });
    const modal = await h.discord.waitFor(() => h.discord.shownModal(click), 5_000, 'the remix modal');
    return { click, modal };
  };

  const inputOf = (modal: ShownModal, customId: string) =>
    modal.components.find((label) => label.component.custom_id === customId)?.component;

  /** The remix posted as a reply to `parent` once it is done, with the body Scenario received for it. */
  const remixOf = async (parent: EmulatedMessage, prompt: string) => {
    // The remix reports in a message replying to the original; its result is posted replying to that one.
    const child = await h.discord.waitFor(
      () => {
        const history = h.discord.channelHistory();
        const placeholders = new Set(
          history.filter((message) => message.replyTo === parent.id).map((message) => message.id),
        );
        return history.find(
          (message) =>
            message.replyTo !== undefined &&
            placeholders.has(message.replyTo) &&
            message.content.includes(prompt) &&
            RESULT_TEXT.test(message.content),
        );
      },
      20_000,
      'the remix',
    );
    const body = h.scenario
      .generateCalls()
      .map((call) => call.body as Body)
      .find((sent) => sent.prompt === prompt);
    return { child, body };
  };

  const spent = async (user: string) => (await h.bot.deps.quota.status(h.discord.guildId, user)).spent;

  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 500 } });
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'flux',
      options: {
        prompt: 'a quiet beach at sunset',
        style: 'fantasy',
        negative_prompt: 'people',
        negative_prompt_strength: 2,
        num_inference_steps: 25,
      },
    });
    original = await deliveredFor(h, handle);
    await resultActionable(h, original);
    originalBody = h.scenario.generateCalls()[0]?.body as Body;
    const generation = (await h.bot.deps.generationLog.recent(h.discord.guildId, h.discord.ids.alice))[0];
    generationId = generation?.id ?? '';
  }, 30_000);
  afterAll(() => h?.close());

  it('puts a Remix button whose id carries only the generation id under the result', () => {
    const button = remixButtonOf(original);
    expect(button?.label).toBe('Remix');
    expect(button?.custom_id).toBe(REMIX_IDS.button(generationId));
  });

  it('opens a modal with the prompt and negative prompt prefilled and an empty seed', async () => {
    const { modal } = await openRemix(h.discord.ids.alice);
    expect(modal.custom_id).toBe(REMIX_IDS.modal(generationId));
    expect(modal.title.length).toBeLessThanOrEqual(45);
    expect(inputOf(modal, REMIX_IDS.prompt)).toMatchObject({ value: 'a quiet beach at sunset', style: 2 });
    expect(inputOf(modal, REMIX_IDS.negativePrompt)).toMatchObject({ value: 'people' });
    const seed = inputOf(modal, REMIX_IDS.seed);
    expect(seed?.value).toBeUndefined();
    expect(seed?.placeholder).toBe(`previous: ${originalBody.seed}`);
  });

  it('sends Scenario the same body except prompt and seed, replies to the original, charges the remixer', async () => {
    const { alice, bob } = h.discord.ids;
    const aliceBefore = await spent(alice);
    const { click } = await openRemix(bob);
    const submit = h.discord.submitModal({
      opened: click,
      values: { [REMIX_IDS.prompt]: 'a quiet beach at dawn' },
    });
    const answer = await answerTo(h, submit);
    expect(answer.visibleTo).toBe(bob);
    expect(answer.content).toBe(REMIX_TEXT.started);
    const { child, body } = await remixOf(original, 'a quiet beach at dawn');
    expect(child.id).not.toBe(original.id);
    expect(child.content).toContain(`<@${bob}>`);
    const { prompt: _p, seed: _s, ...rest } = originalBody;
    const { prompt, seed, ...remixRest } = body ?? {};
    expect(remixRest).toEqual(rest);
    expect(remixRest).toMatchObject({ style: 'fantasy', negativePrompt: 'people', numInferenceSteps: 25 });
    expect(prompt).toBe('a quiet beach at dawn');
    expect(typeof seed).toBe('number');
    expect(seed).not.toBe(originalBody.seed);
    expect(await spent(bob)).toBe(1);
    expect(await spent(alice)).toBe(aliceBefore);
    const latest = await eventually(
      async () => (await h.bot.deps.generationLog.recent(h.discord.guildId, bob))[0],
      5_000,
      'the remix recorded',
    );
    expect(latest).toMatchObject({ parentGenerationId: generationId, lineage: 'remix', userId: bob });
    const history = await answerTo(h, h.discord.invokeSlashCommand({ user: bob, name: 'history' }));
    expect(history.content).toContain('(remix)');
  });

  it('uses the seed typed in the modal, and lets the requester remix their own result too', async () => {
    const { alice } = h.discord.ids;
    const { click } = await openRemix(alice);
    const submit = h.discord.submitModal({
      opened: click,
      values: {
        [REMIX_IDS.prompt]: 'a stormy beach',
        [REMIX_IDS.seed]: '12345',
        [REMIX_IDS.negativePrompt]: '',
      },
    });
    expect((await answerTo(h, submit)).content).toBe(REMIX_TEXT.started);
    const { body } = await remixOf(original, 'a stormy beach');
    expect(body?.seed).toBe(12345);
    // Emptied, the negative prompt is left out rather than sent blank.
    expect(body).not.toHaveProperty('negativePrompt');
    expect(body).toMatchObject({ style: 'fantasy', numInferenceSteps: 25 });
  });

  it('remixes a result posted before a restart', async () => {
    await h.restart();
    const { bob } = h.discord.ids;
    const { click, modal } = await openRemix(bob);
    expect(inputOf(modal, REMIX_IDS.prompt)?.value).toBe('a quiet beach at sunset');
    const submit = h.discord.submitModal({
      opened: click,
      values: { [REMIX_IDS.prompt]: 'a beach after the restart' },
    });
    expect((await answerTo(h, submit)).content).toBe(REMIX_TEXT.started);
    const { body } = await remixOf(original, 'a beach after the restart');
    expect(body).toMatchObject({ style: 'fantasy', negativePrompt: 'people', numInferenceSteps: 25 });
  }, 30_000);

  describe('refusals: private, nothing spent, nothing sent to Scenario', () => {
    const refused = async (user: string, values: Record<string, string>, expected: string) => {
      const calls = h.scenario.generateCalls().length;
      const before = await spent(user);
      const { click } = await openRemix(user);
      const answer = await answerTo(h, h.discord.submitModal({ opened: click, values }));
      expect(answer.visibleTo).toBe(user);
      expect(answer.content).toBe(expected);
      expect(h.scenario.generateCalls()).toHaveLength(calls);
      expect(await h.bot.deps.quota.status(h.discord.guildId, user)).toMatchObject({
        spent: before,
        reserved: 0,
      });
    };

    it('refuses a prompt over 4000 characters', async () => {
      const long = 'x'.repeat(4001);
      await refused(
        h.discord.ids.bob,
        { [REMIX_IDS.prompt]: long },
        REMIX_TEXT.tooLong('prompt', 4001, 4000),
      );
    });

    it('refuses an empty prompt', async () => {
      await refused(h.discord.ids.bob, { [REMIX_IDS.prompt]: '   ' }, REMIX_TEXT.empty('prompt'));
    });

    it('refuses a seed out of range', async () => {
      await refused(
        h.discord.ids.bob,
        { [REMIX_IDS.prompt]: 'fine', [REMIX_IDS.seed]: '99999999999' },
        REMIX_TEXT.badSeed(0, 2147483647, '99999999999'),
      );
    });

    it('starts one generation when the same modal submit arrives twice', async () => {
      const { bob } = h.discord.ids;
      const calls = h.scenario.generateCalls().length;
      const before = await spent(bob);
      const { click } = await openRemix(bob);
      const submit = h.discord.submitModal({
        opened: click,
        values: { [REMIX_IDS.prompt]: 'a beach sent twice' },
      });
      h.discord.redeliverInteraction(submit);
      await h.discord.waitFor(
        () => h.logs.some((line) => line.includes('duplicate remix submit ignored')),
        5_000,
        'the duplicate noticed',
      );
      await remixOf(original, 'a beach sent twice');
      expect(h.scenario.generateCalls()).toHaveLength(calls + 1);
      expect(await spent(bob)).toBe(before + 1);
    }, 30_000);

    it('refuses a member who may not generate here, like any other generation', async () => {
      const { bob, mod, moderatorRole } = h.discord.ids;
      const only = (subcommand: string) =>
        answerTo(
          h,
          h.discord.invokeSlashCommand({
            user: mod,
            name: 'bot-settings',
            subcommand,
            options: { role: moderatorRole },
          }),
        );
      await only('allow-role');
      try {
        await refused(bob, { [REMIX_IDS.prompt]: 'not here' }, TEXT.notAllowedForRoles([moderatorRole]));
      } finally {
        await only('disallow-role');
      }
    });

    it('refuses a remix submitted after the result was deleted', async () => {
      const { alice, bob } = h.discord.ids;
      const calls = h.scenario.generateCalls().length;
      const before = await spent(bob);
      const { click } = await openRemix(bob);
      await answerTo(
        h,
        h.discord.clickButton({ user: alice, messageId: original.id, customId: RESULT_BUTTON_IDS.delete }),
      );
      expect(h.discord.messages.has(original.id)).toBe(false);
      const answer = await answerTo(
        h,
        h.discord.submitModal({ opened: click, values: { [REMIX_IDS.prompt]: 'too late' } }),
      );
      expect(answer.visibleTo).toBe(bob);
      expect(answer.content).toBe(REMIX_TEXT.deleted);
      expect(h.scenario.generateCalls()).toHaveLength(calls);
      expect(await h.bot.deps.quota.status(h.discord.guildId, bob)).toMatchObject({
        spent: before,
        reserved: 0,
      });
    });
  });
});
