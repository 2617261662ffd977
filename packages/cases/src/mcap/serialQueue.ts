/**
 * Runs async jobs one after the other in submission order. McapWriter-style writers corrupt the file when two
 * calls overlap; subscribers fire synchronously, so every write is queued here instead of awaited in place.
 * The first failure is kept (later jobs still run so `drain` always settles) and reported by `drain`.
 */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;
  #error: unknown;
  #failed = false;

  constructor(private readonly onError?: (error: unknown) => void) {}

  /** Number of jobs queued or running. */
  get pending(): number {
    return this.#pending;
  }

  push(job: () => Promise<void> | void): void {
    this.#pending += 1;
    this.#tail = this.#tail.then(async () => {
      try {
        if (!this.#failed) await job();
      } catch (e) {
        if (!this.#failed) {
          this.#failed = true;
          this.#error = e;
          this.onError?.(e);
        }
      } finally {
        this.#pending -= 1;
      }
    });
  }

  /** Resolves when every job queued so far has run; rejects with the first failure, if any. */
  async drain(): Promise<void> {
    await this.#tail;
    if (this.#failed) throw this.#error instanceof Error ? this.#error : new Error(String(this.#error));
  }
}
