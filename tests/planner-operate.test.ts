/**
 * The operator screen end to end in Chromium: the real planner build (tests/planner/harness.ts), the real
 * rosbridge server of @neuroplan/ros-sim on an ephemeral port and the simulated robot behind it, with a
 * test credential made here. The demo phantom is planned (auto-plan at a deep target, as
 * planner-plan.test.ts does) and approved; then in Operate mode: connect and take control, register the
 * patient (the robot computes FRE/TRE), load the approved plan, move to pre-entry, insert, and e-stop with
 * the keyboard while inserting.
 *
 * What is checked comes from the robot's side, not from the page's own numbers: the robot node's state
 * (estop latched, registered, plan loaded with the approval's hash, lease holder, goal counters) and what
 * the page shows agrees with it. The robot viewport's pixels are read back from a screenshot and must be
 * non-uniform (the URDF's links drawn over the background).
 */
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  credentialsFromHashes,
  startSimulatedRobot,
  type SimulatedRobot,
  type SimulatedRobotHandle,
} from '@neuroplan/ros-sim';

import { skipWithoutChromium } from './browser/harness.ts';
import { demoTarget, robotState, waitRobot } from './planner/operate.ts';
import {
  autoPlan,
  elementPixels,
  openDemoCase,
  pixelStats,
  readState,
  saveScreenshot,
  startPlanner,
  waitForState,
  type PageState,
  type Planner,
} from './planner/harness.ts';

const skip = skipWithoutChromium('planner-operate.test.ts');
const OPERATOR = 'Dr Op Test';
const PASSWORD = `test-${Math.random().toString(36).slice(2)}`;

describe.skipIf(skip)('planner: operate the simulated robot (Chromium + rosbridge)', () => {
  let planner: Planner;
  let page: Page;
  let logs: string[] = [];
  let sim: SimulatedRobotHandle;
  let robot: SimulatedRobot;
  let server: { url: string };

  beforeAll(async () => {
    planner = await startPlanner();
    page = await planner.newPage();
    logs = planner.logs(page);
    await openDemoCase(page, planner.url, logs);
    // The simulator starts once the planner is built and loaded: a long stall of this process (the
    // in-process Vite build) would put its real-time clock behind the page's clock.
    const hash = createHash('sha256').update(PASSWORD, 'utf8').digest('hex');
    sim = await startSimulatedRobot({
      port: 0,
      realTime: true,
      credentials: credentialsFromHashes({ [OPERATOR]: `sha256$${hash}` }, 'planner-operate test'),
      controlRateHz: 250,
      // The product default is 100 ms (two heartbeat periods). Here Chromium renders WebGL in software on a
      // 2-core CI machine next to the planner, the simulator and this process, and its timers can be late by
      // several hundred ms; the deadman itself is tested in simulated time in ros/sim/test (safety.test.ts).
      // The simulated amplifier (30 kHz per contact) is off for the same reason; planner-signals covers it.
      deadmanLimitS: 1,
      bci: false,
    });
    robot = sim.robot;
    server = { url: sim.url };
  }, 300_000);

  afterAll(async () => {
    await planner?.close();
    await sim?.close();
  });

  it('plans and approves a trajectory on the demo phantom', async () => {
    const target = demoTarget();
    const n = await autoPlan(page, target, { timeoutMs: 150_000, logs });
    expect(n).toBeGreaterThanOrEqual(1);
    await page.getByTestId('accept-candidate').first().click();
    await waitForState(
      page,
      (s: PageState) => s.trajectories.length === 1 && s.assessments[s.trajectories[0].id],
    );
    await page.getByTestId('approver-name').fill('Dr Approver');
    await page.getByTestId('approve').click();
    await waitForState(page, (s: PageState) => s.approvalState.state === 'approved', {
      timeoutMs: 30_000,
      logs,
    });
  }, 200_000);

  it('connects with the credential, takes control and shows the safety state in words', async () => {
    await page.getByTestId('mode-operate').click();
    await page.getByTestId('operate-screen').waitFor();
    await page.getByTestId('robot-url').fill(server.url);
    await page.getByTestId('operator-name').fill(OPERATOR);
    await page.getByTestId('operator-credential').fill(PASSWORD);
    await page.getByTestId('robot-connect').click();
    await waitRobot(page, 'control', (s: PageState) => s.lease !== null && s.connection === 'connected');
    expect(robot.authority.holder?.operator).toBe(OPERATOR);
    await expect
      .poll(() => page.getByTestId('connection-state').getAttribute('data-state'))
      .toBe('connected');
    // Nothing registered or loaded yet: motion is blocked and the reasons are sentences.
    await expect.poll(() => page.getByTestId('safety-banner').getAttribute('data-state')).toBe('blocked');
    const reasons = await page.getByTestId('blocking-reasons').locator('li').allTextContents();
    expect(reasons.some((r) => /registered/i.test(r))).toBe(true);
    await waitRobot(
      page,
      'latency',
      (s: PageState) => s.latency && s.latency.count > 0 && s.latency.p50Ms > 0,
    );
  });

  it('registers the patient: the robot reports FRE and the predicted TRE at the target', async () => {
    await page.getByTestId('register').click();
    const result = await waitRobot(page, 'registration', (s: PageState) => s.registration?.result);
    expect(result.success, result.reason).toBe(true);
    expect(robot.registered).toBe(true);
    // The simulated touch error is ±0.15 mm per axis: the fit's FRE is of that order, far below 1 mm.
    expect(result.fre_mm).toBeGreaterThan(0);
    expect(result.fre_mm).toBeLessThan(0.5);
    expect(Number(await page.getByTestId('fre').textContent())).toBeCloseTo(result.fre_mm, 2);
    expect(await page.getByTestId('tre-row').count()).toBe(1);
  });

  it('loads the approved plan with its approval hash', async () => {
    await page.getByTestId('load-plan').click();
    const plan = await waitRobot(page, 'plan loaded', (s: PageState) => s.plan);
    const approval = await readState(page, (s: PageState) => s.approval);
    expect(plan.sha256).toBe(approval.contentSha256);
    expect(robot.loadedPlan?.sha256).toBe(approval.contentSha256);
    expect(robot.loadedPlan?.approvedBy).toBe('Dr Approver');
  });

  it('moves to pre-entry, inserts, pauses (holding), resumes, and the Escape key e-stops the insertion', async () => {
    await waitRobot(page, 'motion enabled', (s: PageState) => s.safety?.motion_enabled);
    await page.getByTestId('move-pre-entry').click();
    const moved = await waitRobot(
      page,
      'pre-entry',
      (s: PageState) =>
        s.lastGoal?.action === 'move to pre-entry' && s.lastGoal.status !== 'running' && s.lastGoal,
      60_000,
    );
    expect(moved.status, moved.reason).toBe('succeeded');
    expect(robot.currentPhase).toBe('at_pre_entry');

    await page.getByTestId('insert-depth').fill('20');
    await page.getByTestId('insert').click();
    await waitRobot(
      page,
      'inserting past 2 mm',
      (s: PageState) => s.insertion?.phase === 'inserting' && s.insertion.depth_mm > 2,
      30_000,
    );
    // Pause = cancel the insert goal: the robot holds at the current depth; Insert again resumes.
    await page.getByTestId('pause').click();
    const paused = await waitRobot(
      page,
      'insert canceled',
      (s: PageState) => s.lastGoal?.status !== 'running' && s.lastGoal,
    );
    expect(paused.status).toBe('canceled');
    await waitRobot(page, 'holding', (s: PageState) => s.insertion?.phase === 'holding');
    expect(robot.currentPhase).toBe('holding');
    await page.getByTestId('insert').click();
    await waitRobot(page, 'inserting again', (s: PageState) => s.insertion?.phase === 'inserting');
    await page.locator('body').click({ position: { x: 600, y: 300 } }); // focus out of the depth field
    await page.keyboard.press('Escape');
    await waitRobot(page, 'e-stop in the safety state', (s: PageState) => s.safety?.estop_latched);
    expect(robot.estopLatched).toBe(true);
    const goal = await waitRobot(
      page,
      'insert ended',
      (s: PageState) => s.lastGoal?.status !== 'running' && s.lastGoal,
    );
    expect(goal.action).toBe('insert');
    expect(goal.status).toBe('aborted');
    await expect.poll(() => page.getByTestId('safety-banner').getAttribute('data-state')).toBe('estop');
    const depth = await robotState(page, (s: PageState) => s.insertion.depth_mm as number);
    expect(depth).toBeGreaterThan(2);
    expect(depth).toBeLessThan(20);
    await saveScreenshot(page, 'operate-estop');
  }, 120_000);

  it('draws the robot from the URDF in the viewport (real, non-uniform pixels)', async () => {
    const messages = await robotState(page, (s: PageState) => s.jointMessages as number);
    expect(messages).toBeGreaterThan(5);
    const px = await elementPixels(page, page.getByTestId('robot-view'), 'operate-robot-view');
    const stats = pixelStats(px);
    expect(stats.distinctColours).toBeGreaterThan(50);
    expect(stats.occupiedBins).toBeGreaterThanOrEqual(3);
    expect(stats.maxLuma - stats.minLuma).toBeGreaterThan(60);
    expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });
});
