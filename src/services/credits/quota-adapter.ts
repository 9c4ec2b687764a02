import type { CreditHooks } from '../jobs/delivery.js';
import type { CreditReserver } from '../jobs/submission.js';
import type { QuotaLedger } from './quota-ledger.js';

/** Narrows the quota ledger to what submission and delivery need. */
export function createQuotaAdapter(quota: QuotaLedger): CreditReserver & CreditHooks {
  return {
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
    async commit(reservationId, creativeUnitsCost) {
      await quota.commit(reservationId, creativeUnitsCost);
    },
    async status(guildId, userId) {
      const status = await quota.status(guildId, userId);
      return { remaining: status.remaining, limit: status.limit + status.granted, resetsAt: status.resetsAt };
    },
  };
}
