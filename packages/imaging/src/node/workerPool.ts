/**
 * A small pool of decode workers. Each task has a time limit: a worker stuck on a hostile file is
 * terminated and replaced, and only that file fails (no hang, nothing else lost).
 */
import { Worker } from 'node:worker_threads';
import type { FromWorker, PlanMessage, ToWorker } from './decodeProtocol.ts';
import { decodeWorkerUrl } from './workerScript.ts';

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  knownPlans: Set<number>;
  busy: boolean;
  started: boolean;
}

interface Pending {
  taskId: number;
  planKey: number;
  file: string;
  slices: number[];
  resolve: (error: string | undefined) => void;
}

export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Slot, { task: Pending; timer: NodeJS.Timeout }>();
  private readonly plans = new Map<number, PlanMessage>();
  private nextTask = 1;
  private closed = false;
  /** Workers that died before they were ready: a broken installation, not a bad file. */
  private startFailures = 0;

  private constructor(
    private readonly script: URL,
    private readonly taskTimeoutMs: number,
  ) {}

  /** Starts `size` workers; they load while the caller goes on (e.g. reading headers). */
  static async start(size: number, taskTimeoutMs: number): Promise<DecodePool> {
    const pool = new DecodePool(await decodeWorkerUrl(), taskTimeoutMs);
    for (let i = 0; i < size; i++) pool.slots.push(pool.spawn());
    return pool;
  }

  private spawn(): Slot {
    // The script is plain JavaScript: do not inherit loader flags such as `--import tsx` (~0.1 s per worker).
    const worker = new Worker(this.script, { execArgv: [] });
    const slot: Slot = {
      worker,
      ready: Promise.resolve(),
      knownPlans: new Set(),
      busy: false,
      started: false,
    };
    slot.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === 'ready') {
          slot.started = true;
          worker.off('error', reject);
          resolve();
        } else this.onResult(slot, m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    worker.on('error', (e) => this.onCrash(slot, `decoder crashed: ${e.message}`));
    worker.on('exit', (code) => {
      if (!this.closed && code !== 0) this.onCrash(slot, `decoder exited with code ${code}`);
    });
    return slot;
  }

  addPlan(message: PlanMessage): void {
    this.plans.set(message.planKey, message);
  }

  forgetPlan(planKey: number): void {
    this.plans.delete(planKey);
    for (const slot of this.slots)
      if (slot.knownPlans.delete(planKey))
        slot.worker.postMessage({ type: 'forget', planKey } satisfies ToWorker);
  }

  /** Resolves with undefined on success or the reason the file failed. */
  decode(planKey: number, file: string, slices: number[]): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.queue.push({ taskId: this.nextTask++, planKey, file, slices, resolve });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const task = this.queue.shift()!;
      slot.busy = true;
      void slot.ready.then(
        () => this.start(slot, task),
        (e: Error) => {
          slot.busy = false;
          task.resolve(`decoder failed to start: ${e.message}`);
        },
      );
    }
  }

  private start(slot: Slot, task: Pending): void {
    if (!slot.knownPlans.has(task.planKey)) {
      const plan = this.plans.get(task.planKey);
      if (!plan) {
        slot.busy = false;
        task.resolve('internal: unknown plan');
        this.pump();
        return;
      }
      slot.worker.postMessage(plan satisfies ToWorker);
      slot.knownPlans.add(task.planKey);
    }
    const timer = setTimeout(
      () => this.onCrash(slot, `decoding took longer than ${this.taskTimeoutMs / 1000} s`),
      this.taskTimeoutMs,
    );
    this.running.set(slot, { task, timer });
    slot.worker.postMessage({
      type: 'task',
      taskId: task.taskId,
      planKey: task.planKey,
      file: task.file,
      slices: task.slices,
    } satisfies ToWorker);
  }

  private onResult(slot: Slot, m: FromWorker): void {
    const run = this.running.get(slot);
    if (!run || m.type === 'ready' || m.taskId !== run.task.taskId) return;
    clearTimeout(run.timer);
    this.running.delete(slot);
    slot.busy = false;
    run.task.resolve(m.type === 'done' ? undefined : m.reason);
    this.pump();
  }

  /** A worker died or hung: fail its task, replace the worker. */
  private onCrash(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0 || this.closed) return;
    const run = this.running.get(slot);
    if (run) {
      clearTimeout(run.timer);
      this.running.delete(slot);
      run.task.resolve(reason);
    }
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    if (!slot.started && ++this.startFailures > 3) {
      // Do not respawn forever: fail what is queued with the reason.
      this.slots.splice(index, 1);
      if (this.slots.length === 0)
        for (const t of this.queue.splice(0)) t.resolve(`decoder could not start: ${reason}`);
      return;
    }
    this.slots[index] = this.spawn();
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
