import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BrainMotion, DEFAULT_BRAIN_MOTION, NO_BRAIN_MOTION } from '../src/control/brainMotion.ts';
import { ControlCommandError } from '../src/control/errors.ts';
import { DEFAULT_PLANT, stepPlant, plantDerived, type PlantState } from '../src/control/plant.ts';
import { SurfacePredictor, DEFAULT_PREDICTOR } from '../src/control/predictor.ts';
import {
  DEFAULT_MOTION_LIMITS,
  InsertionProfile,
  checkInsertionPlan,
  type InsertionPlan,
  type ProfilePoint,
} from '../src/control/profile.ts';
import { createRng } from '../src/control/rng.ts';
import {
  DEFAULT_INSERTION_SIMULATION,
  simulateInsertion,
  simulateStepResponse,
  type InsertionSimulationOptions,
} from '../src/control/simulate.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** A plan that inserts to `depthMm` at `speed`, dwells, and retracts at the same speed. */
const plan = (depthMm: number, speed: number, pauseS = 0.5): InsertionPlan => ({
  depthsMm: [depthMm],
  speedsUmPerS: [speed],
  pausesS: [pauseS],
  retractSpeedUmPerS: speed,
});

function expectRejected(fn: () => unknown, code: ControlCommandError['code'], text: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ControlCommandError);
  expect((caught as ControlCommandError).code).toBe(code);
  expect((caught as ControlCommandError).message).toMatch(text);
}

describe('plant', () => {
  it('accelerates with F/m from the documented motor, screw and masses (hand-computed)', () => {
    // No friction, no current lag: a = Kt·(2π/lead)·η·i / (m + J·(2π/lead)²).
    const p = { ...DEFAULT_PLANT, coulombFrictionN: 0, staticFrictionN: 0, viscousFrictionNsPerM: 0 };
    p.currentLoopTimeConstantS = 0;
    const k = (2 * Math.PI) / 0.002;
    const a = (0.0102 * k * 0.9 * 0.5) / (0.25 + 2e-7 * k * k);
    const s: PlantState = { positionM: 0, velocityMPerS: 0, currentA: 0 };
    const d = plantDerived(p);
    for (let i = 0; i < 1000; i++) stepPlant(p, d, s, 0.5, 0, 1e-5);
    expect(s.positionM).toBeCloseTo(0.5 * a * 0.01 ** 2, 12);
    expect(s.velocityMPerS).toBeCloseTo(a * 0.01, 10);
    expect(d.forceLimitN).toBeCloseTo(0.0102 * k * 0.9 * 4, 9);
  });

  it('sticks below the breakaway force and slides above it (Coulomb/Stribeck)', () => {
    const p = { ...DEFAULT_PLANT, currentLoopTimeConstantS: 0 };
    const d = plantDerived(p);
    const below = (0.95 * p.staticFrictionN) / d.forcePerAmpN;
    const s: PlantState = { positionM: 0, velocityMPerS: 0, currentA: 0 };
    for (let i = 0; i < 2000; i++) stepPlant(p, d, s, below, 0, 5e-5);
    expect(s.positionM).toBe(0);
    const above = (1.2 * p.staticFrictionN) / d.forcePerAmpN;
    for (let i = 0; i < 2000; i++) stepPlant(p, d, s, above, 0, 5e-5);
    expect(s.positionM).toBeGreaterThan(0);
  });
});

describe('brain motion and predictor', () => {
  it('has the documented RMS (respiration and cardiac harmonics)', () => {
    // RMS of A·(sin φ + Σ h_k sin kφ) is A·sqrt((1 + Σh²)/2); drift adds its own RMS in quadrature.
    const r = DEFAULT_BRAIN_MOTION.respiration;
    const c = DEFAULT_BRAIN_MOTION.cardiac;
    const pow = (x: typeof r): number =>
      (x.amplitudeUm ** 2 * (1 + x.harmonics.reduce((s, h) => s + h * h, 0))) / 2;
    const expected = Math.sqrt(pow(r) + pow(c));
    const b = new BrainMotion(DEFAULT_BRAIN_MOTION, createRng(3));
    const n = 120_000; // 120 s at 1 kHz: 30 breaths
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = b.valueUm();
      s += v;
      s2 += v * v;
      b.advance(1e-3);
    }
    const rms = Math.sqrt(s2 / n - (s / n) ** 2);
    expect(rms).toBeGreaterThan(0.85 * expected);
    expect(rms).toBeLessThan(1.15 * expected);
  });

  it('predicts a clean quasi-periodic signal 4 ms ahead to well under a micrometre', () => {
    const f = (t: number): number =>
      150 * Math.sin(2 * Math.PI * 0.25 * t) + 20 * Math.sin(2 * Math.PI * 1.2 * t);
    const T = 2e-4;
    const pr = new SurfacePredictor(DEFAULT_PREDICTOR, T, 0.04);
    const out = new Float64Array(3);
    let maxErr = 0;
    for (let i = 0; i < 20_000; i++) {
      pr.update(f(i * T), i * T);
      if (i > 2000) {
        pr.predict(i * T + 4e-3, out);
        maxErr = Math.max(maxErr, Math.abs(out[0]! - f(i * T + 4e-3)));
      }
    }
    expect(maxErr).toBeLessThan(0.05);
  });
});

describe('insertion profile', () => {
  it('matches the trapezoid: duration d/v + v/a, cruise speed, dwell depth, retraction to 0', () => {
    const pl: InsertionPlan = {
      depthsMm: [1, 1.5],
      speedsUmPerS: [100, 50],
      pausesS: [2, 1],
      retractSpeedUmPerS: 500,
    };
    const prof = new InsertionProfile(pl, DEFAULT_MOTION_LIMITS);
    const a = DEFAULT_MOTION_LIMITS.accelerationUmPerS2;
    const move = (dUm: number, v: number): number => dUm / v + v / a;
    const expected = move(1000, 100) + 2 + move(500, 50) + 1 + move(1500, 500);
    expect(prof.durationS).toBeCloseTo(expected, 9);
    const pt: ProfilePoint = { depthUm: 0, velocityUmPerS: 0, accelerationUmPerS2: 0, phase: 'dwell' };
    prof.at(5, pt);
    expect(pt.velocityUmPerS).toBeCloseTo(100, 9);
    expect(pt.phase).toBe('insert');
    prof.at(move(1000, 100) + 1, pt);
    expect(pt.depthUm).toBeCloseTo(1000, 9);
    expect(pt.phase).toBe('dwell');
    let maxAcc = 0;
    for (let t = 0; t < prof.durationS; t += 1e-3) {
      prof.at(t, pt);
      maxAcc = Math.max(maxAcc, Math.abs(pt.accelerationUmPerS2));
    }
    expect(maxAcc).toBeLessThanOrEqual(a);
    prof.at(prof.durationS - 0.3, pt);
    expect(pt.phase).toBe('retract');
    prof.at(prof.durationS + 1, pt);
    expect(pt.depthUm).toBe(0);
  });
});

describe('simulateInsertion', () => {
  it('is deterministic: the same seed gives identical traces, another seed differs', () => {
    const o: InsertionSimulationOptions = { seed: 42, warmupS: 0.5 };
    const a = simulateInsertion(plan(0.2, 500, 0.2), o);
    const b = simulateInsertion(plan(0.2, 500, 0.2), o);
    const c = simulateInsertion(plan(0.2, 500, 0.2), { ...o, seed: 43 });
    expect(Buffer.from(a.samples.errorUm.buffer).equals(Buffer.from(b.samples.errorUm.buffer))).toBe(true);
    expect(Buffer.from(a.samples.tipUm.buffer).equals(Buffer.from(b.samples.tipUm.buffer))).toBe(true);
    expect(a.rmsErrorUm).toBe(b.rmsErrorUm);
    expect(a.maxErrorUm).toBe(b.maxErrorUm);
    expect(Buffer.from(a.samples.tissueUm.buffer).equals(Buffer.from(c.samples.tissueUm.buffer))).toBe(false);
    expect(c.rmsErrorUm).not.toBe(a.rmsErrorUm);
  });

  for (const [speed, depthMm] of [
    [10, 0.1],
    [100, 1],
    [500, 3],
  ] as const) {
    it(`tracks the moving tissue with RMS < 1 µm at ${speed} µm/s (max reported)`, () => {
      const r = simulateInsertion(plan(depthMm, speed), { seed: speed });
      expect(r.tissueRmsUm).toBeGreaterThan(50); // the brain really moves
      expect(r.rmsErrorUm).toBeLessThan(1);
      expect(r.phaseRmsUm.insert).toBeLessThan(1);
      expect(r.phaseRmsUm.retract).toBeLessThan(1);
      expect(Number.isFinite(r.maxErrorUm)).toBe(true);
      expect(r.maxErrorUm).toBeGreaterThanOrEqual(r.rmsErrorUm);
      expect(r.saturations.currentSteps).toBe(0);
      // The tip really went in: it reached the planned depth below the moving surface.
      const { tipUm, tissueUm } = r.samples;
      let deepest = -Infinity;
      for (let i = 0; i < tipUm.length; i++) deepest = Math.max(deepest, tipUm[i]! - tissueUm[i]!);
      expect(deepest).toBeGreaterThan(depthMm * 1000 - 1);
      expect(deepest).toBeLessThan(depthMm * 1000 + 1);
    });
  }

  it('compensation matters: without prediction the error grows; without compensation it is the tissue motion', () => {
    const pl = plan(1, 100);
    const predictive = simulateInsertion(pl, { seed: 5 });
    const delayed = simulateInsertion(pl, { seed: 5, compensation: 'delayed' });
    const off = simulateInsertion(pl, { seed: 5, compensation: 'off' });
    expect(delayed.rmsErrorUm).toBeGreaterThan(3 * predictive.rmsErrorUm);
    expect(delayed.maxErrorUm).toBeGreaterThan(predictive.maxErrorUm);
    expect(off.rmsErrorUm).toBeGreaterThan(50);
    expect(off.rmsErrorUm).toBeGreaterThan(100 * predictive.rmsErrorUm);
  });

  it('shows the encoder quantisation floor (≈ step/√12 with a coarse 2 µm encoder)', () => {
    const q = 2e-6;
    const coarse = simulateInsertion(plan(0.5, 250), { seed: 9, plant: { encoderQuantumM: q } });
    const floor = (q * 1e6) / Math.sqrt(12);
    expect(coarse.rmsErrorUm).toBeGreaterThan(0.85 * floor);
    expect(coarse.rmsErrorUm).toBeLessThan(1.5 * floor);
    const fine = simulateInsertion(plan(0.5, 250), { seed: 9 });
    expect(fine.rmsErrorUm).toBeLessThan(0.5 * coarse.rmsErrorUm);
  });

  it('follows the analytic closed-loop step response of the documented plant (scipy oracle)', () => {
    // Ideal loop: no latency, friction, noise, quantisation, needle force or brain motion; feedback only.
    const options: InsertionSimulationOptions = {
      brainMotion: NO_BRAIN_MOTION,
      sensor: { noiseUmRms: 0 },
      warmupS: 0,
      settleS: 0,
      traceRateHz: 10_000,
      controller: { feedforward: false },
      plant: {
        coulombFrictionN: 0,
        staticFrictionN: 0,
        needleCuttingForceN: 0,
        needleShaftFrictionNPerM: 0,
        encoderQuantumM: 0,
        encoderNoiseM: 0,
        measurementLatencyS: 0,
        actuationLatencyS: 0,
        currentLoopTimeConstantS: 0,
      },
    };
    const stepUm = 1;
    const r = simulateStepResponse(stepUm, 0.05, options);
    const n = r.samples.timeS.length;
    const cfg = DEFAULT_INSERTION_SIMULATION;
    const input = JSON.stringify({ plant: cfg.plant, controller: cfg.controller, stepUm, n });
    const oracle = JSON.parse(
      execFileSync('/usr/bin/python3', [join(here, 'control-oracle.py'), input], { encoding: 'utf8' }),
    ) as { discrete: number[]; continuous: number[] };
    let maxDev = 0;
    let maxDevContinuous = 0;
    let peak = 0;
    let peakExpected = 0;
    for (let i = 0; i < n; i++) {
      const y = r.samples.tipUm[i]! - r.samples.tipUm[0]!;
      maxDev = Math.max(maxDev, Math.abs(y - oracle.discrete[i]!));
      maxDevContinuous = Math.max(maxDevContinuous, Math.abs(y - oracle.continuous[i]!));
      peak = Math.max(peak, y);
      peakExpected = Math.max(peakExpected, oracle.discrete[i]!);
    }
    // Our plant integrator (2 sub-steps, Karnopp friction step) against the exact ZOH discretisation.
    expect(maxDev).toBeLessThan(0.002 * stepUm);
    expect(Math.abs(peak - peakExpected)).toBeLessThan(0.005 * stepUm);
    expect(peakExpected).toBeGreaterThan(1.1 * stepUm); // the (s + ω)³ PID design overshoots ~20 %
    // Sampling at 10 kHz barely changes the loop: the continuous design is within a few % of the step.
    expect(maxDevContinuous).toBeLessThan(0.08 * stepUm);
    expect(Math.abs(r.samples.tipUm.at(-1)! - r.samples.tipUm[0]! - stepUm)).toBeLessThan(0.01);
  });

  it('reports saturation of the current and of the axis travel', () => {
    const weak = simulateInsertion(plan(0.2, 500, 0.1), {
      seed: 2,
      warmupS: 0.5,
      plant: { currentLimitA: 0.08 },
    });
    expect(weak.saturations.currentSteps).toBeGreaterThan(0);
    expect(weak.saturations.integratorSteps).toBeGreaterThan(0);
    expect(weak.saturations.firstAtS).not.toBeNull();
    const short = simulateInsertion(plan(0.5, 500, 0.1), { seed: 2, warmupS: 0.5, axisRangeMm: [-1, 0.3] });
    expect(short.saturations.positionLimitSteps).toBeGreaterThan(0);
  });
});

describe('safety: commands outside the limits and NaN/∞ are rejected with a reason', () => {
  it('rejects bad plans', () => {
    expectRejected(() => simulateInsertion(plan(NaN, 100)), 'not-finite', /depthsMm\[0\].*finite/);
    expectRejected(() => simulateInsertion(plan(1, Infinity)), 'not-finite', /speedsUmPerS\[0\]/);
    expectRejected(() => simulateInsertion(plan(150, 100)), 'position-limit', /150 mm outside/);
    expectRejected(() => simulateInsertion(plan(-1, 100)), 'position-limit', /outside/);
    expectRejected(() => simulateInsertion(plan(1, 600)), 'velocity-limit', /600 µm\/s outside/);
    expectRejected(() => simulateInsertion(plan(1, 5)), 'velocity-limit', /outside/);
    expectRejected(
      () => simulateInsertion(plan(1, 100), { limits: { accelerationUmPerS2: 1e5 } }),
      'acceleration-limit',
      /acceleration/,
    );
    expectRejected(
      () => simulateInsertion({ depthsMm: [1, 2], speedsUmPerS: [100], pausesS: [0, 0] }),
      'invalid-plan',
      /differ in length/,
    );
    expectRejected(() => simulateInsertion({ ...plan(1, 100), pausesS: [-1] }), 'invalid-plan', /pausesS/);
    expectRejected(
      () => simulateInsertion({ ...plan(1, 100), retractSpeedUmPerS: NaN }),
      'not-finite',
      /retractSpeedUmPerS/,
    );
    const check = checkInsertionPlan(plan(1, 1000), DEFAULT_MOTION_LIMITS);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.code).toBe('velocity-limit');
      expect(check.reason).toMatch(/^control: speedsUmPerS\[0\]/);
    }
    expect(checkInsertionPlan(plan(1, 100), DEFAULT_MOTION_LIMITS).ok).toBe(true);
  });

  it('rejects bad configurations', () => {
    expectRejected(
      () => simulateInsertion(plan(1, 100), { controller: { rateHz: 5000 } }),
      'invalid-config',
      /10 kHz/,
    );
    expectRejected(
      () => simulateInsertion(plan(1, 100), { sensor: { noiseUmRms: NaN } }),
      'not-finite',
      /sensor/,
    );
    expectRejected(
      () => simulateInsertion(plan(1, 100), { plant: { carriageMassKg: -1 } }),
      'invalid-config',
      /carriageMassKg/,
    );
    expectRejected(() => simulateInsertion(plan(1, 100), { seed: Infinity }), 'not-finite', /seed/);
    expectRejected(() => simulateStepResponse(NaN, 0.1), 'not-finite', /stepUm/);
  });
});
