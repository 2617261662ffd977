/**
 * The browser side of tests/browser-tasks.test.ts, bundled with esbuild: runs distanceTransform in a
 * web worker through createTaskRunner and reports the result's fingerprint, the progress it saw, how
 * often a setInterval on this page ticked meanwhile, and what cancelling did.
 */
import { createTaskRunner, type WorkerLike } from '../../packages/imaging/src/browser/runInWorker.ts';
import { distanceTransform } from '../../packages/imaging/src/distance/distanceTransform.ts';
import { summarize } from '../browser-loader/summary.ts';
import { taskMask } from '../../packages/imaging/test/taskMask.ts';

export interface TasksSpec {
  workerUrl: string;
  /** The grid compared exactly with Node (64). */
  exactSize: number;
  /** A larger grid that keeps the worker busy long enough to watch the page and to cancel (128). */
  busySize: number;
  cancelGraceMs: number;
}

// Browser globals (the project compiles without the DOM libraries).
declare const Worker: new (url: string, options: { type: 'module' }) => WorkerLike;

/** Runs `work` while a 10 ms setInterval ticks; the longest time the page went without a tick. */
async function watchTicks<T>(work: () => Promise<T> | T) {
  const ticks: number[] = [];
  const timer = setInterval(() => ticks.push(performance.now()), 10);
  await new Promise((r) => setTimeout(r, 50)); // the interval is running
  const start = performance.now();
  const value = await work();
  const end = performance.now();
  await new Promise((r) => setTimeout(r, 30)); // a tick after the end
  clearInterval(timer);
  const times = [start, ...ticks.filter((t) => t > start && t < end), end];
  const after = ticks.find((t) => t >= end);
  if (after !== undefined) times.push(after);
  let maxGapMs = 0;
  for (let i = 1; i < times.length; i++) maxGapMs = Math.max(maxGapMs, times[i]! - times[i - 1]!);
  return {
    value,
    durationMs: end - start,
    maxGapMs,
    ticks: ticks.filter((t) => t > start && t < end).length,
  };
}

async function runTasks(spec: TasksSpec) {
  let created = 0;
  const createWorker = (): WorkerLike => {
    created++;
    return new Worker(spec.workerUrl, { type: 'module' });
  };
  const runner = createTaskRunner({ createWorker, workers: 1, cancelGraceMs: spec.cancelGraceMs });
  try {
    // 1. Exactness on the small grid, with its progress.
    const progress: { fraction: number; phase: string }[] = [];
    const exact = await runner.run('distanceTransform', [taskMask(spec.exactSize), { kind: 'signed' }], {
      onProgress: (fraction, phase) => progress.push({ fraction, phase }),
    });

    // 2. The page keeps ticking while the worker works; progress arrives during the run.
    const busyProgressAt: number[] = [];
    const inWorker = await watchTicks(() =>
      runner.run('distanceTransform', [taskMask(spec.busySize), { kind: 'signed' }], {
        onProgress: () => busyProgressAt.push(performance.now()),
      }),
    );
    const busySummary = summarize(inWorker.value);
    // The same work on this thread: the control showing the measurement can see a frozen page.
    const busyMask = taskMask(spec.busySize);
    const onPage = await watchTicks(() => distanceTransform(busyMask, { kind: 'signed' }));

    // 3. Cancel at the first progress report; then the runner works again.
    const controller = new AbortController();
    let cancelledAtProgress = 0;
    const workersBeforeCancel = created;
    const cancelled = await runner
      .run('distanceTransform', [taskMask(spec.busySize), { kind: 'signed' }], {
        signal: controller.signal,
        onProgress: () => {
          cancelledAtProgress++;
          controller.abort();
        },
      })
      .then(
        () => ({ name: 'resolved', message: '' }),
        (e: Error) => ({ name: e.name, message: e.message }),
      );
    const again = await runner.run('distanceTransform', [taskMask(spec.exactSize), { kind: 'signed' }]);

    const scope = globalThis as { crossOriginIsolated?: boolean };
    return {
      crossOriginIsolated: scope.crossOriginIsolated === true,
      exact: summarize(exact),
      progress,
      busy: {
        summary: busySummary,
        durationMs: inWorker.durationMs,
        maxGapMs: inWorker.maxGapMs,
        ticks: inWorker.ticks,
        progressDuringRun: busyProgressAt.length,
        onPageDurationMs: onPage.durationMs,
        onPageMaxGapMs: onPage.maxGapMs,
        onPageTicks: onPage.ticks,
        onPageSummary: summarize(onPage.value),
      },
      cancel: { ...cancelled, progressReports: cancelledAtProgress, workersBeforeCancel },
      again: summarize(again),
      workersCreated: created,
    };
  } finally {
    await runner.close();
  }
}

export type TasksResult = Awaited<ReturnType<typeof runTasks>>;

(globalThis as { runTasks?: typeof runTasks }).runTasks = runTasks;
