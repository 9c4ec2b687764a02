import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DiscordEmulator, startDiscordEmulator } from '../support/discord/emulator.js';
import { freePort } from '../support/free-port.js';
import { OUTCOME_TEXT, RESULT_TEXT } from '../support/harness.js';
import { makePng } from '../support/media.js';
import { type ScenarioEmulator, startScenarioEmulator } from '../support/scenario/emulator.js';

/**
 * The image's layout without Docker (no container engine runs here and base images cannot be pulled): the
 * Dockerfile's steps reproduced in a temporary folder — `dist/` compiled by tsc, the repository's
 * node_modules pruned with `npm prune --omit=dev` (offline) — then `node dist/main.js` run there as the
 * image's CMD runs it, against the local emulators.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const packageJson = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const DEV_ONLY = ['vitest', 'typescript', '@biomejs/biome', 'dockerfile-utils'];
const KEY = 'k-layout';
const SECRET = 's-layout';

/** Runs a command to its end; its output is returned for failure messages. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += String(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('the production layout (dist/ + node_modules pruned of dev dependencies)', () => {
  let dir: string;
  let discord: DiscordEmulator | undefined;
  let scenario: ScenarioEmulator | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  let healthPort: number;
  const output: string[] = [];
  const tail = () => `bot output:\n${output.join('').slice(-4_000)}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bot-layout-'));
    // Build stage: `npm run build` (into the temporary folder, so the repository's dist/ is left alone).
    const build = await run(
      process.execPath,
      [
        join(repo, 'node_modules/typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        join(dir, 'dist'),
      ],
      { cwd: repo },
    );
    expect(build.code, build.output).toBe(0);
    // `npm ci` then `npm prune --omit=dev`: a copy of the installed tree (real files, not hard links: npm
    // rewrites node_modules/.package-lock.json in place), pruned offline; no test may reach the network.
    for (const file of ['package.json', 'package-lock.json', '.npmrc'])
      cpSync(join(repo, file), join(dir, file));
    const copy = await run('cp', ['-a', join(repo, 'node_modules'), join(dir, 'node_modules')], {
      cwd: repo,
    });
    expect(copy.code, copy.output).toBe(0);
    // npm's own variables (set when this runs under `npm test`) must not change what the prune does.
    const npmEnv = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
    );
    const prune = await run(
      'npm',
      ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--no-update-notifier'],
      { cwd: dir, env: npmEnv },
    );
    expect(prune.code, prune.output).toBe(0);
    mkdirSync(join(dir, 'data')); // the image's `mkdir -p /app/data` (its VOLUME)

    discord = await startDiscordEmulator();
    scenario = await startScenarioEmulator({ apiKey: KEY, apiSecret: SECRET, jobDurationMs: 1_500 });
    healthPort = await freePort();
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await discord?.close().catch(() => undefined);
    await scenario?.close().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('keeps every runtime dependency and none of the dev-only ones', () => {
    for (const name of Object.keys(packageJson.dependencies)) {
      expect(existsSync(join(dir, 'node_modules', name, 'package.json')), name).toBe(true);
    }
    for (const name of DEV_ONLY) {
      expect(existsSync(join(dir, 'node_modules', name)), name).toBe(false);
      expect(existsSync(join(repo, 'node_modules', name)), `${name} in the repository`).toBe(true);
    }
    expect(existsSync(join(dir, 'dist/main.js'))).toBe(true);
  });

  it('starts with `node dist/main.js` and answers GET /healthz 200 once ready', async () => {
    if (!discord || !scenario) throw new Error('emulators not started');
    // Only what the image sets plus the deployment's variables: nothing inherited from this test process.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HEALTH_PORT: String(healthPort),
      STORE_URL: `sqlite://${join(dir, 'data/bot.sqlite')}`,
      DISCORD_TOKEN: discord.token,
      DISCORD_GUILD_IDS: discord.guildId,
      SCENARIO_SDK_API_KEY: KEY,
      SCENARIO_SDK_API_SECRET: SECRET,
      DISCORD_API_URL: discord.apiUrl,
      SCENARIO_API_URL: scenario.url,
      LOG_LEVEL: 'info',
    };
    const started = spawn(process.execPath, ['dist/main.js'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    started.stdout.on('data', (chunk) => output.push(String(chunk)));
    started.stderr.on('data', (chunk) => output.push(String(chunk)));
    exited = new Promise((resolve) => started.once('exit', (code, signal) => resolve({ code, signal })));

    const deadline = Date.now() + 30_000;
    let answer: { status: number; body: unknown } | undefined;
    while (Date.now() < deadline && started.exitCode === null) {
      try {
        const response = await fetch(`http://127.0.0.1:${healthPort}/healthz`, {
          signal: AbortSignal.timeout(2_000),
        });
        answer = { status: response.status, body: await response.json() };
        if (response.status === 200) break;
      } catch {
        // not listening yet: the endpoint opens once the gateway is connected and commands are registered
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(answer?.status, tail()).toBe(200);
    expect(answer?.body).toEqual({ gateway: 'ready', store: 'ok' });
  }, 45_000);

  it('registered the commands in the guild', () => {
    expect(child?.exitCode, tail()).toBeNull();
    const names = discord?.registeredCommands().map((command) => command.name);
    expect(names).toEqual(expect.arrayContaining(['skybox', 'to3d', 'image', 'generate', 'quota']));
  });

  it('delivers a /skybox gpt result as a file', async () => {
    if (!discord || !scenario) throw new Error('emulators not started');
    expect(child?.exitCode, tail()).toBeNull(); // fail now rather than after the wait when the bot died
    const emulator = discord;
    const handle = emulator.invokeSlashCommand({
      user: emulator.ids.alice,
      name: 'skybox',
      subcommand: 'gpt',
      options: { prompt: 'a harbour at dawn' },
    });
    const done = await emulator
      .waitFor(
        () => {
          const message = emulator.outcomeOf(handle);
          return message && message.attachments.length > 0 ? message : undefined;
        },
        20_000,
        'the skybox result',
      )
      .catch((error: Error) => {
        throw new Error(`${error.message}\n${tail()}`);
      });
    expect(done.content).toMatch(RESULT_TEXT);
    expect(done.attachments).toHaveLength(1);
    expect(done.attachments[0]?.filename).toMatch(/\.png$/);
    expect(done.attachments[0]?.data.subarray(1, 4).toString()).toBe('PNG');
    expect(scenario.generateCalls()[0]?.path).toBe('/v1/generate/custom/model_scenario-skybox-gpt');
  }, 30_000);

  it('reads a /to3d model in its worker thread from dist/: the facts line and a rendered preview', async () => {
    if (!discord || !scenario) throw new Error('emulators not started');
    const emulator = discord;
    scenario.faults.omit3dThumbnails = true;
    const handle = emulator.invokeSlashCommand({
      user: emulator.ids.alice,
      name: 'to3d',
      options: {},
      attachments: {
        image: { filename: 'in.png', contentType: 'image/png', data: makePng({ width: 32, height: 32 }) },
      },
    });
    const done = await emulator
      .waitFor(
        () => {
          const message = emulator.outcomeOf(handle);
          return message && OUTCOME_TEXT.test(message.content) ? message : undefined;
        },
        30_000,
        'the 3D result',
      )
      .catch((error: Error) => {
        throw new Error(`${error.message}\n${tail()}`);
      });
    scenario.faults.omit3dThumbnails = false;
    expect(done.content, tail()).toContain('🧊 4,096 triangles');
    expect(done.attachments.map((file) => file.filename)).toEqual([
      expect.stringMatching(/\.glb$/),
      expect.stringMatching(/-preview\.png$/),
    ]);
  }, 40_000);

  it('exits with code 0 within 5 s of SIGTERM, its SQLite file in the data folder', async () => {
    if (!child || !exited) throw new Error('the bot was not started');
    expect(child.exitCode, tail()).toBeNull(); // still running before the signal
    const sent = Date.now();
    child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
    const result = await Promise.race([exited, timeout]);
    expect(result, tail()).toEqual({ code: 0, signal: null });
    expect(Date.now() - sent).toBeLessThan(5_000);
    expect(output.join('')).toContain('SIGTERM received');
    expect(existsSync(join(dir, 'data/bot.sqlite'))).toBe(true);
  }, 15_000);
});
