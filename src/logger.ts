import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

// Field names that carry secrets wherever they appear in a log object (two levels deep is what our
// call sites produce; the string scrubber below catches the rest).
const SECRET_KEYS = [
  'token',
  'interactionToken',
  'authorization',
  'Authorization',
  'apiKey',
  'apiSecret',
  'password',
  'DISCORD_TOKEN',
  'SCENARIO_SDK_API_KEY',
  'SCENARIO_SDK_API_SECRET',
];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.headers.${key}`]);

// Interaction tokens travel in webhook/callback URLs (discord.js puts those URLs in its errors).
const TOKEN_IN_URL = /\/(webhooks|interactions)\/(\d+)\/([A-Za-z0-9_.-]{16,})/g;
const BASIC_AUTH = /Basic [A-Za-z0-9+/=]{8,}/g;
const BOT_AUTH = /Bot [A-Za-z0-9_.-]{16,}/g;

/** Replaces every known secret value and every token-bearing URL segment in a finished log line. */
export function createSecretScrubber(secrets: readonly string[]): (line: string) => string {
  const values = secrets.filter((secret) => secret.length >= 4);
  return (line) => {
    let out = line
      .replace(TOKEN_IN_URL, '/$1/$2/[redacted]')
      .replace(BASIC_AUTH, 'Basic [redacted]')
      .replace(BOT_AUTH, 'Bot [redacted]');
    for (const secret of values) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    }
    return out;
  };
}

/** Longest string an error's log line keeps per field: Discord's 50035 details and stacks stay readable. */
const MAX_ERROR_STRING = 1_000;

/**
 * pino's error serializer, minus payloads: it copies every enumerable field, and discord.js errors carry
 * the request body (`requestBody.files` holds whole result files: a 100 kB upload made a 200 kB line).
 * Kept: type, message, stack, method, url, status, code and Discord's own error; bodies, buffers and
 * over-long strings are dropped or cut.
 */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized: Record<string, unknown> = { ...pino.stdSerializers.err(error) };
  delete serialized.requestBody;
  const prune = (value: unknown, depth: number): unknown => {
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
    if (typeof value === 'string')
      return value.length > MAX_ERROR_STRING ? `${value.slice(0, MAX_ERROR_STRING)}…` : value;
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= 4) return '[…]';
    if (Array.isArray(value)) return value.slice(0, 20).map((item) => prune(item, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, prune(item, depth + 1)]));
  };
  return prune(serialized, 0);
}

export interface LoggerSettings {
  level: string;
  secrets: readonly string[];
  /** Where lines go; defaults to stdout (pretty when a terminal is attached). */
  destination?: pino.DestinationStream;
  pretty?: boolean;
}

/** The one root logger. Secrets are removed by configuration, never by call sites remembering to. */
export function createLogger(settings: LoggerSettings): Logger {
  const scrub = createSecretScrubber(settings.secrets);
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'scenario-discord-bot' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: scrub },
    serializers: { err: serializeError, error: serializeError },
  };
  if (settings.destination) return pino(options, settings.destination);
  const pretty = settings.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } },
    });
  }
  return pino(options);
}
