import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { BudgetView, RequestBudget } from '../scenario/request-budget.js';
import { type JobRecord, jobLogger } from './job-ledger.js';
import type { JobMessenger, QueueFacts } from './job-messenger.js';

export interface QueueWatchOptions {
  budget: Pick<RequestBudget, 'view'>;
  messenger: Pick<JobMessenger, 'showQueued'>;
  clock: Clock;
  logger: Logger;
  /** Shortest gap between two edits of one waiting job's message (the progress-edit interval). */
  intervalMs: number;
  /** The progress edits left this second, shared with the running jobs' (edit-allowance.ts). */
  edits?: { take(): boolean };
  /**
   * Whether the job is still queued in the store: another instance sharing it may have sent (and even
   * delivered) it while this one still waits for its turn; its message is then not this watch's to edit.
   */
  isQueued?: (id: string) => Promise<boolean>;
}

interface Watched {
  record: JobRecord;
  shown?: string;
  lastEditAt: number;
  edit?: Promise<void>;
}

/** However short the progress-edit interval, a waiting job's message is edited at most this often. */
const MIN_EDIT_GAP_MS = 5_000;
/** Edits started per look (one look a second at most): a long queue is not a flood of edits. */
const EDITS_PER_LOOK = 10;

/** A waiting job's place: its requests ahead, and the wait rounded as the member reads it (15 s steps). */
const shownAs = (facts: QueueFacts) => `${facts.ahead}:${Math.ceil(facts.etaMs / 15_000)}`;

/**
 * Tells members whose jobs wait for the request budget where they stand: one timer for every waiting job
 * (no timer per job) reads the budget's queue and edits a job's message when its place changed, at most
 * once per interval. Also what `/status` reads: the jobs waiting here, with their places.
 */
export class QueueWatch {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: QueueWatchOptions) {}

  /**
   * Starts showing `record`'s place while it waits. The returned `stop` ends that (once the budget gave
   * the job its slot) and resolves when an edit in flight has landed, so the next message (progress)
   * cannot be overwritten by a late place.
   */
  watch(record: JobRecord): () => Promise<void> {
    this.watched.set(record.id, { record, lastEditAt: 0 });
    // The first look comes once the generate call has joined the budget's queue (same tick as this call).
    if (!this.timer) this.schedule(0);
    return async () => {
      const entry = this.watched.get(record.id);
      this.watched.delete(record.id);
      await entry?.edit;
    };
  }

  /** The jobs waiting now, with their places in the budget's queue when they have joined it. */
  waiting(view: BudgetView = this.options.budget.view()): Array<{ record: JobRecord; facts?: QueueFacts }> {
    return [...this.watched.values()].map(({ record }) => ({ record, facts: view.waiting.get(record.id) }));
  }

  private async stillQueued(entry: Watched): Promise<boolean> {
    const queued = (await this.options.isQueued?.(entry.record.id)) ?? true;
    // Sent elsewhere: stop showing a place (this instance's turn will find it sent and stand down).
    if (!queued) this.watched.delete(entry.record.id);
    return queued;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref?.();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.watched.size === 0) return;
    const now = this.options.clock.now();
    const view = this.options.budget.view();
    const gapMs = Math.max(this.options.intervalMs, MIN_EDIT_GAP_MS);
    // Nearest to their turn first: their news matters most.
    const due = [...this.watched.values()]
      .map((entry) => ({ entry, facts: view.waiting.get(entry.record.id) }))
      .filter(
        (item): item is { entry: Watched; facts: QueueFacts } =>
          item.facts !== undefined &&
          !item.entry.edit &&
          now - item.entry.lastEditAt >= gapMs &&
          shownAs(item.facts) !== item.entry.shown,
      )
      .sort((a, b) => a.facts.ahead - b.facts.ahead)
      .slice(0, EDITS_PER_LOOK);
    for (const { entry, facts } of due) {
      // Discord's requests are spent on results first: a place not shown now is shown at a later look.
      if (!(this.options.edits?.take() ?? true)) break;
      const shown = shownAs(facts);
      entry.shown = shown;
      entry.lastEditAt = now;
      entry.edit = this.stillQueued(entry)
        .then((queued) => (queued ? this.options.messenger.showQueued(entry.record, facts) : undefined))
        .then((outcome) => {
          if (outcome && !outcome.ok)
            jobLogger(this.options.logger, entry.record).warn(
              { reason: outcome.reason },
              'could not show the queue position',
            );
        })
        .catch((error) =>
          jobLogger(this.options.logger, entry.record).warn({ err: error }, 'queue position edit failed'),
        )
        .finally(() => {
          entry.edit = undefined;
        });
    }
    this.schedule(Math.max(250, Math.min(this.options.intervalMs, 1_000)));
  }
}
