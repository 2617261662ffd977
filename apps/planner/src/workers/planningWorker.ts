/**
 * The planning worker: runs the operations of planningOperations.ts by name, reporting progress
 * (at most every 50 ms) and sending results back with their buffers transferred, not copied.
 */
import { CancelledError } from '@neuroplan/imaging';
import { planningOperations, type PlanningOpName, type WorkerContext } from './planningOperations.ts';
import { transferList, type FromPlanningWorker, type ToPlanningWorker } from './planningProtocol.ts';

interface WorkerScope {
  postMessage(message: FromPlanningWorker, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: ToPlanningWorker }) => void): void;
}
const scope = self as unknown as WorkerScope;
const context: WorkerContext = {};

/** An AbortSignal-like view of the shared flag (the operations only read `aborted`). */
const flagSignal = (flag: Int32Array): AbortSignal =>
  ({
    get aborted() {
      return Atomics.load(flag, 0) !== 0;
    },
  }) as AbortSignal;

scope.addEventListener('message', ({ data }) => {
  const { id, op, request, cancelFlag } = data;
  void (async () => {
    try {
      if (!Object.hasOwn(planningOperations, op)) throw new Error(`planning worker: no operation "${op}"`);
      const run = planningOperations[op as PlanningOpName] as (
        request: unknown,
        control: { signal?: AbortSignal; onProgress: (f: number, p: string) => void },
        context: WorkerContext,
      ) => unknown;
      let last = 0;
      const result = await run(
        request,
        {
          ...(cancelFlag && { signal: flagSignal(cancelFlag) }),
          onProgress: (fraction, phase) => {
            const now = performance.now();
            if (now - last < 50 && fraction < 1) return;
            last = now;
            scope.postMessage({ type: 'progress', id, fraction, phase });
          },
        },
        context,
      );
      scope.postMessage({ type: 'result', id, result }, transferList(result));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      scope.postMessage({ type: 'error', id, message, cancelled: e instanceof CancelledError });
    }
  })();
});
