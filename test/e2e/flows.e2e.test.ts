import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmulatedMessage } from '../support/discord/emulator.js';
import {
  type Harness,
  leakedSecrets,
  OUTCOME_TEXT,
  rerollOutcomeOf,
  resultActionable,
  startHarness,
} from '../support/harness.js';
import { makePng } from '../support/media.js';

const png = (width: number, height: number, alpha = false) => ({
  filename: 'in.png',
  contentType: 'image/png',
  data: makePng({ width, height, alpha }),
});

describe('generation flows, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 800 } });
  });
  afterAll(async () => {
    if (process.env.E2E_LOG_FILE)
      (await import('node:fs')).writeFileSync(process.env.E2E_LOG_FILE, h.logs.join(''));
    await h?.close();
  });

  const invoke = (input: Parameters<Harness['discord']['invokeSlashCommand']>[0]) =>
    h.discord.invokeSlashCommand(input);
  const reply = (handle: { token: string }) =>
    h.discord.waitFor(() => h.discord.originalMessage(handle), 5_000, 'a reply');
  const ephemeralTo = (user: string, handle: { id: string }) =>
    h.discord.waitFor(
      () =>
        [...h.discord.messages.values()].find(
          (message) =>
            message.visibleTo === user && message.interactionId === handle.id && message.content.length > 0,
        ),
      8_000,
      'an ephemeral answer',
    );
  const finished = (find: () => EmulatedMessage | undefined, what = 'the result') =>
    h.discord.waitFor(
      () => {
        const message = find();
        return message && OUTCOME_TEXT.test(message.content) ? message : undefined;
      },
      20_000,
      what,
    );

  it('turns an image into a .glb with its thumbnail, charging the 3D cost', async () => {
    const handle = invoke({
      user: h.discord.ids.alice,
      name: 'to3d',
      options: { resolution: 2048, remesh: false },
      attachments: { image: png(32, 32) },
    });
    const done = await finished(() => h.discord.outcomeOf(handle));
    expect(done.attachments.map((attachment) => attachment.filename)).toEqual([
      expect.stringMatching(/\.glb$/),
      expect.stringMatching(/thumbnail\.png$/),
    ]);
    // A new message (Discord notifies mentions in new messages, not in edits) replying to the command's
    // reply, that may ping exactly the requester.
    const { alice } = h.discord.ids;
    const progress = h.discord.originalMessage(handle);
    expect(done.replyTo).toBe(progress?.id);
    expect(done.content).toContain(`<@${alice}>`);
    expect(done.revisions[0]).toMatchObject({
      kind: 'create',
      allowedMentions: { parse: [], users: [alice] },
    });
    // The progress message no longer holds anything but a pointer to it.
    await h.discord.waitFor(
      () => h.discord.originalMessage(handle)?.content.includes(`/${done.id})`) || undefined,
      5_000,
      'the pointer',
    );
    expect(progress?.attachments).toEqual([]);
    expect(progress?.content.split('\n')).toHaveLength(1);
    expect(progress?.allowedMentions).toEqual({ parse: [], users: [] });
    expect(done.attachments[0]?.data.subarray(0, 4).toString()).toBe('glTF');
    expect(done.content).toContain('5 credits');
    const body = h.scenario.generateCalls().at(-1)?.body as Record<string, unknown>;
    expect(body).toMatchObject({ resolution: 2048, remesh: false });
    expect(body.image).toMatch(/^asset_/);
  });

  it.each([
    ['a mask without alpha', { reference_image: png(32, 32), mask: png(32, 32, false) }, 'alpha'],
    ['a mask of another size', { reference_image: png(32, 32), mask: png(16, 16, true) }, 'same size'],
    [
      'a text file renamed .png',
      {
        reference_image: {
          filename: 'x.png',
          contentType: 'image/png',
          data: Buffer.from('not an image, just text'),
        },
      },
      'not a PNG',
    ],
    [
      'a PDF',
      {
        reference_image: { filename: 'x.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4') },
      },
      'PNG, JPEG or WebP',
    ],
  ])('refuses %s for /image before anything is spent', async (_label, attachments, words) => {
    const before = h.scenario.generateCalls().length;
    const handle = invoke({
      user: h.discord.ids.bob,
      name: 'image',
      options: { prompt: 'a potion' },
      attachments,
    });
    const answer = await ephemeralTo(h.discord.ids.bob, handle);
    expect(answer.content).toContain(words);
    expect(h.scenario.generateCalls().length).toBe(before);
    const status = await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.bob);
    expect(status.spent + status.reserved).toBe(0);
  });

  it('edits an image with a reference and a matching mask', async () => {
    const handle = invoke({
      user: h.discord.ids.bob,
      name: 'image',
      options: { prompt: 'a potion', num_outputs: 2 },
      attachments: { reference_image: png(32, 32), mask: png(32, 32, true) },
    });
    const done = await finished(() => h.discord.outcomeOf(handle));
    expect(done.attachments).toHaveLength(2);
    const body = h.scenario.generateCalls().at(-1)?.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['mask', 'numOutputs', 'prompt', 'referenceImages']);
  });

  it.each([
    [{ model: 'model_lyria-2', prompt: 'x', params: '{not json' }, 'not valid JSON'],
    [{ model: 'model_lyria-2', prompt: 'x', params: '[1,2]' }, 'JSON object'],
    [{ model: 'not a model', prompt: 'x' }, 'model id'],
  ])('refuses bad /generate input %j', async (options, words) => {
    const before = h.scenario.generateCalls().length;
    const handle = invoke({ user: h.discord.ids.bob, name: 'generate', options });
    expect((await ephemeralTo(h.discord.ids.bob, handle)).content).toContain(words);
    expect(h.scenario.generateCalls().length).toBe(before);
  });

  it('explains a model Scenario does not know, and refunds', async () => {
    const handle = invoke({
      user: h.discord.ids.bob,
      name: 'generate',
      options: { model: 'model_does-not-exist', prompt: 'x' },
    });
    expect((await ephemeralTo(h.discord.ids.bob, handle)).content).toContain('does not know');
    const status = await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.bob);
    expect(status.reserved).toBe(0);
  });

  it('runs any other model through /generate with JSON params', async () => {
    const handle = invoke({
      user: h.discord.ids.alice,
      name: 'generate',
      options: {
        model: 'model_kling-v2-6-t2v-pro',
        prompt: 'a drone shot',
        params: '{"aspectRatio":"16:9","duration":"5"}',
      },
    });
    const done = await finished(() => h.discord.outcomeOf(handle));
    expect(done.attachments[0]?.filename).toMatch(/\.mp4$/);
    expect(h.scenario.generateCalls().at(-1)?.body).toEqual({
      prompt: 'a drone shot',
      aspectRatio: '16:9',
      duration: '5',
    });
  });

  it('makes a 3D model from a message through the context menu', async () => {
    const posted = h.discord.postUserMessage({
      user: h.discord.ids.alice,
      content: 'my sketch',
      files: [png(32, 32)],
    });
    const handle = h.discord.invokeMessageCommand({
      user: h.discord.ids.alice,
      name: 'Make 3D model',
      messageId: posted.id,
    });
    const done = await finished(() => h.discord.outcomeOf(handle));
    expect(done.attachments[0]?.filename).toMatch(/\.glb$/);
  });

  it('rerolls a result on 🔄 with a new seed, charged to the member who reacted, once', async () => {
    const handle = invoke({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'flux',
      options: { prompt: 'a sunset beach', style: 'fantasy', seed: 1234, num_outputs: 2 },
    });
    const parent = await finished(() => h.discord.outcomeOf(handle));
    expect(parent.content).toContain('seed `1234`');
    // Two panoramas in one message.
    expect(parent.attachments.map((attachment) => attachment.filename)).toEqual([
      expect.stringMatching(/-1\.png$/),
      expect.stringMatching(/-2\.png$/),
    ]);
    // No embed: Discord shows the files alone as a gallery, at equal size.
    expect(parent.embeds).toEqual([]);
    // A member clicks the 🔄 the bot put under its result.
    await resultActionable(h, parent);
    const bobBefore = await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.bob);
    h.discord.addReaction({ user: h.discord.ids.bob, messageId: parent.id, emoji: '🔄' });
    h.discord.addReaction({ user: h.discord.ids.bob, messageId: parent.id, emoji: '🔄' });
    const child = await finished(() => rerollOutcomeOf(h, parent.id), 'the reroll');
    expect(child.content).toContain(`<@${h.discord.ids.bob}>`);
    expect(child.content).not.toContain('seed `1234`');
    expect(child.attachments.length).toBeGreaterThan(0);
    const calls = h.scenario
      .generateCalls()
      .filter((call) => (call.body as { prompt?: string }).prompt === 'a sunset beach');
    expect(calls).toHaveLength(2);
    expect(calls[1]?.body).toMatchObject({ prompt: 'a sunset beach', style: 'fantasy', numOutputs: 2 });
    const bobAfter = await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.bob);
    expect(bobAfter.spent - bobBefore.spent).toBe(2);
    await h.discord.waitFor(
      () => !parent.reactions.get('🔄')?.has(h.discord.ids.bob),
      5_000,
      'the acknowledgement',
    );
    await h.discord.waitFor(
      () => child.reactions.get('🔄')?.has(h.discord.botUserId),
      5_000,
      'the bot’s 🔄 on the reroll',
    );
    const generation = await h.bot.deps.generationLog.byMessage(child.id);
    expect(generation?.parentGenerationId).toBeDefined();
  });

  it('deletes a result on ❌ by its requester but not by a stranger', async () => {
    const handle = invoke({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a cathedral' },
    });
    const done = await finished(() => h.discord.outcomeOf(handle));
    await resultActionable(h, done);
    // A stranger's ❌ is ignored without a word, so there is no answer to wait for. The last thing the bot
    // does before deciding is to read the guild's settings (the moderator role): once that read has
    // answered, the decision is made, and a deletion, had it decided one, would already be on its way.
    const settingsReads = vi.spyOn(h.bot.deps.settings, 'get');
    try {
      h.discord.addReaction({ user: h.discord.ids.bob, messageId: done.id, emoji: '❌' });
      await h.discord.waitFor(
        () => settingsReads.mock.settledResults.some((result) => result.type === 'fulfilled') || undefined,
        5_000,
        'the bot to decide on the stranger’s ❌',
      );
    } finally {
      settingsReads.mockRestore();
    }
    expect(h.discord.messages.has(done.id)).toBe(true);
    h.discord.addReaction({ user: h.discord.ids.alice, messageId: done.id, emoji: '❌' });
    await h.discord.waitFor(() => !h.discord.messages.has(done.id), 5_000, 'the deletion');
    // Not even a deletion still on its way when the message was checked: the requester's, asked for after
    // the stranger's ❌ was decided, is the only one Discord received.
    await h.discord.waitFor(
      () =>
        h.logs.some(
          (line) =>
            line.includes('result deleted') && line.includes(done.id) && line.includes(h.discord.ids.alice),
        ) || undefined,
      5_000,
      'the requester’s deletion logged',
    );
    const deletions = h.discord.requests.filter(
      (request) => request.method === 'DELETE' && request.path.endsWith(`/messages/${done.id}`),
    );
    expect(deletions).toHaveLength(1);
  });

  it('deletes a result on ❌ by a moderator (the Manage Server permission)', async () => {
    const handle = invoke({
      user: h.discord.ids.bob,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'something to moderate' },
    });
    const done = await finished(() => h.discord.outcomeOf(handle));
    await resultActionable(h, done);
    h.discord.addReaction({ user: h.discord.ids.mod, messageId: done.id, emoji: '❌' });
    await h.discord.waitFor(() => !h.discord.messages.has(done.id), 5_000, 'the deletion');
  });

  it('explains a failed job and refunds the credits', async () => {
    h.scenario.faults.failNextJobs = 1;
    const before = await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.alice);
    const handle = invoke({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a failing scene' },
    });
    const done = await finished(() => h.discord.outcomeOf(handle));
    expect(done.content).toContain('failed');
    expect(done.content).toContain(h.scenario.faults.failError);
    expect(done.content).toContain('came back');
    const after = await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.alice);
    expect(after.remaining).toBe(before.remaining);
  });

  it('delivers after the interaction token expired, and points to the result through the channel route', async () => {
    const handle = invoke({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a long job' },
    });
    const first = await reply(handle);
    h.discord.expireInteractionToken(handle.token);
    const done = await finished(() => h.discord.outcomeOf(handle));
    expect(done.replyTo).toBe(first.id);
    expect(done.attachments.length).toBeGreaterThan(0);
    await h.discord.waitFor(
      () => h.discord.messages.get(first.id)?.content.includes(`/${done.id})`) || undefined,
      5_000,
      'the reply turned into a pointer',
    );
    expect(
      h.discord.requests.some(
        (request) =>
          request.method === 'PATCH' &&
          request.path.endsWith(`/channels/${first.channelId}/messages/${first.id}`),
      ),
    ).toBe(true);
  });

  it('posts a new message mentioning the requester when the reply was deleted', async () => {
    const handle = invoke({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a deleted reply' },
    });
    const first = await reply(handle);
    h.discord.deleteMessage(first.id);
    const fresh = await finished(() =>
      h.discord.channelHistory().find((message) => message.content.includes('a deleted reply')),
    );
    expect(fresh.replyTo).toBeUndefined();
    expect(fresh.content).toContain(`<@${h.discord.ids.alice}>`);
    expect(fresh.allowedMentions).toEqual({ parse: [], users: [h.discord.ids.alice] });
    expect(fresh.attachments.length).toBeGreaterThan(0);
  });

  it('links a result too large for the server and attaches the preview instead', async () => {
    h.scenario.faults.outputBytes = 60_000;
    try {
      const handle = invoke({
        user: h.discord.ids.alice,
        name: 'to3d',
        options: {},
        attachments: { image: png(32, 32) },
        attachmentSizeLimit: 20_000,
      });
      const done = await finished(() => h.discord.outcomeOf(handle));
      expect(done.content).toContain('more than this server accepts');
      expect(done.content).toMatch(/\]\(http:\/\/127\.0\.0\.1:\d+\/files\/asset_/);
      expect(done.attachments.map((attachment) => attachment.filename)).toEqual([
        expect.stringMatching(/preview\.png$/),
      ]);
      expect(h.discord.requests.filter((entry) => entry.status === 413)).toHaveLength(0);
    } finally {
      h.scenario.faults.outputBytes = undefined;
    }
  });

  it('refuses moderator commands to a member without the permission, even if Discord shows them', async () => {
    const handle = invoke({
      user: h.discord.ids.alice,
      name: 'quota',
      subcommand: 'set',
      options: { user: h.discord.ids.alice, limit: 1000 },
    });
    expect((await ephemeralTo(h.discord.ids.alice, handle)).content).toContain('Only moderators');
    expect((await h.bot.deps.quota.status(h.discord.guildId, h.discord.ids.alice)).limit).toBe(50);
  });

  it('lets a moderator change a quota, and refuses a request over it', async () => {
    const { mod } = h.discord.ids;
    const set = invoke({ user: mod, name: 'quota', subcommand: 'set', options: { user: mod, limit: 0 } });
    expect((await ephemeralTo(mod, set)).content).toContain('limit to 0');
    const before = h.scenario.generateCalls().length;
    const refused = invoke({
      user: mod,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'over quota' },
    });
    expect((await ephemeralTo(mod, refused)).content).toMatch(
      /you have 0 of 0 left\. Your credits reset <t:\d+:R>, or a moderator can add some with `\/quota grant`\. Nothing was spent\./,
    );
    expect(h.scenario.generateCalls().length).toBe(before);
    const grant = invoke({
      user: mod,
      name: 'quota',
      subcommand: 'grant',
      options: { user: mod, amount: 3 },
    });
    expect((await ephemeralTo(mod, grant)).content).toContain('granted');
    const me = invoke({ user: mod, name: 'quota', subcommand: 'me' });
    expect((await ephemeralTo(mod, me)).content).toContain('3 of 3 credits left');
  });

  it('never shows a secret in a log line or a Discord message', () => {
    expect(leakedSecrets(h)).toEqual([]);
    expect(h.discord.interactionTokens().length).toBeGreaterThan(20);
    expect(h.logs.length).toBeGreaterThan(20);
  });
});
