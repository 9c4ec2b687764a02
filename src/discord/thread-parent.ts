import type { Channel, Client } from 'discord.js';

/**
 * The channel a thread (or a forum's post) belongs to: where moderators allow generation. Undefined for a
 * channel that is not a thread.
 */
export function threadParentId(channel: Channel | null | undefined): string | undefined {
  return channel?.isThread() ? (channel.parentId ?? undefined) : undefined;
}

/** `threadParentId` of a channel known by id only (a reaction, a button): the cache, else Discord. */
export async function threadParentIdOf(client: Client, channelId: string): Promise<string | undefined> {
  const channel =
    client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId).catch(() => null));
  return threadParentId(channel);
}
