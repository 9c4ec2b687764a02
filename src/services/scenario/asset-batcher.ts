import type { Asset, ScenarioClient } from './scenario-client.js';

/**
 * How long an asset read ahead of its delivery is kept for it: deliveries start within seconds of their
 * job's confirmation, and Scenario's signed links last at least 24 h.
 */
const PREFETCH_TTL_MS = 5 * 60_000;

/**
 * Reads the assets of several finishing jobs in one `POST /assets/get-bulk` (up to 100 ids): under load,
 * deliveries cost a fraction of a request each instead of one. Requests arriving within `windowMs` share a
 * call, and so do those arriving while the previous call waits for the budget: the busier the budget, the
 * more jobs one read serves. `prefetch` starts a job's read as soon as the job is known to be finished, so that every job
 * finishing in one polling round shares one read, instead of each waiting for a delivery slot and reading
 * with the few others delivering at that moment (one budget wait per handful of jobs, in turn).
 */
export interface AssetBatcherOptions {
  now?: () => number;
  /**
   * While this holds (confirmations of finished jobs wait for the budget), a read is put off, at most
   * `maxHoldMs` after its first id: each confirmation adds its job's ids to the next read. Without it, under
   * a steady budget a read would follow each confirmation and carry one job's assets.
   */
  holdWhile?: () => boolean;
  maxHoldMs?: number;
}

export function createAssetBatcher(
  scenario: ScenarioClient,
  windowMs = 50,
  options: AssetBatcherOptions = {},
) {
  const now = options.now ?? Date.now;
  // When the oldest id waiting to be read arrived.
  let firstQueuedAt = 0;
  let queued: {
    ids: readonly string[];
    resolve: (assets: Asset[]) => void;
    reject: (error: unknown) => void;
  }[] = [];
  let flushScheduled = false;
  // One read at a time: ids arriving while it waits for the budget join the next one.
  let reading = false;
  /** Reads started by `prefetch`, per asset id, until `get` takes them or they expire. */
  const early = new Map<string, { read: Promise<Asset | undefined | 'failed'>; at: number }>();

  const scheduleFlush = () => {
    if (flushScheduled || reading || queued.length === 0) return;
    flushScheduled = true;
    setTimeout(flushWhenDue, windowMs);
  };
  const flushWhenDue = () => {
    const ids = queued.reduce((sum, entry) => sum + entry.ids.length, 0);
    const held = options.holdWhile?.() && now() - firstQueuedAt < (options.maxHoldMs ?? 0) && ids < 100;
    if (held) setTimeout(flushWhenDue, windowMs);
    else void flush();
  };

  async function flush(): Promise<void> {
    const batch = queued;
    queued = [];
    flushScheduled = false;
    reading = true;
    try {
      const ids = [...new Set(batch.flatMap((entry) => entry.ids))];
      const found = new Map(
        (await scenario.assets.retrieveMany(ids, 'background')).map((asset) => [asset.id, asset]),
      );
      for (const entry of batch) entry.resolve(entry.ids.flatMap((id) => found.get(id) ?? []));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      reading = false;
      scheduleFlush();
    }
  }

  function read(ids: readonly string[]): Promise<Asset[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      if (queued.length === 0) firstQueuedAt = now();
      queued.push({ ids, resolve, reject });
      scheduleFlush();
    });
  }

  function forgetExpired(): void {
    const oldest = now() - PREFETCH_TTL_MS;
    for (const [id, entry] of early) if (entry.at < oldest) early.delete(id);
  }

  return {
    /** Starts reading these assets now; the next `get` of the same ids takes the answer. */
    prefetch(ids: readonly string[]): void {
      forgetExpired();
      const fresh = ids.filter((id) => !early.has(id));
      if (fresh.length === 0) return;
      // A failed early read is not an error yet (`get` reads again): it settles as `failed`, never rejects,
      // so no rejection is left unhandled while nobody has asked for these assets.
      const answer = read(fresh).then(
        (assets) => assets,
        () => 'failed' as const,
      );
      for (const id of fresh)
        early.set(id, {
          read: answer.then((assets) =>
            assets === 'failed' ? 'failed' : assets.find((asset) => asset.id === id),
          ),
          at: now(),
        });
    },
    async get(ids: readonly string[]): Promise<Asset[]> {
      const started = ids.map((id) => early.get(id)?.read);
      for (const id of ids) early.delete(id);
      if (ids.length > 0 && started.every((answer) => answer !== undefined)) {
        const assets = await Promise.all(started);
        if (!assets.includes('failed'))
          return assets.filter((asset): asset is Asset => asset !== undefined && asset !== 'failed');
      }
      return read(ids);
    },
  };
}

export type AssetBatcher = ReturnType<typeof createAssetBatcher>;
