/**
 * Composition root: read the config, build every service, wire the Discord events, start.
 * Nothing else lives here. `startBot` is what `npm start` (through src/main.ts), the e2e tests and the
 * demo all run.
 */
import { readFileSync } from 'node:fs';
import { Events } from 'discord.js';
import type pino from 'pino';
import { bindCommands, commands } from './commands/index.js';
import { parseConfig } from './config.js';
import { createDiscordClient } from './discord/client.js';
import { createConversionButtonHandler } from './discord/conversion-buttons.js';
import { createCubemapButtonHandler } from './discord/cubemap-button.js';
import { DiscordJobMessenger } from './discord/job-messenger.js';
import { createReactionHandler } from './discord/reactions.js';
import { registerCommands } from './discord/register.js';
import { createRemixHandler } from './discord/remix.js';
import { createResultActions } from './discord/result-actions.js';
import { createResultButtonHandler } from './discord/result-buttons.js';
import { createDetailsHandler } from './discord/result-details.js';
import { createInteractionRouter } from './discord/router.js';
import { createLogger } from './logger.js';
import { modelSpecs, typicalDurationMs } from './models/index.js';
import { AttachmentService } from './services/assets/attachments.js';
import { CubemapService } from './services/assets/cubemap-service.js';
import { type Clock, systemClock } from './services/clock.js';
import { GuildSettingsService } from './services/credits/guild-settings.js';
import { createQuotaAdapter } from './services/credits/quota-adapter.js';
import { QuotaLedger } from './services/credits/quota-ledger.js';
import { startHealthServer } from './services/health.js';
import { AttemptLimiter } from './services/jobs/attempt-limiter.js';
import { BotStatus } from './services/jobs/bot-status.js';
import { Delivery } from './services/jobs/delivery.js';
import { EditAllowance } from './services/jobs/edit-allowance.js';
import { GenerationLog } from './services/jobs/generation-log.js';
import { GenerationPipeline } from './services/jobs/generation-pipeline.js';
import { JobLedger } from './services/jobs/job-ledger.js';
import { listRoundGapFor, resultsReserveFor } from './services/jobs/job-timing.js';
import { JobTracker } from './services/jobs/job-tracker.js';
import { QueueWatch } from './services/jobs/queue-watch.js';
import { ResultFiles } from './services/jobs/result-files.js';
import { JobSubmission } from './services/jobs/submission.js';
import { MemberDefaults } from './services/members/member-defaults.js';
import { ModelConversions } from './services/models3d/model-conversions.js';
import { ModelInspector } from './services/models3d/model-inspector.js';
import { createAssetBatcher } from './services/scenario/asset-batcher.js';
import { ModelCatalog } from './services/scenario/model-catalog.js';
import { createRequestBudget, scenarioWindowMs } from './services/scenario/request-budget.js';
import { loadLocalRequestWindow } from './services/scenario/request-window.js';
import { createRedisRequestWindow } from './services/scenario/request-window-redis.js';
import { createScenarioClient } from './services/scenario/scenario-client.js';
import { OnceKeys } from './services/store/once.js';
import { createStore } from './services/store/store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The version in package.json (one folder up from src/ and from dist/), for `/status`. */
function packageVersion(): string {
  try {
    const parsed = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface StartOptions {
  /** Log destination (tests capture every line); stdout by default. */
  logDestination?: pino.DestinationStream;
  clock?: Clock;
  /**
   * Runs the bot's clocks faster: the request budget's minute and the poll cadence are divided by it.
   * Only the benchmark sets it, against an emulator whose limit window is scaled the same way.
   */
  timeScale?: number;
  /** The finish lease's length (`FINISH_LEASE_MS` by default): tests shorten it to outlast it. */
  finishLeaseMs?: number;
  /** First wait before a result Discord refused is posted again (`DELIVERY_RETRY_BASE_MS` by default). */
  deliveryRetryBaseMs?: number;
}

export interface RunningBot {
  close(): Promise<void>;
  /** What tests and scripts read to check the outcome (credits, recorded generations). */
  deps: {
    quota: QuotaLedger;
    generationLog: GenerationLog;
    settings: GuildSettingsService;
    memberDefaults: MemberDefaults;
  };
  tracker: JobTracker;
}

export async function startBot(env: NodeJS.ProcessEnv, options: StartOptions = {}): Promise<RunningBot> {
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new ConfigError(parsed.message);
  const config = parsed.config;
  const clock = options.clock ?? systemClock;
  const logger = createLogger({
    level: config.LOG_LEVEL,
    secrets: [config.DISCORD_TOKEN, config.SCENARIO_SDK_API_KEY, config.SCENARIO_SDK_API_SECRET],
    destination: options.logDestination,
  });
  const closers: Array<() => Promise<void> | void> = [];
  try {
    const store = await createStore({ url: config.STORE_URL, logger });
    closers.push(() => store.close());
    const { lock } = store;
    const quota = new QuotaLedger({
      store: store.quotas,
      lock,
      clock: () => new Date(clock.now()),
      defaults: { limit: config.QUOTA_DEFAULT_LIMIT, period: config.QUOTA_DEFAULT_PERIOD },
      // A charged result may wait undelivered, then be given back: keep its reservation that long and more.
      committedRetentionMs: config.UNDELIVERED_RETENTION_MS + config.JOB_STUCK_AFTER_MS + 60 * 60 * 1000,
    });
    const settings = new GuildSettingsService({ store: store.guildSettings, lock });
    const memberDefaults = new MemberDefaults({ store: store.userSettings, lock });

    // Several instances on Redis draw from one shared window; one instance keeps its own, stored.
    const limits = {
      perMinute: config.SCENARIO_REQUESTS_PER_MINUTE,
      windowMs: scenarioWindowMs(options.timeScale ?? 1),
    };
    // Built below, after the services it needs; asked by the budget once it exists.
    let trackerOnceBuilt: JobTracker | undefined;
    const budget = createRequestBudget({
      ...limits,
      clock,
      window: store.redis
        ? createRedisRequestWindow({ ...limits, redis: store.redis.client, prefix: store.redis.prefix })
        : await loadLocalRequestWindow(limits, store.requestWindow),
      onWindowError: (error) =>
        logger.warn({ err: error }, 'cannot count Scenario requests: holding them until the store answers'),
      paceSubmissions: config.SCENARIO_PACE_SUBMISSIONS,
      // Until the tracker exists no job runs and nothing is reserved.
      reserve: config.SCENARIO_RESERVE_FOR_RESULTS
        ? () => resultsReserveFor(trackerOnceBuilt?.runningJobs(clock.now()) ?? [], limits)
        : undefined,
    });
    closers.push(() => budget.close());
    const scenario = createScenarioClient({
      baseUrl: config.SCENARIO_API_URL,
      apiKey: config.SCENARIO_SDK_API_KEY,
      apiSecret: config.SCENARIO_SDK_API_SECRET,
      budget,
      logger,
      timeoutMs: config.SCENARIO_TIMEOUT_MS,
      maxRetries: config.SCENARIO_MAX_RETRIES,
      clock,
    });

    const models = new ModelCatalog({
      scenario,
      store: store.modelSchemas,
      clock,
      ttlMs: config.MODEL_SCHEMA_TTL_MS,
      logger,
      seedSpecs: modelSpecs,
    });
    // Fresh schemas of the seed models, compared with their specs in the background: with a small request
    // budget (or Scenario away) four reads may take a minute, and nothing at start waits for them (a command
    // reads the schema it needs anyway, from the cache or fresh).
    void models
      .checkSeedSpecs()
      .catch((error: unknown) => logger.warn({ err: error }, 'could not check the seed specs'));

    const discord = createDiscordClient(config.DISCORD_API_URL, { timeScale: options.timeScale });
    const { client } = discord;
    closers.push(() => discord.close());
    const ledger = new JobLedger(store.jobs, lock, config.RECORD_RETENTION_DAYS * DAY_MS);
    const generationLog = new GenerationLog(store.generations, lock, config.RECORD_RETENTION_DAYS * DAY_MS);
    const credits = createQuotaAdapter(quota);
    // The Discord side of the job port: everything a member reads about a job goes through it.
    const messenger = new DiscordJobMessenger({ rest: client.rest, logger, clock });
    // A read waits while confirmations do (at most four slots' time), so that it carries all their assets.
    const resultAssets = createAssetBatcher(scenario, 50, {
      holdWhile: () => budget.load().finishing > 0,
      maxHoldMs: (4 * limits.windowMs) / config.SCENARIO_REQUESTS_PER_MINUTE,
    });
    // Its worker thread is kept between 3D results; ended at shutdown rather than left to its idle end.
    const modelInspector = new ModelInspector({ previewTimeoutMs: config.PREVIEW_TIMEOUT_MS });
    closers.push(() => modelInspector.close());
    const resultFiles = new ResultFiles({
      scenario,
      assets: resultAssets,
      maxResultBytes: config.MAX_RESULT_BYTES,
      maxJobBytes: config.MAX_RESULT_BYTES_PER_JOB,
      models: modelInspector,
    });
    const conversions = new ModelConversions({
      store: store.models3d,
      lock,
      scenario,
      clock,
      logger,
      retentionMs: config.RECORD_RETENTION_DAYS * DAY_MS,
      maxBytes: config.MAX_RESULT_BYTES,
    });
    const staleFolders = await resultFiles.removeStale();
    if (staleFolders > 0)
      logger.info({ folders: staleFolders }, 'removed result files left by a killed process');
    // One share of Discord's requests for every cosmetic edit: running jobs' progress and waiting jobs' places.
    const progressEdits = new EditAllowance({
      perSecond: config.PROGRESS_EDITS_PER_SECOND * (options.timeScale ?? 1),
      clock,
    });
    const delivery = new Delivery({
      messenger,
      resultFiles,
      ledger,
      credits,
      generations: generationLog,
      models: conversions,
      logger,
      clock,
      progressEditIntervalMs: config.PROGRESS_EDIT_INTERVAL_MS,
      progressEdits,
      finishLeaseMs: options.finishLeaseMs,
      undeliveredRetentionMs: config.UNDELIVERED_RETENTION_MS,
      retryBaseMs: options.deliveryRetryBaseMs,
    });
    const tracker = new JobTracker({
      scenario,
      ledger,
      delivery,
      logger,
      clock,
      typicalDurationMs,
      stuckAfterMs: config.JOB_STUCK_AFTER_MS,
      servedGuildIds: config.DISCORD_GUILD_IDS,
      listRoundGapMs: () => listRoundGapFor(budget.load()),
      timeScale: options.timeScale,
      resultAssets,
    });
    closers.push(() => tracker.close());
    trackerOnceBuilt = tracker;
    // Waiting members see their place in the budget's queue, at most once per progress-edit interval.
    const queueWatch = new QueueWatch({
      budget,
      messenger,
      clock,
      logger,
      intervalMs: config.PROGRESS_EDIT_INTERVAL_MS,
      edits: progressEdits,
      isQueued: async (id) => (await ledger.get(id))?.state === 'queued',
    });
    closers.push(() => queueWatch.close());
    const submission = new JobSubmission({
      scenario,
      ledger,
      tracker,
      credits,
      logger,
      clock,
      maxRunningPerUser: config.MAX_RUNNING_JOBS_PER_USER,
      queueWatch,
      delivery,
    });
    const pipeline = new GenerationPipeline({
      attachments: new AttachmentService({
        scenario,
        allowedHosts: config.DISCORD_ATTACHMENT_HOSTS,
        maxBytes: config.MAX_ATTACHMENT_BYTES,
      }),
      settings,
      credits,
      models,
      submission,
      messenger,
      attempts: new AttemptLimiter({ perMinute: config.FAILED_ATTEMPTS_PER_MINUTE, clock }),
      logger,
      clock,
      servedGuildIds: config.DISCORD_GUILD_IDS,
    });

    const botStatus = new BotStatus({
      budget,
      queueWatch,
      tracker,
      store,
      scenarioHealth: scenario.health,
      clock,
      startedAt: clock.now(),
      version: packageVersion(),
    });
    const servedGuildIds = config.DISCORD_GUILD_IDS;
    const actions = createResultActions({ pipeline, generationLog, settings, client, logger });
    const cubemaps = new CubemapService({
      scenario,
      ledger,
      cacheDir: config.CUBEMAP_CACHE_DIR,
      maxSourceBytes: config.MAX_RESULT_BYTES,
      logger,
    });
    await cubemaps.removeExpired(config.RECORD_RETENTION_DAYS * DAY_MS);
    const route = createInteractionRouter({
      commands: bindCommands({
        pipeline,
        memberDefaults,
        quota,
        settings,
        generationLog,
        models,
        botStatus,
        clock,
        running: {
          openCountFor: (guildId, userId) => tracker.openCountFor(guildId, userId),
          maxRunningPerUser: config.MAX_RUNNING_JOBS_PER_USER,
        },
      }),
      servedGuildIds,
      logger,
      componentHandlers: [
        createResultButtonHandler(actions),
        createDetailsHandler({ generationLog }),
        createRemixHandler({
          pipeline,
          generationLog,
          // An interaction lives 15 minutes: a duplicate of one cannot arrive after an hour.
          once: new OnceKeys({ store: store.generations, lock, ttlMs: 60 * 60 * 1000 }),
          client,
          logger,
        }),
        createCubemapButtonHandler({ cubemaps, generationLog, settings, quota, client, logger }),
        createConversionButtonHandler({ conversions, settings, rest: client.rest, logger }),
      ],
    });
    client.on(Events.InteractionCreate, (interaction) => void route(interaction));
    const onReaction = createReactionHandler({ client, actions, servedGuildIds, logger });
    client.on(Events.MessageReactionAdd, (reaction, user) => void onReaction(reaction, user));
    client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));

    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(config.DISCORD_TOKEN);
    await ready;
    logger.info({ user: client.user?.tag, guilds: config.DISCORD_GUILD_IDS.length }, 'connected to Discord');
    if (config.REGISTER_COMMANDS_ON_START && client.application) {
      await registerCommands(client.rest, client.application.id, config.DISCORD_GUILD_IDS, commands, logger);
    }
    const resumed = await tracker.start();
    // After the tracker's lookup of interrupted submissions: a job sent now is not mistaken for one of those.
    const requeued = await submission.resumeQueued(config.DISCORD_GUILD_IDS);
    logger.info({ resumed, requeued }, 'job tracker started');

    if (config.HEALTH_PORT !== undefined) {
      const health = await startHealthServer({
        port: config.HEALTH_PORT,
        host: config.HEALTH_HOST,
        client,
        store,
        logger,
        clock,
      });
      closers.push(() => health.close());
    }

    let closing: Promise<void> | undefined;
    return {
      deps: { quota, generationLog, settings, memberDefaults },
      tracker,
      close() {
        closing ??= (async () => {
          logger.info('shutting down');
          for (const close of closers.reverse()) {
            try {
              await close();
            } catch (error) {
              logger.warn({ err: error }, 'error while closing');
            }
          }
          logger.flush();
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    throw error;
  }
}
