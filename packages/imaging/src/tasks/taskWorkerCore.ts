/**
 * The message handling of a task worker, shared by the browser web worker (../browser/taskWorker.ts)
 * and the Node worker thread (../node/taskWorker.ts): runs each operation of ./registry.ts it is asked
 * for, forwards its progress, hands the result back with its typed arrays transferred, and cancels it
 * through an AbortSignal that also reads the runner's shared cancel flag (see RunMessage.cancelFlag).
 */
import { CancelledError, type TaskControl } from '../task.ts';
import { operations, type TaskOp } from './registry.ts';
import { transferables, type FromTaskWorker, type RunMessage, type ToTaskWorker } from './protocol.ts';

export interface TaskWorkerSide {
  post(message: FromTaskWorker, transfer: ArrayBuffer[]): void;
  onMessage(listener: (message: ToTaskWorker) => void): void;
}

/** Progress messages are sent when the fraction moved by this much, the phase changed, or at the end. */
const PROGRESS_STEP = 0.005;

const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;

/**
 * An AbortSignal that fires when `flag` is set: operations read `signal.aborted` at their checks, and
 * reading it polls the flag (the 'cancel' message cannot arrive while a synchronous operation runs).
 */
function flaggedSignal(controller: AbortController, flag: Int32Array | undefined): AbortSignal {
  const signal = controller.signal;
  if (!flag) return signal;
  Object.defineProperty(signal, 'aborted', {
    get(this: AbortSignal) {
      if (!abortedGetter.call(this) && Atomics.load(flag, 0) !== 0) controller.abort();
      return abortedGetter.call(this) as boolean;
    },
  });
  const throwIfAborted = signal.throwIfAborted.bind(signal);
  signal.throwIfAborted = () => {
    void signal.aborted; // polls the flag
    throwIfAborted();
  };
  return signal;
}

/** Answers the runner's messages until the worker is terminated; says 'ready' once listening. */
export function serveTasks({ post, onMessage }: TaskWorkerSide): void {
  const running = new Map<number, AbortController>();

  async function run(msg: RunMessage): Promise<unknown> {
    if (!Object.hasOwn(operations, msg.name)) throw new Error(`unknown imaging task "${msg.name}"`);
    const op = operations[msg.name as keyof typeof operations] as unknown as TaskOp<unknown[], unknown>;
    const controller = new AbortController();
    running.set(msg.id, controller);
    const signal = flaggedSignal(controller, msg.cancelFlag);
    let lastFraction = -1;
    let lastPhase = '';
    const control: TaskControl = {
      signal,
      onProgress: (fraction, phase) => {
        if (phase === lastPhase && fraction < lastFraction + PROGRESS_STEP && fraction < 1) return;
        lastFraction = fraction;
        lastPhase = phase;
        post({ type: 'progress', id: msg.id, fraction, phase }, []);
        void signal.aborted; // polls the cancel flag
      },
    };
    // Cancelled before it started (flag set while the message was on its way).
    if (signal.aborted) throw new CancelledError(msg.name);
    return await op(msg.args, control);
  }

  onMessage((msg) => {
    if (msg.type === 'cancel') {
      running.get(msg.id)?.abort();
      return;
    }
    run(msg)
      .then(
        (result) => {
          try {
            post({ type: 'done', id: msg.id, result }, transferables(result)); // moved, not copied
          } catch (e) {
            // e.g. DataCloneError for a result that holds a function
            post(
              { type: 'error', id: msg.id, reason: `${msg.name}: cannot send the result: ${messageOf(e)}` },
              [],
            );
          }
        },
        (e: unknown) =>
          post(
            {
              type: 'error',
              id: msg.id,
              reason: messageOf(e),
              ...(isCancelled(e) && { cancelled: true }),
            },
            [],
          ),
      )
      .finally(() => running.delete(msg.id));
  });
  post({ type: 'ready' }, []);
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** By name: the error may come from another bundle's copy of CancelledError. */
const isCancelled = (e: unknown) => e instanceof Error && e.name === 'CancelledError';
