import { z } from 'zod';
import type { KeyLock } from '../store/key-lock.js';
import type { KeyValue } from '../store/store.js';

const settingsSchema = z.object({
  /** Empty = every role may generate. */
  allowedRoleIds: z.array(z.string()).default([]),
  /** Empty = every channel. */
  allowedChannelIds: z.array(z.string()).default([]),
  moderatorRoleId: z.string().optional(),
  modLogChannelId: z.string().optional(),
});
export type GuildSettings = z.output<typeof settingsSchema>;

/** Per-guild settings that moderators change with /bot-settings. */
export class GuildSettingsService {
  constructor(private readonly options: { store: KeyValue; lock: KeyLock }) {}

  async get(guildId: string): Promise<GuildSettings> {
    const parsed = settingsSchema.safeParse((await this.options.store.get(guildId)) ?? {});
    return parsed.success ? parsed.data : settingsSchema.parse({});
  }

  async update(guildId: string, change: (settings: GuildSettings) => GuildSettings): Promise<GuildSettings> {
    return this.options.lock.withLock(`settings:${guildId}`, async () => {
      const next = settingsSchema.parse(change(await this.get(guildId)));
      await this.options.store.set(guildId, next);
      return next;
    });
  }

  /** Whether a member with these roles may generate in this channel. */
  async mayGenerate(guildId: string, channelId: string, roleIds: readonly string[]): Promise<boolean> {
    const settings = await this.get(guildId);
    if (settings.allowedChannelIds.length > 0 && !settings.allowedChannelIds.includes(channelId))
      return false;
    if (settings.allowedRoleIds.length > 0 && !roleIds.some((role) => settings.allowedRoleIds.includes(role)))
      return false;
    return true;
  }
}
