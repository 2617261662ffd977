/**
 * Imaging operations as tasks (src/tasks/*): the typed registry run in this thread, the worker core
 * driven directly, the pool over in-process MessageChannel "workers" and scripted fake workers, and
 * the Node worker-thread runner. Expected values are the direct calls of the same operations
 * (distanceTransform is itself checked against scipy in distance.test.ts): a task must give exactly
 * what the function gives, forward its progress, keep its error messages and cancel with CancelledError.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { distanceTransform, type MaskGrid } from '../src/distance/distanceTransform.ts';
import { createNodeTaskRunner } from '../src/node/runInWorker.ts';
import { CancelledError, checkCancelled, type TaskControl } from '../src/task.ts';
import { transferables, type FromTaskWorker, type ToTaskWorker } from '../src/tasks/protocol.ts';
import { controlLast, runTask, type TaskArgs, type TaskResult } from '../src/tasks/registry.ts';
import { createTaskPool, type TaskRunner, type TaskWorkerHandle } from '../src/tasks/taskPool.ts';
import { serveTasks } from '../src/tasks/taskWorkerCore.ts';
import { createVolume, type Volume } from '../src/volume.ts';
import { taskMask } from './taskMask.ts';
import { extractIsosurface } from '../src/surface/marchingCubes.ts';
import { segmentSkull } from '../src/segmentation/skull.ts';

interface Recorded {
  fractions: number[];
  phases: Set<string>;
}
function recorder(signal?: AbortSignal): { control: TaskControl; seen: Recorded } {
  const seen: Recorded = { fractions: [], phases: new Set() };
  return {
    seen,
    control: {
      signal,
      onProgress: (fraction, phase) => {
        seen.fractions.push(fraction);
        seen.phases.add(phase);
      },
    },
  };
}

/** Progress as a task must be the operation's own: rising, ending at 1, in the operation's phases. */
function expectProgressLikeDirect(seen: Recorded, direct: Recorded) {
  expect(seen.fractions.length).toBeGreaterThan(2);
  for (let i = 1; i < seen.fractions.length; i++)
    expect(seen.fractions[i]!).toBeGreaterThanOrEqual(seen.fractions[i - 1]!);
  expect(seen.fractions.at(-1)).toBe(1);
  for (const phase of seen.phases) expect(direct.phases).toContain(phase);
}

function directCall(m: Volume, kind: 'signed' | 'toBackground' = 'signed') {
  const { control, seen } = recorder();
  return { result: distanceTransform(m, { kind, control }), seen };
}

const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a throw');
};

describe('registry', () => {
  it('types each task against its function (arguments without control, awaited result)', () => {
    expectTypeOf<TaskResult<'distanceTransform'>>().toEqualTypeOf<Volume>();
    expectTypeOf(runTask('distanceTransform', [taskMask(4), { kind: 'signed' }])).toEqualTypeOf<
      Promise<Volume>
    >();
    expectTypeOf<TaskArgs<'distanceTransform'>[0]>().toEqualTypeOf<Volume | MaskGrid>();
    // @ts-expect-error not a distance kind
    void runTask('distanceTransform', [taskMask(4), { kind: 'inside' }]).catch(() => {});
    // @ts-expect-error functions cannot reach a worker, so `inside` is not a task option
    void runTask('distanceTransform', [taskMask(4), { inside: (v: number) => v > 0 }]).catch(() => {});
    // @ts-expect-error control is the third argument of runTask, not an option
    void runTask('distanceTransform', [taskMask(4), { control: {} }]).catch(() => {});
    // @ts-expect-error the mask is required
    void runTask('distanceTransform', []).catch(() => {});
    // @ts-expect-error not a registered task
    void runTask('noSuchTask', [taskMask(4)]).catch(() => {});
  });

  it('controlLast passes control as the last argument, typed by the function', async () => {
    const sumAbove = (v: Volume, options: { above: number } = { above: 0 }, control?: TaskControl) => {
      checkCancelled(control, 'sumAbove');
      control?.onProgress?.(1, 'sum');
      let sum = 0;
      for (const x of v.scalars) if (x > options.above) sum += x;
      return Promise.resolve(sum);
    };
    const op = controlLast(sumAbove, 2);
    // @ts-expect-error control is parameter 2 of sumAbove, not 1
    controlLast(sumAbove, 1);
    expectTypeOf(op).parameter(0).toEqualTypeOf<[v: Volume, options?: { above: number }]>();
    const { control, seen } = recorder();
    expect(await op([taskMask(8), { above: 0 }], control)).toBe(
      taskMask(8).scalars.filter((x) => x > 0).length,
    );
    expect(seen.fractions).toEqual([1]);
    const aborted = AbortSignal.abort();
    await expect(async () => op([taskMask(8)], { signal: aborted })).rejects.toThrow(CancelledError);
    // Omitted optional arguments do not shift the control.
    const fractions: number[] = [];
    expect(await op([taskMask(8)], { onProgress: (f) => fractions.push(f) })).toBeGreaterThan(0);
    expect(fractions).toEqual([1]);
  });

  it('runTask in this thread equals the direct call, with its progress and errors', async () => {
    const m = taskMask(24);
    const direct = directCall(m);
    const { control, seen } = recorder();
    expect(await runTask('distanceTransform', [m, { kind: 'signed' }], control)).toEqual(direct.result);
    expect(seen).toEqual(direct.seen);
    const bad = { ...m, scalars: m.scalars.subarray(1) };
    await expect(runTask('distanceTransform', [bad])).rejects.toThrow(
      messageOf(() => distanceTransform(bad)),
    );
    await expect(runTask('distanceTransform', [m], { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      CancelledError,
    );
    await expect(runTask('nope' as 'distanceTransform', [m])).rejects.toThrow('unknown imaging task "nope"');
  });
});

describe('crossing the worker boundary', () => {
  it('structured clone keeps a Volume whole (typed arrays, Float64Array matrices, metadata)', () => {
    const v = distanceTransform(taskMask(8), { kind: 'signed', precision: 'float32' });
    const copy = structuredClone(v);
    expect(copy).toEqual(v);
    expect(copy.scalars).toBeInstanceOf(Float32Array);
    expect(copy.ijkToLps).toBeInstanceOf(Float64Array);
    expect(copy.directionLps).toBeInstanceOf(Float64Array);
  });

  it('transferables lists the buffers under typed arrays, each once, never a SharedArrayBuffer', () => {
    const v = taskMask(4);
    const list = transferables([v, { nested: [v.scalars, new Int16Array(3)] }, taskMask(4, true)]);
    expect(list).toContain(v.scalars.buffer);
    expect(list).toContain(v.ijkToLps.buffer);
    expect(list.every((b) => b instanceof ArrayBuffer)).toBe(true);
    expect(new Set(list).size).toBe(list.length);
    // taskMask(4): scalars, directionLps, ijkToLps, lpsToIjk; plus the Int16Array; the shared mask's 3 matrices.
    expect(list).toHaveLength(4 + 1 + 3);
  });
});

/** The worker core driven directly: what it posts, and what it transfers. */
function coreHarness() {
  const posted: { message: FromTaskWorker; transfer: ArrayBuffer[] }[] = [];
  let listener: (m: ToTaskWorker) => void = () => {};
  serveTasks({
    post: (message, transfer) => posted.push({ message, transfer }),
    onMessage: (l) => (listener = l),
  });
  const answer = async (id: number) => {
    for (let i = 0; i < 100; i++) {
      const found = posted.find(
        (p) => p.message.type !== 'progress' && 'id' in p.message && p.message.id === id,
      );
      if (found) return found;
      await new Promise((r) => setTimeout(r, 1));
    }
    throw new Error('no answer');
  };
  return { posted, send: (m: ToTaskWorker) => listener(m), answer };
}

describe('task worker core', () => {
  it('says ready, runs a task, posts progress and the result with its arrays transferred', async () => {
    const core = coreHarness();
    expect(core.posted[0]!.message).toEqual({ type: 'ready' });
    const m = taskMask(24);
    const direct = directCall(m);
    core.send({ type: 'run', id: 7, name: 'distanceTransform', args: [m, { kind: 'signed' }] });
    const { message, transfer } = await core.answer(7);
    expect(message.type).toBe('done');
    const result = (message as { result: Volume }).result;
    expect(result).toEqual(direct.result);
    expect(transfer).toContain(result.scalars.buffer);
    expect(transfer).toContain(result.lpsToIjk.buffer);
    const progress = core.posted.flatMap((p) => (p.message.type === 'progress' ? [p.message] : []));
    expect(progress.every((p) => p.id === 7)).toBe(true);
    expectProgressLikeDirect(
      { fractions: progress.map((p) => p.fraction), phases: new Set(progress.map((p) => p.phase)) },
      direct.seen,
    );
  });

  it('cancels through the shared flag at the operation`s check; keeps error messages', async () => {
    const core = coreHarness();
    const m = taskMask(16);
    const flag = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(flag, 0, 1);
    core.send({ type: 'run', id: 1, name: 'distanceTransform', args: [m], cancelFlag: flag });
    expect((await core.answer(1)).message).toEqual({
      type: 'error',
      id: 1,
      reason: 'distanceTransform was cancelled',
      cancelled: true,
    });
    const bad = { ...m, spacingMm: [1, 0, 1] as const };
    core.send({ type: 'run', id: 2, name: 'distanceTransform', args: [bad] });
    expect((await core.answer(2)).message).toEqual({
      type: 'error',
      id: 2,
      reason: messageOf(() => distanceTransform(bad)),
    });
    core.send({ type: 'run', id: 3, name: 'toString', args: [] });
    expect((await core.answer(3)).message).toMatchObject({ reason: 'unknown imaging task "toString"' });
  });
});

/** A worker on an in-process MessageChannel: real structured clone and transfer, same thread. */
function channelWorker(log: { created: number; terminated: number }): TaskWorkerHandle {
  const { port1, port2 } = new MessageChannel();
  log.created++;
  serveTasks({
    post: (message, transfer) => port2.postMessage(message, transfer),
    onMessage: (listener) => port2.on('message', listener),
  });
  return {
    post: (message, transfer) => port1.postMessage(message, transfer),
    onMessage: (listener) => (port1 as MessagePort).on('message', listener),
    onFailure: () => {},
    terminate: () => {
      log.terminated++;
      port1.close();
      port2.close();
    },
  };
}

/** A scripted worker that says ready and then nothing (an operation that never stops), or crashes. */
class SilentWorker implements TaskWorkerHandle {
  readonly sent: ToTaskWorker[] = [];
  terminated = false;
  private fail: (reason: string) => void = () => {};
  say: (m: FromTaskWorker) => void = () => {};
  post(message: ToTaskWorker) {
    this.sent.push(message);
  }
  onMessage(listener: (m: FromTaskWorker) => void) {
    this.say = listener;
    queueMicrotask(() => listener({ type: 'ready' }));
  }
  onFailure(listener: (reason: string) => void) {
    this.fail = listener;
  }
  terminate() {
    this.terminated = true;
  }
  crash(reason: string) {
    this.fail(reason);
  }
}

describe('task pool', () => {
  it('gives what the direct calls give, forwards progress and the operation`s errors', async () => {
    const log = { created: 0, terminated: 0 };
    const pool = createTaskPool({ workers: 2, create: () => channelWorker(log) });
    const a = taskMask(24);
    const b = taskMask(20);
    const direct = directCall(a);
    const { control, seen } = recorder();
    const [ra, rb] = await Promise.all([
      pool.run('distanceTransform', [a, { kind: 'signed' }], control),
      pool.run('distanceTransform', [b, { kind: 'toBackground', precision: 'float32' }]),
    ]);
    expect(ra).toEqual(direct.result);
    expect(rb).toEqual(distanceTransform(b, { kind: 'toBackground', precision: 'float32' }));
    expectProgressLikeDirect(seen, direct.seen);
    expect(log.created).toBe(2);
    // The caller's mask was copied, not taken.
    expect(a.scalars.length).toBe(24 ** 3);
    const bad = { ...a, scalars: a.scalars.subarray(5) };
    await expect(pool.run('distanceTransform', [bad])).rejects.toThrow(
      new Error(messageOf(() => distanceTransform(bad))),
    );
    await pool.close();
    expect(log.terminated).toBe(2);
    await expect(pool.run('distanceTransform', [a])).rejects.toThrow('the task runner is closed');
  });

  it('transferInputs moves the caller`s arrays instead of copying them', async () => {
    const pool = createTaskPool({ workers: 1, create: () => channelWorker({ created: 0, terminated: 0 }) });
    const m = taskMask(16);
    const expected = distanceTransform(taskMask(16));
    expect(await pool.run('distanceTransform', [m], undefined, { transferInputs: true })).toEqual(expected);
    expect(m.scalars.byteLength).toBe(0); // detached: it went to the worker
    await pool.close();
  });

  it('rejects with CancelledError before, while queued, and when the worker stops in time', async () => {
    const pool = createTaskPool({ workers: 1, create: () => channelWorker({ created: 0, terminated: 0 }) });
    await expect(
      pool.run('distanceTransform', [taskMask(8)], { signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(CancelledError);
    const first = pool.run('distanceTransform', [taskMask(16)]);
    const queued = new AbortController();
    const second = pool.run('distanceTransform', [taskMask(16)], { signal: queued.signal });
    queued.abort();
    await expect(second).rejects.toThrow(new CancelledError('distanceTransform'));
    expect(await first).toEqual(distanceTransform(taskMask(16)));
    await pool.close();
  });

  it('terminates a worker that does not stop within the grace time and starts a new one', async () => {
    const workers: SilentWorker[] = [];
    const pool = createTaskPool({
      workers: 1,
      cancelGraceMs: 20,
      create: () => (workers.push(new SilentWorker()), workers.at(-1)!),
    });
    const controller = new AbortController();
    const running = pool.run('distanceTransform', [taskMask(4)], { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 5));
    expect(workers[0]!.sent.map((m) => m.type)).toEqual(['run']);
    const run = workers[0]!.sent[0] as Extract<ToTaskWorker, { type: 'run' }>;
    controller.abort();
    expect(Atomics.load(run.cancelFlag!, 0)).toBe(1);
    expect(workers[0]!.sent.at(-1)).toEqual({ type: 'cancel', id: run.id });
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).message).toBe(
      'distanceTransform was cancelled (it did not stop within 0.02 s, so its worker was stopped)',
    );
    expect(workers[0]!.terminated).toBe(true);
    // The next task gets a fresh worker; a crash fails only that task, with the reason.
    const next = pool.run('distanceTransform', [taskMask(4)]);
    await new Promise((r) => setTimeout(r, 5));
    expect(workers).toHaveLength(2);
    workers[1]!.crash('it crashed: out of memory');
    await expect(next).rejects.toThrow(
      'distanceTransform: the task worker failed: it crashed: out of memory',
    );
    await pool.close();
  });
});

describe('task pool: answers after a cancel', () => {
  it('a result that arrives after the cancel still rejects with CancelledError; the worker is kept', async () => {
    const workers: SilentWorker[] = [];
    const pool = createTaskPool({
      workers: 1,
      cancelGraceMs: 10_000,
      create: () => (workers.push(new SilentWorker()), workers.at(-1)!),
    });
    const controller = new AbortController();
    const progress: number[] = [];
    const running = pool.run('distanceTransform', [taskMask(4)], {
      signal: controller.signal,
      onProgress: (f) => progress.push(f),
    });
    await new Promise((r) => setTimeout(r, 5));
    const w = workers[0]!;
    const { id } = w.sent[0] as Extract<ToTaskWorker, { type: 'run' }>;
    w.say({ type: 'progress', id, fraction: 0.5, phase: 'p' });
    controller.abort();
    w.say({ type: 'progress', id, fraction: 0.9, phase: 'p' }); // not forwarded: cancelled
    w.say({ type: 'done', id, result: distanceTransform(taskMask(4)) });
    await expect(running).rejects.toThrow(new CancelledError('distanceTransform'));
    expect(progress).toEqual([0.5]);
    expect(w.terminated).toBe(false);
    // The same worker takes the next task; an answer for the old id is ignored.
    const next = pool.run('distanceTransform', [taskMask(4)]);
    await new Promise((r) => setTimeout(r, 5));
    expect(workers).toHaveLength(1);
    const second = w.sent.at(-1) as Extract<ToTaskWorker, { type: 'run' }>;
    expect(second.id).not.toBe(id);
    w.say({ type: 'done', id, result: 'stale' });
    w.say({ type: 'error', id: second.id, reason: 'mask4: something went wrong' });
    await expect(next).rejects.toThrow(new Error('mask4: something went wrong'));
    await pool.close();
  });
});

describe('task pool: workers that never start', () => {
  it('fails each task with the reason, then stops starting workers', async () => {
    let created = 0;
    const pool = createTaskPool({
      workers: 1,
      create: () => {
        created++;
        const w = new SilentWorker();
        w.onMessage = () => {}; // never says ready
        queueMicrotask(() => w.crash('it crashed: script not found'));
        return w;
      },
    });
    for (let i = 0; i < 3; i++)
      await expect(pool.run('distanceTransform', [taskMask(4)])).rejects.toThrow(/script not found/);
    await expect(pool.run('distanceTransform', [taskMask(4)])).rejects.toThrow(
      'distanceTransform: the task worker could not start',
    );
    expect(created).toBe(3);
    await pool.close();
  });
});

describe('Node worker threads (createNodeTaskRunner)', () => {
  let runner: TaskRunner | undefined;
  afterAll(() => runner?.close());

  it('runs in worker threads exactly like the direct call; cancels mid-run; stays usable', async () => {
    runner = await createNodeTaskRunner({ workers: 2 });
    const m = taskMask(64);
    const direct = directCall(m);
    const { control, seen } = recorder();
    const [r1, r2] = await Promise.all([
      runner.run('distanceTransform', [m, { kind: 'signed' }], control),
      runner.run('distanceTransform', [taskMask(32), { kind: 'toBackground' }]),
    ]);
    expect(r1).toEqual(direct.result);
    expect(r2).toEqual(distanceTransform(taskMask(32), { kind: 'toBackground' }));
    expectProgressLikeDirect(seen, direct.seen);

    // Cancel at the first progress report: the operation stops at its next check (shared flag),
    // so the error is its own CancelledError, not the grace-time one.
    const controller = new AbortController();
    const fractions: number[] = [];
    const cancelled = await runner
      .run('distanceTransform', [taskMask(128), { kind: 'signed' }], {
        signal: controller.signal,
        onProgress: (f) => {
          fractions.push(f);
          controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(cancelled).toBeInstanceOf(CancelledError);
    expect((cancelled as Error).message).toBe('mask128: distance transform was cancelled');
    expect(fractions.length).toBeGreaterThanOrEqual(1);
    expect(fractions.every((f) => f < 1)).toBe(true);
    expect(await runner.run('distanceTransform', [m, { kind: 'signed' }])).toEqual(direct.result);
  });

  it('runs the surface and segmentation operations registered by name exactly like the direct calls', async () => {
    runner ??= await createNodeTaskRunner({ workers: 2 });
    const m = taskMask(40);
    const surface = await runner.run('extractIsosurface', [m, 0.5, { labelValue: 1 }]);
    expect(surface).toEqual(extractIsosurface(m, 0.5, { labelValue: 1 }));
    const ct = createVolume({
      ...m,
      id: 'ct40',
      modality: 'CT',
      scalars: Int16Array.from(m.scalars, (v) => (v ? 1200 : 40)),
    });
    const skull = await runner.run('segmentSkull', [ct, { boneHu: 300 }]);
    expect(skull).toEqual(segmentSkull(ct, { boneHu: 300 }));
  });
});
