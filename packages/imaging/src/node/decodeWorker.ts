/** Decode worker: reads a file, decodes the frames it was asked for, writes them into the shared stack. */
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './decodeProtocol.ts';
import type { VolumePlan } from '../dicom/types.ts';
import type { VoxelArray } from '../volume.ts';
import { decodeSliceInto, viewOfBuffer } from './decodeSlices.ts';

const port = parentPort;
if (!port) throw new Error('decodeWorker must run in a worker thread');

const plans = new Map<number, { plan: VolumePlan; target: VoxelArray }>();
const send = (m: FromWorker) => port.postMessage(m);

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'plan') {
    plans.set(msg.planKey, { plan: msg.plan, target: viewOfBuffer(msg.plan.voxelType, msg.buffer) });
  } else if (msg.type === 'forget') {
    plans.delete(msg.planKey);
  } else {
    const entry = plans.get(msg.planKey);
    if (!entry) {
      send({ type: 'error', taskId: msg.taskId, reason: 'internal: plan not sent to worker' });
      return;
    }
    readFile(msg.file)
      .then((buf) =>
        decodeSliceInto(
          new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
          msg.file,
          entry.plan,
          msg.slices,
          entry.target,
        ),
      )
      .then(
        () => send({ type: 'done', taskId: msg.taskId }),
        (e: unknown) => send({ type: 'error', taskId: msg.taskId, reason: reasonOf(e, msg.file) }),
      );
  }
});
send({ type: 'ready' });

function reasonOf(e: unknown, file: string): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.startsWith(file) ? text.slice(file.length).replace(/^:\s*/, '') : text;
}
