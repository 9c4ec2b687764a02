import { z } from 'zod';

// Discord snowflakes are 17–20 digit integers.
const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17–20 digits)');

const commaList = (item: z.ZodString) =>
  z
    .string()
    .transform((raw) =>
      raw
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(item));

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = z.coerce.number('must be a number').int('must be a whole number').positive();

const storeUrl = z
  .string()
  .refine((url) => /^(sqlite|redis|rediss):\/\//.test(url), 'must start with sqlite:// or redis://');

const httpUrl = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ''));

/** The whole environment, validated once at start. Secrets have no default; everything else does. */
export const envSchema = z.object({
  DISCORD_TOKEN: z.string().min(1, 'is required (the bot token from the Discord developer portal)'),
  DISCORD_GUILD_IDS: commaList(snowflake).refine((ids) => ids.length > 0, 'must list at least one guild id'),
  SCENARIO_SDK_API_KEY: z.string().min(1, 'is required (Scenario project settings → API keys)'),
  SCENARIO_SDK_API_SECRET: z.string().min(1, 'is required (Scenario project settings → API keys)'),
  STORE_URL: storeUrl.default('sqlite://data/bot.sqlite'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
  SCENARIO_API_URL: httpUrl.default('https://api.cloud.scenario.com/v1'),
  // Hosts attachments may be downloaded from; the host of DISCORD_API_URL is always added.
  DISCORD_ATTACHMENT_HOSTS: commaList(z.string().min(1)).default([
    'cdn.discordapp.com',
    'media.discordapp.net',
  ]),
  REGISTER_COMMANDS_ON_START: booleanFlag.default(true),
  // Scenario documents 100 requests/minute per project; stay below it for every call we make.
  SCENARIO_REQUESTS_PER_MINUTE: positiveInt.max(100).default(90),
  // Spread a burst of new generate calls over the minute (see request-budget.ts): shorter waits after a job
  // finishes, later starts for a burst's jobs. Off: a burst starts as many jobs at once as the budget allows.
  SCENARIO_PACE_SUBMISSIONS: booleanFlag.default(false),
  // New generate calls leave the window's slots that the running jobs' results will need (job-timing.ts
  // `resultsReserveFor`). Off: a burst may take the whole window and its first results wait for it to turn.
  SCENARIO_RESERVE_FOR_RESULTS: booleanFlag.default(true),
  SCENARIO_TIMEOUT_MS: positiveInt.default(30_000),
  SCENARIO_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(4),
  MAX_ATTACHMENT_BYTES: positiveInt.default(20 * 1024 * 1024),
  MAX_RESULT_BYTES: positiveInt.default(100 * 1024 * 1024),
  // A job's files are staged on disk until posted, up to 8 deliveries at once: cap their total per job.
  MAX_RESULT_BYTES_PER_JOB: positiveInt.default(200 * 1024 * 1024),
  // A 3D result without Scenario's picture gets a rendered preview, unless drawing it takes longer than this.
  PREVIEW_TIMEOUT_MS: positiveInt.default(5_000),
  PROGRESS_EDIT_INTERVAL_MS: positiveInt.default(4_000),
  // Progress and queue-place edits per second across every job: a share of Discord's 50 requests a second, so that results
  // and commands are never held behind progress (see services/jobs/edit-allowance.ts).
  PROGRESS_EDITS_PER_SECOND: positiveInt.default(20),
  JOB_STUCK_AFTER_MS: positiveInt.default(30 * 60 * 1000),
  MAX_RUNNING_JOBS_PER_USER: positiveInt.default(2),
  // A result Discord keeps refusing (5xx, timeouts) is retried with backoff for this long, then given up
  // and its credits given back.
  UNDELIVERED_RETENTION_MS: positiveInt.default(24 * 60 * 60 * 1000),
  QUOTA_DEFAULT_LIMIT: z.coerce.number().int().min(0).default(50),
  QUOTA_DEFAULT_PERIOD: z.enum(['daily', 'weekly', 'monthly']).default('daily'),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HEALTH_HOST: z.string().min(1).default('127.0.0.1'),
  FAILED_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(10),
  RECORD_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(30),
  // Cubemaps made from skybox results, kept per generation so a second click (or a restart) reuses them.
  CUBEMAP_CACHE_DIR: z.string().min(1).default('data/cubemaps'),
  // A model's live input schema (GET /models/{id}) is read again after this long: a burst of commands for
  // one model costs one read per period.
  MODEL_SCHEMA_TTL_MS: positiveInt.default(10 * 60 * 1000),
});

export type Config = Readonly<z.output<typeof envSchema>>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; message: string };

/** Parses the environment; on failure, one message that names every problem (never a value). */
export function parseConfig(env: NodeJS.ProcessEnv): ConfigResult {
  // Empty strings (as in a copied .env.example) mean "not set".
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = envSchema.safeParse(present);
  if (result.success) {
    const config = result.data;
    const apiHost = new URL(config.DISCORD_API_URL).host;
    const hosts = config.DISCORD_ATTACHMENT_HOSTS.includes(apiHost)
      ? config.DISCORD_ATTACHMENT_HOSTS
      : [...config.DISCORD_ATTACHMENT_HOSTS, apiHost];
    return { ok: true, config: Object.freeze({ ...config, DISCORD_ATTACHMENT_HOSTS: hosts }) };
  }
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const missing = issue.code === 'invalid_type' && !(name in present);
    return `  - ${name}: ${missing ? 'is missing' : issue.message}`;
  });
  return {
    ok: false,
    message: `Configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}); see .env.example:\n${problems.join('\n')}`,
  };
}
