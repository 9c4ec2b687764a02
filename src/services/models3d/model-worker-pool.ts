import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ModelWorkerInput, ModelWorkerOutput, ModelWorkerReply } from './model-worker.js';

export interface ModelWorkerPoolOptions {
  /** The worker's module (TypeScript under tsx and the tests, JavaScript when built). */
  entry: URL;
  /** How many models may be read at once, each in its own worker. */
  workerCount: number;
  /** Each worker's heap ceiling: a hostile model fails its own thread, not the bot. */
  heapMb: number;
  /** How long a worker may take to load its modules (not the model's fault, so counted apart). */
  startupLimitMs: number;
  /** How long one model may take once its worker has it; past this the worker is ended. */
  taskLimitMs: number;
  /** A worker with nothing to do for this long is ended, so an idle bot does not hold its memory. */
  idleMs: number;
}

/** What a task gets when its worker could not finish it: ended for its time, or dead (out of memory, a crash). */
export type ModelWorkerResult = ModelWorkerOutput | 'timeout';

interface Task {
  id: number;
  input: ModelWorkerInput;
  resolve: (result: ModelWorkerResult) => void;
}

/** One place for a worker: the worker (when running), whether its modules are loaded, its task. */
interface Slot {
  worker?: Worker;
  loaded: boolean;
  task?: Task;
  /** The start-up limit, the task's time limit, or the idle end: one at a time. */
  timer?: NodeJS.Timeout;
}

const DEAD_WORKER: ModelWorkerOutput = { ok: false, problem: 'unsupported' };

/**
 * Long-lived model workers, reused from model to model: starting one (loading glTF-Transform and sharp, and
 * under tsx compiling them) costs more CPU and memory than reading most models. Tasks queue while every
 * worker is busy. A worker that times out, dies or errs is discarded with only its own task failed; the next
 * task gets a fresh one. Workers never keep the process alive: a task's timer does while it runs.
 */
export class ModelWorkerPool {
  private readonly slots: Slot[];
  private readonly queue: Task[] = [];
  private nextTaskId = 1;
  private started = 0;

  constructor(private readonly options: ModelWorkerPoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.workerCount) }, () => ({ loaded: false }));
  }

  run(input: ModelWorkerInput): Promise<ModelWorkerResult> {
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextTaskId++, input, resolve });
      this.dispatch();
    });
  }

  /** How many workers were started so far (each start is the cost this pool exists to avoid). */
  workersStarted(): number {
    return this.started;
  }

  /** How many workers are running now. */
  workersRunning(): number {
    return this.slots.filter((slot) => slot.worker).length;
  }

  /** Ends every worker now; their tasks, and the queued ones, are answered as a dead worker's. */
  async close(): Promise<void> {
    const queued = this.queue.splice(0);
    const ending = this.slots.map((slot) => this.discard(slot, DEAD_WORKER));
    for (const task of queued) task.resolve(DEAD_WORKER);
    await Promise.all(ending);
  }

  /** Hands queued tasks to free slots, running workers first: a worker is started only when none is free. */
  private dispatch(): void {
    const free = this.slots.filter((slot) => !slot.task);
    for (const slot of [...free.filter((one) => one.worker), ...free.filter((one) => !one.worker)]) {
      const task = this.queue.shift();
      if (!task) return;
      slot.task = task;
      if (!slot.worker) this.start(slot);
      else if (slot.loaded) this.send(slot);
    }
  }

  private start(slot: Slot): void {
    const worker = startWorker(this.options.entry, this.options.heapMb);
    this.started += 1;
    slot.worker = worker;
    slot.loaded = false;
    this.limit(slot, this.options.startupLimitMs, () => void this.discard(slot, 'timeout'));
    // Every handler first checks the worker is still this slot's: a discarded one may still send or exit.
    worker.on('message', (message: ModelWorkerReply) => {
      if (slot.worker !== worker) return;
      if ('started' in message) {
        slot.loaded = true;
        if (slot.task) this.send(slot);
        return;
      }
      if (message.id !== slot.task?.id) return;
      clearTimeout(slot.timer);
      const { resolve } = slot.task;
      slot.task = undefined;
      resolve(message.output);
      this.dispatch();
      if (!slot.task) this.limit(slot, this.options.idleMs, () => void this.discard(slot), false);
    });
    // Out of memory or a crash in the reader: a file this bot cannot read.
    worker.once('error', () => {
      if (slot.worker === worker) void this.discard(slot, DEAD_WORKER);
    });
    worker.once('exit', () => {
      if (slot.worker === worker) void this.discard(slot, DEAD_WORKER);
    });
    // After the listeners: a 'message' listener refs the worker's port again.
    worker.unref();
  }

  /** The task's time starts when its worker has it, not while it waited in the queue. */
  private send(slot: Slot): void {
    const { worker, task } = slot;
    if (!worker || !task) return;
    this.limit(slot, this.options.taskLimitMs, () => void this.discard(slot, 'timeout'));
    worker.postMessage({ id: task.id, input: task.input });
  }

  private limit(slot: Slot, ms: number, onExpiry: () => void, keepsProcessAlive = true): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(onExpiry, ms);
    if (!keepsProcessAlive) slot.timer.unref();
  }

  /** Ends the slot's worker; its task (if any) gets `answer`, and the queue moves on to a fresh worker. */
  private async discard(slot: Slot, answer?: ModelWorkerResult): Promise<void> {
    const { worker, task } = slot;
    clearTimeout(slot.timer);
    slot.worker = undefined;
    slot.loaded = false;
    slot.task = undefined;
    if (task) task.resolve(answer ?? DEAD_WORKER);
    this.dispatch();
    await worker?.terminate();
  }
}

/**
 * A worker from a module of ours. Built code (`dist/`) runs as is; under tsx and the tests the source is
 * TypeScript, so the worker first registers tsx's loader in its own thread, then imports the entry.
 */
function startWorker(entry: URL, heapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: heapMb };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { resourceLimits });
  const tsxApi = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const boot = `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}
