/**
 * Servo-loop benchmark: a 10 kHz insertion-axis simulation with brain-motion compensation, timed against real
 * time (the simulated duration), plus the tracking-error figures under the default brain-motion model.
 * Args: --seed N (default 1), --reps N (timed repetitions, default 5; the median counts).
 */
import {
  simulateInsertion,
  type InsertionSimulationResult,
} from '../../packages/kinematics/src/control/simulate.ts';
import type { InsertionPlan } from '../../packages/kinematics/src/control/profile.ts';
import { median, report } from '../results.ts';

function argValue(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`bench/kinematics/control.ts: ${name} needs a number`);
  return v;
}

/** About a minute: two insertion legs at 100 µm/s with dwells, then retraction at 500 µm/s. */
const PLAN: InsertionPlan = {
  depthsMm: [2.5, 5],
  speedsUmPerS: [100, 100],
  pausesS: [2, 2],
  retractSpeedUmPerS: 500,
};

export async function runControl(args: string[]): Promise<void> {
  const seed = argValue(args, '--seed', 1);
  const reps = Math.max(1, Math.round(argValue(args, '--reps', 5)));
  simulateInsertion(PLAN, { seed }); // JIT warm-up
  const walls: number[] = [];
  let result: InsertionSimulationResult | undefined;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    result = simulateInsertion(PLAN, { seed });
    walls.push((performance.now() - t0) / 1000);
  }
  const r = result!;
  const ours = median(walls);
  // Error at the speed range and without compensation, for context (not timed).
  const bySpeed: Record<string, { rmsErrorUm: number; maxErrorUm: number }> = {};
  for (const v of [10, 100, 500]) {
    const depthMm = v === 10 ? 0.3 : v === 100 ? 3 : 10;
    const s = simulateInsertion(
      { depthsMm: [depthMm], speedsUmPerS: [v], pausesS: [1], retractSpeedUmPerS: v },
      { seed },
    );
    bySpeed[`${v}umPerS`] = { rmsErrorUm: round(s.rmsErrorUm), maxErrorUm: round(s.maxErrorUm) };
  }
  const delayed = simulateInsertion(PLAN, { seed, compensation: 'delayed' });
  const off = simulateInsertion(PLAN, { seed, compensation: 'off' });
  const ratio = r.simulatedS / ours;
  report('kinematics', {
    name: 'servo-10khz-insertion',
    ours_s: ours,
    peer: 'real time',
    peer_s: r.simulatedS,
    ratio,
    target: 100,
    met: ratio >= 100 && r.rmsErrorUm < 1,
    rmsErrorUm: round(r.rmsErrorUm),
    maxErrorUm: round(r.maxErrorUm),
    stepsPerSecond: Math.round(r.steps / ours),
    steps: r.steps,
    controlRateHz: 10_000,
    planDurationS: r.planDurationS,
    tissueRmsUm: round(r.tissueRmsUm),
    phaseRmsUm: {
      insert: round(r.phaseRmsUm.insert),
      dwell: round(r.phaseRmsUm.dwell),
      retract: round(r.phaseRmsUm.retract),
    },
    bySpeed,
    noPredictionRmsErrorUm: round(delayed.rmsErrorUm),
    noCompensationRmsErrorUm: round(off.rmsErrorUm),
    saturations:
      r.saturations.currentSteps + r.saturations.positionLimitSteps + r.saturations.velocityLimitSteps,
    seed,
    reps,
  });
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;
