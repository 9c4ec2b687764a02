import type { z } from 'zod';
import type { QueueTicket, RequestPriority } from './request-budget.js';

/** One Scenario API call as the client makes it: through the budget, with a timeout and retries. */
export interface CallOptions<T extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  schema: T;
  priority?: RequestPriority | QueueTicket;
  /** Runs once the budget gave this attempt its slot, just before the request leaves (see `runModel`). */
  beforeSend?: () => Promise<void>;
  /** Generate is not idempotent: only retry answers that prove it did not run. */
  idempotent?: boolean;
  /** Status codes that are an answer, not an error (dry runs may answer 402). */
  acceptStatus?: number[];
}

/** The client's way to make a call, for the request groups kept in their own modules. */
export type ScenarioCall = <T extends z.ZodType>(spec: CallOptions<T>) => Promise<z.output<T>>;
