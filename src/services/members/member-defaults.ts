import { z } from 'zod';
import type { KeyLock } from '../store/key-lock.js';
import type { KeyValue } from '../store/store.js';

/** One model's defaults: option values by the name the model command reads them under. */
export type ModelDefaults = Record<string, unknown>;

const memberSettingsSchema = z.object({
  /** By Scenario model id. */
  defaults: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});
type MemberSettings = z.output<typeof memberSettingsSchema>;

/**
 * A member's defaults for model options, per guild (`/defaults`): what a model command uses for an option
 * the member did not give. Values are checked against the model's options when saved (by the caller, which
 * knows the spec); what is read back is validated again when used, like an option typed in.
 */
export class MemberDefaults {
  constructor(private readonly options: { store: KeyValue; lock: KeyLock }) {}

  private async read(guildId: string, userId: string): Promise<MemberSettings> {
    const parsed = memberSettingsSchema.safeParse(
      (await this.options.store.get(`${guildId}:${userId}`)) ?? {},
    );
    return parsed.success ? parsed.data : memberSettingsSchema.parse({});
  }

  private change(guildId: string, userId: string, change: (settings: MemberSettings) => void): Promise<void> {
    const key = `${guildId}:${userId}`;
    return this.options.lock.withLock(`user-settings:${key}`, async () => {
      const settings = await this.read(guildId, userId);
      change(settings);
      await this.options.store.set(key, settings);
    });
  }

  /** Every model's defaults of a member in a guild. */
  async all(guildId: string, userId: string): Promise<Record<string, ModelDefaults>> {
    return (await this.read(guildId, userId)).defaults;
  }

  async forModel(guildId: string, userId: string, modelId: string): Promise<ModelDefaults> {
    return (await this.all(guildId, userId))[modelId] ?? {};
  }

  /** Adds to (or replaces) a model's defaults, option by option; returns them all for that model. */
  async set(guildId: string, userId: string, modelId: string, values: ModelDefaults): Promise<ModelDefaults> {
    let merged: ModelDefaults = {};
    await this.change(guildId, userId, (settings) => {
      merged = { ...settings.defaults[modelId], ...values };
      settings.defaults[modelId] = merged;
    });
    return merged;
  }

  /** Removes one model's defaults, or every model's; returns how many models had some. */
  async clear(guildId: string, userId: string, modelId?: string): Promise<number> {
    let removed = 0;
    await this.change(guildId, userId, (settings) => {
      const ids = modelId ? [modelId] : Object.keys(settings.defaults);
      for (const id of ids) {
        if (settings.defaults[id]) removed += 1;
        delete settings.defaults[id];
      }
    });
    return removed;
  }
}

/**
 * The options a command sends: each one the member gave, else their default. Returns which options came
 * from the defaults (an explicit option always wins). Pure.
 */
export function withDefaults(
  given: Record<string, unknown>,
  defaults: ModelDefaults,
): { values: Record<string, unknown>; fromDefaults: string[] } {
  const values = { ...given };
  const fromDefaults: string[] = [];
  for (const [option, value] of Object.entries(defaults)) {
    if (values[option] !== undefined && values[option] !== null) continue;
    values[option] = value;
    fromDefaults.push(option);
  }
  return { values, fromDefaults };
}
