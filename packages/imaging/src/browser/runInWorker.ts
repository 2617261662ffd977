/**
 * Runs imaging operations (../tasks/registry.ts) in a small pool of web workers, so that no step
 * freezes the page: `createTaskRunner().run('distanceTransform', [mask, { kind: 'signed' }], control)`.
 * Where the page is cross-origin isolated, cancelling stops a running operation at its next check
 * through shared memory; otherwise the worker is terminated after the grace time.
 */
import { createTaskPool, type TaskRunner, type TaskWorkerHandle } from '../tasks/taskPool.ts';
import type { FromTaskWorker, ToTaskWorker } from '../tasks/protocol.ts';

export type { RunOptions, TaskRunner } from '../tasks/taskPool.ts';

/** The part of the Web Worker API the runner uses; a DOM `Worker` satisfies it. */
export interface WorkerLike {
  postMessage(message: ToTaskWorker, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: FromTaskWorker }) => void): void;
  addEventListener(type: 'error' | 'messageerror', listener: (event: { message?: string }) => void): void;
  terminate(): void;
}

export interface TaskRunnerOptions {
  /**
   * Makes one task worker. Default: the bundled module worker,
   * `new Worker(new URL('./taskWorker.ts', import.meta.url), { type: 'module' })` (Vite understands it).
   */
  createWorker?: () => WorkerLike;
  /** Most workers at once; default navigator.hardwareConcurrency − 1, between 1 and 4. */
  workers?: number;
  /** How long a cancelled operation may take to stop before its worker is terminated (default 1000 ms). */
  cancelGraceMs?: number;
}

// The global of browsers and workers (the project compiles without the DOM libraries).
declare const Worker: new (url: URL, options: { type: 'module' }) => WorkerLike;

const defaultWorker = (): WorkerLike =>
  new Worker(new URL('./taskWorker.ts', import.meta.url), { type: 'module' });

function defaultWorkerCount(): number {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return Math.min(Math.max((cores ?? 2) - 1, 1), 4);
}

export function createTaskRunner(options: TaskRunnerOptions = {}): TaskRunner {
  const create = options.createWorker ?? defaultWorker;
  return createTaskPool({
    workers: options.workers ?? defaultWorkerCount(),
    create: () => webWorker(create()),
    cancelGraceMs: options.cancelGraceMs,
  });
}

function webWorker(worker: WorkerLike): TaskWorkerHandle {
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (listener) => worker.addEventListener('message', ({ data }) => listener(data)),
    onFailure: (listener) => {
      worker.addEventListener('error', (e) =>
        listener(`it crashed: ${e.message || 'its script failed to load or threw'}`),
      );
      worker.addEventListener('messageerror', () => listener('a message from it could not be read'));
    },
    terminate: () => worker.terminate(),
  };
}
