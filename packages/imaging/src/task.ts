/**
 * How long-running imaging operations (surfaces, distance maps, segmentation, registration) report
 * progress and are cancelled. The same shape works in Node, in a web worker and in tests.
 */
export interface TaskControl {
  /** Called now and then with the fraction done in [0, 1] and a short phase name. */
  onProgress?: (fraction: number, phase: string) => void;
  /** Cancels the operation: it then rejects/throws a `CancelledError` at its next check. */
  signal?: AbortSignal;
}

export class CancelledError extends Error {
  constructor(what: string) {
    super(`${what} was cancelled`);
    this.name = 'CancelledError';
  }
}

/** Throws CancelledError when the signal has fired; call it between chunks of work. */
export function checkCancelled(control: TaskControl | undefined, what: string): void {
  if (control?.signal?.aborted) throw new CancelledError(what);
}
