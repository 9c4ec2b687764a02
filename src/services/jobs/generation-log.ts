import { z } from 'zod';
import type { KeyValue } from '../store/store.js';
import type { GenerationRecorder } from './delivery.js';
import type { JobRecord } from './job-ledger.js';

/**
 * Seeds and lineage: every delivered generation with its model, full parameters (assetIds, never
 * Discord URLs, which expire), the seed used, requester, message and parent. Rerolls and /history read it.
 */
export const generationSchema = z.object({
  id: z.string(),
  modelId: z.string(),
  command: z.string(),
  body: z.record(z.string(), z.unknown()),
  seed: z.number().optional(),
  outputs: z.number(),
  guildId: z.string(),
  channelId: z.string(),
  userId: z.string(),
  messageId: z.string(),
  parentGenerationId: z.string().optional(),
  creditsSpent: z.number(),
  creativeUnitsCost: z.number().optional(),
  createdAt: z.number(),
});
export type Generation = z.output<typeof generationSchema>;

const RECENT_PER_USER = 25;

export class GenerationLog implements GenerationRecorder {
  constructor(
    private readonly generations: KeyValue,
    /** How long a generation is kept (rerolls and /history see it that long); every record expires after it. */
    private readonly retentionMs: number,
  ) {}

  async recordDelivered(record: JobRecord, messageId: string): Promise<void> {
    const generation: Generation = {
      id: record.id,
      modelId: record.modelId,
      command: record.command,
      body: record.body,
      seed: record.seed,
      outputs: record.outputs,
      guildId: record.guildId,
      channelId: record.channelId,
      userId: record.userId,
      messageId,
      parentGenerationId: record.parentGenerationId,
      creditsSpent: record.creditsReserved,
      creativeUnitsCost: record.creativeUnitsCost,
      createdAt: record.createdAt,
    };
    await this.generations.set(`gen:${generation.id}`, generation, this.retentionMs);
    await this.generations.set(`msg:${messageId}`, generation.id, this.retentionMs);
    const recentKey = `recent:${generation.guildId}:${generation.userId}`;
    const recent = z
      .array(z.string())
      .catch([])
      .parse(await this.generations.get(recentKey));
    await this.generations.set(
      recentKey,
      [generation.id, ...recent.filter((id) => id !== generation.id)].slice(0, RECENT_PER_USER),
      this.retentionMs,
    );
  }

  async get(id: string): Promise<Generation | undefined> {
    const parsed = generationSchema.safeParse(await this.generations.get(`gen:${id}`));
    return parsed.success ? parsed.data : undefined;
  }

  async byMessage(messageId: string): Promise<Generation | undefined> {
    const id = await this.generations.get(`msg:${messageId}`);
    return typeof id === 'string' ? this.get(id) : undefined;
  }

  async recent(guildId: string, userId: string, limit = 10): Promise<Generation[]> {
    const ids = z
      .array(z.string())
      .catch([])
      .parse(await this.generations.get(`recent:${guildId}:${userId}`));
    const found = await Promise.all(ids.slice(0, limit).map((id) => this.get(id)));
    return found.filter((generation): generation is Generation => generation !== undefined);
  }
}
