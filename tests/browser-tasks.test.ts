/**
 * Imaging tasks in web workers (@neuroplan/imaging/browser createTaskRunner) in real Chromium, with
 * the harness of tests/browser/harness.ts: the page and src/browser/taskWorker.ts are bundled with
 * esbuild and served on 127.0.0.1, once cross-origin isolated (cancel reaches a running operation
 * through shared memory) and once not (a cancelled worker that does not stop in time is terminated).
 *
 * Expected values: distanceTransform called directly in Node on the same mask (it is checked against
 * scipy in packages/imaging/test/distance.test.ts); the browser's result must be bit-identical
 * (FNV-1a of the voxel bytes, geometry, metadata). Responsiveness: a 10 ms setInterval on the page
 * must keep ticking while the worker runs a task (timer callbacks run during it; none can when the
 * same task runs on the page's own thread), and
 * the same task on the page's own thread is the control that the measurement does see a frozen page.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceTransform } from '../packages/imaging/src/distance/distanceTransform.ts';
import { summarize } from './browser-loader/summary.ts';
import {
  bundlePage,
  callInPage,
  launchChromium,
  skipWithoutChromium,
  TestServer,
} from './browser/harness.ts';
import { taskMask } from '../packages/imaging/test/taskMask.ts';
import type { TasksResult, TasksSpec } from './browser-tasks/page.ts';

const skip = skipWithoutChromium('browser-tasks.test.ts');

const root = resolve(import.meta.dirname, '..');
const EXACT = 64;
const BUSY = 128;

describe.skipIf(skip)('imaging tasks in Chromium web workers', () => {
  let browser: Browser | undefined;
  let server: TestServer;
  const expected = {
    exact: summarize(distanceTransform(taskMask(EXACT), { kind: 'signed' })),
    busy: summarize(distanceTransform(taskMask(BUSY), { kind: 'signed' })),
  };

  beforeAll(async () => {
    const bundleDir = join(mkdtempSync(join(tmpdir(), 'np-browser-tasks-')), 'bundle');
    server = new TestServer(bundleDir);
    const errors = await bundlePage(
      {
        page: join(root, 'tests', 'browser-tasks', 'page.ts'),
        taskWorker: join(root, 'packages', 'imaging', 'src', 'browser', 'taskWorker.ts'),
      },
      bundleDir,
      'tasks',
    );
    expect(errors).toEqual([]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  async function runInPage(isolated: boolean, cancelGraceMs: number): Promise<TasksResult> {
    const base = await server.start(isolated);
    const spec: TasksSpec = {
      workerUrl: `${base}/bundle/taskWorker.js`,
      exactSize: EXACT,
      busySize: BUSY,
      cancelGraceMs,
    };
    return callInPage<TasksSpec, TasksResult>(browser!, base, 'runTasks', spec);
  }

  /** What both modes must show: exact results, progress, a page that keeps ticking. */
  function expectExactAndResponsive(r: TasksResult) {
    expect(r.exact).toEqual(expected.exact);
    expect(r.busy.summary).toEqual(expected.busy);
    expect(r.busy.onPageSummary).toEqual(expected.busy);
    expect(r.again).toEqual(expected.exact);

    expect(r.progress.length).toBeGreaterThan(2);
    for (let i = 1; i < r.progress.length; i++)
      expect(r.progress[i]!.fraction).toBeGreaterThanOrEqual(r.progress[i - 1]!.fraction);
    expect(r.progress.at(-1)!.fraction).toBe(1);
    expect(r.progress.every((p) => p.phase.startsWith('distance transform'))).toBe(true);
    expect(r.busy.progressDuringRun).toBeGreaterThan(2);

    // Responsiveness is checked by what happened, not by how long it took (tests never assert
    // wall-clock time): on the page's own thread no timer callback can run during the task (the
    // control), while with the worker the page's timer keeps firing throughout the task.
    expect(r.busy.onPageTicks).toBe(0);
    expect(r.busy.ticks).toBeGreaterThan(3);
  }

  it('cross-origin isolated: exact results, a responsive page; cancel stops the operation in its worker', async () => {
    const r = await runInPage(true, 5000);
    expect(r.crossOriginIsolated).toBe(true);
    expectExactAndResponsive(r);
    // The operation itself noticed the cancel (shared flag) and threw its CancelledError...
    expect(r.cancel).toMatchObject({
      name: 'CancelledError',
      message: 'mask128: distance transform was cancelled',
    });
    expect(r.cancel.progressReports).toBeGreaterThanOrEqual(1);
    // ...so its worker lived on and ran the next task.
    expect(r.workersCreated).toBe(1);
  });

  it('not isolated: a cancelled task whose worker does not stop in time is terminated; a new worker takes over', async () => {
    const r = await runInPage(false, 20);
    expect(r.crossOriginIsolated).toBe(false);
    expectExactAndResponsive(r);
    expect(r.cancel).toMatchObject({
      name: 'CancelledError',
      message: 'distanceTransform was cancelled (it did not stop within 0.02 s, so its worker was stopped)',
    });
    expect(r.cancel.workersBeforeCancel).toBe(1);
    expect(r.workersCreated).toBe(2);
  });
});
