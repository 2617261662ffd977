/**
 * A small pool of decode web workers, the browser twin of ../node/workerPool.ts. Each task has a time
 * limit: a worker stuck on a hostile file is terminated and replaced, and only that file fails.
 * The main thread reads a file's bytes only when a worker is free for it, so at most one file per
 * worker is in memory at a time.
 */
import type { CodecWasmUrls, FromWorker, PlanMessage, ToWorker } from './decodeProtocol.ts';

/** The part of the Web Worker API the pool uses; a DOM `Worker` satisfies it. */
export interface DecodeWorker {
  postMessage(message: ToWorker): void;
  addEventListener(type: 'message', listener: (event: { data: FromWorker }) => void): void;
  addEventListener(type: 'error' | 'messageerror', listener: (event: { message?: string }) => void): void;
  terminate(): void;
}

/** A task's outcome: the reason it failed, or (without shared memory) the decoded slices. */
export type TaskResult = { reason: string } | { values?: ArrayBuffer };

interface Pending {
  taskId: number;
  planKey: number;
  file: string;
  slices: number[];
  read: () => Promise<Uint8Array>;
  resolve: (result: TaskResult) => void;
}

interface Running {
  task: Pending;
  /** Waiting for the worker to load, for the file's bytes, or for the decoded result. */
  stage: 'starting' | 'reading' | 'decoding';
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Slot {
  worker: DecodeWorker;
  ready: Promise<void>;
  started: boolean;
  knownPlans: Set<number>;
  running: Running | undefined;
}

/** A worker that has not loaded its script by then is taken for broken (a wrong URL fails sooner). */
const WORKER_START_TIMEOUT_MS = 30_000;

export class BrowserDecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly plans = new Map<number, PlanMessage>();
  private nextTask = 1;
  private closed = false;
  /** Workers that died before they were ready: a broken deployment (script or wasm URL), not a bad file. */
  private startFailures = 0;
  private lastStartFailure = '';

  private constructor(
    private readonly create: () => DecodeWorker,
    private readonly taskTimeoutMs: number,
    private readonly codecWasm: CodecWasmUrls | undefined,
  ) {}

  /** Starts `size` workers; they load while the caller goes on (e.g. reading headers). */
  static start(
    size: number,
    create: () => DecodeWorker,
    taskTimeoutMs: number,
    codecWasm?: CodecWasmUrls,
  ): BrowserDecodePool {
    const pool = new BrowserDecodePool(create, taskTimeoutMs, codecWasm);
    for (let i = 0; i < size; i++) {
      const slot = pool.spawn();
      if (slot) pool.slots.push(slot);
    }
    return pool;
  }

  private spawn(): Slot | undefined {
    let worker: DecodeWorker;
    try {
      worker = this.create();
    } catch (e) {
      this.startFailures++;
      this.lastStartFailure = `cannot create a decode worker: ${e instanceof Error ? e.message : String(e)}`;
      return undefined;
    }
    let markReady = () => {};
    const slot: Slot = {
      worker,
      ready: new Promise<void>((resolve) => (markReady = resolve)),
      started: false,
      knownPlans: new Set(),
      running: undefined,
    };
    worker.addEventListener('message', ({ data }) => {
      if (data.type === 'ready') {
        slot.started = true;
        markReady();
      } else this.onResult(slot, data);
    });
    worker.addEventListener('error', (e) =>
      this.onCrash(slot, `decoder crashed: ${e.message || 'its script failed to load or threw'}`),
    );
    worker.addEventListener('messageerror', () =>
      this.onCrash(slot, 'a message from the decoder could not be read'),
    );
    worker.postMessage({ type: 'init', codecWasm: this.codecWasm });
    return slot;
  }

  addPlan(message: PlanMessage): void {
    this.plans.set(message.planKey, message);
  }

  forgetPlan(planKey: number): void {
    this.plans.delete(planKey);
    for (const slot of this.slots)
      if (slot.knownPlans.delete(planKey)) slot.worker.postMessage({ type: 'forget', planKey });
  }

  /** Decodes the listed slices of one file; `read` is called once a worker is free for the file. */
  decode(
    planKey: number,
    file: string,
    slices: number[],
    read: () => Promise<Uint8Array>,
  ): Promise<TaskResult> {
    if (this.slots.length === 0)
      return Promise.resolve({ reason: `decoder could not start: ${this.lastStartFailure}` });
    return new Promise((resolve) => {
      this.queue.push({ taskId: this.nextTask++, planKey, file, slices, read, resolve });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.running || this.queue.length === 0) continue;
      const run: Running = { task: this.queue.shift()!, stage: 'starting', timer: undefined };
      slot.running = run;
      this.enter(slot, run, 'starting');
      void slot.ready.then(() => this.read(slot, run));
    }
  }

  private read(slot: Slot, run: Running): void {
    if (slot.running !== run) return;
    this.enter(slot, run, 'reading');
    run.task.read().then(
      (bytes) => this.post(slot, run, bytes),
      (e: unknown) =>
        this.finish(slot, run, {
          reason: `cannot read the file: ${e instanceof Error ? e.message : String(e)}`,
        }),
    );
  }

  private post(slot: Slot, run: Running, bytes: Uint8Array): void {
    if (slot.running !== run) return;
    const { task } = run;
    const plan = this.plans.get(task.planKey);
    if (!plan) {
      this.finish(slot, run, { reason: 'internal: unknown plan' });
      return;
    }
    if (!(bytes instanceof Uint8Array)) {
      this.finish(slot, run, { reason: 'cannot read the file: its bytes are not a Uint8Array' });
      return;
    }
    // Structured clone copies the whole underlying buffer: send only this file's bytes.
    const own =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    try {
      if (!slot.knownPlans.has(task.planKey)) {
        slot.worker.postMessage(plan);
        slot.knownPlans.add(task.planKey);
      }
      this.enter(slot, run, 'decoding');
      slot.worker.postMessage({
        type: 'task',
        taskId: task.taskId,
        planKey: task.planKey,
        file: task.file,
        slices: task.slices,
        bytes: own,
      });
    } catch (e) {
      // e.g. DataCloneError: nothing was sent that the worker could act on.
      this.finish(slot, run, {
        reason: `cannot send the file to the decoder: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }

  private onResult(slot: Slot, m: FromWorker): void {
    const run = slot.running;
    if (!run || run.stage !== 'decoding' || m.type === 'ready' || m.taskId !== run.task.taskId) return;
    this.finish(slot, run, m.type === 'done' ? { values: m.values } : { reason: m.reason });
  }

  private finish(slot: Slot, run: Running, result: TaskResult): void {
    if (slot.running !== run) return;
    clearTimeout(run.timer);
    slot.running = undefined;
    run.task.resolve(result);
    this.pump();
  }

  /** Each stage has its own time limit: a worker that never loads, a read or a decode that never ends. */
  private enter(slot: Slot, run: Running, stage: Running['stage']): void {
    clearTimeout(run.timer);
    run.stage = stage;
    const limitMs =
      stage === 'starting' ? Math.max(WORKER_START_TIMEOUT_MS, this.taskTimeoutMs) : this.taskTimeoutMs;
    const limit = `${limitMs / 1000} s`;
    run.timer = setTimeout(() => {
      if (slot.running !== run) return;
      if (stage === 'reading')
        this.finish(slot, run, { reason: `reading the file took longer than ${limit}` });
      else if (stage === 'starting') this.onCrash(slot, `the decoder did not start within ${limit}`);
      else this.onCrash(slot, `decoding took longer than ${limit}`);
    }, limitMs);
  }

  /** A worker died or hung: fail its task, replace the worker. */
  private onCrash(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.closed) return;
    const run = slot.running;
    if (run) {
      clearTimeout(run.timer);
      slot.running = undefined;
      run.task.resolve({ reason });
    }
    slot.worker.terminate();
    const replacement = slot.started || ++this.startFailures <= 3 ? this.spawn() : undefined;
    if (!slot.started) this.lastStartFailure = reason;
    if (replacement) this.slots[index] = replacement;
    else {
      // Do not respawn forever: with no worker left, fail what is queued with the reason.
      this.slots.splice(index, 1);
      if (this.slots.length === 0)
        for (const t of this.queue.splice(0)) t.resolve({ reason: `decoder could not start: ${reason}` });
    }
    this.pump();
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots) slot.worker.terminate();
  }
}
