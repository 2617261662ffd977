/**
 * Browser decode worker (a module web worker): decodes the frames of the files it is sent and writes
 * them into the plan's shared stack, or, where the page cannot share memory, returns them.
 */
import { setCodecWasmLocator } from '../dicom/codecs/emscripten.ts';
import { decodeSliceInto } from '../dicom/decodeSlices.ts';
import { newVoxelArray, stackShape, voxelArrayOnBuffer } from '../dicom/stack.ts';
import type { VolumePlan } from '../dicom/types.ts';
import { reasonOf } from '../loadSources.ts';
import type { VoxelArray } from '../volume.ts';
import type { CodecWasmUrls, FromWorker, TaskMessage, ToWorker } from './decodeProtocol.ts';

/** The part of DedicatedWorkerGlobalScope used here (the project compiles without the DOM libraries). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: ToWorker }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const plans = new Map<number, { plan: VolumePlan; target: VoxelArray | undefined }>();

function locator(urls: CodecWasmUrls): (fileName: string) => string {
  if (typeof urls === 'string') return (fileName) => new URL(fileName, urls).href;
  return (fileName) => {
    const url = urls[fileName];
    if (url === undefined) throw new Error(`no URL given for the codec file ${fileName}`);
    return url;
  };
}

async function decodeTask(msg: TaskMessage): Promise<ArrayBuffer | undefined> {
  const entry = plans.get(msg.planKey);
  if (!entry) throw new Error('internal: plan not sent to worker');
  const { plan, target } = entry;
  if (target) {
    await decodeSliceInto(msg.bytes, msg.file, plan, msg.slices, target);
    return undefined;
  }
  // No shared memory: decode into a stack of just this file's slices and hand it back.
  const sources = msg.slices.map((s) => plan.sources[s]);
  if (sources.some((s) => s === undefined))
    throw new Error(`${msg.file}: internal: slice not in plan ${plan.id}`);
  const part: VolumePlan = { ...plan, sources: sources as VolumePlan['sources'] };
  const { columns, rows } = stackShape(plan);
  const values = newVoxelArray(plan.voxelType, columns * rows * sources.length, false, msg.file);
  await decodeSliceInto(
    msg.bytes,
    msg.file,
    part,
    sources.map((_, i) => i),
    values,
  );
  return values.buffer as ArrayBuffer;
}

scope.addEventListener('message', ({ data: msg }) => {
  if (msg.type === 'init') {
    if (msg.codecWasm !== undefined) setCodecWasmLocator(locator(msg.codecWasm));
  } else if (msg.type === 'plan') {
    const target = msg.buffer ? voxelArrayOnBuffer(msg.plan.voxelType, msg.buffer) : undefined;
    plans.set(msg.planKey, { plan: msg.plan, target });
  } else if (msg.type === 'forget') {
    plans.delete(msg.planKey);
  } else {
    decodeTask(msg).then(
      (values) =>
        values
          ? scope.postMessage({ type: 'done', taskId: msg.taskId, values }, [values])
          : scope.postMessage({ type: 'done', taskId: msg.taskId }),
      (e: unknown) => scope.postMessage({ type: 'error', taskId: msg.taskId, reason: reasonOf(e, msg.file) }),
    );
  }
});
scope.postMessage({ type: 'ready' });
