/** Task worker thread; the message handling is ../tasks/taskWorkerCore.ts. */
import { parentPort } from 'node:worker_threads';
import { serveTasks } from '../tasks/taskWorkerCore.ts';

const port = parentPort;
if (!port) throw new Error('taskWorker must run in a worker thread');

serveTasks({
  post: (message, transfer) => port.postMessage(message, transfer),
  onMessage: (listener) => port.on('message', listener),
});
