import type { ButtonInteraction, Channel, Client } from 'discord.js';
import type { GuildSettingsService } from '../services/credits/guild-settings.js';
import { roleIdsOf } from './permissions.js';

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

/** Whether the member who clicked may generate where the button is: its channel (a thread's parent), their roles. */
export async function mayGenerateWhereClicked(
  settings: Pick<GuildSettingsService, 'mayGenerate'>,
  interaction: ButtonInteraction<'cached' | 'raw'>,
): Promise<boolean> {
  const { guildId, channelId } = interaction;
  const parentChannelId = await threadParentIdOf(interaction.client, channelId);
  return settings.mayGenerate(guildId, channelId, roleIdsOf(interaction.member), parentChannelId);
}
