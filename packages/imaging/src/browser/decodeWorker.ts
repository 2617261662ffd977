/**
 * Browser decode worker (a module web worker): each task comes with its file's bytes; the message
 * handling is ../decodeWorkerCore.ts.
 */
import { serveDecodeRequests } from '../decodeWorkerCore.ts';
import type { FromWorker, ToWorker } from '../decodeProtocol.ts';

/** The part of DedicatedWorkerGlobalScope used here (the project compiles without the DOM libraries). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: ToWorker }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;

serveDecodeRequests({
  post: (message, transfer) => scope.postMessage(message, transfer),
  onMessage: (listener) => scope.addEventListener('message', ({ data }) => listener(data)),
  readBytes: (task) => {
    if (!task.bytes) throw new Error('internal: the file bytes were not sent to the worker');
    return task.bytes;
  },
});
