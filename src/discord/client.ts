import { Client, GatewayIntentBits, Partials } from 'discord.js';

/** Discord's global limit for a bot (discord.js's default too). */
export const DISCORD_REQUESTS_PER_SECOND = 50;

/**
 * The bot's discord.js client. Intents: Guilds (guild, channel and role cache for permission checks)
 * and GuildMessageReactions (🔄 rerolls, ❌ deletes). No message content is read. Partials let reactions
 * on messages from before a restart (not in the cache) reach the bot.
 */
export function createDiscordClient(apiUrl: string, options: { timeScale?: number } = {}): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel, Partials.GuildMember],
    // Discord's 50 requests a second per bot; a benchmark in scaled time scales it with everything else.
    rest: { api: apiUrl, globalRequestsPerSecond: DISCORD_REQUESTS_PER_SECOND * (options.timeScale ?? 1) },
    // Prompts may contain @everyone or role mentions: never let a reply ping anyone by default.
    allowedMentions: { parse: [], repliedUser: false },
  });
}
