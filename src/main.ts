/**
 * Process entry (`npm start`). The configuration is checked before the bot's modules load, so a missing
 * or malformed variable stops the process at once with one message naming every problem.
 */
import { existsSync } from 'node:fs';
import { parseConfig } from './config.js';

// A .env in the working directory is read if present; variables already in the environment win.
if (existsSync('.env')) process.loadEnvFile('.env');
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  process.stderr.write(`${parsed.message}\n`);
  process.exit(1);
}

const { startBot } = await import('./index.js');
try {
  const bot = await startBot(process.env);
  const stop = (signal: string) => {
    process.stderr.write(`${signal} received: finishing in-flight work\n`);
    void bot.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (error) {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
