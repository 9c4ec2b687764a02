import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cubemapButtonId } from '../../src/discord/cubemap-controls.js';
import { CUBEMAP_TEXT } from '../../src/discord/messages-cubemap.js';
import { CROSS_CELLS, FACES, type RgbaImage } from '../../src/services/assets/cubemap.js';
import { cubemapFilesOf } from '../../src/services/assets/cubemap-files.js';
import type { EmulatedMessage } from '../support/discord/emulator.js';
import { answerTo, deliveredFor, type Harness, resultActionable, startHarness } from '../support/harness.js';
import { checkFace, crossCell, directionPanorama, mirrored } from '../support/panorama.js';

const pngOf = (image: RgbaImage) =>
  sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .png()
    .toBuffer();

async function decode(png: Uint8Array): Promise<RgbaImage> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

describe('the Cubemap button, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 600 } });
  }, 30_000);
  afterAll(() => h?.close());

  /** A Skybox Flux result whose panorama is `image`, once the bot can act on it. */
  async function skyboxWith(image: Buffer | undefined, options: Record<string, unknown> = {}) {
    h.scenario.faults.panoramaImage = image;
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'flux',
      options: { prompt: 'a compass of colours', ...options },
    });
    const result = await deliveredFor(h, handle);
    await resultActionable(h, result);
    const generation = await h.bot.deps.generationLog.byMessage(result.id);
    if (!generation) throw new Error('the result was not recorded');
    return { result, generation };
  }

  /** A click's private answer once it has said its last word (the working line is edited away). */
  function finalAnswer(handle: { id: string }, user: string) {
    return h.discord.waitFor(
      () =>
        [...h.discord.messages.values()].find(
          (message) =>
            message.interactionId === handle.id &&
            message.visibleTo === user &&
            message.content.length > 0 &&
            message.content !== CUBEMAP_TEXT.working,
        ),
      20_000,
      'the final answer',
    );
  }

  const repliesTo = (result: EmulatedMessage) =>
    h.discord
      .channelHistory()
      .filter((message) => message.replyTo === result.id && message.attachments.length > 0);

  const clickCubemap = (user: string, on: { result: EmulatedMessage; generation: { id: string } }) =>
    h.discord.clickButton({ user, messageId: on.result.id, customId: cubemapButtonId(on.generation.id) });

  /** What a Cubemap click must leave as it was: Scenario generate calls and both members' credits. */
  const spending = async () => ({
    generateCalls: h.scenario.generateCalls().length,
    alice: await creditsOf(h.discord.ids.alice),
    bob: await creditsOf(h.discord.ids.bob),
  });

  const creditsOf = async (user: string) => {
    const status = await h.bot.deps.quota.status(h.discord.guildId, user);
    return status.spent + status.reserved;
  };

  it('turns a direction-coloured panorama into faces and a cross that follow the convention', async () => {
    const { bob } = h.discord.ids;
    const { result, generation } = await skyboxWith(await pngOf(directionPanorama(256, 128)));
    const buttons = (result.components as { components: { custom_id: string; label: string }[] }[]).flatMap(
      (row) => row.components,
    );
    expect(buttons).toContainEqual(
      expect.objectContaining({ custom_id: cubemapButtonId(generation.id), label: 'Cubemap' }),
    );
    const before = await spending();

    const click = clickCubemap(bob, { result, generation });
    const working = await h.discord.waitFor(
      () =>
        [...h.discord.messages.values()].find(
          (message) => message.interactionId === click.id && message.content,
        ),
      10_000,
      'the working line',
    );
    expect(working.visibleTo).toBe(bob);
    expect(working.revisions.map((revision) => revision.content)).toContain(CUBEMAP_TEXT.working);
    expect((await finalAnswer(click, bob)).content).toBe(CUBEMAP_TEXT.posted(false));

    const [reply] = repliesTo(result);
    expect(reply?.visibleTo).toBeUndefined();
    expect(reply?.attachments.map((file) => file.filename)).toEqual([
      `skybox-flux-${generation.seed}-cubemap.zip`,
    ]);
    const files = unzipSync(new Uint8Array(reply?.attachments[0]?.data ?? Buffer.alloc(0)));
    expect(Object.keys(files).sort()).toEqual(
      ['back', 'cross', 'down', 'front', 'left', 'right', 'up'].map((name) => `${name}.png`),
    );
    for (const face of FACES) {
      const image = await decode(files[`${face}.png`] ?? new Uint8Array());
      expect([image.width, image.height]).toEqual([64, 64]);
      const { checked, wrong } = checkFace(face, image);
      expect(checked, face).toBeGreaterThan(60);
      expect(wrong, face).toEqual([]);
      // The same check fails a face that is mirrored (the unit test also proves rotations fail).
      expect(checkFace(face, mirrored(image)).wrong.length, `${face} mirrored`).toBeGreaterThan(0);
    }
    const cross = await decode(files['cross.png'] ?? new Uint8Array());
    expect([cross.width, cross.height]).toEqual([256, 192]);
    for (const face of FACES) {
      const { column, row } = CROSS_CELLS[face];
      expect(checkFace(face, crossCell(cross, column, row, 64)).wrong, `cross ${face}`).toEqual([]);
    }
    expect(crossCell(cross, 3, 0, 64).data.every((value) => value === 0)).toBe(true);
    expect(crossCell(cross, 0, 2, 64).data.every((value) => value === 0)).toBe(true);

    // Made locally: no generate call, no credits.
    expect(await spending()).toEqual(before);
  }, 40_000);

  it('reuses the made zip on a second click and after a restart, without reading Scenario again', async () => {
    const { alice } = h.discord.ids;
    const { result, generation } = await skyboxWith(undefined);
    const first = clickCubemap(alice, { result, generation });
    expect((await finalAnswer(first, alice)).content).toBe(CUBEMAP_TEXT.posted(false));
    const requests = h.scenario.requests.length;
    const downloads = h.scenario.downloads.length;
    await h.restart();
    const second = clickCubemap(alice, { result, generation });
    expect((await finalAnswer(second, alice)).content).toBe(CUBEMAP_TEXT.posted(true));
    const replies = repliesTo(result);
    expect(replies).toHaveLength(2);
    expect(replies[1]?.attachments[0]?.data.equals(replies[0]?.attachments[0]?.data ?? Buffer.alloc(0))).toBe(
      true,
    );
    // No job or asset read, no file download for the second click (the restart's own calls aside).
    const after = h.scenario.requests
      .slice(requests)
      .filter((request) => /\/(jobs|assets)\//.test(request.path));
    expect(after).toEqual([]);
    expect(h.scenario.downloads.length).toBe(downloads);
  }, 40_000);

  it('converts a panorama that is not 2:1 (faces W/4)', async () => {
    const { alice } = h.discord.ids;
    const { result, generation } = await skyboxWith(await pngOf(directionPanorama(300, 200)));
    const click = clickCubemap(alice, { result, generation });
    expect((await finalAnswer(click, alice)).content).toBe(CUBEMAP_TEXT.posted(false));
    const files = unzipSync(new Uint8Array(repliesTo(result)[0]?.attachments[0]?.data ?? Buffer.alloc(0)));
    const front = await decode(files['front.png'] ?? new Uint8Array());
    expect([front.width, front.height]).toEqual([75, 75]);
    expect(checkFace('front', front).wrong).toEqual([]);
  }, 40_000);

  it('makes one zip per output of a multi-output result', async () => {
    const { alice } = h.discord.ids;
    const { result, generation } = await skyboxWith(await pngOf(directionPanorama(128, 64)), {
      num_outputs: 2,
    });
    const click = clickCubemap(alice, { result, generation });
    expect((await finalAnswer(click, alice)).content).toBe(CUBEMAP_TEXT.posted(false));
    const [reply] = repliesTo(result);
    expect(reply?.attachments.map((file) => file.filename)).toEqual([
      `skybox-flux-${generation.seed}-1-cubemap.zip`,
      `skybox-flux-${generation.seed}-2-cubemap.zip`,
    ]);
    for (const attachment of reply?.attachments ?? []) {
      const files = unzipSync(new Uint8Array(attachment.data));
      expect(Object.keys(files)).toHaveLength(7);
      expect(checkFace('up', await decode(files['up.png'] ?? new Uint8Array())).wrong).toEqual([]);
    }
  }, 40_000);

  it('posts the faces and the cross apart when the whole zip is over the server’s upload limit', async () => {
    const { alice } = h.discord.ids;
    // Noise does not compress: the whole zip is about the faces plus the cross.
    const noisy = directionPanorama(256, 128);
    for (let index = 0; index < noisy.data.length; index += 4)
      noisy.data.set([(index * 7919) % 251, (index * 104729) % 241, (index * 31) % 239], index);
    const png = await pngOf(noisy);
    const made = await cubemapFilesOf(png);
    if (!made.ok) throw new Error('the noisy panorama did not convert');
    const limit = Math.max(made.faces.length, made.cross.length) + 1;
    expect(made.whole.length).toBeGreaterThan(limit);
    const { result, generation } = await skyboxWith(png);
    h.discord.setAttachmentSizeLimit(limit);
    try {
      const click = clickCubemap(alice, { result, generation });
      expect((await finalAnswer(click, alice)).content).toBe(CUBEMAP_TEXT.posted(false));
    } finally {
      h.discord.setAttachmentSizeLimit(10 * 1024 * 1024);
    }
    const posted = repliesTo(result).flatMap((message) => message.attachments);
    expect(posted.map((file) => file.filename)).toEqual([
      `skybox-flux-${generation.seed}-cubemap-faces.zip`,
      `skybox-flux-${generation.seed}-cubemap-cross.png`,
    ]);
    expect(repliesTo(result)[0]?.content).toContain(CUBEMAP_TEXT.splitForUpload);
    const faces = unzipSync(new Uint8Array(posted[0]?.data ?? Buffer.alloc(0)));
    expect(Object.keys(faces).sort()).toEqual(
      ['back', 'down', 'front', 'left', 'right', 'up'].map((n) => `${n}.png`),
    );
    expect((await decode(posted[1]?.data ?? new Uint8Array())).width).toBe(256);
  }, 40_000);

  it('puts the button under a /generate result of a skybox model', async () => {
    h.scenario.faults.panoramaImage = undefined;
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'generate',
      options: { model: 'model_scenario-skybox-gpt', prompt: 'a desert at noon' },
    });
    const result = await deliveredFor(h, handle);
    await resultActionable(h, result);
    const generation = await h.bot.deps.generationLog.byMessage(result.id);
    const ids = (result.components as { components: { custom_id: string }[] }[]).flatMap((row) =>
      row.components.map((button) => button.custom_id),
    );
    expect(ids).toContain(cubemapButtonId(generation?.id ?? 'none'));
  }, 40_000);

  it('says so when Scenario’s file links fail, and converts on a later click once they answer', async () => {
    const { alice } = h.discord.ids;
    const { result, generation } = await skyboxWith(undefined);
    h.scenario.faults.downloads404 = true;
    try {
      const failed = clickCubemap(alice, { result, generation });
      expect((await finalAnswer(failed, alice)).content).toBe(CUBEMAP_TEXT.failed('unavailable'));
      expect(repliesTo(result)).toEqual([]);
    } finally {
      h.scenario.faults.downloads404 = false;
    }
    const retried = clickCubemap(alice, { result, generation });
    expect((await finalAnswer(retried, alice)).content).toBe(CUBEMAP_TEXT.posted(false));
  }, 40_000);

  it('says a damaged panorama cannot be read, posts nothing and charges nothing', async () => {
    const { bob } = h.discord.ids;
    const png = await pngOf(directionPanorama(64, 32));
    // A real PNG header whose image data is cut short and overwritten.
    const damaged = Buffer.concat([png.subarray(0, 60), Buffer.alloc(200, 0x5a)]);
    const { result, generation } = await skyboxWith(damaged);
    const before = await spending();
    const click = clickCubemap(bob, { result, generation });
    expect((await finalAnswer(click, bob)).content).toBe(CUBEMAP_TEXT.failed('unreadable'));
    expect(repliesTo(result)).toEqual([]);
    expect(await spending()).toEqual(before);
  }, 40_000);

  it('refuses a custom id naming another result, a member a moderator paused, and members who may not generate in the channel', async () => {
    const { alice, bob, mod, modLog } = h.discord.ids;
    const one = await skyboxWith(undefined);
    const other = await skyboxWith(undefined);
    // A modified client sends the first result's id on the second result's message.
    const forged = h.discord.clickButton({
      user: bob,
      messageId: other.result.id,
      customId: cubemapButtonId(one.generation.id),
      forged: true,
    });
    expect((await finalAnswer(forged, bob)).content).toBe(CUBEMAP_TEXT.notThisResult);
    expect(repliesTo(other.result)).toEqual([]);
    expect(repliesTo(one.result)).toEqual([]);

    await answerTo(
      h,
      h.discord.invokeSlashCommand({ user: mod, name: 'quota', subcommand: 'block', options: { user: bob } }),
    );
    const blocked = clickCubemap(bob, one);
    expect((await finalAnswer(blocked, bob)).content).toBe(CUBEMAP_TEXT.blocked);
    expect(repliesTo(one.result)).toEqual([]);

    await answerTo(
      h,
      h.discord.invokeSlashCommand({
        user: mod,
        name: 'bot-settings',
        subcommand: 'allow-channel',
        options: { channel: modLog },
      }),
    );
    const refused = clickCubemap(alice, one);
    expect((await finalAnswer(refused, alice)).content).toBe(CUBEMAP_TEXT.notAllowedHere);
    expect(repliesTo(one.result)).toEqual([]);
  }, 60_000);
});
