import type { Logger } from 'pino';
import { z } from 'zod';
import type { KeyLock } from '../store/key-lock.js';
import type { KeyValue } from '../store/store.js';

/**
 * Everything needed to finish a job without memory: a restart reloads the ledger and carries on.
 * States: queued → submitting → submitted → running → delivering (⇄ undelivered) → delivered | failed.
 * `queued`: accepted (credits reserved, files uploaded, reply known) and waiting for the request budget;
 * nothing has reached Scenario, so a restart submits it. `submitting` is written once the budget grants
 * the generate call its slot, just before it is sent: a crash after that means the job may exist, and a
 * restart looks for it (and refunds it if it is not there).
 * `undelivered`: the result is ready but Discord refused it for a passing reason (5xx, a timeout); it is
 * posted again later (see `undelivered`), by whichever instance then takes the finish lease.
 */
export const JOB_STATES = [
  'queued',
  'submitting',
  'submitted',
  'running',
  'delivering',
  'undelivered',
  'delivered',
  'failed',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const jobRecordSchema = z.object({
  id: z.string(), // ours; equals the Scenario jobId once known
  scenarioJobId: z.string().optional(),
  modelId: z.string(),
  command: z.string(),
  body: z.record(z.string(), z.unknown()),
  seed: z.number().optional(),
  outputs: z.number().int().positive(),
  guildId: z.string(),
  channelId: z.string(),
  userId: z.string(),
  applicationId: z.string(),
  /** Interaction token for webhook edits; absent for rerolls, which post through the channel. */
  interactionToken: z.string().optional(),
  tokenIssuedAt: z.number().optional(),
  messageId: z.string().optional(),
  parentGenerationId: z.string().optional(),
  /** With a parent: a reroll (new seed) or a remix (edited text); older records hold rerolls only. */
  lineage: z.enum(['reroll', 'remix']).optional(),
  /** Body parameters that came from the member's defaults, not from options they gave. */
  fromDefaults: z.array(z.string()).optional(),
  /** What the model makes (its spec, or its live schema's family): which result buttons apply. */
  output: z.enum(['panorama', 'image', '3d', 'other']).optional(),
  attachmentSizeLimit: z.number().int().positive(),
  reservationId: z.string().optional(),
  creditsReserved: z.number().default(0),
  creativeUnitsCost: z.number().optional(),
  state: z.enum(JOB_STATES),
  progress: z.number().default(0),
  scenarioStatus: z.string().optional(),
  lastShown: z.string().optional(),
  lastEditAt: z.number().default(0),
  nextCheckAt: z.number().default(0),
  /** The bot process that moved the job from queued to submitting: instances sharing a store send it once. */
  sender: z.string().optional(),
  /** Which bot process is posting the outcome, until when: instances sharing a store post it once. */
  finishLease: z.object({ owner: z.string(), until: z.number() }).optional(),
  /**
   * Attempts to post a ready result that Discord refused for a passing reason: since the first refusal
   * (the retention counts from it), how many, and when the next one is due.
   */
  undelivered: z
    .object({ since: z.number(), attempts: z.number().int().positive(), nextAttemptAt: z.number() })
    .optional(),
  error: z.string().optional(),
  /** When the command was accepted (it may then wait for the budget, queued). */
  createdAt: z.number(),
  /** When its generate call left: the job's age on Scenario counts from here. */
  submittedAt: z.number().optional(),
  updatedAt: z.number(),
});
export type JobRecord = z.output<typeof jobRecordSchema>;
export type NewJobRecord = z.input<typeof jobRecordSchema>;

/** Whether this process may post a job's outcome now (see `JobLedger.claimFinish`). */
export type FinishClaim =
  | { status: 'claimed'; record: JobRecord }
  | { status: 'finished' }
  /** Another instance holds the lease until `retryAt`, or the undelivered result's next attempt is then. */
  | { status: 'later'; reason: 'leased' | 'not_due'; retryAt: number; record: JobRecord };

/** A job's log context, the same wherever the job is handled: Scenario's job id (ours until known), guild, member, command. */
export function jobLogger(logger: Logger, record: JobRecord): Logger {
  return logger.child({
    jobId: record.scenarioJobId ?? record.id,
    guildId: record.guildId,
    userId: record.userId,
    command: record.command,
  });
}

/**
 * The lock of one job's record, for every read-modify-write of it. The name predates `update` taking it
 * (it was the finish lease's alone); it stays so that an old and a new instance overlapping during a
 * rolling deploy still exclude each other.
 */
const jobLockKey = (id: string) => `job-finish:${id}`;

const isFinished = (record: JobRecord) => record.state === 'delivered' || record.state === 'failed';

const INDEX_KEY = 'open-index';
const openIndexSchema = z.array(z.string());

/** Durable job records in the store's `jobs` namespace, with an index of the ones not yet finished. */
export class JobLedger {
  constructor(
    private readonly jobs: KeyValue,
    // One writer at a time for the index (keyv has no atomic list operations), across instances on Redis.
    private readonly lock: KeyLock,
    /** How long a finished job's record is kept (an open job's record stays until it finishes). */
    private readonly retentionMs: number = 30 * 24 * 60 * 60 * 1000,
  ) {}

  async get(id: string): Promise<JobRecord | undefined> {
    const raw = await this.jobs.get(`job:${id}`);
    if (raw === undefined) return undefined;
    const parsed = jobRecordSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  put(record: NewJobRecord): Promise<JobRecord> {
    return this.write(record, false);
  }

  /**
   * `wasOpen`: the caller read the job's record unfinished under its lock. An open job enters the index
   * before its record is written and leaves it after its finished record is, so an unfinished record is
   * always indexed: a write that keeps it open (progress, leases) need not read the index. That read was
   * the whole index each time, and at 1,000 pending jobs an eighth of all the bot allocated.
   */
  private async write(record: NewJobRecord, wasOpen: boolean): Promise<JobRecord> {
    const parsed = jobRecordSchema.parse(record);
    const finished = isFinished(parsed);
    // A finished job needs no interaction token (nothing more is posted for it), and its record is kept
    // only for the retention period.
    const stored = finished ? { ...parsed, interactionToken: undefined } : parsed;
    if (!finished && !wasOpen) await this.setOpen(parsed.id, true);
    await this.jobs.set(`job:${parsed.id}`, stored, finished ? this.retentionMs : undefined);
    if (finished) await this.setOpen(parsed.id, false);
    return stored;
  }

  /**
   * A read-modify-write of one job under its lock (the one `claimFinish` takes), so that two writers (a
   * progress edit beside a delivery, or two instances) never undo each other's change. `patch` may be
   * computed from the current record. A finished job (delivered, failed) is never changed again: a late
   * progress write must not reopen it. One lock round trip: the lock, a read, a write.
   */
  update(
    id: string,
    patch: Partial<JobRecord> | ((current: JobRecord) => Partial<JobRecord>),
    now: number,
  ): Promise<JobRecord | undefined> {
    return this.lock.withLock(jobLockKey(id), async () => {
      const current = await this.get(id);
      if (!current || isFinished(current)) return current;
      const change = typeof patch === 'function' ? patch(current) : patch;
      return this.write({ ...current, ...change, updatedAt: now }, true);
    });
  }

  /**
   * Takes the right to post a job's outcome (result, failure, stuck notice) for `leaseMs`. Several
   * instances may follow one job (a rolling deploy overlaps the old and the new process): only the
   * holder posts; the others look again at `retryAt` and find it finished. The same owner may claim
   * again. An undelivered result is not claimed before its next attempt is due, by anyone: the backoff
   * holds across instances. `patch` is written with the lease (the delivery's `delivering` state), in
   * the same put.
   */
  claimFinish(
    id: string,
    owner: string,
    now: number,
    leaseMs: number,
    patch: Partial<JobRecord> = {},
  ): Promise<FinishClaim> {
    return this.lock.withLock(jobLockKey(id), async () => {
      const current = await this.get(id);
      if (!current || isFinished(current)) return { status: 'finished' };
      const due = current.state === 'undelivered' ? (current.undelivered?.nextAttemptAt ?? 0) : 0;
      if (due > now) return { status: 'later', reason: 'not_due', retryAt: due, record: current };
      const lease = current.finishLease;
      if (lease && lease.owner !== owner && lease.until > now)
        return { status: 'later', reason: 'leased', retryAt: lease.until, record: current };
      const record = await this.write(
        { ...current, ...patch, finishLease: { owner, until: now + leaseMs }, updatedAt: now },
        true,
      );
      return { status: 'claimed', record };
    });
  }

  /**
   * Extends `owner`'s finish lease while it is still posting: `taken` when another instance holds it now
   * (this one missed its renewals), `released` when there is nothing left to hold (finished, or the
   * lease given up).
   */
  renewFinish(
    id: string,
    owner: string,
    now: number,
    leaseMs: number,
  ): Promise<'renewed' | 'taken' | 'released'> {
    return this.lock.withLock(jobLockKey(id), async () => {
      const current = await this.get(id);
      const lease = current?.finishLease;
      if (!current || isFinished(current) || !lease) return 'released';
      if (lease.owner !== owner) return 'taken';
      await this.write({ ...current, finishLease: { owner, until: now + leaseMs }, updatedAt: now }, true);
      return 'renewed';
    });
  }

  /** Every job not delivered or failed: what a restart resumes. */
  async open(): Promise<JobRecord[]> {
    const ids = openIndexSchema.catch([]).parse(await this.jobs.get(INDEX_KEY));
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((record): record is JobRecord => record !== undefined && !isFinished(record));
  }

  /**
   * Adds or removes one job in the index of open jobs: for a job's first write and its finishing one (see
   * `write`). When it is already there (a job put again), an unlocked read says so without taking the lock
   * (a Redis round trip or two); a change is made under it. Only a job's own writes change its membership,
   * so the unlocked read cannot miss a change to it.
   */
  private async setOpen(id: string, open: boolean): Promise<void> {
    const read = async () => openIndexSchema.catch([]).parse(await this.jobs.get(INDEX_KEY));
    if ((await read()).includes(id) === open) return;
    await this.lock.withLock(`jobs:${INDEX_KEY}`, async () => {
      const ids = await read();
      if (ids.includes(id) === open) return;
      await this.jobs.set(INDEX_KEY, open ? [...ids, id] : ids.filter((other) => other !== id));
    });
  }
}
