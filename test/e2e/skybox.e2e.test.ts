import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { makePng } from '../support/media.js';

describe('a skybox, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  it('registers the commands in the guild', () => {
    const names = h.discord.registeredCommands().map((command) => command.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'skybox',
        'to3d',
        'image',
        'generate',
        'Make 3D model',
        'quota',
        'history',
        'bot-settings',
      ]),
    );
  });

  it('defers, shows progress, then posts the panorama as a file with the seed and credits', async () => {
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a mountain pass at dusk', quality: 'low' },
      attachments: {
        reference_image: {
          filename: 'ref.png',
          contentType: 'image/png',
          data: makePng({ width: 64, height: 32 }),
        },
      },
    });
    const reply = await h.discord.waitFor(
      () => h.discord.originalMessage(handle),
      5_000,
      'the deferred reply',
    );
    expect(h.discord.interaction(handle)?.callbacks[0]?.type).toBe(5);
    expect(reply.visibleTo).toBeUndefined();
    const done = await h.discord.waitFor(
      () => {
        const message = h.discord.outcomeOf(handle);
        return message && message.attachments.length > 0 ? message : undefined;
      },
      20_000,
      'the result',
    );
    expect(done.attachments[0]?.filename).toMatch(/\.png$/);
    expect(done.attachments[0]?.data.subarray(1, 4).toString()).toBe('PNG');
    expect(done.content).toMatch(/seed `\d+`/);
    expect(done.content).toContain('1 credit');
    expect(done.content).toMatch(/49 of 50 credits left, resets <t:\d+:R>/);
    // The result is a new message replying to the reply, which becomes a pointer to it: at least one
    // progress edit, then that one.
    await h.discord.waitFor(() => reply.content.includes(`/${done.id})`) || undefined, 5_000, 'the pointer');
    expect(reply.edits).toBeGreaterThanOrEqual(2);
    expect(done.replyTo).toBe(reply.id);
    // The small line names the options the member gave under the names they typed, not Scenario's.
    const shown = done.content.replace(/\\(.)/g, '$1'); // as Discord renders the escapes
    expect(shown).toContain('quality: low · reference_image: attached');
    expect(shown).not.toContain('referenceImages');
    await h.discord.waitFor(
      () => done.reactions.get('🔄')?.has(h.discord.botUserId),
      5_000,
      'the reroll reaction',
    );
    const generate = h.scenario.generateCalls()[0];
    expect(generate?.path).toBe('/v1/generate/custom/model_scenario-skybox-gpt');
    expect(Object.keys(generate?.body as object).sort()).toEqual([
      'prompt',
      'quality',
      'referenceImages',
      'seed',
    ]);
  });

  it('answers bad input with an ephemeral message and spends nothing', async () => {
    const before = h.scenario.generateCalls().length;
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.bob,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'x', width: 1000 },
    });
    const message = await h.discord.waitFor(() => h.discord.originalMessage(handle), 5_000, 'the refusal');
    expect(message.visibleTo).toBe(h.discord.ids.bob);
    expect(message.content).toContain('width');
    expect(message.content).toContain('1008');
    expect(h.scenario.generateCalls().length).toBe(before);
  });
});
