/** Decode worker thread: reads each file itself; the message handling is ../decodeWorkerCore.ts. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { serveDecodeRequests } from '../decodeWorkerCore.ts';

const port = parentPort;
if (!port) throw new Error('decodeWorker must run in a worker thread');

serveDecodeRequests({
  post: (message, transfer) => port.postMessage(message, transfer),
  onMessage: (listener) => port.on('message', listener),
  readBytes: (task) => readWhole(task.file),
});

/**
 * One reusable read buffer per worker: a series is hundreds of same-sized files, and a fresh buffer
 * each time only feeds the garbage collector. Safe because a file is fully decoded before the next read.
 */
let scratch = new Uint8Array(0);
function readWhole(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (scratch.length < size) scratch = new Uint8Array(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, scratch, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return scratch.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
