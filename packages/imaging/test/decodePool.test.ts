/**
 * The decode pool shared by the Node and browser loaders, driven with scripted fake workers: plan
 * registration, lazy reads, time limits, crash → fail the task and respawn, and giving up on workers
 * that never start. The expected outcomes are the pool's contract, not numbers from our own code.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DecodePool, type TaskResult, type WorkerHandle } from '../src/decodePool.ts';
import type { FromWorker, PlanMessage, ToWorker } from '../src/decodeProtocol.ts';
import type { VolumePlan } from '../src/dicom/types.ts';

class FakeWorker implements WorkerHandle {
  readonly sent: ToWorker[] = [];
  terminated = false;
  private listener: (message: FromWorker) => void = () => {};
  private failure: (reason: string) => void = () => {};
  post(message: ToWorker) {
    this.sent.push(message);
  }
  onMessage(listener: (message: FromWorker) => void) {
    this.listener = listener;
  }
  onFailure(listener: (reason: string) => void) {
    this.failure = listener;
  }
  terminate() {
    this.terminated = true;
  }
  say(message: FromWorker) {
    this.listener(message);
  }
  crash(reason: string) {
    this.failure(reason);
  }
  tasks() {
    return this.sent.filter((m) => m.type === 'task');
  }
}

const plan = (planKey: number): PlanMessage => ({ type: 'plan', planKey, plan: {} as VolumePlan });
const settle = () => vi.advanceTimersByTimeAsync(0);

function poolOf(size: number, taskTimeoutMs = 1000) {
  const workers: FakeWorker[] = [];
  const pool = new DecodePool(
    size,
    () => {
      const worker = new FakeWorker();
      workers.push(worker);
      return worker;
    },
    taskTimeoutMs,
  );
  return { pool, workers };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('DecodePool', () => {
  it('sends each worker a plan once, waits for ready, and forgets plans only where sent', async () => {
    const { pool, workers } = poolOf(2);
    pool.addPlan(plan(1));
    const results: TaskResult[] = [];
    for (const file of ['a', 'b', 'c']) void pool.decode(1, file, [0]).then((r) => results.push(r));
    await settle();
    expect(workers.flatMap((w) => w.sent)).toEqual([]); // not ready yet
    workers[0]!.say({ type: 'ready' });
    await settle();
    const [planSent, first] = workers[0]!.sent;
    expect(planSent).toEqual(plan(1));
    expect(first).toEqual({ type: 'task', taskId: 1, planKey: 1, file: 'a', slices: [0] });
    workers[0]!.say({ type: 'done', taskId: 1 });
    await settle();
    expect(workers[0]!.tasks().map((t) => t.file)).toEqual(['a', 'c']);
    expect(workers[0]!.sent.filter((m) => m.type === 'plan')).toHaveLength(1);
    workers[0]!.say({ type: 'error', taskId: 3, reason: 'bad pixels' });
    await settle();
    expect(results).toEqual([{ values: undefined }, { reason: 'bad pixels' }]);
    pool.forgetPlan(1);
    expect(workers[0]!.sent.at(-1)).toEqual({ type: 'forget', planKey: 1 });
    expect(workers[1]!.sent).toEqual([]);
  });

  it('reads a file only once a worker is free for it, and sends only its own bytes', async () => {
    const { pool, workers } = poolOf(1);
    pool.addPlan(plan(1));
    const reads: string[] = [];
    const whole = new Uint8Array([9, 1, 2, 3, 9]);
    const read = (name: string) => () => {
      reads.push(name);
      return Promise.resolve(whole.subarray(1, 4));
    };
    void pool.decode(1, 'a', [0], read('a'));
    void pool.decode(1, 'b', [1], read('b'));
    workers[0]!.say({ type: 'ready' });
    await settle();
    expect(reads).toEqual(['a']);
    const task = workers[0]!.tasks()[0]!;
    expect(Array.from(task.bytes!)).toEqual([1, 2, 3]);
    expect(task.bytes!.buffer.byteLength).toBe(3);
    workers[0]!.say({ type: 'done', taskId: 1 });
    await settle();
    expect(reads).toEqual(['a', 'b']);
  });

  it('fails only the file past the time limit, replaces its worker and goes on with the next', async () => {
    const { pool, workers } = poolOf(1, 2000);
    pool.addPlan(plan(1));
    const slow = pool.decode(1, 'slow', [0]);
    const next = pool.decode(1, 'next', [1]);
    workers[0]!.say({ type: 'ready' });
    await vi.advanceTimersByTimeAsync(2000);
    expect(await slow).toEqual({ reason: 'decoding took longer than 2 s' });
    expect(workers[0]!.terminated).toBe(true);
    workers[1]!.say({ type: 'ready' });
    await settle();
    expect(workers[1]!.sent.map((m) => m.type)).toEqual(['plan', 'task']); // the new worker gets the plan too
    workers[1]!.say({ type: 'done', taskId: 2 });
    expect(await next).toEqual({ values: undefined });
  });

  it('fails the task of a worker that crashes with the reason, and respawns it', async () => {
    const { pool, workers } = poolOf(1);
    pool.addPlan(plan(1));
    const task = pool.decode(1, 'a', [0]);
    workers[0]!.say({ type: 'ready' });
    await settle();
    workers[0]!.crash('decoder exited with code 7');
    expect(await task).toEqual({ reason: 'decoder exited with code 7' });
    expect(workers).toHaveLength(2);
  });

  it('gives up on workers that never start instead of respawning forever or hanging', async () => {
    const { pool, workers } = poolOf(1);
    pool.addPlan(plan(1));
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((f) => pool.decode(1, f, [0]));
    for (let i = 0; i < 4; i++) {
      workers[i]!.crash('decoder crashed: no such script');
      await settle();
    }
    expect(workers).toHaveLength(4); // the first and three replacements
    expect(await Promise.all(tasks)).toEqual([
      ...Array(4).fill({ reason: 'decoder crashed: no such script' }),
      { reason: 'decoder could not start: decoder crashed: no such script' },
    ]);
    expect(await pool.decode(1, 'later', [0])).toEqual({
      reason: 'decoder could not start: decoder crashed: no such script',
    });
  });

  it('fails a task whose worker does not start in time, and one whose worker cannot be created', async () => {
    const { pool, workers } = poolOf(1);
    pool.addPlan(plan(1));
    const task = pool.decode(1, 'a', [0]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await task).toEqual({ reason: 'the decoder did not start within 30 s' });
    expect(workers[0]!.terminated).toBe(true);

    const broken = new DecodePool(
      2,
      () => {
        throw new Error('blocked by policy');
      },
      1000,
    );
    expect(await broken.decode(1, 'a', [0])).toEqual({
      reason: 'decoder could not start: cannot create a decode worker: blocked by policy',
    });
  });
});
