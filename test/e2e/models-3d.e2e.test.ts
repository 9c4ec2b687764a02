import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customIdFor } from '../../src/discord/conversion-controls.js';
import { TEXT_3D } from '../../src/discord/messages-3d.js';
import type { EmulatedMessage } from '../support/discord/emulator.js';
import {
  type Harness,
  OUTCOME_TEXT,
  RESULT_TEXT,
  resultActionable,
  startHarness,
} from '../support/harness.js';
import { makePng } from '../support/media.js';
import { FBX_MAGIC } from '../support/scenario/conversions.js';

/** 3D results end to end: the facts line, the rendered preview, and the FBX/OBJ/USDZ/STL buttons. */
describe('3D results, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 600 } });
  });
  afterAll(() => h?.close());

  const to3d = async (user = h.discord.ids.alice) => {
    const handle = h.discord.invokeSlashCommand({
      user,
      name: 'to3d',
      options: { resolution: 1024 },
      attachments: {
        image: { filename: 'in.png', contentType: 'image/png', data: makePng({ width: 32, height: 32 }) },
      },
    });
    const message = await h.discord.waitFor(
      () => {
        const outcome = h.discord.outcomeOf(handle);
        return outcome && OUTCOME_TEXT.test(outcome.content) ? outcome : undefined;
      },
      30_000,
      'the 3D result',
    );
    if (RESULT_TEXT.test(message.content)) await resultActionable(h, message);
    return message;
  };
  /** The member's private answer once the bot is past "Converting…". */
  const clickAndWait = async (user: string, result: EmulatedMessage, customId: string) => {
    const handle = h.discord.clickButton({ user, messageId: result.id, customId });
    return h.discord.waitFor(
      () =>
        [...h.discord.messages.values()].find(
          (message) =>
            message.interactionId === handle.id &&
            message.content.length > 0 &&
            !message.content.startsWith('Converting'),
        ),
      20_000,
      'the final answer to the click',
    );
  };
  const conversionReplies = (result: EmulatedMessage, extension: string) =>
    h.discord
      .channelHistory()
      .filter(
        (message) =>
          message.replyTo === result.id &&
          message.attachments.some((file) => file.filename.endsWith(extension)),
      );
  const conversionCalls = () => h.scenario.requests.filter((request) => request.path.endsWith('/download'));
  const generationOf = (result: EmulatedMessage) =>
    h.bot.deps.generationLog.byMessage(result.id).then((generation) => generation?.id ?? '');

  let result: EmulatedMessage;
  it("shows the returned model's triangle count and the conversion buttons", async () => {
    result = await to3d();
    expect(result.content).toMatch(
      /🧊 4,096 triangles · 2,193 vertices · 1 mesh · 1 material · 1 texture up to 256²/,
    );
    expect(result.attachments.map((file) => file.filename)).toEqual([
      expect.stringMatching(/\.glb$/),
      expect.stringMatching(/-thumbnail\.png$/), // Scenario sent a picture: no rendered preview
    ]);
    const labels = (result.components as { components: { label: string }[] }[]).map((row) =>
      row.components.map((button) => button.label),
    );
    expect(labels).toEqual([['Reroll', 'Delete'], ['Details'], ['FBX', 'OBJ', 'USDZ', 'STL']]);
  });

  it('renders a preview when Scenario sends no thumbnail, shown as the message image', async () => {
    h.scenario.faults.omit3dThumbnails = true;
    const bare = await to3d();
    h.scenario.faults.omit3dThumbnails = false;
    const preview = bare.attachments.find((file) => file.filename.endsWith('-preview.png'));
    expect(preview).toBeDefined();
    expect(bare.embeds).toEqual([
      expect.objectContaining({ image: { url: `attachment://${preview?.filename}` } }),
    ]);
    const { data, info } = await sharp(preview?.data).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([512, 512]);
    const tones = new Set<string>();
    for (let i = 0; i < data.length; i += info.channels)
      tones.add(`${(data[i] ?? 0) >> 3},${(data[i + 1] ?? 0) >> 3},${(data[i + 2] ?? 0) >> 3}`);
    expect(tones.size).toBeGreaterThan(50);
  });

  it('posts FBX and OBJ conversions under the result with the bytes Scenario served, spending no credits', async () => {
    const { alice, bob } = h.discord.ids;
    const before = await h.bot.deps.quota.status(h.discord.guildId, alice);
    const beforeBob = await h.bot.deps.quota.status(h.discord.guildId, bob);
    const generations = h.scenario.generateCalls().length;
    const generationId = await generationOf(result);

    const fbx = await clickAndWait(bob, result, customIdFor(generationId, 'fbx'));
    expect(fbx.visibleTo).toBe(bob);
    expect(fbx.content).toBe(TEXT_3D.converted('fbx'));
    const [fbxReply] = conversionReplies(result, '.fbx');
    const fbxFile = fbxReply?.attachments[0];
    expect(fbxFile?.filename).toMatch(/^to3d-\d+-1\.fbx$/);
    expect(fbxFile?.data.subarray(0, FBX_MAGIC.length)).toEqual(FBX_MAGIC);
    expect(fbxReply?.visibleTo).toBeUndefined();

    const obj = await clickAndWait(alice, result, customIdFor(generationId, 'obj'));
    expect(obj.content).toBe(TEXT_3D.converted('obj'));
    const objFile = conversionReplies(result, '.obj')[0]?.attachments[0];
    expect(objFile?.data.toString('utf8')).toMatch(
      /^# OBJ converted by the Scenario emulator[\s\S]*\nf 1\/\/1/,
    );

    // What was posted is what Scenario's converted assets hold, byte for byte.
    const served = [...h.scenario.assets.values()].map((asset) => asset.bytes);
    expect(served.some((bytes) => fbxFile && bytes.equals(fbxFile.data))).toBe(true);
    expect(served.some((bytes) => objFile && bytes.equals(objFile.data))).toBe(true);
    expect(conversionCalls().map((call) => call.body)).toEqual([
      { targetFormat: 'fbx' },
      { targetFormat: 'obj' },
    ]);

    expect(await h.bot.deps.quota.status(h.discord.guildId, alice)).toEqual(before);
    expect(await h.bot.deps.quota.status(h.discord.guildId, bob)).toEqual(beforeBob);
    expect(h.scenario.generateCalls()).toHaveLength(generations);
  });

  it('reuses the earlier file on a second click of the same format', async () => {
    const calls = conversionCalls().length;
    const again = await clickAndWait(
      h.discord.ids.bob,
      result,
      customIdFor(await generationOf(result), 'fbx'),
    );
    expect(again.content).toContain('already converted to FBX');
    expect(again.content).toContain(conversionReplies(result, '.fbx')[0]?.id);
    expect(conversionCalls()).toHaveLength(calls);
    expect(conversionReplies(result, '.fbx')).toHaveLength(1);
  });

  it('explains a format Scenario refuses (400) as unavailable, privately', async () => {
    h.scenario.faults.refuseConversions = ['usdz'];
    const answer = await clickAndWait(
      h.discord.ids.alice,
      result,
      customIdFor(await generationOf(result), 'usdz'),
    );
    h.scenario.faults.refuseConversions = [];
    expect(answer.visibleTo).toBe(h.discord.ids.alice);
    expect(answer.content).toBe(TEXT_3D.unavailable('usdz'));
    expect(conversionReplies(result, '.usdz')).toHaveLength(0);
  });

  it("links a converted file over the server's upload limit instead of attaching it", async () => {
    h.discord.setAttachmentSizeLimit(64);
    const answer = await clickAndWait(
      h.discord.ids.alice,
      result,
      customIdFor(await generationOf(result), 'usdz'),
    );
    h.discord.setAttachmentSizeLimit(10 * 1024 * 1024);
    expect(answer.content).toBe(TEXT_3D.converted('usdz'));
    const reply = h.discord
      .channelHistory()
      .find((message) => message.replyTo === result.id && /USDZ/.test(message.content));
    expect(reply?.attachments).toEqual([]);
    expect(reply?.content).toMatch(
      /`to3d-\d+-1\.usdz` is more than this server accepts as an upload: \[download it from Scenario\]\(http:\/\/127\.0\.0\.1:\d+\/files\//,
    );
  });

  it('refuses, politely and privately, a member who may not generate in this channel', async () => {
    const { guildId } = h.discord;
    await h.bot.deps.settings.update(guildId, (settings) => ({
      ...settings,
      allowedRoleIds: ['123456789012345678'],
    }));
    const calls = conversionCalls().length;
    const answer = await clickAndWait(
      h.discord.ids.bob,
      result,
      customIdFor(await generationOf(result), 'stl'),
    );
    await h.bot.deps.settings.update(guildId, (settings) => ({ ...settings, allowedRoleIds: [] }));
    expect(answer.visibleTo).toBe(h.discord.ids.bob);
    expect(answer.content).toBe(TEXT_3D.notAllowed);
    expect(conversionCalls()).toHaveLength(calls);
  });

  it("does not convert another generation's model from a forged button", async () => {
    const other = await to3d(h.discord.ids.bob);
    const forged = customIdFor(await generationOf(other), 'stl');
    // A client that rewrote the button: the custom id names Bob's generation, the click is on Alice's result.
    (result.components as { components: { custom_id: string; label: string }[] }[])[1]?.components.push({
      custom_id: forged,
      label: 'STL',
    });
    const calls = conversionCalls().length;
    const answer = await clickAndWait(h.discord.ids.alice, result, forged);
    expect(answer.content).toBe(TEXT_3D.unknownResult);
    expect(conversionCalls()).toHaveLength(calls);
  });

  it('keeps working after a restart (the models come from the store)', async () => {
    await h.restart();
    const answer = await clickAndWait(
      h.discord.ids.alice,
      result,
      customIdFor(await generationOf(result), 'stl'),
    );
    expect(answer.content).toBe(TEXT_3D.converted('stl'));
    const stl = conversionReplies(result, '.stl')[0]?.attachments[0];
    expect(stl?.data.length).toBe(80 + 4 + 50);
    expect(stl?.data.subarray(0, 80).toString('ascii')).toMatch(/^binary STL/);
  });

  it('explains a damaged model from Scenario and charges nothing', async () => {
    const { alice } = h.discord.ids;
    const before = await h.bot.deps.quota.status(h.discord.guildId, alice);
    h.scenario.faults.damagedModels = true;
    const failed = await to3d(alice);
    h.scenario.faults.damagedModels = false;
    expect(failed.content).toContain('the 3D model it sent is damaged');
    expect(failed.content).toMatch(/Your \d+ credits? came back\./);
    expect(failed.attachments).toHaveLength(0);
    const after = await h.bot.deps.quota.status(h.discord.guildId, alice);
    expect(after.spent).toBe(before.spent);
    expect(after.reserved).toBe(0);
  });

  it('reads a 60 MB model it can only link: facts and a rendered preview, the .glb linked', async () => {
    h.scenario.faults.outputBytes = 60 * 1024 * 1024;
    h.scenario.faults.omit3dThumbnails = true;
    const big = await to3d();
    h.scenario.faults.outputBytes = undefined;
    h.scenario.faults.omit3dThumbnails = false;
    expect(big.content).toMatch(
      /🧊 1 triangle · 3 vertices · 1 mesh · 0 materials · no textures · 1.0 × 1.0 × 0 · 60.0 MB/,
    );
    expect(big.content).toMatch(/`to3d-\d+-1\.glb` is 60\.0 MB, more than this server accepts as an upload/);
    expect(big.attachments.map((file) => file.filename)).toEqual([expect.stringMatching(/-1-preview\.png$/)]);
  });

  it('skips the preview with a note when drawing it would take too long', async () => {
    h.env.PREVIEW_TIMEOUT_MS = '1';
    await h.restart();
    h.scenario.faults.omit3dThumbnails = true;
    const heavy = await to3d();
    h.scenario.faults.omit3dThumbnails = false;
    expect(heavy.content).toContain('4,096 triangles');
    expect(heavy.content).toContain('no preview: this model is too heavy to draw in time');
    expect(heavy.attachments.map((file) => file.filename)).toEqual([expect.stringMatching(/\.glb$/)]);
  });
});
