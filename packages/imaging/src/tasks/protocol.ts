/**
 * Messages between a task runner and its workers (structured-clone safe), for web workers and Node
 * worker threads alike. Typed arrays in `args` and `result` travel by transfer or live in a
 * SharedArrayBuffer; they are never copied element by element.
 */

export interface RunMessage {
  type: 'run';
  id: number;
  name: string;
  args: unknown[];
  /**
   * One Int32 in a SharedArrayBuffer, set to 1 by the runner on cancel. A synchronous operation keeps
   * the worker's event loop busy, so a 'cancel' message would only be read after it ends; the flag is
   * read at the operation's own cancellation checks. Absent where memory cannot be shared.
   */
  cancelFlag?: Int32Array;
}

export interface CancelMessage {
  type: 'cancel';
  id: number;
}

export type ToTaskWorker = RunMessage | CancelMessage;

export type FromTaskWorker =
  | { type: 'ready' }
  | { type: 'progress'; id: number; fraction: number; phase: string }
  | { type: 'done'; id: number; result: unknown }
  /** `reason`: the operation's error message; `cancelled`: it threw CancelledError. */
  | { type: 'error'; id: number; reason: string; cancelled?: boolean };

/**
 * The ArrayBuffers under the typed arrays in `value` (nested objects and arrays too), for a
 * postMessage transfer list. SharedArrayBuffers are left out: they are shared, not moved.
 */
export function transferables(value: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) found.add(v.buffer);
    } else if (v instanceof ArrayBuffer) found.add(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v instanceof Map) v.forEach((x, k) => (visit(k), visit(x)));
    else if (v instanceof Set) v.forEach(visit);
    else if (Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach(visit);
  };
  visit(value);
  return [...found];
}
