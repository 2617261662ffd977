/**
 * The message handling of a decode worker, shared by the Node worker thread and the browser web
 * worker: keeps the plans it is sent and decodes each task's slices into the plan's shared stack or,
 * without one, into a stack of just those slices that it hands back. The entry files say only how
 * messages travel and where a task's bytes come from.
 */
import { setCodecWasmLocator } from './dicom/codecs/emscripten.ts';
import { decodeSliceInto } from './dicom/decodeSlices.ts';
import { newVoxelArray, stackShape, voxelArrayOnBuffer } from './dicom/stack.ts';
import type { VolumePlan } from './dicom/types.ts';
import { reasonOf } from './errorReason.ts';
import type { VoxelArray } from './volume.ts';
import type { CodecWasmUrls, FromWorker, TaskMessage, ToWorker } from './decodeProtocol.ts';

export interface WorkerSide {
  post(message: FromWorker, transfer: ArrayBuffer[]): void;
  onMessage(listener: (message: ToWorker) => void): void;
  /** The whole file of a task (read from disk, or the bytes it came with). */
  readBytes(task: TaskMessage): Uint8Array;
}

/** Answers the pool's messages until the worker is terminated; says 'ready' once listening. */
export function serveDecodeRequests({ post, onMessage, readBytes }: WorkerSide): void {
  const plans = new Map<number, { plan: VolumePlan; target: VoxelArray | undefined }>();

  async function decode(task: TaskMessage): Promise<ArrayBuffer | undefined> {
    const entry = plans.get(task.planKey);
    if (!entry) throw new Error('internal: plan not sent to worker');
    const { plan, target } = entry;
    const bytes = readBytes(task);
    if (target) {
      await decodeSliceInto(bytes, task.file, plan, task.slices, target);
      return undefined;
    }
    // No shared memory: decode into a stack of just this file's slices and hand it back.
    const sources = task.slices.map((s) => plan.sources[s]);
    if (sources.some((s) => s === undefined))
      throw new Error(`${task.file}: internal: slice not in plan ${plan.id}`);
    const part: VolumePlan = { ...plan, sources: sources as VolumePlan['sources'] };
    const { columns, rows } = stackShape(plan);
    const values = newVoxelArray(plan.voxelType, columns * rows * sources.length, false, task.file);
    await decodeSliceInto(
      bytes,
      task.file,
      part,
      sources.map((_, i) => i),
      values,
    );
    return values.buffer as ArrayBuffer;
  }

  onMessage((msg) => {
    if (msg.type === 'init') {
      if (msg.codecWasm !== undefined) setCodecWasmLocator(locator(msg.codecWasm));
    } else if (msg.type === 'plan') {
      const target = msg.buffer ? voxelArrayOnBuffer(msg.plan.voxelType, msg.buffer) : undefined;
      plans.set(msg.planKey, { plan: msg.plan, target });
    } else if (msg.type === 'forget') {
      plans.delete(msg.planKey);
    } else {
      decode(msg).then(
        (values) =>
          values
            ? post({ type: 'done', taskId: msg.taskId, values }, [values]) // transferred, not copied
            : post({ type: 'done', taskId: msg.taskId }, []),
        (e: unknown) => post({ type: 'error', taskId: msg.taskId, reason: reasonOf(e, msg.file) }, []),
      );
    }
  });
  post({ type: 'ready' }, []);
}

function locator(urls: CodecWasmUrls): (fileName: string) => string {
  if (typeof urls === 'string') return (fileName) => new URL(fileName, urls).href;
  return (fileName) => {
    const url = urls[fileName];
    if (url === undefined) throw new Error(`no URL given for the codec file ${fileName}`);
    return url;
  };
}
