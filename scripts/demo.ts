/**
 * `npm run demo`: the whole flow with no credentials, against the LOCAL Discord and Scenario emulators
 * (test/support). Prints the conversation as a Discord user would read it and writes the result files to
 * ./demo-output.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { unzipSync } from 'fflate';
import { cubemapButtonId } from '../src/discord/cubemap-controls.js';
import { startBot } from '../src/index.js';
import { type EmulatedMessage, startDiscordEmulator } from '../test/support/discord/emulator.js';
import { makePng } from '../test/support/media.js';
import { startScenarioEmulator } from '../test/support/scenario/emulator.js';

const outputDir = resolve('demo-output');
rmSync(outputDir, { recursive: true, force: true });
mkdirSync(outputDir, { recursive: true });
const storeDir = mkdtempSync(join(tmpdir(), 'bot-demo-'));
const started = Date.now();
const at = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;
const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `        │ ${line}`)
    .join('\n');

console.log(
  '══ Demo: the bot against LOCAL emulators of Discord and Scenario (no network, no credentials) ══\n',
);
const discord = await startDiscordEmulator();
const scenario = await startScenarioEmulator({
  apiKey: 'demo-key',
  apiSecret: 'demo-secret',
  jobDurationMs: 3_000,
  // Large enough that the skybox and its cubemap faces (W/4 = 256 px) can be judged by eye.
  outputImageSize: { width: 1024, height: 512 },
});
const bot = await startBot(
  {
    DISCORD_TOKEN: discord.token,
    DISCORD_GUILD_IDS: discord.guildId,
    SCENARIO_SDK_API_KEY: 'demo-key',
    SCENARIO_SDK_API_SECRET: 'demo-secret',
    STORE_URL: `sqlite://${join(storeDir, 'bot.sqlite')}`,
    DISCORD_API_URL: discord.apiUrl,
    SCENARIO_API_URL: scenario.url,
    PROGRESS_EDIT_INTERVAL_MS: '800',
    LOG_LEVEL: 'silent',
    CUBEMAP_CACHE_DIR: join(storeDir, 'cubemaps'),
  },
  { logDestination: new Writable({ write: (_chunk, _encoding, callback) => callback() }) },
);
const names: Record<string, string> = {
  [discord.ids.alice]: 'alice',
  [discord.ids.bob]: 'bob',
  [discord.ids.mod]: 'mod',
  [discord.botUserId]: 'Scenario Bot',
};
const readable = (text: string) =>
  text
    .replace(/<@(\d+)>/g, (_match, id: string) => `@${names[id] ?? id}`)
    .replace(
      /<t:(\d+):R>/g,
      (_match, unix: string) => `in ${Math.round((Number(unix) * 1000 - Date.now()) / 3_600_000)} h`,
    );
console.log(
  `${at()} Scenario Bot is online; ${discord.registeredCommands().length} commands registered in "Test Guild".\n`,
);

let saved = 0;
function saveFiles(message: EmulatedMessage): string[] {
  return message.attachments.map((attachment) => {
    saved += 1;
    const path = join(outputDir, `${String(saved).padStart(2, '0')}-${attachment.filename}`);
    writeFileSync(path, attachment.data);
    return `📎 ${attachment.filename} (${attachment.size} bytes) → ${path}`;
  });
}

/** Prints each state a message goes through until it shows a final result. */
async function follow(find: () => EmulatedMessage | undefined): Promise<EmulatedMessage> {
  let last = '';
  for (let i = 0; i < 600; i += 1) {
    const message = find();
    if (message) {
      const shown = message.flags & 128 ? '(Scenario Bot is thinking…)' : message.content;
      if (shown !== last) {
        const whoSees = message.visibleTo ? ` (only ${names[message.visibleTo]} can see this)` : '';
        console.log(`${at()} Scenario Bot${whoSees}${last ? ' (edited)' : ''}:\n${indent(readable(shown))}`);
        last = shown;
      }
      // A result's small line ends with its cost; a failure says "failed."; a refusal is private.
      if (message.visibleTo || /^-# .*\b\d+ credits?\b|\*\* failed\. /m.test(message.content)) {
        for (const line of saveFiles(message)) console.log(indent(line));
        console.log('');
        return message;
      }
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error('the demo step did not finish');
}

function say(user: string, text: string) {
  console.log(`${at()} ${names[user]} ${text}`);
}

/** Bob clicks a conversion button under a 3D result: the file is posted as a reply, he is told privately. */
async function convertModel(result: EmulatedMessage, label: string) {
  await discord.waitFor(() => result.reactions.get('🔄')?.has(discord.botUserId), 5_000);
  const buttons = (result.components as { components: { custom_id: string; label: string }[] }[]).flatMap(
    (row) => row.components,
  );
  const button = buttons.find((candidate) => candidate.label === label);
  if (!button) throw new Error(`no ${label} button`);
  say(discord.ids.bob, `clicked ${label} under the 3D model`);
  const click = discord.clickButton({
    user: discord.ids.bob,
    messageId: result.id,
    customId: button.custom_id,
  });
  const reply = await discord.waitFor(
    () =>
      discord
        .channelHistory()
        .find((message) => message.replyTo === result.id && message.attachments.length > 0),
    20_000,
  );
  console.log(`${at()} Scenario Bot (a reply to the model):\n${indent(readable(reply.content))}`);
  for (const line of saveFiles(reply)) console.log(indent(line));
  const answer = await discord.waitFor(() =>
    [...discord.messages.values()].find(
      (message) => message.interactionId === click.id && /^Done|already/.test(message.content),
    ),
  );
  console.log(`${at()} Scenario Bot (only bob can see this):\n${indent(readable(answer.content))}\n`);
}

// 1. A skybox with a reference image.
say(
  discord.ids.alice,
  'used /skybox gpt prompt:"a mountain pass at dusk" quality:low reference_image:[moodboard.png]',
);
const skybox = discord.invokeSlashCommand({
  user: discord.ids.alice,
  name: 'skybox',
  subcommand: 'gpt',
  options: { prompt: 'a mountain pass at dusk', quality: 'low' },
  attachments: {
    reference_image: {
      filename: 'moodboard.png',
      contentType: 'image/png',
      data: makePng({ width: 256, height: 128 }),
    },
  },
});
const skyboxResult = await follow(() => discord.outcomeOf(skybox) ?? discord.originalMessage(skybox));

// 2. A 3D model from an image. Scenario sends no picture of this one, so the bot renders its own preview
// (the `-preview.png` in demo-output/); the result's facts line gives its triangle count.
scenario.faults.omit3dThumbnails = true;
say(discord.ids.alice, 'used /to3d image:[sketch.png] resolution:2048');
const model = discord.invokeSlashCommand({
  user: discord.ids.alice,
  name: 'to3d',
  options: { resolution: 2048 },
  attachments: {
    image: { filename: 'sketch.png', contentType: 'image/png', data: makePng({ width: 128, height: 128 }) },
  },
});
const modelResult = await follow(() => discord.outcomeOf(model) ?? discord.originalMessage(model));
scenario.faults.omit3dThumbnails = false;
await convertModel(modelResult, 'FBX');

// 3. A reroll by reaction.
await discord.waitFor(() => skyboxResult.reactions.get('🔄')?.has(discord.botUserId), 5_000);
say(discord.ids.bob, 'reacted 🔄 to the skybox');
discord.addReaction({ user: discord.ids.bob, messageId: skyboxResult.id, emoji: '🔄' });
await follow(() => {
  // The reroll posts a message replying to the result, then its outcome replying to that message.
  const placeholder = discord.channelHistory().find((message) => message.replyTo === skyboxResult.id);
  return (
    placeholder &&
    (discord.channelHistory().find((message) => message.replyTo === placeholder.id) ?? placeholder)
  );
});

// 3b. The skybox as six cube faces, for engines that want a cubemap.
say(discord.ids.alice, 'clicked Cubemap under the skybox');
const generation = await bot.deps.generationLog.byMessage(skyboxResult.id);
const cubemapClick = discord.clickButton({
  user: discord.ids.alice,
  messageId: skyboxResult.id,
  customId: cubemapButtonId(generation?.id ?? ''),
});
// The private answer while it works, then the reply everyone in the channel sees.
await follow(() =>
  [...discord.messages.values()].find(
    (message) => message.interactionId === cubemapClick.id && message.content.length > 0,
  ),
);
const cubemapReply = await discord.waitFor(
  () =>
    discord
      .channelHistory()
      .find(
        (message) =>
          message.replyTo === skyboxResult.id &&
          message.attachments.some((file) => file.filename.endsWith('-cubemap.zip')),
      ),
  30_000,
);
console.log(`${at()} Scenario Bot (a reply to the skybox):\n${indent(readable(cubemapReply.content))}`);
for (const line of saveFiles(cubemapReply)) console.log(indent(line));
const facesDir = join(outputDir, 'cubemap');
mkdirSync(facesDir, { recursive: true });
for (const [name, bytes] of Object.entries(
  unzipSync(new Uint8Array(cubemapReply.attachments[0]?.data ?? [])),
)) {
  writeFileSync(join(facesDir, name), bytes);
  console.log(indent(`🧊 ${name} (${bytes.length} bytes) → ${join(facesDir, name)}`));
}
console.log('');

// 4. A quota refusal.
say(discord.ids.mod, `used /quota set user:@bob limit:1`);
const setLimit = discord.invokeSlashCommand({
  user: discord.ids.mod,
  name: 'quota',
  subcommand: 'set',
  options: { user: discord.ids.bob, limit: 1 },
});
await follow(() => discord.originalMessage(setLimit));
say(discord.ids.bob, 'used /skybox flux prompt:"a neon city" style:cyberpunk');
const refused = discord.invokeSlashCommand({
  user: discord.ids.bob,
  name: 'skybox',
  subcommand: 'flux',
  options: { prompt: 'a neon city', style: 'cyberpunk' },
});
await follow(() =>
  [...discord.messages.values()].find(
    (message) => message.interactionId === refused.id && message.visibleTo && message.content,
  ),
);

// 5. A moderator raises the quota; the request now goes through.
say(discord.ids.mod, 'used /quota grant user:@bob amount:5');
const grant = discord.invokeSlashCommand({
  user: discord.ids.mod,
  name: 'quota',
  subcommand: 'grant',
  options: { user: discord.ids.bob, amount: 5 },
});
await follow(() => discord.originalMessage(grant));
say(discord.ids.bob, 'used /skybox flux prompt:"a neon city" style:cyberpunk');
const retry = discord.invokeSlashCommand({
  user: discord.ids.bob,
  name: 'skybox',
  subcommand: 'flux',
  options: { prompt: 'a neon city', style: 'cyberpunk' },
});
await follow(() => discord.outcomeOf(retry) ?? discord.originalMessage(retry));

const api = scenario.requests.filter((entry) => entry.api);
const rateLimited = api.filter((entry) => entry.status === 429).length;
console.log(
  `══ Done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${api.length} Scenario API requests (peak ${scenario.requestsPerMinutePeak()} in any minute, ${rateLimited} answered 429), ${saved} files written to ${outputDir} ══`,
);
await bot.close();
await discord.close();
await scenario.close();
rmSync(storeDir, { recursive: true, force: true });
