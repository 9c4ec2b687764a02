import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type RunningBot, type StartOptions, startBot } from '../../src/index.js';
import { type DiscordEmulator, startDiscordEmulator } from './discord/emulator.js';
import {
  type ScenarioEmulator,
  type ScenarioEmulatorOptions,
  startScenarioEmulator,
} from './scenario/emulator.js';

export const SCENARIO_KEY = 'e2e-scenario-key-0123';
export const SCENARIO_SECRET = 'e2e-scenario-secret-4567';

export interface Harness {
  discord: DiscordEmulator;
  scenario: ScenarioEmulator;
  bot: RunningBot;
  env: NodeJS.ProcessEnv;
  /** What the bot was started with besides its environment (the same after a restart). */
  startOptions: StartOptions;
  logs: string[];
  restart(): Promise<void>;
  /** Closes everything, then fails if a secret appeared in a log line or in anything sent to Discord. */
  close(): Promise<void>;
}

/**
 * The real bot (its composition root, the same config path as production) against both emulators, with
 * its store on a temporary SQLite file and every log line captured.
 */
export async function startHarness(
  input: {
    env?: Record<string, string>;
    scenario?: ScenarioEmulatorOptions;
    /** Start options for the bot (short leases, delays), kept across restarts; logs are always captured. */
    bot?: Omit<StartOptions, 'logDestination'>;
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'bot-e2e-'));
  const discord = await startDiscordEmulator();
  const scenario = await startScenarioEmulator({
    apiKey: SCENARIO_KEY,
    apiSecret: SCENARIO_SECRET,
    jobDurationMs: 1_500,
    ...input.scenario,
  });
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const env: NodeJS.ProcessEnv = {
    DISCORD_TOKEN: discord.token,
    DISCORD_GUILD_IDS: discord.guildId,
    SCENARIO_SDK_API_KEY: SCENARIO_KEY,
    SCENARIO_SDK_API_SECRET: SCENARIO_SECRET,
    STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
    DISCORD_API_URL: discord.apiUrl,
    SCENARIO_API_URL: scenario.url,
    LOG_LEVEL: 'debug',
    PROGRESS_EDIT_INTERVAL_MS: '300',
    CUBEMAP_CACHE_DIR: join(dir, 'cubemaps'),
    ...input.env,
  };
  const startOptions: StartOptions = { ...input.bot, logDestination };
  const harness: Harness = {
    discord,
    scenario,
    bot: await startBot(env, startOptions),
    env,
    startOptions,
    logs,
    async restart() {
      await harness.bot.close();
      harness.bot = await startBot(env, startOptions);
    },
    async close() {
      await harness.bot.close();
      // Every e2e file that uses the harness ends by proving no secret reached a log line or Discord.
      const leaked = leakedSecrets(harness);
      await discord.close();
      await scenario.close();
      rmSync(dir, { recursive: true, force: true });
      if (leaked.length > 0) throw new Error(`secrets leaked into logs or Discord: ${leaked.join(', ')}`);
    },
  };
  return harness;
}

/**
 * Which secrets (named, never shown) appear in the captured log lines or in any body the bot sent to
 * Discord (every create and edit, deleted messages included, with embeds and file names).
 */
export function leakedSecrets(h: Pick<Harness, 'discord' | 'logs'>): string[] {
  const sent = [...h.discord.messages.values()].map(
    (message) =>
      `${JSON.stringify(message.embeds)} ${message.attachments.map((file) => file.filename).join(' ')}`,
  );
  const everything = [...h.logs, ...h.discord.writes.map((write) => write.content), ...sent].join('\n');
  const secrets: [string, string][] = [
    ['the Discord token', h.discord.token],
    ['the Scenario key', SCENARIO_KEY],
    ['the Scenario secret', SCENARIO_SECRET],
    ['the Scenario Basic header', Buffer.from(`${SCENARIO_KEY}:${SCENARIO_SECRET}`).toString('base64')],
    ...h.discord.interactionTokens().map((token): [string, string] => ['an interaction token', token]),
  ];
  return [...new Set(secrets.filter(([, value]) => everything.includes(value)).map(([name]) => name))];
}

/** The first message with text that the bot posted for one interaction (a reply, a refusal, a result). */
export function answerTo(h: Pick<Harness, 'discord'>, handle: { id: string }, timeoutMs = 15_000) {
  return h.discord.waitFor(
    () =>
      [...h.discord.messages.values()].find(
        (message) => message.interactionId === handle.id && message.content.length > 0,
      ),
    timeoutMs,
    'an answer',
  );
}

/** The result once posted with its files: a new message replying to the interaction's reply. */
export function deliveredFor(h: Pick<Harness, 'discord'>, handle: { token: string }, timeoutMs = 20_000) {
  return h.discord.waitFor(
    () => {
      const message = h.discord.outcomeOf(handle);
      return message && message.attachments.length > 0 ? message : undefined;
    },
    timeoutMs,
    'the delivered result',
  );
}

/** How a command's job ended (a result, a failure, a stuck notice): the bot's reply to its first message. */
export function outcomeFor(h: Pick<Harness, 'discord'>, handle: { token: string }, timeoutMs = 20_000) {
  return h.discord.waitFor(() => h.discord.outcomeOf(handle), timeoutMs, 'the job’s outcome');
}

/**
 * The bot's own 🔄 on a result: it comes once the generation is recorded, so from then on the result can
 * be acted on (rerolled, deleted) by reaction or button.
 */
export function resultActionable(
  h: Pick<Harness, 'discord'>,
  result: { reactions: Map<string, Set<string>> },
) {
  return h.discord.waitFor(() => result.reactions.get('🔄')?.has(h.discord.botUserId), 5_000, 'the bot’s 🔄');
}

/** What a slash command invocation carries (the emulator's input). */
export type Invocation = Parameters<Harness['discord']['invokeSlashCommand']>[0];

/** `/skybox gpt prompt:…` by one member: the command most e2e tests run. */
export const skyboxGpt = (user: string, prompt: string): Invocation => ({
  user,
  name: 'skybox',
  subcommand: 'gpt',
  options: { prompt },
});

/** A posted result's text: its small line ends with the cost (`-# **Skybox GPT** · … · 1 credit (…)`). */
export const RESULT_TEXT = /^-# .*\b\d+ credits?\b/m;
/** Any outcome's text: a result, a failure (`❌ **…** failed.`) or a job the bot stopped waiting for. */
export const OUTCOME_TEXT = /^-# .*\b\d+ credits?\b|\*\* failed\. |still not finished/m;

/**
 * A reroll's outcome: a reroll posts its message as a reply to the result it rerolls, and its outcome as a
 * reply to that message (undefined until then).
 */
export function rerollOutcomeOf(h: Pick<Harness, 'discord'>, parentId: string) {
  const bot = h.discord.botUserId;
  const all = [...h.discord.messages.values()].filter(
    (message) => message.authorId === bot && !message.visibleTo,
  );
  const placeholders = new Set(
    all.filter((message) => message.replyTo === parentId).map((message) => message.id),
  );
  return all.find((message) => message.replyTo !== undefined && placeholders.has(message.replyTo));
}
