/**
 * A small pool of decode workers, shared by the Node (worker threads) and browser (web workers)
 * loaders. Each task has a time limit: a worker stuck on a hostile file is terminated and replaced,
 * and only that file fails (no hang, nothing else lost). A task's bytes, where the worker cannot read
 * the file itself, are read only when a worker is free for it: at most one file per worker in memory.
 */
import type { FromWorker, PlanMessage, TaskMessage, ToWorker } from './decodeProtocol.ts';

/** The part of a worker the pool uses; ./node/workerPool.ts and ./browser/workerPool.ts adapt theirs. */
export interface WorkerHandle {
  post(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** The worker died or broke; `reason` becomes the error of the file it was decoding. */
  onFailure(listener: (reason: string) => void): void;
  terminate(): Promise<void> | void;
}

/** A task's outcome: the reason it failed, or (a plan without a shared buffer) the decoded slices. */
export type TaskResult = { reason: string } | { values?: ArrayBuffer };

interface Task {
  taskId: number;
  planKey: number;
  file: string;
  slices: number[];
  read: (() => Promise<Uint8Array>) | undefined;
  resolve: (result: TaskResult) => void;
}

interface Running {
  task: Task;
  /** Waiting for the worker to load, for the file's bytes, or for the decoded result. */
  stage: 'starting' | 'reading' | 'decoding';
  timer: ReturnType<typeof setTimeout> | undefined;
  /** When the stage began (ms, performance.now()): a decoded result that arrives after the limit, before
   * the timer could fire (timers are coarser than very short limits), is late all the same. */
  since: number;
}

interface Slot {
  worker: WorkerHandle;
  ready: Promise<void>;
  started: boolean;
  knownPlans: Set<number>;
  running: Running | undefined;
}

/** A worker that has not loaded its script by then is taken for broken (a wrong URL fails sooner). */
const WORKER_START_TIMEOUT_MS = 30_000;
/** Workers that die before they are ready are a broken installation, not a bad file: stop respawning. */
const MAX_START_FAILURES = 3;

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly plans = new Map<number, PlanMessage>();
  private nextTask = 1;
  private closed = false;
  private startFailures = 0;
  private lastStartFailure = '';

  /** Starts `size` workers; they load while the caller goes on (e.g. reading headers). */
  constructor(
    size: number,
    private readonly create: () => WorkerHandle,
    private readonly taskTimeoutMs: number,
  ) {
    for (let i = 0; i < size; i++) {
      const slot = this.spawn();
      if (slot) this.slots.push(slot);
    }
  }

  private spawn(): Slot | undefined {
    let worker: WorkerHandle;
    try {
      worker = this.create();
    } catch (e) {
      this.startFailures++;
      this.lastStartFailure = `cannot create a decode worker: ${messageOf(e)}`;
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
    worker.onMessage((m) => {
      if (m.type === 'ready') {
        slot.started = true;
        markReady();
      } else this.onResult(slot, m);
    });
    worker.onFailure((reason) => this.onCrash(slot, reason));
    return slot;
  }

  addPlan(message: PlanMessage): void {
    this.plans.set(message.planKey, message);
  }

  forgetPlan(planKey: number): void {
    this.plans.delete(planKey);
    for (const slot of this.slots)
      if (slot.knownPlans.delete(planKey)) slot.worker.post({ type: 'forget', planKey });
  }

  /**
   * Decodes the listed slices of one file. `read`, where the worker cannot read the file itself, is
   * called once a worker is free for the file.
   */
  decode(
    planKey: number,
    file: string,
    slices: number[],
    read?: () => Promise<Uint8Array>,
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
      const run: Running = { task: this.queue.shift()!, stage: 'starting', timer: undefined, since: 0 };
      slot.running = run;
      this.enter(slot, run, 'starting');
      void slot.ready.then(() => this.read(slot, run));
    }
  }

  private read(slot: Slot, run: Running): void {
    if (slot.running !== run) return;
    const { read } = run.task;
    if (!read) return this.send(slot, run, undefined);
    this.enter(slot, run, 'reading');
    read().then(
      (bytes) => this.send(slot, run, bytes),
      (e: unknown) => this.finish(slot, run, { reason: `cannot read the file: ${messageOf(e)}` }),
    );
  }

  private send(slot: Slot, run: Running, bytes: Uint8Array | undefined): void {
    if (slot.running !== run) return;
    const { taskId, planKey, file, slices } = run.task;
    const plan = this.plans.get(planKey);
    if (!plan) return this.finish(slot, run, { reason: 'internal: unknown plan' });
    if (bytes !== undefined && !(bytes instanceof Uint8Array))
      return this.finish(slot, run, { reason: 'cannot read the file: its bytes are not a Uint8Array' });
    try {
      if (!slot.knownPlans.has(planKey)) {
        slot.worker.post(plan);
        slot.knownPlans.add(planKey);
      }
      this.enter(slot, run, 'decoding');
      const task: TaskMessage = { type: 'task', taskId, planKey, file, slices };
      if (bytes) task.bytes = ownBytes(bytes);
      slot.worker.post(task);
    } catch (e) {
      // e.g. DataCloneError: nothing was sent that the worker could act on.
      this.finish(slot, run, { reason: `cannot send the file to the decoder: ${messageOf(e)}` });
    }
  }

  private onResult(slot: Slot, m: Exclude<FromWorker, { type: 'ready' }>): void {
    const run = slot.running;
    if (!run || run.stage !== 'decoding' || m.taskId !== run.task.taskId) return;
    if (this.late(run))
      return this.finish(slot, run, { reason: `decoding took longer than ${this.taskTimeoutMs / 1000} s` });
    this.finish(slot, run, m.type === 'done' ? { values: m.values } : { reason: m.reason });
  }

  private late(run: Running): boolean {
    return performance.now() - run.since > this.taskTimeoutMs;
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
    run.since = performance.now();
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
    void slot.worker.terminate();
    const replacement = slot.started || ++this.startFailures <= MAX_START_FAILURES ? this.spawn() : undefined;
    if (!slot.started) this.lastStartFailure = reason;
    if (replacement) this.slots[index] = replacement;
    else {
      // With no worker left, fail what is queued with the reason.
      this.slots.splice(index, 1);
      if (this.slots.length === 0)
        for (const t of this.queue.splice(0)) t.resolve({ reason: `decoder could not start: ${reason}` });
    }
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** Structured clone copies the whole underlying buffer: send only this file's bytes. */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}
