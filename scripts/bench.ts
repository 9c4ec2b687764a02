/**
 * `npm run bench`: the bot against the naive polling loop of Scenario's unified-endpoint guide (submit, then
 * GET /jobs/{id} every 3 s per job), on the same workload, against the Scenario emulator with its rate limit
 * on. Time is scaled (default ×20: a Scenario "minute" lasts 3 s, jobs last 1/20 of their real duration) so
 * that the run takes minutes, not hours; requests per minute are counted in scaled minutes.
 *
 * Flags: --n 200  --scale 20  --duration 30000-90000 (job duration range in unscaled ms)  --mix skybox,image,3d
 *        --sizes 10,100,1000 (the growth table; empty to skip)
 *        --parts compare,lone,sizes (which parts run: the bot against the naive loop, the lone member, the table)
 *        --pace: the bot with SCENARIO_PACE_SUBMISSIONS=true
 *        --no-reserve: the bot with SCENARIO_RESERVE_FOR_RESULTS=false
 *        The size table's bot runs in its own process as production runs it: the compiled code (built
 *        first) with plain node and `npm run start:prod`'s node options (scripts/production-node-flags.ts).
 *        --tsx: that process runs the TypeScript under tsx instead (`npm start`, and this bench before 2026-11-30)
 *        --node-flags '…': that process's node options instead of production's; '' for node's defaults
 *        --memory: instead, the bot's peak RSS while it delivers large results (scripts/bench-memory.ts);
 *                  --jobs 8  --outputs 4  --file-mb 60
 *        --instances 2: instead, that many bot instances on one Redis and one Scenario key: their total peak
 *                  requests per minute and 429s (scripts/bench-instances.ts); with --n, --scale, --duration
 *        --cubemap: instead, a Cubemap click's conversion time and peak memory (scripts/bench-cubemap.ts);
 *                  --runs 3
 *        --preview: instead, a 3D model's facts and rendered preview: time and peak memory
 *                   (scripts/bench-preview.ts); --triangles 100000  --runs 3  --big-mb 60
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { startBot } from '../src/index.js';
import { startDiscordEmulator } from '../test/support/discord/emulator.js';
import { startScenarioEmulator } from '../test/support/scenario/emulator.js';
import { runCubemapBench } from './bench-cubemap.js';
import { runInstancesBench } from './bench-instances.js';
import { runMemoryBench } from './bench-memory.js';
import { runPreviewBench } from './bench-preview.js';
import { productionNodeFlags } from './production-node-flags.js';

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    scale: { type: 'string', default: '20' },
    duration: { type: 'string', default: '30000-90000' },
    mix: { type: 'string', default: 'skybox,image,3d' },
    sizes: { type: 'string', default: '10,100,1000' },
    memory: { type: 'boolean', default: false },
    jobs: { type: 'string', default: '8' },
    outputs: { type: 'string', default: '4' },
    'file-mb': { type: 'string', default: '60' },
    instances: { type: 'string', default: '1' },
    cubemap: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    preview: { type: 'boolean', default: false },
    triangles: { type: 'string', default: '100000' },
    'big-mb': { type: 'string', default: '60' },
    parts: { type: 'string', default: 'compare,lone,sizes' },
    pace: { type: 'boolean', default: false },
    'no-reserve': { type: 'boolean', default: false },
    tsx: { type: 'boolean', default: false },
    'node-flags': { type: 'string' },
  },
});
if (flags.preview) {
  await runPreviewBench({
    triangles: Number(flags.triangles),
    runs: Number(flags.runs),
    bigMb: Number(flags['big-mb']),
  });
  process.exit(0);
}
if (flags.cubemap) {
  await runCubemapBench({ runs: Number(flags.runs) });
  process.exit(0);
}
if (flags.memory) {
  await runMemoryBench({
    jobs: Number(flags.jobs),
    outputsPerJob: Number(flags.outputs),
    fileMb: Number(flags['file-mb']),
  });
  process.exit(0);
}
const N = Number(flags.n);
const SCALE = Number(flags.scale);
const [minDuration, maxDuration] = (flags.duration ?? '30000-90000').split('-').map(Number) as [
  number,
  number,
];
const MIX = (flags.mix ?? '').split(',').filter(Boolean);
const BOT_NODE_FLAGS = flags['node-flags']?.split(/\s+/).filter(Boolean) ?? productionNodeFlags();
const MINUTE = 60_000 / SCALE;
const BUDGET = 90;

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Deterministic job durations spread over the range (unscaled ms). */
function unscaledDurationFor(index: number): number {
  const spread = ((index * 7919) % 1000) / 1000;
  return minDuration + spread * (maxDuration - minDuration);
}

/** The i-th job's duration, divided by the time scale. */
function durationFor(index: number): number {
  return unscaledDurationFor(index) / SCALE;
}

if (Number(flags.instances) > 1) {
  await runInstancesBench({
    instances: Number(flags.instances),
    n: N,
    scale: SCALE,
    budget: BUDGET,
    durationFor: unscaledDurationFor,
  });
  process.exit(0);
}

function commandFor(index: number): { name: string; subcommand?: string; options: Record<string, string> } {
  const kind = MIX[index % MIX.length];
  if (kind === 'image') return { name: 'image', options: { prompt: `bench ${index}` } };
  if (kind === '3d')
    return { name: 'generate', options: { model: 'model_meshy-txt23d', prompt: `bench ${index}` } };
  return { name: 'skybox', subcommand: 'gpt', options: { prompt: `bench ${index}`, quality: 'low' } };
}

/** The Scenario emulator with its limit on, in scaled time; the i-th job gets the i-th duration in both runs. */
function startBenchScenario() {
  let submitted = 0;
  return startScenarioEmulator({
    apiKey: 'bench-key',
    apiSecret: 'bench-secret',
    rateLimitPerMinute: 100,
    rateWindowMs: MINUTE,
    jobDurationMs: () => durationFor(submitted++),
  });
}

interface BotRun {
  requests: number;
  peakPerMinute: number;
  rateLimited: number;
  lags: number[];
  /** Command → result visible, per job (scaled ms). */
  endToEnd: number[];
  acks: number[];
  editsPerJob: number;
  peakRssMb: number;
  loopDelayP99Ms: number;
  delivered: number;
  /** Commands Discord would have expired (no callback within 3 s). */
  missedAcks: number;
  wallMs: number;
  /** The lone member's job (see `lone`): command → result visible, and its duration on Scenario (scaled ms). */
  lone?: { endToEndMs: number; durationMs: number; submittedAfterMs: number; lagMs: number };
}

interface RunShape {
  /**
   * The bot in its own process (scripts/bench-bot-process.ts): the RSS is then the bot's alone, without the
   * emulators and the bench, and the event-loop delay is not measured.
   */
  separate?: boolean;
  /** One member sends all N commands first, then another member sends one: its end-to-end time. */
  lone?: boolean;
}

/**
 * The bot's own process as production runs it: the compiled bot (`npm run build`, run here so that `dist/`
 * is never stale) and scripts/bench-bot-process.ts transpiled to plain JavaScript in a temporary folder, so
 * that the process loads neither tsx nor TypeScript. Returns the script's path.
 */
let builtScript: string | undefined;
function builtBotProcess(): string {
  if (builtScript) return builtScript;
  execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
  const source = readFileSync('scripts/bench-bot-process.ts', 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'bot-bench-process-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  builtScript = join(dir, 'bench-bot-process.mjs');
  writeFileSync(builtScript, outputText);
  return builtScript;
}

/** The bot's process: in this one (`startBot`) or its own (`separate`), with its peak RSS either way. */
async function startMeasuredBot(env: Record<string, string>, separate: boolean) {
  if (!separate) {
    const bot = await startBot(env, {
      logDestination: process.env.BENCH_LOG_LEVEL ? undefined : new Writable({ write: (_c, _e, cb) => cb() }),
      timeScale: SCALE,
    });
    let peakRss = process.memoryUsage().rss;
    const timer = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 100);
    return {
      peakRss: () => peakRss,
      close: async () => {
        clearInterval(timer);
        await bot.close();
      },
    };
  }
  const args = flags.tsx
    ? ['--import', 'tsx', 'scripts/bench-bot-process.ts', String(SCALE)]
    : [builtBotProcess(), String(SCALE), pathToFileURL(resolve('dist/index.js')).href];
  const child = spawn(process.execPath, [...BOT_NODE_FLAGS, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let peakRss = 0;
  // The bot's memory at its peak RSS: the JavaScript heap, native memory held by JavaScript objects, buffers.
  let peakLine = '';
  let firstLine = '';
  let lastLine = '';
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    for (const line of String(chunk).split('\n')) {
      const rss = Number(line.match(/^rss (\d+)/)?.[1]);
      if (Number.isFinite(rss) && rss > 0) {
        if (rss > peakRss) peakLine = line;
        firstLine ||= line;
        lastLine = line;
        peakRss = Math.max(peakRss, rss);
        resolveReady();
      }
    }
  });
  await ready;
  return {
    peakRss: () => peakRss,
    close: async () => {
      const mbOf = (line: string) => (name: string) =>
        `${(Number(line.match(new RegExp(`${name} (\\d+)`))?.[1]) / 1024 / 1024).toFixed(0)} MB`;
      const mb = mbOf(peakLine);
      const started = mbOf(firstLine);
      const cpu = (line: string) => Number(line.match(/cpu (\d+)/)?.[1]);
      process.stderr.write(
        `  bot's CPU time from start to the end: ${seconds(cpu(lastLine) - cpu(firstLine))}\n`,
      );
      process.stderr.write(
        `  bot when started RSS ${started('rss')}: JS heap ${started('heap')} of ${started('heapTotal')}; anonymous ${started('anon')}, file-backed ${started('file')}\n`,
      );
      process.stderr.write(
        `  bot at its peak RSS ${mb('rss')}: JS heap ${mb('heap')} of ${mb('heapTotal')}, external ${mb('external')} (array buffers ${mb('buffers')}); anonymous ${mb('anon')}, file-backed ${mb('file')}, ${peakLine.match(/threads (\d+)/)?.[1] ?? '?'} threads\n`,
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function runBot(n: number, shape: RunShape = {}): Promise<BotRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bot-bench-'));
  const discord = await startDiscordEmulator();
  const scenario = await startBenchScenario();
  const bot = await startMeasuredBot(
    {
      DISCORD_TOKEN: discord.token,
      DISCORD_GUILD_IDS: discord.guildId,
      SCENARIO_SDK_API_KEY: 'bench-key',
      SCENARIO_SDK_API_SECRET: 'bench-secret',
      STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
      DISCORD_API_URL: discord.apiUrl,
      SCENARIO_API_URL: scenario.url,
      SCENARIO_REQUESTS_PER_MINUTE: String(BUDGET),
      MAX_RUNNING_JOBS_PER_USER: '100000',
      QUOTA_DEFAULT_LIMIT: '1000000',
      PROGRESS_EDIT_INTERVAL_MS: String(Math.max(250, 4_000 / SCALE)),
      SCENARIO_PACE_SUBMISSIONS: String(flags.pace),
      SCENARIO_RESERVE_FOR_RESULTS: String(!flags['no-reserve']),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    },
    shape.separate ?? false,
  );
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = Date.now();
  // A lone-member run: everything from alice, then bob's one command.
  const users = shape.lone ? [discord.ids.alice] : [discord.ids.alice, discord.ids.bob, discord.ids.mod];
  const handles = [];
  // All commands arrive within about one second, as slash commands through the Discord emulator.
  for (let i = 0; i < n; i += 1) {
    handles.push(
      discord.invokeSlashCommand({ user: users[i % users.length] ?? discord.ids.alice, ...commandFor(i) }),
    );
    if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 1000 / Math.max(1, n / 20)));
  }
  const loneHandle = shape.lone
    ? discord.invokeSlashCommand({
        user: discord.ids.bob,
        name: 'skybox',
        subcommand: 'gpt',
        options: { prompt: 'bench lone member', quality: 'low' },
      })
    : undefined;
  if (loneHandle) handles.push(loneHandle);
  n = handles.length;
  process.stderr.write(`  ${n} commands sent in ${seconds(Date.now() - started)}\n`);
  const seenAt = new Map<string, number>();
  // Four minutes at the default scale; a slower (real-time) run gets proportionally longer.
  const deadline = Date.now() + 4 * 60_000 * Math.max(1, 20 / SCALE);
  let lastReport = Date.now();
  while (seenAt.size < n && Date.now() < deadline) {
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      process.stderr.write(`  … ${seenAt.size}/${n} delivered after ${seconds(Date.now() - started)}\n`);
    }
    for (const handle of handles) {
      if (seenAt.has(handle.token)) continue;
      // The outcome is a new message replying to the command's reply.
      if (discord.outcomeOf(handle)) seenAt.set(handle.token, Date.now());
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const wallMs = Date.now() - started;
  loop.disable();
  const lags: number[] = [];
  let lone: BotRun['lone'];
  for (const job of scenario.jobs.values()) {
    const prompt = String((job.input as { prompt?: string }).prompt);
    const handle = handles.find((candidate) => discord.outcomeOf(candidate)?.content.includes(prompt));
    const seen = handle ? seenAt.get(handle.token) : undefined;
    if (seen !== undefined) lags.push(seen - (job.createdAt + job.durationMs));
    const invoked = loneHandle ? discord.interaction(loneHandle)?.createdAt : undefined;
    if (prompt === 'bench lone member' && seen !== undefined && invoked !== undefined)
      lone = {
        endToEndMs: seen - invoked,
        durationMs: job.durationMs,
        submittedAfterMs: job.createdAt - invoked,
        lagMs: seen - (job.createdAt + job.durationMs),
      };
  }
  process.stderr.write(`  ${lagPhases(scenario, seenAt, handles, discord)}\n`);
  const endToEnd = handles.flatMap((handle) => {
    const seen = seenAt.get(handle.token);
    const invoked = discord.interaction(handle)?.createdAt;
    return seen !== undefined && invoked !== undefined ? [seen - invoked] : [];
  });
  const acks = handles.flatMap((handle) => {
    const interaction = discord.interaction(handle);
    const first = interaction?.callbacks[0];
    return interaction && first ? [first.at - interaction.createdAt] : [];
  });
  const edits = handles.reduce((sum, handle) => sum + (discord.originalMessage(handle)?.edits ?? 0), 0);
  const api = scenario.requests.filter((entry) => entry.api);
  const byKind = new Map<string, number>();
  for (const entry of api) {
    const kind = `${entry.method} ${entry.path.replace(/^\/v1/, '').replace(/\/(job|asset|model)[^/]*$/, '/…')}`;
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  // Per (scaled) minute from the first request: all requests and the generate calls among them.
  const first = api[0]?.at ?? 0;
  const perMinute = (entries: typeof api) => {
    const counts: number[] = [];
    for (const entry of entries) {
      const minute = Math.floor((entry.at - first) / MINUTE);
      counts[minute] = (counts[minute] ?? 0) + 1;
    }
    return Array.from(counts, (count) => count ?? 0).join(' ');
  };
  process.stderr.write(
    `  per minute: requests ${perMinute(api)}; generate ${perMinute(api.filter((entry) => entry.path.includes('/generate/')))}\n`,
  );
  process.stderr.write(
    `  requests by kind: ${[...byKind].map(([kind, count]) => `${kind} ${count}`).join(', ')}\n`,
  );
  const result: BotRun = {
    requests: api.length,
    peakPerMinute: scenario.requestsPerMinutePeak(MINUTE),
    rateLimited: api.filter((entry) => entry.status === 429).length,
    lags,
    endToEnd,
    acks,
    editsPerJob: edits / n,
    peakRssMb: bot.peakRss() / 1024 / 1024,
    loopDelayP99Ms: shape.separate ? Number.NaN : loop.percentile(99) / 1e6,
    delivered: seenAt.size,
    missedAcks: handles.filter((handle) => {
      const interaction = discord.interaction(handle);
      const first = interaction?.callbacks[0];
      return !interaction || !first || first.at - interaction.createdAt > 3_000;
    }).length,
    wallMs,
    lone,
  };
  await bot.close();
  await discord.close();
  await scenario.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/**
 * Where a job's lag goes, read from the Scenario emulator's request log: finished → first listing after
 * it → its confirmation (GET /jobs/{id}) → the asset read holding its asset (get-bulk) → its result
 * visible on Discord. Medians, in scaled ms (× scale below).
 */
function lagPhases(
  scenario: Awaited<ReturnType<typeof startScenarioEmulator>>,
  seenAt: Map<string, number>,
  handles: Array<{ token: string }>,
  discord: Awaited<ReturnType<typeof startDiscordEmulator>>,
): string {
  const api = scenario.requests.filter((entry) => entry.api && entry.status < 400);
  const listings = api
    .filter((entry) => entry.method === 'GET' && entry.path === '/v1/jobs')
    .map((e) => e.at);
  const listingGaps = listings.slice(1).map((at, index) => (at - (listings[index] ?? at)) * SCALE);
  process.stderr.write(
    `  listings: ${listings.length}, gap between two p50 ${seconds(percentile(listingGaps, 50))}, max ${seconds(Math.max(0, ...listingGaps))} (unscaled)\n`,
  );
  const waitedBehind = new Map<string, number>();
  const phases = {
    listed: [] as number[],
    confirmed: [] as number[],
    assets: [] as number[],
    visible: [] as number[],
  };
  for (const job of scenario.jobs.values()) {
    const finishedAt = job.createdAt + job.durationMs;
    const prompt = String((job.input as { prompt?: string }).prompt);
    const handle = handles.find((candidate) =>
      discord.outcomeOf(candidate as never)?.content.includes(prompt),
    );
    const seen = handle ? seenAt.get(handle.token) : undefined;
    const listed = listings.find((at) => at >= finishedAt);
    const confirmed = api.find((e) => e.at >= finishedAt && e.path === `/v1/jobs/${job.jobId}`)?.at;
    const assets = api.find(
      (e) =>
        e.path === '/v1/assets/get-bulk' &&
        e.at >= finishedAt &&
        ((e.body as { assetIds?: string[] } | undefined)?.assetIds ?? []).some((id) =>
          job.assetIds.includes(id),
        ),
    )?.at;
    if (seen === undefined || listed === undefined || confirmed === undefined || assets === undefined)
      continue;
    // Who took Scenario's slots while this job waited for its confirmation.
    for (const entry of api)
      if (entry.at > listed && entry.at < confirmed) {
        const kind = entry.path.startsWith('/v1/generate')
          ? 'generate'
          : entry.path === '/v1/jobs'
            ? 'listing'
            : entry.path.startsWith('/v1/jobs/')
              ? 'confirm'
              : entry.path.includes('bulk')
                ? 'bulk'
                : 'other';
        waitedBehind.set(kind, (waitedBehind.get(kind) ?? 0) + 1);
      }
    phases.listed.push(listed - finishedAt);
    phases.confirmed.push(confirmed - listed);
    phases.assets.push(assets - confirmed);
    phases.visible.push(seen - assets);
  }
  const p50 = (values: number[]) => seconds(percentile(values, 50) * SCALE);
  // Results are posted one after another in one channel (discord.js sends a route's requests in turn): the
  // gap between two posts is real time, not scaled.
  const posted = handles
    .flatMap((handle) => discord.outcomeOf(handle as never)?.createdAt ?? [])
    .sort((a, b) => a - b);
  const gaps = posted.slice(1).map((at, index) => at - (posted[index] ?? at));
  // Discord's own limit (50 requests a second per bot, in real time): how close the bot came to it.
  const discordCalls = discord.requests.filter((entry) => !entry.path.includes('/interactions/'));
  const perSecond = new Map<number, number>();
  for (const entry of discordCalls)
    perSecond.set(Math.floor(entry.at / 1000), (perSecond.get(Math.floor(entry.at / 1000)) ?? 0) + 1);
  const discordKinds = new Map<string, number>();
  for (const entry of discordCalls) {
    const kind = `${entry.method} ${entry.path
      .replace(/\d{15,}/g, ':id')
      .replace(/\/webhooks\/:id\/[^/]+/, '/webhooks/:id/:token')
      .replace(/reactions\/[^/]+/, 'reactions/:emoji')}`;
    discordKinds.set(kind, (discordKinds.get(kind) ?? 0) + 1);
  }
  process.stderr.write(
    `  Discord requests: ${discordCalls.length}, peak ${Math.max(...perSecond.values())} in one second; ${[...discordKinds].map(([kind, count]) => `${kind} ${count}`).join(', ')}\n`,
  );
  process.stderr.write(
    `  result posts: gap between two p50 ${percentile(gaps, 50)} ms, p90 ${percentile(gaps, 90)} ms (real time)\n`,
  );
  process.stderr.write(
    `  while jobs waited for their confirmation, Scenario's slots went to (per job): ${[...waitedBehind].map(([kind, count]) => `${kind} ${(count / Math.max(1, phases.listed.length)).toFixed(1)}`).join(', ')}\n`,
  );
  return `lag phases p50 (unscaled, ${phases.listed.length} jobs): finished → listed ${p50(phases.listed)}, → confirmed ${p50(phases.confirmed)}, → assets read ${p50(phases.assets)}, → visible ${p50(phases.visible)}`;
}

/** The guide's loop: submit, then GET /jobs/{id} every 3 s (scaled) per job, retrying a 429 after 3 s. */
async function runNaive(n: number) {
  const scenario = await startBenchScenario();
  const headers = {
    authorization: `Basic ${Buffer.from('bench-key:bench-secret').toString('base64')}`,
    'content-type': 'application/json',
  };
  const models = {
    skybox: 'model_scenario-skybox-gpt',
    image: 'model_openai-gpt-image-2',
    '3d': 'model_meshy-txt23d',
  } as Record<string, string>;
  const interval = 3_000 / SCALE;
  const knownAt = new Map<string, number>();
  const started = Date.now();
  let lastReport = started;
  const progress = setInterval(() => {
    if (Date.now() - lastReport < 10_000) return;
    lastReport = Date.now();
    process.stderr.write(
      `  … naive loop: ${knownAt.size}/${n} known after ${seconds(Date.now() - started)}\n`,
    );
  }, 1_000);
  const commandAt = new Map<string, number>();
  await Promise.all(
    Array.from({ length: n }, async (_, index) => {
      const invokedAt = Date.now();
      const kind = MIX[index % MIX.length] ?? 'skybox';
      let jobId: string | undefined;
      while (!jobId) {
        const response = await fetch(`${scenario.url}/generate/custom/${models[kind]}`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ prompt: `bench ${index}` }),
        });
        if (response.ok) {
          jobId = ((await response.json()) as { job: { jobId: string } }).job.jobId;
          commandAt.set(jobId, invokedAt);
        } else {
          await response.arrayBuffer();
          await new Promise((resolve) => setTimeout(resolve, interval));
        }
      }
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, interval));
        const response = await fetch(`${scenario.url}/jobs/${jobId}`, { headers });
        if (!response.ok) {
          await response.arrayBuffer();
          continue;
        }
        const { job } = (await response.json()) as { job: { status: string } };
        if (job.status === 'success' || job.status === 'failure') {
          knownAt.set(jobId, Date.now());
          return;
        }
      }
    }),
  );
  clearInterval(progress);
  const lags = [...scenario.jobs.values()].map(
    (job) => (knownAt.get(job.jobId) ?? Number.NaN) - (job.createdAt + job.durationMs),
  );
  const endToEnd = [...knownAt].map(([jobId, at]) => at - (commandAt.get(jobId) ?? Number.NaN));
  const api = scenario.requests.filter((entry) => entry.api);
  const result = {
    endToEnd,
    requests: api.length,
    peakPerMinute: scenario.requestsPerMinutePeak(MINUTE),
    rateLimited: api.filter((entry) => entry.status === 429).length,
    lags,
    wallMs: Date.now() - started,
  };
  await scenario.close();
  return result;
}

console.log(
  `Benchmark: N=${N}, time scale ×${SCALE} (a Scenario minute = ${seconds(MINUTE)}), job durations ${minDuration / 1000}–${maxDuration / 1000} s unscaled, mix ${MIX.join('/')}, budget ${BUDGET}/min, emulator limit 100/min${flags.pace ? ', submissions paced' : ''}${flags['no-reserve'] ? ', no reserve for results' : ''}`,
);
console.log(
  `The bot's own process (size table): ${flags.tsx ? 'TypeScript under tsx' : 'compiled code (dist/), plain node'}, node options: ${BOT_NODE_FLAGS.join(' ') || 'none'}`,
);
console.log(`Machine: ${(await import('node:os')).cpus().length} cores, Node ${process.version}\n`);
const PARTS = new Set((flags.parts ?? '').split(','));
if (PARTS.has('compare')) {
  const bot = await runBot(N);
  const naive = await runNaive(N);
  // Lags are measured in scaled time; × scale gives the equivalent at time scale 1.
  function percentileRow(name: string, of: 'lags' | 'endToEnd', p: number): [string, string, string] {
    return [name, seconds(percentile(bot[of], p) * SCALE), seconds(percentile(naive[of], p) * SCALE)];
  }
  const rows: [string, string, string][] = [
    ['Scenario requests, total', String(bot.requests), String(naive.requests)],
    ['requests per job', (bot.requests / N).toFixed(2), (naive.requests / N).toFixed(2)],
    ['peak requests per (scaled) minute', String(bot.peakPerMinute), String(naive.peakPerMinute)],
    ['429s received', String(bot.rateLimited), String(naive.rateLimited)],
    percentileRow('delivery lag p50 (unscaled)', 'lags', 50),
    percentileRow('delivery lag p95 (unscaled)', 'lags', 95),
    percentileRow('end-to-end p50 (command → result visible, unscaled)', 'endToEnd', 50),
    percentileRow('end-to-end p95 (unscaled)', 'endToEnd', 95),
    [
      'delivery lag max (unscaled)',
      seconds(Math.max(...bot.lags) * SCALE),
      seconds(Math.max(...naive.lags) * SCALE),
    ],
    ['jobs delivered', `${bot.delivered}/${N}`, `${naive.lags.filter(Number.isFinite).length}/${N}`],
    ['wall time', seconds(bot.wallMs), seconds(naive.wallMs)],
    ['command ack p50 / p99', `${percentile(bot.acks, 50)} / ${percentile(bot.acks, 99)} ms`, '–'],
    ['commands not acknowledged within 3 s', String(bot.missedAcks), '–'],
    ['Discord edits per job', bot.editsPerJob.toFixed(2), '–'],
    ['peak RSS (bench process: bot and emulators)', `${bot.peakRssMb.toFixed(0)} MB`, '–'],
    ['event-loop delay p99', `${bot.loopDelayP99Ms.toFixed(1)} ms`, '–'],
  ];
  const width = Math.max(...rows.map((row) => row[0].length));
  console.log(`| ${'measure'.padEnd(width)} | the bot | naive loop |`);
  console.log(`|${'-'.repeat(width + 2)}|---------|------------|`);
  for (const [name, a, b] of rows) console.log(`| ${name.padEnd(width)} | ${a} | ${b} |`);
  console.log(
    `\nratios bot/naive: requests per job ${(bot.requests / naive.requests).toFixed(2)}, p50 lag ${(percentile(bot.lags, 50) / percentile(naive.lags, 50)).toFixed(2)}\n`,
  );
}

// One member's single job sent while another member has 100 queued (target: within 2 × its duration + one
// listing round).
if (PARTS.has('lone')) {
  const burst = await runBot(100, { lone: true });
  if (burst.lone)
    console.log(
      `lone member behind a 100-job burst: end-to-end ${seconds(burst.lone.endToEndMs * SCALE)} for a ${seconds(burst.lone.durationMs * SCALE)} job (unscaled; target ≤ ${seconds((2 * burst.lone.durationMs + 2_000 / SCALE) * SCALE)}): submitted ${seconds(burst.lone.submittedAfterMs * SCALE)} after the command, delivered ${seconds(burst.lone.lagMs * SCALE)} after Scenario finished it\n`,
    );
  else console.log('lone member behind a 100-job burst: not delivered\n');
}

const sizes = (flags.sizes ?? '').split(',').filter(Boolean).map(Number);
if (sizes.length > 0 && PARTS.has('sizes')) {
  // The bot runs in its own process here: its RSS is its own, apart from the emulators.
  console.log(
    '| pending jobs N | requests | per job | peak per (scaled) minute | 429s | delivered | missed acks | lag p50 (unscaled) | lag p95 (unscaled) | end-to-end p50 / p95 (unscaled) | bot RSS (own process) | wall |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const size of sizes) {
    const run = await runBot(size, { separate: true });
    console.log(
      `| ${size} | ${run.requests} | ${(run.requests / size).toFixed(2)} | ${run.peakPerMinute} | ${run.rateLimited} | ${run.delivered}/${size} | ${run.missedAcks} | ${seconds(percentile(run.lags, 50) * SCALE)} | ${seconds(percentile(run.lags, 95) * SCALE)} | ${seconds(percentile(run.endToEnd, 50) * SCALE)} / ${seconds(percentile(run.endToEnd, 95) * SCALE)} | ${run.peakRssMb.toFixed(0)} MB | ${seconds(run.wallMs)} |`,
    );
  }
}
