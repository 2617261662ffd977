/** The decode pool (../decodePool.ts) on web workers running ./decodeWorker.ts (or the caller's). */
import { DecodePool, type WorkerHandle } from '../decodePool.ts';
import type { CodecWasmUrls, FromWorker, ToWorker } from '../decodeProtocol.ts';

/** The part of the Web Worker API the pool uses; a DOM `Worker` satisfies it. */
export interface DecodeWorker {
  postMessage(message: ToWorker): void;
  addEventListener(type: 'message', listener: (event: { data: FromWorker }) => void): void;
  addEventListener(type: 'error' | 'messageerror', listener: (event: { message?: string }) => void): void;
  terminate(): void;
}

/** Starts `size` web workers; they load while the caller goes on (e.g. reading headers). */
export function startWebWorkerPool(
  size: number,
  create: () => DecodeWorker,
  taskTimeoutMs: number,
  codecWasm?: CodecWasmUrls,
): DecodePool {
  return new DecodePool(size, () => webWorker(create(), codecWasm), taskTimeoutMs);
}

function webWorker(worker: DecodeWorker, codecWasm: CodecWasmUrls | undefined): WorkerHandle {
  worker.postMessage({ type: 'init', codecWasm });
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.addEventListener('message', ({ data }) => listener(data)),
    onFailure: (listener) => {
      worker.addEventListener('error', (e) =>
        listener(`decoder crashed: ${e.message || 'its script failed to load or threw'}`),
      );
      worker.addEventListener('messageerror', () => listener('a message from the decoder could not be read'));
    },
    terminate: () => worker.terminate(),
  };
}
