import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEXT } from '../../src/discord/messages.js';
import type { EmulatedMessage, MessageWrite } from '../support/discord/emulator.js';
import {
  type Harness,
  OUTCOME_TEXT,
  RESULT_TEXT,
  resultActionable,
  startHarness,
} from '../support/harness.js';
import { makePng, makePngBomb } from '../support/media.js';

const png = (width = 32, height = 32) => ({
  filename: 'in.png',
  contentType: 'image/png',
  data: makePng({ width, height }),
});

type Invocation = Parameters<Harness['discord']['invokeSlashCommand']>[0];

/**
 * What a user who means harm, or just hammers the bot, can send: bursts, mentions, odd Unicode, huge
 * prompts, forged attachment links, decompression bombs, and results too large for Discord.
 */
describe('abuse and bad input, end to end', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ scenario: { jobDurationMs: 800 } });
  });
  afterAll(() => h?.close());

  const quota = (userId: string) => h.bot.deps.quota.status(h.discord.guildId, userId);
  const spentOrHeld = async (userId: string) => {
    const status = await quota(userId);
    return status.spent + status.reserved;
  };
  const byInteraction = (handle: { id: string }) =>
    [...h.discord.messages.values()].filter((message) => message.interactionId === handle.id);
  const ephemeralTo = (user: string, handle: { id: string }) =>
    h.discord.waitFor(
      () => byInteraction(handle).find((message) => message.visibleTo === user && message.content.length > 0),
      10_000,
      'an ephemeral answer',
    );
  const finished = (handle: { token: string }, what = 'the result') =>
    h.discord.waitFor(
      () => {
        const message = h.discord.outcomeOf(handle);
        return message && OUTCOME_TEXT.test(message.content) ? message : undefined;
      },
      20_000,
      what,
    );
  /** Waits until no job is pending, so each test starts from a quiet bot. */
  const idle = () => h.discord.waitFor(() => h.bot.tracker.pendingCount() === 0, 20_000, 'no pending job');
  const uploadsToScenario = () =>
    h.scenario.requests.filter(
      (request) =>
        request.method === 'POST' &&
        (request.path === '/v1/assets' || request.path.startsWith('/v1/uploads')),
    ).length;

  /** Runs one ordinary command to the end: the bot still serves after whatever came before. */
  async function provesStillServing(user: string) {
    const calls = h.scenario.generateCalls().length;
    const handle = h.discord.invokeSlashCommand({
      user,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a quiet harbour at noon' },
    });
    const done = await finished(handle, 'an ordinary result');
    expect(done.content).toMatch(RESULT_TEXT);
    expect(done.attachments.length).toBeGreaterThan(0);
    expect(h.scenario.generateCalls()).toHaveLength(calls + 1);
    await idle();
  }

  it('runs 2 of 30 commands fired at once by one member, refuses 28 ephemerally, and charges 2 credits', async () => {
    const { bob } = h.discord.ids;
    const callsBefore = h.scenario.generateCalls().length;
    const before = await quota(bob);
    // The accepted jobs stay running until every command is answered, so the cap is what is tested.
    h.scenario.faults.neverFinishNextJobs = 2;
    const prompts = Array.from({ length: 30 }, (_, index) => `burst ${index}`);
    const handles = prompts.map((prompt) =>
      h.discord.invokeSlashCommand({ user: bob, name: 'skybox', subcommand: 'gpt', options: { prompt } }),
    );
    const refusedOf = (handle: { id: string }) =>
      byInteraction(handle).find((message) => message.visibleTo === bob && message.content.length > 0);
    const runningOf = (handle: { token: string }) => {
      const message = h.discord.originalMessage(handle);
      return message && !message.visibleTo && message.content.includes('burst') ? message : undefined;
    };
    await h.discord.waitFor(
      () => handles.every((handle) => refusedOf(handle) ?? runningOf(handle)),
      20_000,
      'an answer to each of the 30 commands',
    );

    const refused = handles.filter((handle) => refusedOf(handle));
    const accepted = handles.filter((handle) => !refusedOf(handle));
    const acceptedPrompts = prompts.filter((_, index) => !refusedOf(handles[index] ?? { id: '' }));
    expect(refused).toHaveLength(28);
    expect(accepted).toHaveLength(2);
    for (const handle of refused) {
      const [only, ...others] = byInteraction(handle);
      // One message each, seen by bob only: the deferred public "thinking…" reply was removed.
      expect(others).toHaveLength(0);
      expect(only?.visibleTo).toBe(bob);
      expect(only?.content).toBe(TEXT.tooManyRunning(2));
    }
    const calls = h.scenario.generateCalls().slice(callsBefore);
    expect(calls).toHaveLength(2);
    expect(calls.map((call) => (call.body as { prompt: string }).prompt).sort()).toEqual(
      acceptedPrompts.sort(),
    );
    expect(h.bot.tracker.pendingCount()).toBe(2);
    const during = await quota(bob);
    expect(during.reserved - before.reserved).toBe(2);
    expect(during.spent - before.spent).toBe(0);

    for (const job of h.scenario.jobs.values())
      if (acceptedPrompts.includes(String(job.input.prompt))) h.scenario.finishJob(job.jobId);
    for (const handle of accepted) {
      const done = await finished(handle);
      expect(done.content).toMatch(RESULT_TEXT);
      expect(done.attachments.length).toBeGreaterThan(0);
    }
    await idle();
    const after = await quota(bob);
    expect(after.reserved).toBe(before.reserved);
    expect(after.spent - before.spent).toBe(2);

    // Once they finished, bob may generate again.
    await provesStillServing(bob);
  });

  it('never lets a prompt full of mentions ping anyone but the requester, in any message or edit', async () => {
    await idle();
    const { alice, bob, moderatorRole } = h.discord.ids;
    const prompt = `@everyone @here <@&${moderatorRole}> <@&${h.discord.guildId}> <@${bob}> <@!${bob}> **bold** ||spoiler|| \`code\` a castle`;
    const firstWrite = h.discord.writes.length;
    // Every path a message takes: the first reply and its progress edits, a repost when that reply was
    // deleted, and a reroll by another member (a channel reply, then channel-route edits).
    h.scenario.faults.neverFinishNextJobs = 1;
    const handle = h.discord.invokeSlashCommand({
      user: alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt },
    });
    const first = await h.discord.waitFor(
      () => {
        const message = h.discord.originalMessage(handle);
        return message?.revisions.some((write) => write.content.includes('· generating'))
          ? message
          : undefined;
      },
      10_000,
      'a progress edit',
    );
    h.discord.deleteMessage(first.id);
    for (const job of h.scenario.jobs.values())
      if (job.input.prompt === prompt) h.scenario.finishJob(job.jobId);
    const reposted = await h.discord.waitFor(
      () =>
        h.discord
          .channelHistory()
          .find(
            (message) =>
              message.authorId === h.discord.botUserId &&
              message.content.includes('a castle') &&
              RESULT_TEXT.test(message.content),
          ),
      20_000,
      'the result, reposted',
    );
    await resultActionable(h, reposted);
    h.discord.addReaction({ user: bob, messageId: reposted.id, emoji: '🔄' });
    const placeholder = await h.discord.waitFor(
      () => h.discord.channelHistory().find((message) => message.replyTo === reposted.id),
      20_000,
      'the reroll’s message',
    );
    const reroll = await h.discord.waitFor(
      () =>
        h.discord
          .channelHistory()
          .find((message) => message.replyTo === placeholder.id && RESULT_TEXT.test(message.content)),
      20_000,
      'the reroll',
    );
    await h.discord.waitFor(() => reroll.reactions.get('🔄')?.has(h.discord.botUserId), 5_000, 'its 🔄');
    await idle();
    // Scenario gets the prompt as typed, both times; only what Discord shows is defused.
    expect(
      h.scenario
        .generateCalls()
        .slice(-2)
        .map((call) => call.body),
    ).toEqual([expect.objectContaining({ prompt }), expect.objectContaining({ prompt })]);

    const writes = h.discord.writes.slice(firstWrite);
    const requesterOf = (write: MessageWrite) =>
      write.messageId === reroll.id || write.messageId === placeholder.id ? bob : alice;
    expect(
      writes.filter((write) => write.messageId === first.id && write.kind === 'edit').length,
    ).toBeGreaterThan(1);
    expect(writes.filter((write) => write.messageId === reposted.id).map((write) => write.kind)).toContain(
      'create',
    );
    expect(writes.filter((write) => write.messageId === placeholder.id).map((write) => write.kind)).toEqual(
      expect.arrayContaining(['create', 'edit']),
    );
    for (const write of writes) {
      const what = `${write.kind}: ${write.content.slice(0, 60)}`;
      const allowed = write.allowedMentions as { parse?: string[]; roles?: string[]; users?: string[] };
      // Without allowed_mentions Discord parses every mention in the content.
      expect(allowed, what).toBeDefined();
      expect(allowed.parse ?? [], what).not.toContain('everyone');
      expect(allowed.parse ?? [], what).not.toContain('roles');
      expect(allowed.roles ?? [], what).toEqual([]);
      expect(
        (allowed.users ?? []).filter((user) => user !== requesterOf(write)),
        what,
      ).toEqual([]);
      expect(pingedBy(write), what).toMatchObject({ everyone: false, roles: [] });
      expect(
        pingedBy(write).users.filter((user) => user !== requesterOf(write)),
        what,
      ).toEqual([]);
      // Belt and braces: the text itself carries no live mass mention.
      expect(write.content, what).not.toMatch(/@(everyone|here)\b/);
    }
  });

  it.each([
    [
      'emoji, combining marks, RTL text and joiners',
      'Aurore 🌌 sur un fjord: cafe\u0301, Z\u0335\u0353a\u0334l\u0336g\u0337o, مرحبا بالعالم\u200f, שלום עולם, 👩\u200d💻 👨\u200d👩\u200d👧\u200d👦 🏳\ufe0f\u200d🌈, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ẞ ﷽',
    ],
    // Shown shortened to 180 UTF-16 units: the cut falls inside the first 🌌's surrogate pair.
    ['a long emoji run cut for display', `${'a'.repeat(178)}${'🌌'.repeat(20)} end`],
  ])('sends a prompt of %s to Scenario byte for byte and delivers the result', async (_label, prompt) => {
    await idle();
    const firstWrite = h.discord.writes.length;
    const handle = h.discord.invokeSlashCommand({
      user: h.discord.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt },
    });
    const done = await finished(handle);
    expect(done.content).toMatch(RESULT_TEXT);
    expect(done.attachments.length).toBeGreaterThan(0);
    const sent = String((h.scenario.generateCalls().at(-1)?.body as { prompt?: string } | undefined)?.prompt);
    expect(Buffer.from(sent, 'utf8').equals(Buffer.from(prompt, 'utf8'))).toBe(true);
    // Every text the bot sent Discord is well-formed UTF-16 (no half of a surrogate pair).
    for (const write of h.discord.writes.slice(firstWrite))
      expect(write.content, write.content.slice(0, 60)).not.toMatch(/[\ud800-\udfff]/u);
  });

  describe('huge prompts (Discord accepts string options up to 6000 characters)', () => {
    it('runs a skybox prompt of exactly 4000 characters, the model’s documented maximum', async () => {
      await idle();
      const prompt = `${'a vast canyon '.repeat(285)}abcdefghij`;
      expect(prompt).toHaveLength(4000);
      const handle = h.discord.invokeSlashCommand({
        user: h.discord.ids.alice,
        name: 'skybox',
        subcommand: 'gpt',
        options: { prompt },
      });
      const done = await finished(handle);
      expect(done.content).toMatch(RESULT_TEXT);
      expect(h.scenario.generateCalls().at(-1)?.body).toMatchObject({ prompt });
    });

    it.each<[string, Omit<Invocation, 'user'>, string]>([
      [
        '/skybox gpt, 6000',
        { name: 'skybox', subcommand: 'gpt', options: { prompt: 'p'.repeat(6000) } },
        'prompt',
      ],
      [
        '/skybox gpt, 4001',
        { name: 'skybox', subcommand: 'gpt', options: { prompt: 'p'.repeat(4001) } },
        'prompt',
      ],
      [
        '/skybox flux, 6000',
        { name: 'skybox', subcommand: 'flux', options: { prompt: 'p'.repeat(6000) } },
        'prompt',
      ],
      [
        '/skybox flux negative prompt, 6000',
        { name: 'skybox', subcommand: 'flux', options: { prompt: 'x', negative_prompt: 'n'.repeat(6000) } },
        'negative_prompt',
      ],
      ['/image, 6000', { name: 'image', options: { prompt: 'p'.repeat(6000) } }, 'prompt'],
      [
        '/generate with a seed model, 6000',
        { name: 'generate', options: { model: 'model_scenario-skybox-gpt', prompt: 'p'.repeat(6000) } },
        'prompt',
      ],
      [
        '/generate with any other model, 6000',
        { name: 'generate', options: { model: 'model_kling-v2-6-t2v-pro', prompt: 'p'.repeat(6000) } },
        'prompt',
      ],
    ])(
      'refuses %s characters ephemerally, naming the option, nothing spent',
      async (_label, command, option) => {
        await idle();
        const { mod } = h.discord.ids;
        const calls = h.scenario.generateCalls().length;
        const credits = await spentOrHeld(mod);
        const handle = h.discord.invokeSlashCommand({ user: mod, ...command });
        const answer = await ephemeralTo(mod, handle);
        expect(answer.content).toContain(`\`${option}\``);
        expect(answer.content).toMatch(/characters; keep it under \d+/);
        expect(byInteraction(handle)).toHaveLength(1);
        expect(h.scenario.generateCalls()).toHaveLength(calls);
        expect(await spentOrHeld(mod)).toBe(credits);
        expect(h.bot.tracker.pendingCount()).toBe(0);
      },
    );
  });

  describe('attachment links outside Discord', () => {
    let evil: Server;
    let evilOrigin = '';
    let evilHits = 0;
    beforeAll(async () => {
      evil = createServer((_request, response) => {
        evilHits += 1;
        response.writeHead(200, { 'content-type': 'image/png' }).end(makePng({ width: 32, height: 32 }));
      });
      await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
      evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    });
    afterAll(
      () =>
        new Promise<void>((resolve) => {
          evil.close(() => resolve());
          evil.closeAllConnections();
        }),
    );

    type Forged = { url?: string; proxyUrl?: string };
    const discordHost = () => new URL(h.discord.origin).host;
    it.each<[string, string, string | undefined, string, () => Forged, RegExp]>([
      [
        'a server on another port',
        'to3d',
        undefined,
        'image',
        () => ({ url: `${evilOrigin}/evil.png`, proxyUrl: `${evilOrigin}/evil.png` }),
        /only files uploaded to Discord/,
      ],
      [
        'a closed port',
        'to3d',
        undefined,
        'image',
        () => ({ url: 'http://127.0.0.1:1/evil.png', proxyUrl: 'http://127.0.0.1:1/evil.png' }),
        /only files uploaded to Discord/,
      ],
      [
        'a foreign host',
        'to3d',
        undefined,
        'image',
        () => ({ url: 'https://evil.example/x.png', proxyUrl: 'https://evil.example/x.png' }),
        /only files uploaded to Discord/,
      ],
      [
        'Discord’s host as user info before the real host',
        'to3d',
        undefined,
        'image',
        () => ({ url: `http://${discordHost()}@${new URL(evilOrigin).host}/evil.png` }),
        /only files uploaded to Discord/,
      ],
      [
        'a Discord proxy_url beside a foreign url',
        'to3d',
        undefined,
        'image',
        () => ({ url: `${evilOrigin}/evil.png` }),
        /only files uploaded to Discord/,
      ],
      [
        'a file: URL',
        'to3d',
        undefined,
        'image',
        () => ({ url: 'file:///etc/passwd', proxyUrl: 'file:///etc/passwd' }),
        /only files uploaded to Discord/,
      ],
      [
        'a malformed link',
        'to3d',
        undefined,
        'image',
        () => ({ url: 'not a url', proxyUrl: 'not a url' }),
        /link is not valid/,
      ],
      [
        'a skybox reference image',
        'skybox',
        'gpt',
        'reference_image',
        () => ({ url: `${evilOrigin}/evil.png`, proxyUrl: `${evilOrigin}/evil.png` }),
        /only files uploaded to Discord/,
      ],
      [
        'a /generate file',
        'generate',
        undefined,
        'file_1',
        () => ({ url: `${evilOrigin}/evil.png`, proxyUrl: `${evilOrigin}/evil.png` }),
        /only files uploaded to Discord/,
      ],
    ])(
      'refuses %s ephemerally, fetching and spending nothing',
      async (_label, name, subcommand, option, forge, words) => {
        await idle();
        const { mod } = h.discord.ids;
        const calls = h.scenario.generateCalls().length;
        const uploads = uploadsToScenario();
        const credits = await spentOrHeld(mod);
        const hits = evilHits;
        const cdnFetches = h.discord.requests.filter((request) =>
          request.path.startsWith('/attachments/'),
        ).length;
        const options: Record<string, string> =
          name === 'to3d'
            ? {}
            : name === 'generate'
              ? { model: 'model_kling-v2-6-t2v-pro', prompt: 'x' }
              : { prompt: 'x' };
        const handle = h.discord.invokeSlashCommand({
          user: mod,
          name,
          subcommand,
          options,
          attachments: { [option]: { ...png(), ...forge() } },
        });
        const answer = await ephemeralTo(mod, handle);
        expect(answer.content).toContain(`\`${option}\``);
        expect(answer.content).toMatch(words);
        expect(evilHits).toBe(hits);
        expect(h.discord.requests.filter((request) => request.path.startsWith('/attachments/'))).toHaveLength(
          cdnFetches,
        );
        expect(uploadsToScenario()).toBe(uploads);
        expect(h.scenario.generateCalls()).toHaveLength(calls);
        expect(await spentOrHeld(mod)).toBe(credits);
      },
    );
  });

  it('refuses a decompression-bomb PNG by its dimensions, uploads nothing, and keeps serving', async () => {
    await idle();
    const { mod } = h.discord.ids;
    const bomb = makePngBomb({ width: 30_000, height: 30_000 });
    expect(bomb.length).toBeLessThan(16 * 1024);
    const calls = h.scenario.generateCalls().length;
    const uploads = uploadsToScenario();
    const assets = h.scenario.assets.size;
    const credits = await quota(mod);
    const handle = h.discord.invokeSlashCommand({
      user: mod,
      name: 'to3d',
      attachments: { image: { filename: 'tiny.png', contentType: 'image/png', data: bomb } },
    });
    const answer = await ephemeralTo(mod, handle);
    expect(answer.content).toContain('`image`');
    expect(answer.content).toContain('30000×30000');
    expect(answer.content).toContain('megapixels');
    // The deferred public reply was removed: only the refusal remains.
    expect(byInteraction(handle)).toEqual([answer]);
    expect(uploadsToScenario()).toBe(uploads);
    expect(h.scenario.assets.size).toBe(assets);
    expect(h.scenario.generateCalls()).toHaveLength(calls);
    const after = await quota(mod);
    expect({ spent: after.spent, reserved: after.reserved }).toEqual({
      spent: credits.spent,
      reserved: credits.reserved,
    });
    expect(h.bot.tracker.pendingCount()).toBe(0);

    const normal = h.discord.invokeSlashCommand({ user: mod, name: 'to3d', attachments: { image: png() } });
    const done = await finished(normal, 'an ordinary 3D result');
    expect(done.attachments[0]?.filename).toMatch(/\.glb$/);
  });

  it('links a 200 MB .glb with its expiry and a preview instead of downloading it, and commits the credits', async () => {
    await idle();
    const { alice } = h.discord.ids;
    const size = 200 * 1024 * 1024;
    const before = await quota(alice);
    const firstRequest = h.discord.requests.length;
    const firstWrite = h.discord.writes.length;
    let done: EmulatedMessage;
    h.scenario.faults.outputBytes = size;
    try {
      const handle = h.discord.invokeSlashCommand({
        user: alice,
        name: 'to3d',
        attachments: { image: png() },
      });
      done = await finished(handle);
    } finally {
      h.scenario.faults.outputBytes = undefined;
    }
    await idle();
    const glbId = [...h.scenario.jobs.values()].at(-1)?.assetIds[0] ?? '';
    expect(h.scenario.assets.get(glbId)?.bytes.length).toBeGreaterThanOrEqual(size);

    expect(done.content).toMatch(RESULT_TEXT);
    expect(done.content).toMatch(/`to3d-\d+-1\.glb` is 200\.0 MB, more than this server accepts/);
    expect(done.content).toContain(`](${h.scenario.origin}/files/${glbId}?Expires=`);
    expect(done.content).toMatch(/\(link expires <t:\d+:R>\)/);
    expect(done.attachments.map((attachment) => attachment.filename)).toEqual([
      expect.stringMatching(/-preview\.png$/),
    ]);
    expect(done.attachments[0]?.data.subarray(1, 4).toString()).toBe('PNG');
    // Nothing large went to Discord, and Discord never had to refuse an upload.
    const sentFiles = h.discord.writes
      .slice(firstWrite)
      .flatMap((write) => h.discord.messages.get(write.messageId)?.attachments ?? []);
    expect(sentFiles.every((file) => file.size < 1024 * 1024)).toBe(true);
    expect(h.discord.requests.slice(firstRequest).filter((request) => request.status === 413)).toHaveLength(
      0,
    );
    // The bot reads at most its 10 MiB cap plus what sits in socket buffers (here: none of it, as Scenario
    // declared the size), never the 200 MB.
    const glbBytesServed = h.scenario.downloads
      .filter((download) => download.assetId === glbId)
      .reduce((sum, download) => sum + download.bytesSent, 0);
    expect(glbBytesServed).toBeLessThan(12 * 1024 * 1024);

    const after = await quota(alice);
    expect(after.reserved).toBe(before.reserved);
    expect(after.spent - before.spent).toBe(5);
    await provesStillServing(alice);
  });
});

/** Who a message body pings, by Discord's allowed_mentions rules (absent = parse every mention). */
function pingedBy(write: MessageWrite): { everyone: boolean; roles: string[]; users: string[] } {
  const allowed = write.allowedMentions as
    | { parse?: string[]; roles?: string[]; users?: string[] }
    | undefined;
  const parse = allowed ? (allowed.parse ?? []) : ['everyone', 'roles', 'users'];
  const mentionedRoles = [...write.content.matchAll(/<@&(\d+)>/g)].map((match) => match[1] ?? '');
  const mentionedUsers = [...write.content.matchAll(/<@!?(\d+)>/g)].map((match) => match[1] ?? '');
  return {
    everyone: parse.includes('everyone') && /@(everyone|here)/.test(write.content),
    roles: parse.includes('roles')
      ? mentionedRoles
      : mentionedRoles.filter((role) => (allowed?.roles ?? []).includes(role)),
    users: parse.includes('users')
      ? mentionedUsers
      : mentionedUsers.filter((user) => (allowed?.users ?? []).includes(user)),
  };
}
