/**
 * A small pool of task workers (web workers or worker threads) that runs the operations of
 * ./registry.ts by name. Workers start when first needed. Each task's progress reaches its caller's
 * `control.onProgress`; its `control.signal` cancels it: the worker's operation throws CancelledError
 * at its next check and the promise rejects with it, or, where the operation does not stop within
 * `cancelGraceMs`, the worker is terminated and replaced and the promise rejects with CancelledError.
 * A worker that crashes fails only its own task and is replaced.
 */
import { CancelledError, type TaskControl } from '../task.ts';
import type { TaskArgs, TaskName, TaskResult } from './registry.ts';
import { transferables, type FromTaskWorker, type ToTaskWorker } from './protocol.ts';

/** The part of a worker the pool uses; ../browser/runInWorker.ts and ../node/runInWorker.ts adapt theirs. */
export interface TaskWorkerHandle {
  post(message: ToTaskWorker, transfer: ArrayBuffer[]): void;
  onMessage(listener: (message: FromTaskWorker) => void): void;
  /** The worker died or broke; `reason` says how. */
  onFailure(listener: (reason: string) => void): void;
  terminate(): Promise<unknown> | void;
}

export interface RunOptions {
  /**
   * Move the arguments' typed arrays to the worker instead of copying them: no copy at all, but the
   * caller's arrays are left empty (detached). Arrays on a SharedArrayBuffer are always shared as they
   * are. Default false: each other buffer is copied once, in bulk, by structured clone.
   */
  transferInputs?: boolean;
}

/** Runs registered operations off the calling thread. */
export interface TaskRunner {
  run<K extends TaskName>(
    name: K,
    args: TaskArgs<K>,
    control?: TaskControl,
    options?: RunOptions,
  ): Promise<TaskResult<K>>;
  /** Terminates the workers; tasks still queued or running reject. */
  close(): Promise<void>;
}

export interface TaskPoolOptions {
  /** Most workers at once. */
  workers: number;
  create: () => TaskWorkerHandle;
  /** How long a cancelled operation may take to stop before its worker is terminated (default 1000 ms). */
  cancelGraceMs?: number;
  /** A worker that has not said 'ready' by then is taken for broken (default 30 s). */
  startTimeoutMs?: number;
}

interface Job {
  id: number;
  name: string;
  args: unknown[];
  control: TaskControl | undefined;
  transferInputs: boolean;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  cancelFlag: Int32Array | undefined;
  cancelled: boolean;
  /** Removes the abort listener. */
  detach: () => void;
}

interface Slot {
  worker: TaskWorkerHandle;
  started: boolean;
  job: Job | undefined;
  /** The job was posted to the worker (it may be running). */
  sent: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Workers that die before they are ready are a broken installation: stop respawning after this many. */
const MAX_START_FAILURES = 3;

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

function canShareMemory(): boolean {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated !== false && typeof SharedArrayBuffer === 'function';
}

function cancelledError(reason: string): CancelledError {
  const error = new CancelledError('');
  error.message = reason;
  return error;
}

export function createTaskPool(options: TaskPoolOptions): TaskRunner {
  const size = Math.max(1, Math.floor(options.workers));
  const graceMs = options.cancelGraceMs ?? 1000;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;
  let startFailures = 0;

  function spawn(): Slot | undefined {
    let worker: TaskWorkerHandle;
    try {
      worker = options.create();
    } catch (e) {
      failAll(`cannot create a task worker: ${messageOf(e)}`);
      return undefined;
    }
    const slot: Slot = { worker, started: false, job: undefined, sent: false, timer: undefined };
    slot.timer = setTimeout(
      () => onCrash(slot, `the task worker did not start within ${startTimeoutMs / 1000} s`),
      startTimeoutMs,
    );
    worker.onMessage((m) => onMessage(slot, m));
    worker.onFailure((reason) => onCrash(slot, reason));
    slots.push(slot);
    return slot;
  }

  function pump(): void {
    while (queue.length > 0) {
      const slot = slots.find((s) => !s.job) ?? (slots.length < size ? spawn() : undefined);
      if (!slot) return;
      slot.job = queue.shift()!;
      slot.sent = false;
      if (slot.started) send(slot);
    }
  }

  function send(slot: Slot): void {
    const job = slot.job!;
    job.cancelFlag = canShareMemory() ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    try {
      slot.worker.post(
        { type: 'run', id: job.id, name: job.name, args: job.args, cancelFlag: job.cancelFlag },
        job.transferInputs ? transferables(job.args) : [],
      );
      slot.sent = true;
    } catch (e) {
      // e.g. DataCloneError: nothing reached the worker.
      finish(slot, new Error(`${job.name}: cannot send the arguments to a worker: ${messageOf(e)}`));
    }
  }

  function onMessage(slot: Slot, m: FromTaskWorker): void {
    if (m.type === 'ready') {
      if (slot.started) return;
      slot.started = true;
      clearTimeout(slot.timer);
      slot.timer = undefined;
      if (slot.job) send(slot);
      return;
    }
    const job = slot.job;
    if (!job || !slot.sent || m.id !== job.id) return;
    if (m.type === 'progress') {
      if (!job.cancelled) job.control?.onProgress?.(m.fraction, m.phase);
    } else if (m.type === 'done') {
      finish(slot, job.cancelled ? new CancelledError(job.name) : undefined, m.result);
    } else {
      const cancelled = m.cancelled === true || job.cancelled;
      finish(
        slot,
        cancelled
          ? cancelledError(m.cancelled ? m.reason : `${job.name} was cancelled`)
          : new Error(m.reason),
      );
    }
  }

  /** Settles the slot's job and frees the slot. */
  function finish(slot: Slot, error: Error | undefined, result?: unknown): void {
    const job = slot.job;
    if (!job) return;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    slot.sent = false;
    job.detach();
    if (error) job.reject(error);
    else job.resolve(result);
    pump();
  }

  function cancel(job: Job): void {
    if (job.cancelled) return;
    job.cancelled = true;
    const queued = queue.indexOf(job);
    if (queued >= 0) {
      queue.splice(queued, 1);
      job.detach();
      job.reject(new CancelledError(job.name));
      return;
    }
    const slot = slots.find((s) => s.job === job);
    if (!slot) return;
    if (!slot.sent) return finish(slot, new CancelledError(job.name)); // worker still starting
    if (job.cancelFlag) Atomics.store(job.cancelFlag, 0, 1);
    slot.worker.post({ type: 'cancel', id: job.id }, []);
    slot.timer = setTimeout(() => {
      if (slot.job !== job) return;
      const error = cancelledError(
        `${job.name} was cancelled (it did not stop within ${graceMs / 1000} s, so its worker was stopped)`,
      );
      replace(slot);
      finish(slot, error);
    }, graceMs);
  }

  /** Terminates the slot's worker and puts a fresh one in its place (started when needed). */
  function replace(slot: Slot): void {
    const index = slots.indexOf(slot);
    if (index >= 0) slots.splice(index, 1);
    void slot.worker.terminate();
  }

  /** A worker died or never started: fail its task, drop the worker (a new one starts on demand). */
  function onCrash(slot: Slot, reason: string): void {
    if (closed || !slots.includes(slot)) return;
    if (!slot.started && ++startFailures >= MAX_START_FAILURES) {
      replace(slot);
      const job = slot.job;
      if (job) finish(slot, new Error(`${job.name}: the task worker could not start: ${reason}`));
      failAll(`the task worker could not start: ${reason}`);
      return;
    }
    replace(slot);
    const job = slot.job;
    if (job)
      finish(
        slot,
        job.cancelled
          ? new CancelledError(job.name)
          : new Error(`${job.name}: the task worker failed: ${reason}`),
      );
    else pump();
  }

  /** No worker can run: reject everything queued. */
  function failAll(reason: string): void {
    for (const job of queue.splice(0)) {
      job.detach();
      job.reject(new Error(`${job.name}: ${reason}`));
    }
  }

  return {
    run(name, args, control, runOptions) {
      if (closed) return Promise.reject(new Error(`${name}: the task runner is closed`));
      if (control?.signal?.aborted) return Promise.reject(new CancelledError(name));
      return new Promise((resolve, reject) => {
        const signal = control?.signal;
        const onAbort = () => cancel(job);
        const job: Job = {
          id: nextId++,
          name,
          args: args as unknown[],
          control,
          transferInputs: runOptions?.transferInputs === true,
          resolve: resolve as (result: unknown) => void,
          reject,
          cancelFlag: undefined,
          cancelled: false,
          detach: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        if (startFailures >= MAX_START_FAILURES && slots.length === 0) {
          job.detach();
          reject(new Error(`${name}: the task worker could not start`));
          return;
        }
        queue.push(job);
        pump();
      });
    },
    async close() {
      closed = true;
      failAll('the task runner was closed');
      const running = slots.splice(0);
      for (const slot of running) {
        clearTimeout(slot.timer);
        const job = slot.job;
        slot.job = undefined;
        if (job) {
          job.detach();
          job.reject(new Error(`${job.name}: the task runner was closed`));
        }
      }
      await Promise.all(running.map((s) => s.worker.terminate()));
    },
  };
}
