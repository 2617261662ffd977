/** Browser task worker (a module web worker); the message handling is ../tasks/taskWorkerCore.ts. */
import { serveTasks } from '../tasks/taskWorkerCore.ts';
import type { FromTaskWorker, ToTaskWorker } from '../tasks/protocol.ts';

/** The part of DedicatedWorkerGlobalScope used here (the project compiles without the DOM libraries). */
interface WorkerScope {
  postMessage(message: FromTaskWorker, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: ToTaskWorker }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;

serveTasks({
  post: (message, transfer) => scope.postMessage(message, transfer),
  onMessage: (listener) => scope.addEventListener('message', ({ data }) => listener(data)),
});
