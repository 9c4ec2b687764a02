import { Client, GatewayIntentBits, Partials } from 'discord.js';
import { Agent } from 'undici';

/** Discord's global limit for a bot (discord.js's default too). */
export const DISCORD_REQUESTS_PER_SECOND = 50;
/**
 * Connections to Discord's API at once. discord.js sends requests of different routes in parallel, and each
 * interaction token is a route of its own: a burst of 1,000 commands could otherwise open a socket per
 * command. Past this, requests wait for a free connection; Discord serves 50 requests a second anyway.
 * (The bench's N=1000 peak RSS did not move with it: 333 → 330 MB; it bounds sockets, not memory.)
 */
const DISCORD_CONNECTIONS = 32;

/**
 * The bot's discord.js client. Intents: Guilds (guild, channel and role cache for permission checks)
 * and GuildMessageReactions (🔄 rerolls, ❌ deletes). No message content is read. Partials let reactions
 * on messages from before a restart (not in the cache) reach the bot.
 */
export function createDiscordClient(
  apiUrl: string,
  options: { timeScale?: number } = {},
): { client: Client; close(): Promise<void> } {
  const agent = new Agent({ connections: DISCORD_CONNECTIONS });
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Reaction, Partials.User, Partials.Channel, Partials.GuildMember],
    // Discord's 50 requests a second per bot; a benchmark in scaled time scales it with everything else.
    rest: {
      api: apiUrl,
      globalRequestsPerSecond: DISCORD_REQUESTS_PER_SECOND * (options.timeScale ?? 1),
      agent,
    },
    // Prompts may contain @everyone or role mentions: never let a reply ping anyone by default.
    allowedMentions: { parse: [], repliedUser: false },
  });
  return {
    client,
    // The agent's idle connections would keep the process alive for their keep-alive time.
    close: async () => {
      await client.destroy();
      await agent.close();
    },
  };
}
