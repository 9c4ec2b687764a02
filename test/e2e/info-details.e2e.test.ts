import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETAILS_BUTTON_PREFIX } from '../../src/discord/result-controls.js';
import type { EmulatedMessage } from '../support/discord/emulator.js';
import {
  answerTo,
  deliveredFor,
  type Harness,
  type Invocation,
  resultActionable,
  startHarness,
} from '../support/harness.js';
import { makePng } from '../support/media.js';

/**
 * Reads a pasted command line back into an invocation, as Discord's client fills the options a member
 * pastes: `/skybox gpt prompt:"…" quality:low seed:123`, each value typed by its registered option.
 */
function parseCommandLine(h: Harness, user: string, line: string): Invocation {
  const tokens = [...line.matchAll(/([a-z0-9_]+):("(?:[^"\\]|\\.)*"|\S+)|(\/?\S+)/g)];
  const words = tokens.filter((token) => token[3] !== undefined).map((token) => token[3] ?? '');
  const [name, subcommand] = [words[0]?.replace(/^\//, '') ?? '', words[1]];
  const command = h.discord.registeredCommands().find((candidate) => candidate.name === name) as {
    options?: { name: string; type: number; options?: { name: string; type: number }[] }[];
  };
  const list = subcommand
    ? command.options?.find((option) => option.name === subcommand)?.options
    : command.options;
  const types = new Map((list ?? []).map((option) => [option.name, option.type]));
  const options: Record<string, string | number | boolean> = {};
  for (const token of tokens.filter((candidate) => candidate[1] !== undefined)) {
    const [, key = '', raw = ''] = token;
    const text = raw.startsWith('"') ? JSON.parse(raw) : raw;
    const type = types.get(key);
    if (type === undefined) throw new Error(`/${name} has no option ${key}`);
    options[key] = type === 4 || type === 10 ? Number(text) : type === 5 ? text === 'true' : text;
  }
  return { user, name, subcommand, options };
}

describe('/info and the Details button, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 500 } });
  });
  afterAll(() => h?.close());

  it('tells a member, privately, what each command costs here (a moderator’s price applied) and their credits', async () => {
    const { mod, bob } = h.discord.ids;
    await answerTo(
      h,
      h.discord.invokeSlashCommand({
        user: mod,
        name: 'quota',
        subcommand: 'price',
        options: { model: 'model_pixal3d', credits: 3 },
      }),
    );
    await answerTo(
      h,
      h.discord.invokeSlashCommand({
        user: mod,
        name: 'quota',
        subcommand: 'set',
        options: { user: bob, limit: 20 },
      }),
    );
    const handle = h.discord.invokeSlashCommand({
      user: bob,
      name: 'to3d',
      options: {},
      attachments: {
        image: { filename: 'in.png', contentType: 'image/png', data: makePng({ width: 32, height: 32 }) },
      },
    });
    await deliveredFor(h, handle);

    const info = await answerTo(h, h.discord.invokeSlashCommand({ user: bob, name: 'info' }));
    expect(info.visibleTo).toBe(bob);
    expect(info.content).toContain(
      "`/to3d` a 3D model from an image: **3 credits** (set by this server's moderators; usually 5)",
    );
    expect(info.content).toContain('`/skybox gpt` a 360° panorama: **1 credit**');
    expect(info.content).toMatch(
      /\*\*Your credits:\*\* 17 of 20 left this day \(resets 00:00 UTC\); they reset <t:\d+:R> \(<t:\d+:f>\)/,
    );
    expect(info.content).toContain('generation is allowed in every channel');
    expect(info.content).toContain('/history');
    expect(info.content).toContain('/quota me');
    // Each generation command's description ends with its cost.
    const to3d = h.discord.registeredCommands().find((command) => command.name === 'to3d');
    expect(to3d?.description).toMatch(/ · 5 credits$/);
  });

  it('answers Details privately with every parameter and a command line that, pasted, sends the same body', async () => {
    const { alice, bob } = h.discord.ids;
    const handle = h.discord.invokeSlashCommand({
      user: alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a "quiet" harbour at dawn, with boats', quality: 'low', width: 2048, seed: 123 },
    });
    const result: EmulatedMessage = await deliveredFor(h, handle);
    await resultActionable(h, result);
    const first = h.scenario.generateCalls().at(-1)?.body;
    const button = (result.components as { components: { custom_id: string }[] }[])
      .flatMap((row) => row.components)
      .find((candidate) => candidate.custom_id.startsWith(DETAILS_BUTTON_PREFIX));
    expect(button).toBeDefined();
    const click = h.discord.clickButton({
      user: bob,
      messageId: result.id,
      customId: button?.custom_id ?? '',
    });
    const details = await answerTo(h, click);
    expect(details.visibleTo).toBe(bob);
    expect(details.content).toContain('• seed: `123`');
    expect(details.content).toContain('• quality: “low”');
    const line = /```\n(.+)\n```/.exec(details.content)?.[1] ?? '';
    expect(line).toBe(
      '/skybox gpt prompt:"a \\"quiet\\" harbour at dawn, with boats" width:2048 quality:low seed:123',
    );

    const again = h.discord.invokeSlashCommand(parseCommandLine(h, bob, line));
    await deliveredFor(h, again);
    expect(h.scenario.generateCalls().at(-1)?.body).toEqual(first);
  });

  it('names the attachments to add again', async () => {
    const { alice } = h.discord.ids;
    const handle = h.discord.invokeSlashCommand({
      user: alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'with a reference' },
      attachments: {
        reference_image: {
          filename: 'ref.png',
          contentType: 'image/png',
          data: makePng({ width: 64, height: 32 }),
        },
      },
    });
    const result = await deliveredFor(h, handle);
    await resultActionable(h, result);
    const button = (result.components as { components: { custom_id: string }[] }[])
      .flatMap((row) => row.components)
      .find((candidate) => candidate.custom_id.startsWith(DETAILS_BUTTON_PREFIX));
    const details = await answerTo(
      h,
      h.discord.clickButton({ user: alice, messageId: result.id, customId: button?.custom_id ?? '' }),
    );
    expect(details.content).toContain('• reference\\_image: an image you attached');
    expect(details.content).toContain('Then attach `reference_image` again');
    expect(details.content).not.toContain('asset_');
  });
});
