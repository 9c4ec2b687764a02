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

/** Whether a member may generate somewhere; when not, why, and where and for whom it is allowed. */
export type Access =
  | { ok: true }
  | { ok: false; why: 'channel' | 'role'; allowedChannelIds: string[]; allowedRoleIds: string[] };

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

  /**
   * Whether a member with these roles may generate in this channel. A thread (a forum's post included) is
   * allowed when its parent channel is, or when it was allowed itself.
   */
  async mayGenerate(
    guildId: string,
    channelId: string,
    roleIds: readonly string[],
    parentChannelId?: string,
  ): Promise<boolean> {
    return (await this.access(guildId, { channelId, parentChannelId }, roleIds)).ok;
  }

  /** `mayGenerate`, with what is allowed when it is not: the words of a refusal name the places. */
  async access(
    guildId: string,
    place: { channelId: string; parentChannelId?: string },
    roleIds: readonly string[],
  ): Promise<Access> {
    const settings = await this.get(guildId);
    const { allowedChannelIds, allowedRoleIds } = settings;
    const places = [place.channelId, place.parentChannelId].filter((id): id is string => id !== undefined);
    if (allowedChannelIds.length > 0 && !places.some((id) => allowedChannelIds.includes(id)))
      return { ok: false, why: 'channel', allowedChannelIds, allowedRoleIds };
    if (allowedRoleIds.length > 0 && !roleIds.some((role) => allowedRoleIds.includes(role)))
      return { ok: false, why: 'role', allowedChannelIds, allowedRoleIds };
    return { ok: true };
  }
}
