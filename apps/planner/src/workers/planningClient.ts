/**
 * Runs planning-worker operations from the page: `runPlanning('buildScene', request, control)`. One
 * worker, started on first use, serves every call (in order). Cancelling sets the call's shared flag
 * where the page is cross-origin isolated; otherwise, or when the operation does not stop within a
 * second, the worker is terminated (and a new one starts with the next call).
 */
import { CancelledError, type TaskControl } from '@neuroplan/imaging';
import type { PlanningOpName, PlanningRequest, PlanningResult } from './planningOperations.ts';
import { transferList, type FromPlanningWorker, type ToPlanningWorker } from './planningProtocol.ts';

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?: (fraction: number, phase: string) => void;
}

const CANCEL_GRACE_MS = 1000;
let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(reason: string): void {
  for (const p of pending.values()) p.reject(new Error(reason));
  pending.clear();
}

function planningWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./planningWorker.ts', import.meta.url), { type: 'module' });
  w.addEventListener('message', (event: MessageEvent<FromPlanningWorker>) => {
    const m = event.data;
    const p = pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') p.onProgress?.(m.fraction, m.phase);
    else {
      pending.delete(m.id);
      if (m.type === 'result') p.resolve(m.result);
      else p.reject(m.cancelled ? new CancelledError(m.message) : new Error(m.message));
    }
  });
  w.addEventListener('error', (e) => {
    e.preventDefault();
    stopWorker(`the planning worker crashed: ${e.message || 'its script failed to load or threw'}`);
  });
  worker = w;
  return w;
}

function stopWorker(reason: string): void {
  worker?.terminate();
  worker = null;
  failAll(reason);
}

/**
 * Runs one operation in the planning worker. The request's typed arrays are copied (or shared, when on
 * a SharedArrayBuffer) unless `transferInputs`, which moves them and leaves the caller's empty.
 */
export function runPlanning<K extends PlanningOpName>(
  op: K,
  request: PlanningRequest<K>,
  control: TaskControl = {},
  options: { transferInputs?: boolean } = {},
): Promise<PlanningResult<K>> {
  if (control.signal?.aborted) return Promise.reject(new CancelledError(`planning ${op}`));
  const w = planningWorker();
  const id = nextId++;
  const shared = globalThis.crossOriginIsolated && typeof SharedArrayBuffer === 'function';
  const cancelFlag = shared ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
  return new Promise<PlanningResult<K>>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => {
      if (cancelFlag) Atomics.store(cancelFlag, 0, 1);
      timer = setTimeout(
        () => {
          if (!pending.has(id)) return;
          pending.get(id)!.reject(new CancelledError(`planning ${op}`));
          pending.delete(id);
          stopWorker(`planning ${op} was cancelled`);
        },
        cancelFlag ? CANCEL_GRACE_MS : 0,
      );
    };
    const done = (): void => {
      control.signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
    };
    pending.set(id, {
      resolve: (r) => (done(), resolve(r as PlanningResult<K>)),
      reject: (e) => (done(), reject(e)),
      ...(control.onProgress && { onProgress: control.onProgress }),
    });
    control.signal?.addEventListener('abort', onAbort, { once: true });
    const message: ToPlanningWorker = { type: 'run', id, op, request, ...(cancelFlag && { cancelFlag }) };
    w.postMessage(message, options.transferInputs ? transferList(request) : []);
  });
}
