/**
 * The task runner (../tasks/taskPool.ts) on worker threads running the bundled ./taskWorker.ts, for
 * the CLI and tests: same API as the browser's createTaskRunner.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createTaskPool, type TaskRunner, type TaskWorkerHandle } from '../tasks/taskPool.ts';
import { bundledWorkerUrl } from './workerScript.ts';

export type { RunOptions, TaskRunner } from '../tasks/taskPool.ts';

export interface NodeTaskRunnerOptions {
  /** Most worker threads at once; default the available cores − 1, between 1 and 4. */
  workers?: number;
  /** How long a cancelled operation may take to stop before its worker is terminated (default 1000 ms). */
  cancelGraceMs?: number;
}

export async function createNodeTaskRunner(options: NodeTaskRunnerOptions = {}): Promise<TaskRunner> {
  const script = await bundledWorkerUrl('taskWorker');
  return createTaskPool({
    workers: options.workers ?? Math.min(Math.max(availableParallelism() - 1, 1), 4),
    create: () => workerThread(script),
    cancelGraceMs: options.cancelGraceMs,
  });
}

function workerThread(script: URL): TaskWorkerHandle {
  // The script is plain JavaScript: do not inherit loader flags such as `--import tsx`.
  const worker = new Worker(script, { execArgv: [] });
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (listener) => worker.on('message', listener),
    onFailure: (listener) => {
      worker.on('error', (e) => listener(`it crashed: ${e.message}`));
      worker.on('exit', (code) => listener(`it exited with code ${code}`));
    },
    terminate: async () => {
      // What it reports while being terminated (its exit code) is no crash.
      worker.removeAllListeners().on('error', () => {});
      await worker.terminate();
    },
  };
}
