/** `npm run register` registers the commands in DISCORD_GUILD_IDS; `-- --global` registers them globally. */
import { existsSync } from 'node:fs';
import { REST } from 'discord.js';
import { commands } from '../src/commands/index.js';
import { parseConfig } from '../src/config.js';
import { registerCommands } from '../src/discord/register.js';
import { createLogger } from '../src/logger.js';

if (existsSync('.env')) process.loadEnvFile('.env');
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  console.error(parsed.message);
  process.exit(1);
}
const { config } = parsed;
const logger = createLogger({
  level: config.LOG_LEVEL,
  secrets: [config.DISCORD_TOKEN, config.SCENARIO_SDK_API_KEY, config.SCENARIO_SDK_API_SECRET],
});
const rest = new REST({ api: config.DISCORD_API_URL }).setToken(config.DISCORD_TOKEN);
const application = (await rest.get('/applications/@me')) as { id: string };
await registerCommands(
  rest,
  application.id,
  config.DISCORD_GUILD_IDS,
  commands,
  logger,
  process.argv.includes('--global'),
);
console.log(
  `Registered ${commands.length} commands${process.argv.includes('--global') ? ' globally' : ` in ${config.DISCORD_GUILD_IDS.length} guild(s)`}.`,
);
