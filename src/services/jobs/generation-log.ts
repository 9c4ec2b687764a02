import { z } from 'zod';
import type { KeyLock } from '../store/key-lock.js';
import type { KeyValue } from '../store/store.js';
import type { JobRecord } from './job-ledger.js';

/** A result file on Scenario: what /history links to while Discord has not accepted the result. */
export const resultLinkSchema = z.object({
  name: z.string(),
  url: z.string(),
  expires: z.string().optional(),
});
export type ResultLink = z.output<typeof resultLinkSchema>;

/**
 * Seeds and lineage: every finished generation with its model, full parameters (assetIds, never
 * Discord URLs, which expire), the seed used, requester, message and parent. Rerolls and /history read it.
 * A generation Discord has not accepted yet is `undelivered`: no message, Scenario's links instead.
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
  status: z.enum(['delivered', 'undelivered']).default('delivered'),
  messageId: z.string().optional(),
  links: z.array(resultLinkSchema).default([]),
  parentGenerationId: z.string().optional(),
  lineage: z.enum(['reroll', 'remix']).optional(),
  creditsSpent: z.number(),
  creativeUnitsCost: z.number().optional(),
  createdAt: z.number(),
});
export type Generation = z.output<typeof generationSchema>;

const RECENT_PER_USER = 25;
const recentSchema = z.array(z.string()).catch([]);

/** What delivery needs of the log: where finished generations are recorded (seeds and lineage for rerolls and /history). */
export interface GenerationRecorder {
  recordDelivered(record: JobRecord, messageId: string): Promise<void>;
  /** A result Discord has not accepted yet, with Scenario's links to its files meanwhile. */
  recordUndelivered(record: JobRecord, links: ResultLink[]): Promise<void>;
  /** A result that will never be posted (its credits given back). */
  forget(record: JobRecord): Promise<void>;
}

export class GenerationLog implements GenerationRecorder {
  constructor(
    private readonly generations: KeyValue,
    // One writer at a time for a member's list of recent generations (keyv has no atomic list operations).
    private readonly lock: KeyLock,
    /** How long a generation is kept (rerolls and /history see it that long); every record expires after it. */
    private readonly retentionMs: number,
  ) {}

  async recordDelivered(record: JobRecord, messageId: string): Promise<void> {
    await this.record({ ...this.generationOf(record), status: 'delivered', messageId });
    await this.generations.set(`msg:${messageId}`, record.id, this.retentionMs);
  }

  async recordUndelivered(record: JobRecord, links: ResultLink[]): Promise<void> {
    await this.record({ ...this.generationOf(record), status: 'undelivered', links });
  }

  /** A generation that will never be posted (its credits given back): /history no longer lists it. */
  async forget(record: JobRecord): Promise<void> {
    await this.generations.delete(`gen:${record.id}`);
    await this.changeRecent(record, (ids) => ids.filter((id) => id !== record.id));
  }

  private generationOf(record: JobRecord): Omit<Generation, 'status' | 'links'> {
    return {
      id: record.id,
      modelId: record.modelId,
      command: record.command,
      body: record.body,
      seed: record.seed,
      outputs: record.outputs,
      guildId: record.guildId,
      channelId: record.channelId,
      userId: record.userId,
      parentGenerationId: record.parentGenerationId,
      lineage: record.lineage,
      creditsSpent: record.creditsReserved,
      creativeUnitsCost: record.creativeUnitsCost,
      createdAt: record.createdAt,
    };
  }

  private async record(generation: z.input<typeof generationSchema>): Promise<void> {
    await this.generations.set(`gen:${generation.id}`, generation, this.retentionMs);
    await this.changeRecent(generation, (ids) =>
      [generation.id, ...ids.filter((id) => id !== generation.id)].slice(0, RECENT_PER_USER),
    );
  }

  private changeRecent(
    member: { guildId: string; userId: string },
    change: (ids: string[]) => string[],
  ): Promise<void> {
    const key = `recent:${member.guildId}:${member.userId}`;
    return this.lock.withLock(`generations:${key}`, async () => {
      await this.generations.set(
        key,
        change(recentSchema.parse(await this.generations.get(key))),
        this.retentionMs,
      );
    });
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
    const ids = recentSchema.parse(await this.generations.get(`recent:${guildId}:${userId}`));
    const found = await Promise.all(ids.slice(0, limit).map((id) => this.get(id)));
    return found.filter((generation): generation is Generation => generation !== undefined);
  }
}
