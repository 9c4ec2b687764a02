import { Client, GatewayIntentBits, Partials } from 'discord.js';

/**
 * The bot's discord.js client. Intents: Guilds (guild, channel and role cache for permission checks)
 * and GuildMessageReactions (🔄 rerolls, ❌ deletes). No message content is read. Partials let reactions
 * on messages from before a restart (not in the cache) reach the bot.
 */
export function createDiscordClient(apiUrl: string): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel, Partials.GuildMember],
    rest: { api: apiUrl },
    // Prompts may contain @everyone or role mentions: never let a reply ping anyone by default.
    allowedMentions: { parse: [], repliedUser: false },
  });
}
