/** Decode worker: reads a file, decodes the frames it was asked for, writes them into the shared stack. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './decodeProtocol.ts';
import type { VolumePlan } from '../dicom/types.ts';
import type { VoxelArray } from '../volume.ts';
import { decodeSliceInto } from '../dicom/decodeSlices.ts';
import { voxelArrayOnBuffer } from '../dicom/stack.ts';

const port = parentPort;
if (!port) throw new Error('decodeWorker must run in a worker thread');

const plans = new Map<number, { plan: VolumePlan; target: VoxelArray }>();
const send = (m: FromWorker) => port.postMessage(m);

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'plan') {
    plans.set(msg.planKey, { plan: msg.plan, target: voxelArrayOnBuffer(msg.plan.voxelType, msg.buffer) });
  } else if (msg.type === 'forget') {
    plans.delete(msg.planKey);
  } else {
    const entry = plans.get(msg.planKey);
    if (!entry) {
      send({ type: 'error', taskId: msg.taskId, reason: 'internal: plan not sent to worker' });
      return;
    }
    Promise.resolve()
      .then(() => decodeSliceInto(readWhole(msg.file), msg.file, entry.plan, msg.slices, entry.target))
      .then(
        () => send({ type: 'done', taskId: msg.taskId }),
        (e: unknown) => send({ type: 'error', taskId: msg.taskId, reason: reasonOf(e, msg.file) }),
      );
  }
});
send({ type: 'ready' });

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

function reasonOf(e: unknown, file: string): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.startsWith(file) ? text.slice(file.length).replace(/^:\s*/, '') : text;
}
