/** The decode pool (../decodePool.ts) on worker threads running the bundled ./decodeWorker.ts. */
import { Worker } from 'node:worker_threads';
import { DecodePool, type WorkerHandle } from '../decodePool.ts';
import { decodeWorkerUrl } from './workerScript.ts';

/** Starts `size` worker threads; they load while the caller goes on (e.g. reading headers). */
export async function startWorkerThreadPool(size: number, taskTimeoutMs: number): Promise<DecodePool> {
  const script = await decodeWorkerUrl();
  return new DecodePool(size, () => workerThread(script), taskTimeoutMs);
}

function workerThread(script: URL): WorkerHandle {
  // The script is plain JavaScript: do not inherit loader flags such as `--import tsx` (~0.1 s per worker).
  const worker = new Worker(script, { execArgv: [] });
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.on('message', listener),
    onFailure: (listener) => {
      worker.on('error', (e) => listener(`decoder crashed: ${e.message}`));
      worker.on('exit', (code) => {
        if (code !== 0) listener(`decoder exited with code ${code}`);
      });
    },
    terminate: async () => {
      // What it reports while being terminated (its exit code) is no crash.
      worker.removeAllListeners().on('error', () => {});
      await worker.terminate();
    },
  };
}
