/** Messages between the page (planningClient.ts) and the planning worker (planningWorker.ts). */

export interface PlanningRunMessage {
  type: 'run';
  id: number;
  op: string;
  request: unknown;
  /** One Int32 on shared memory, set to 1 to cancel (when the page is cross-origin isolated). */
  cancelFlag?: Int32Array;
}

export type ToPlanningWorker = PlanningRunMessage;

export type FromPlanningWorker =
  | { type: 'progress'; id: number; fraction: number; phase: string }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; message: string; cancelled: boolean };

/** The ArrayBuffers under the typed arrays in `value` (not shared ones), for a transfer list. */
export function transferList(value: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) found.add(v.buffer);
    } else if (v instanceof ArrayBuffer) found.add(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach(visit);
  };
  visit(value);
  return [...found];
}
