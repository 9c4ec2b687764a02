import type { QuotaLedger } from './quota-ledger.js';

/** What a member is told about their credits: remaining of limit (grants included), and when they reset. */
export interface QuotaLine {
  remaining: number;
  limit: number;
  resetsAt: Date;
}

/** What submission needs from the quota ledger. */
export interface CreditReserver {
  /** `perOutput`: the model's default price (its spec, or its family's); a moderator's price wins. */
  costOf(guildId: string, modelId: string, outputs: number, perOutput?: number): Promise<number>;
  reserve(input: {
    guildId: string;
    userId: string;
    amount: number;
  }): Promise<
    | { ok: true; reservationId: string; quota: QuotaLine }
    | { ok: false; reason: 'quota_exhausted' | 'blocked'; quota: QuotaLine }
  >;
  refund(reservationId: string): Promise<boolean>;
}

/** What delivery needs from the quota ledger. */
export interface CreditHooks {
  commit(reservationId: string, creativeUnitsCost: number | undefined): Promise<void>;
  /** Gives the credits back, open or committed (a charged result that never reached its member). */
  giveBack(reservationId: string): Promise<boolean>;
  status(guildId: string, userId: string): Promise<QuotaLine | undefined>;
}

/** Narrows the quota ledger to what submission and delivery need (kept narrow so the ledger can change behind it). */
export function createQuotaAdapter(quota: QuotaLedger): CreditReserver & CreditHooks {
  return {
    costOf: (guildId, modelId, outputs, perOutput) => quota.costOf(guildId, modelId, outputs, perOutput),
    async reserve(input) {
      const result = await quota.reserve(input);
      const line = {
        remaining: result.status.remaining,
        limit: result.status.limit + result.status.granted,
        resetsAt: result.status.resetsAt,
      };
      return result.ok
        ? { ok: true, reservationId: result.reservationId, quota: line }
        : { ok: false, reason: result.reason, quota: line };
    },
    refund: (reservationId) => quota.refund(reservationId),
    giveBack: (reservationId) => quota.giveBack(reservationId),
    async commit(reservationId, creativeUnitsCost) {
      await quota.commit(reservationId, creativeUnitsCost);
    },
    async status(guildId, userId) {
      const status = await quota.status(guildId, userId);
      return { remaining: status.remaining, limit: status.limit + status.granted, resetsAt: status.resetsAt };
    },
  };
}
