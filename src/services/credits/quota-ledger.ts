import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { creditsPerOutput } from '../../models/index.js';
import type { KeyLock } from '../store/key-lock.js';
import type { KeyValue } from '../store/store.js';

export const PERIODS = ['daily', 'weekly', 'monthly'] as const;
export type Period = (typeof PERIODS)[number];

/** The current period's window in UTC: days from 00:00, weeks from Monday 00:00, months from the 1st. Pure. */
export function periodWindow(period: Period, now: Date): { start: Date; end: Date } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  if (period === 'daily') return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
  if (period === 'weekly') {
    const sinceMonday = (now.getUTCDay() + 6) % 7;
    return {
      start: new Date(Date.UTC(y, m, d - sinceMonday)),
      end: new Date(Date.UTC(y, m, d - sinceMonday + 7)),
    };
  }
  return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
}

const guildPolicySchema = z.object({
  defaultLimit: z.number().int().min(0).optional(),
  period: z.enum(PERIODS).optional(),
  costOverrides: z.record(z.string(), z.number().int().min(0)).default({}),
});
export type GuildPolicy = z.output<typeof guildPolicySchema>;

const reservationSchema = z.object({
  amount: z.number(),
  at: z.number(),
  // 'refunded' only in records written before settled reservations left the record.
  state: z.enum(['open', 'committed', 'refunded']),
});

const userQuotaSchema = z.object({
  periodStart: z.number(),
  spent: z.number().default(0),
  granted: z.number().default(0),
  cuCharged: z.number().default(0),
  /** Results charged this period (a free model's too): what `/quota usage` counts beside the credits. */
  generations: z.number().int().min(0).default(0),
  reservations: z.record(z.string(), reservationSchema).default({}),
  limitOverride: z.number().int().min(0).optional(),
  blocked: z.boolean().default(false),
});
type UserQuota = z.output<typeof userQuotaSchema>;
type Reservation = z.output<typeof reservationSchema>;

export interface QuotaStatus {
  limit: number;
  spent: number;
  reserved: number;
  granted: number;
  remaining: number;
  period: Period;
  resetsAt: Date;
  blocked: boolean;
  limitOverride?: number;
  cuCharged: number;
  /** Results charged this period. */
  generations: number;
}

export type ReserveResult =
  | { ok: true; reservationId: string; status: QuotaStatus }
  | { ok: false; reason: 'quota_exhausted' | 'blocked'; status: QuotaStatus };

export interface QuotaLedgerOptions {
  store: KeyValue;
  lock: KeyLock;
  clock: () => Date;
  defaults: { limit: number; period: Period };
  /**
   * How long a committed reservation stays in the member's record so its credits can still be given back
   * (a result charged, then never posted: see `giveBack`). Longer than a result may wait undelivered.
   */
  committedRetentionMs?: number;
}

/** Results wait undelivered for at most a day by default: two days covers that with room. */
const COMMITTED_RETENTION_MS = 48 * 60 * 60 * 1000;

/**
 * Credits per guild and member. A request reserves its cost before Scenario is called, commits on
 * success, refunds on failure. Every read-modify-write of a member's record runs under that member's lock,
 * so concurrent requests can never spend more than the limit.
 */
export class QuotaLedger {
  constructor(private readonly options: QuotaLedgerOptions) {}

  private userKey(guildId: string, userId: string) {
    return `user:${guildId}:${userId}`;
  }

  async policy(
    guildId: string,
  ): Promise<{ limit: number; period: Period; costOverrides: Record<string, number> }> {
    const parsed = guildPolicySchema.safeParse((await this.options.store.get(`guild:${guildId}`)) ?? {});
    const policy = parsed.success ? parsed.data : { costOverrides: {} };
    return {
      limit: policy.defaultLimit ?? this.options.defaults.limit,
      period: policy.period ?? this.options.defaults.period,
      costOverrides: policy.costOverrides,
    };
  }

  /** Credits a request costs: per-output cost (guild override or the model's default) × outputs. */
  async costOf(guildId: string, modelId: string, outputs: number, perOutput?: number): Promise<number> {
    const { costOverrides } = await this.policy(guildId);
    return (costOverrides[modelId] ?? perOutput ?? creditsPerOutput(modelId)) * outputs;
  }

  private async load(guildId: string, userId: string, period: Period): Promise<UserQuota> {
    const start = periodWindow(period, this.options.clock()).start.getTime();
    const parsed = userQuotaSchema.safeParse(await this.options.store.get(this.userKey(guildId, userId)));
    // What a period starts with: nothing spent, granted, charged or reserved.
    const fresh = {
      periodStart: start,
      spent: 0,
      granted: 0,
      cuCharged: 0,
      generations: 0,
      reservations: {},
    };
    if (!parsed.success) {
      await this.indexMember(guildId, userId);
      return { ...fresh, blocked: false };
    }
    const quota = parsed.data;
    // A new period: spending, grants and reservations of the old one no longer count (a reservation still
    // open at rollover is dropped; its later commit or refund finds nothing to change).
    if (quota.periodStart !== start) return { ...quota, ...fresh };
    // Kept: open reservations, and committed ones young enough to be given back. Refunded ones, and older
    // committed ones, live on only in the counters (an older record may still list them: they go at its next write).
    const now = this.options.clock().getTime();
    const retention = this.options.committedRetentionMs ?? COMMITTED_RETENTION_MS;
    const kept = Object.entries(quota.reservations).filter(
      ([, reservation]) =>
        reservation.state === 'open' ||
        (reservation.state === 'committed' && now - reservation.at < retention),
    );
    return { ...quota, reservations: Object.fromEntries(kept) };
  }

  private async indexMember(guildId: string, userId: string): Promise<void> {
    await this.options.lock.withLock(`quota-index:${guildId}`, async () => {
      const members = z
        .array(z.string())
        .catch([])
        .parse(await this.options.store.get(`members:${guildId}`));
      if (!members.includes(userId)) await this.options.store.set(`members:${guildId}`, [...members, userId]);
    });
  }

  private statusOf(quota: UserQuota, policy: { limit: number; period: Period }): QuotaStatus {
    const reserved = Object.values(quota.reservations).reduce(
      (sum, reservation) => sum + (reservation.state === 'open' ? reservation.amount : 0),
      0,
    );
    const limit = quota.limitOverride ?? policy.limit;
    return {
      limit,
      spent: quota.spent,
      reserved,
      granted: quota.granted,
      remaining: Math.max(0, limit + quota.granted - quota.spent - reserved),
      period: policy.period,
      resetsAt: periodWindow(policy.period, this.options.clock()).end,
      blocked: quota.blocked,
      limitOverride: quota.limitOverride,
      cuCharged: quota.cuCharged,
      generations: quota.generations,
    };
  }

  /** Runs a change of one member's record under its lock and saves it. */
  private async change<T>(
    guildId: string,
    userId: string,
    mutate: (quota: UserQuota, policy: { limit: number; period: Period }) => T,
  ): Promise<{ result: T; status: QuotaStatus }> {
    return this.options.lock.withLock(this.userKey(guildId, userId), async () => {
      const policy = await this.policy(guildId);
      const quota = await this.load(guildId, userId, policy.period);
      const result = mutate(quota, policy);
      await this.options.store.set(this.userKey(guildId, userId), quota);
      return { result, status: this.statusOf(quota, policy) };
    });
  }

  async status(guildId: string, userId: string): Promise<QuotaStatus> {
    const policy = await this.policy(guildId);
    return this.statusOf(await this.load(guildId, userId, policy.period), policy);
  }

  async reserve(input: { guildId: string; userId: string; amount: number }): Promise<ReserveResult> {
    const reservationId = `${input.guildId}:${input.userId}:${randomBytes(6).toString('hex')}`;
    const { result, status } = await this.change(input.guildId, input.userId, (quota, policy) => {
      if (quota.blocked) return 'blocked' as const;
      if (this.statusOf(quota, policy).remaining < input.amount) return 'quota_exhausted' as const;
      quota.reservations[reservationId] = {
        amount: input.amount,
        at: this.options.clock().getTime(),
        state: 'open',
      };
      return 'ok' as const;
    });
    return result === 'ok' ? { ok: true, reservationId, status } : { ok: false, reason: result, status };
  }

  /** Spends a reservation; idempotent. Records what Scenario actually charged. */
  commit(reservationId: string, creativeUnitsCost?: number): Promise<boolean> {
    return this.settle(reservationId, (quota, reservationKey, reservation) => {
      quota.spent += reservation.amount;
      quota.generations += 1;
      quota.cuCharged += creativeUnitsCost ?? 0;
      // Kept a while (see `giveBack`) unless there is nothing to give back.
      if (reservation.amount > 0) quota.reservations[reservationKey] = { ...reservation, state: 'committed' };
    });
  }

  /** Gives an open reservation back; idempotent; false when there was nothing to refund. */
  refund(reservationId: string): Promise<boolean> {
    return this.settle(reservationId, () => undefined);
  }

  /**
   * Gives a reservation's credits back whether it is still open or already committed: for a result that
   * was charged but never reached its member. Idempotent. Scenario's cost stays counted (`cuCharged`):
   * Scenario charged for the job all the same.
   */
  async giveBack(reservationId: string): Promise<boolean> {
    const [guildId, userId] = reservationId.split(':');
    if (!guildId || !userId) return false;
    const { result } = await this.change(guildId, userId, (quota) => {
      const reservation = quota.reservations[reservationId];
      if (!reservation || reservation.state === 'refunded') return false;
      if (reservation.state === 'committed') {
        quota.spent = Math.max(0, quota.spent - reservation.amount);
        quota.generations = Math.max(0, quota.generations - 1);
      }
      delete quota.reservations[reservationId];
      return true;
    });
    return result;
  }

  /**
   * Closes an open reservation once. It leaves the record (its amount lives on in the counters), so the
   * record stays small however many attempts a member makes; `apply` may keep a committed copy. A second
   * settle finds nothing open: a no-op.
   */
  private async settle(
    reservationId: string,
    apply: (quota: UserQuota, reservationId: string, reservation: Reservation) => void,
  ): Promise<boolean> {
    const [guildId, userId] = reservationId.split(':');
    if (!guildId || !userId) return false;
    const { result } = await this.change(guildId, userId, (quota) => {
      const reservation = quota.reservations[reservationId];
      if (reservation?.state !== 'open') return false;
      delete quota.reservations[reservationId];
      apply(quota, reservationId, reservation);
      return true;
    });
    return result;
  }

  setUserLimit(guildId: string, userId: string, limit: number | undefined) {
    return this.change(guildId, userId, (quota) => {
      quota.limitOverride = limit;
    }).then(({ status }) => status);
  }

  grant(guildId: string, userId: string, amount: number) {
    return this.change(guildId, userId, (quota) => {
      quota.granted += amount;
    }).then(({ status }) => status);
  }

  resetUser(guildId: string, userId: string) {
    return this.change(guildId, userId, (quota) => {
      quota.spent = 0;
      quota.granted = 0;
    }).then(({ status }) => status);
  }

  setBlocked(guildId: string, userId: string, blocked: boolean) {
    return this.change(guildId, userId, (quota) => {
      quota.blocked = blocked;
    }).then(({ status }) => status);
  }

  setGuildDefault(guildId: string, limit: number, period?: Period): Promise<void> {
    return this.changePolicy(guildId, (current) => ({
      ...current,
      defaultLimit: limit,
      ...(period ? { period } : {}),
    }));
  }

  /** Credits per output of one model in this guild (moderators' `/quota price`). */
  setCostOverride(guildId: string, modelId: string, cost: number): Promise<void> {
    return this.changePolicy(guildId, (current) => ({
      ...current,
      costOverrides: { ...current.costOverrides, [modelId]: cost },
    }));
  }

  /** Read-modify-write of a guild's policy under its lock (instances may share the store). */
  private async changePolicy(guildId: string, change: (policy: GuildPolicy) => GuildPolicy): Promise<void> {
    await this.options.lock.withLock(`quota-guild:${guildId}`, async () => {
      const current = guildPolicySchema
        .catch({ costOverrides: {} })
        .parse((await this.options.store.get(`guild:${guildId}`)) ?? {});
      await this.options.store.set(`guild:${guildId}`, change(current));
    });
  }

  /** This period's spend in a guild: total, top members, Scenario credits charged. */
  async usage(guildId: string): Promise<{
    spent: number;
    generations: number;
    cuCharged: number;
    top: { userId: string; spent: number; generations: number }[];
    period: Period;
    resetsAt: Date;
  }> {
    const members = z
      .array(z.string())
      .catch([])
      .parse(await this.options.store.get(`members:${guildId}`));
    const statuses = await Promise.all(
      members.map(async (userId) => ({ userId, status: await this.status(guildId, userId) })),
    );
    const policy = await this.policy(guildId);
    return {
      spent: statuses.reduce((sum, entry) => sum + entry.status.spent, 0),
      generations: statuses.reduce((sum, entry) => sum + entry.status.generations, 0),
      cuCharged: statuses.reduce((sum, entry) => sum + entry.status.cuCharged, 0),
      top: statuses
        .filter((entry) => entry.status.spent > 0 || entry.status.generations > 0)
        .sort((a, b) => b.status.spent - a.status.spent || b.status.generations - a.status.generations)
        .slice(0, 10)
        .map((entry) => ({
          userId: entry.userId,
          spent: entry.status.spent,
          generations: entry.status.generations,
        })),
      period: policy.period,
      resetsAt: periodWindow(policy.period, this.options.clock()).end,
    };
  }
}
