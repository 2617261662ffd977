/**
 * The insertion-axis servo loop in simulated time: the plant (plant.ts) integrated at `substeps` × the control
 * rate, a digital PID + feedforward controller at ≥ 10 kHz, the brain surface (brainMotion.ts) measured by a
 * delayed, noisy displacement sensor and predicted ahead (predictor.ts), and the insertion profile (profile.ts).
 * Tracking error = tip − (tissue surface + planned depth), in µm, measured at every control step.
 * Deterministic: everything random comes from one seeded mulberry32 stream; no wall clock is read.
 */
import {
  BrainMotion,
  DEFAULT_BRAIN_MOTION,
  validateBrainMotion,
  type BrainMotionParams,
} from './brainMotion.ts';
import { ControlCommandError, requireFinite, requireNonNegative, requirePositive } from './errors.ts';
import {
  DEFAULT_PLANT,
  needleForceN,
  plantDerived,
  stepPlant,
  validatePlant,
  type PlantParams,
  type PlantState,
} from './plant.ts';
import { DEFAULT_PREDICTOR, SurfacePredictor, type PredictorParams } from './predictor.ts';
import {
  DEFAULT_MOTION_LIMITS,
  InsertionProfile,
  type InsertionPlan,
  type MotionLimits,
  type ProfilePoint,
} from './profile.ts';
import { createRng } from './rng.ts';

/** The surface displacement sensor (forward-looking OCT / confocal distance sensor on the insertion head). */
export interface SurfaceSensorParams {
  /** Sample rate, Hz (OCT A-scans averaged to 5 kHz). */
  sampleRateHz: number;
  /** Displacement noise, µm RMS (phase-tracked OCT: 0.1–0.3 µm). */
  noiseUmRms: number;
  /** Latency from the sample instant to the controller, s (acquisition + processing + transfer). */
  latencyS: number;
}

export const DEFAULT_SURFACE_SENSOR: Readonly<SurfaceSensorParams> = Object.freeze({
  sampleRateHz: 5000,
  noiseUmRms: 0.2,
  latencyS: 3e-3,
});

export interface ControllerParams {
  /** Control rate, Hz (≥ 10 kHz). */
  rateHz: number;
  /** Closed-loop pole of the PID design, Hz: gains place all three poles at −2π·bandwidthHz. */
  bandwidthHz: number;
  /** Cut-off of the derivative's low-pass, Hz. */
  derivativeFilterHz: number;
  /** The controller's identified model relative to the true plant (1 = exact): mass, viscous and Coulomb friction. */
  modelMassScale: number;
  modelViscousScale: number;
  modelCoulombScale: number;
  /** Velocity scale of the smooth sign used for Coulomb feedforward, µm/s. */
  frictionSignScaleUmPerS: number;
  /** Largest integral force, N (anti-windup clamp; integration also stops while the output saturates). */
  integratorLimitN: number;
  /** Trajectory feedforward (mass·acc + friction) on or off; off leaves pure PID feedback. */
  feedforward: boolean;
}

export const DEFAULT_CONTROLLER: Readonly<ControllerParams> = Object.freeze({
  rateHz: 10_000,
  bandwidthHz: 80,
  derivativeFilterHz: 2000,
  modelMassScale: 0.95,
  modelViscousScale: 0.85,
  modelCoulombScale: 0.9,
  frictionSignScaleUmPerS: 5,
  integratorLimitN: 10,
  feedforward: true,
});

/**
 * How the brain motion is compensated: `predictive` = the predictor's estimate ahead of the latency plus its
 * velocity/acceleration as feedforward; `delayed` = the latest raw sensor sample as the surface (no prediction,
 * no surface feedforward); `off` = the surface is registered once at the start and then ignored.
 */
export type BrainCompensation = 'predictive' | 'delayed' | 'off';

export interface InsertionSimulationConfig {
  seed: number;
  plant: PlantParams;
  brainMotion: BrainMotionParams;
  sensor: SurfaceSensorParams;
  predictor: PredictorParams;
  controller: ControllerParams;
  limits: MotionLimits;
  compensation: BrainCompensation;
  /** Axis travel in the robot's axis coordinate (0 = mean surface position, + = deeper), mm. */
  axisRangeMm: [number, number];
  /** Axis velocity limit, mm/s (the reference is clamped to it). */
  axisMaxVelocityMmPerS: number;
  /** Tracking before the plan starts (the tip rests on the surface while the loop and predictor settle), s. */
  warmupS: number;
  /** Simulated time after the plan ends, s. */
  settleS: number;
  /** Rate of the decimated traces, Hz. */
  traceRateHz: number;
}

/** All defaults in one place. */
export const DEFAULT_INSERTION_SIMULATION: Readonly<InsertionSimulationConfig> = Object.freeze({
  seed: 1,
  plant: DEFAULT_PLANT,
  brainMotion: DEFAULT_BRAIN_MOTION,
  sensor: DEFAULT_SURFACE_SENSOR,
  predictor: DEFAULT_PREDICTOR,
  controller: DEFAULT_CONTROLLER,
  limits: DEFAULT_MOTION_LIMITS,
  compensation: 'predictive',
  axisRangeMm: [-10, 110],
  axisMaxVelocityMmPerS: 10,
  warmupS: 2,
  settleS: 0.2,
  traceRateHz: 1000,
}) as Readonly<InsertionSimulationConfig>;

/** Deep-ish merge of a partial config over the defaults (one level into the nested parameter groups). */
export type InsertionSimulationOptions = Partial<
  Omit<InsertionSimulationConfig, 'plant' | 'brainMotion' | 'sensor' | 'predictor' | 'controller' | 'limits'>
> & {
  plant?: Partial<PlantParams>;
  brainMotion?: BrainMotionParams;
  sensor?: Partial<SurfaceSensorParams>;
  predictor?: Partial<PredictorParams>;
  controller?: Partial<ControllerParams>;
  limits?: Partial<MotionLimits>;
};

export function resolveSimulationConfig(options: InsertionSimulationOptions = {}): InsertionSimulationConfig {
  const d = DEFAULT_INSERTION_SIMULATION;
  return {
    ...d,
    ...options,
    plant: { ...d.plant, ...options.plant },
    brainMotion: options.brainMotion ?? d.brainMotion,
    sensor: { ...d.sensor, ...options.sensor },
    predictor: { ...d.predictor, ...options.predictor },
    controller: { ...d.controller, ...options.controller },
    limits: { ...d.limits, ...options.limits },
  };
}

export interface ControllerGains {
  /** N/m, N/(m·s), N·s/m. */
  kp: number;
  ki: number;
  kd: number;
  /** The controller's model: mass kg, viscous N·s/m, Coulomb N, force per ampere N/A. */
  modelMassKg: number;
  modelViscousNsPerM: number;
  modelCoulombN: number;
  forcePerAmpN: number;
}

/** PID by pole placement on the model m̂·s²: m̂s³ + Kd s² + Kp s + Ki = m̂(s + ω)³. */
export function controllerGains(config: InsertionSimulationConfig): ControllerGains {
  const d = plantDerived(config.plant);
  const c = config.controller;
  const m = d.equivalentMassKg * c.modelMassScale;
  const w = 2 * Math.PI * c.bandwidthHz;
  return {
    kp: 3 * m * w * w,
    ki: m * w * w * w,
    kd: 3 * m * w,
    modelMassKg: m,
    modelViscousNsPerM: config.plant.viscousFrictionNsPerM * c.modelViscousScale,
    modelCoulombN: config.plant.coulombFrictionN * c.modelCoulombScale,
    forcePerAmpN: d.forcePerAmpN,
  };
}

export interface SaturationReport {
  /** Control steps where the current command hit the drive's limit. */
  currentSteps: number;
  /** Control steps where the integrator was clamped or frozen (anti-windup). */
  integratorSteps: number;
  /** Control steps where the reference left the axis travel and was clamped. */
  positionLimitSteps: number;
  /** Control steps where the reference velocity exceeded the axis limit and was clamped. */
  velocityLimitSteps: number;
  /** Plan time (s) of the first saturation of any kind, or null. */
  firstAtS: number | null;
}

export interface SimulationTraces {
  /** Plan time, s (negative during warm-up). */
  timeS: Float64Array;
  /** Needle tip (axis coordinate), tissue surface, planned depth, reference, error: µm. */
  tipUm: Float64Array;
  tissueUm: Float64Array;
  depthUm: Float64Array;
  referenceUm: Float64Array;
  errorUm: Float64Array;
  /** Current command, A. */
  commandA: Float64Array;
}

export interface InsertionSimulationResult {
  /** RMS and max |error| over the plan (insertion, dwells, retraction), µm. */
  rmsErrorUm: number;
  maxErrorUm: number;
  /** RMS error per phase of the plan, µm (NaN for a phase the plan lacks). */
  phaseRmsUm: { insert: number; dwell: number; retract: number };
  /** RMS of the tissue motion itself over the plan (what an uncompensated tip would see), µm. */
  tissueRmsUm: number;
  /** Simulated plan duration and total simulated time (with warm-up and settle), s. */
  planDurationS: number;
  simulatedS: number;
  /** Control steps simulated. */
  steps: number;
  saturations: SaturationReport;
  samples: SimulationTraces;
  gains: ControllerGains;
}

/** Something that gives the planned depth (and its derivatives) at a plan time. */
interface ReferenceSource {
  readonly durationS: number;
  at(t: number, out: ProfilePoint): void;
}

function validateConfig(c: InsertionSimulationConfig): void {
  requireFinite(c.seed, 'seed');
  validatePlant(c.plant);
  validateBrainMotion(c.brainMotion);
  requirePositive(c.sensor.sampleRateHz, 'sensor.sampleRateHz');
  requireNonNegative(c.sensor.noiseUmRms, 'sensor.noiseUmRms');
  requireNonNegative(c.sensor.latencyS, 'sensor.latencyS');
  requirePositive(c.predictor.processNoisePsd, 'predictor.processNoisePsd');
  if (c.predictor.order !== 3 && c.predictor.order !== 4) {
    throw new ControlCommandError('invalid-config', 'predictor.order must be 3 or 4');
  }
  const k = c.controller;
  requirePositive(k.rateHz, 'controller.rateHz');
  if (k.rateHz < 10_000) {
    throw new ControlCommandError('invalid-config', `controller.rateHz ${k.rateHz} Hz is below 10 kHz`);
  }
  for (const key of [
    'bandwidthHz',
    'derivativeFilterHz',
    'modelMassScale',
    'frictionSignScaleUmPerS',
    'integratorLimitN',
  ] as const) {
    requirePositive(k[key], `controller.${key}`);
  }
  requireNonNegative(k.modelViscousScale, 'controller.modelViscousScale');
  requireNonNegative(k.modelCoulombScale, 'controller.modelCoulombScale');
  if (k.bandwidthHz * 20 > k.rateHz) {
    throw new ControlCommandError('invalid-config', 'controller.bandwidthHz must be ≤ rateHz/20');
  }
  requireFinite(c.axisRangeMm[0], 'axisRangeMm[0]');
  requireFinite(c.axisRangeMm[1], 'axisRangeMm[1]');
  if (!(c.axisRangeMm[0] < c.axisRangeMm[1])) {
    throw new ControlCommandError('invalid-config', 'axisRangeMm must be [min, max] with min < max');
  }
  requirePositive(c.axisMaxVelocityMmPerS, 'axisMaxVelocityMmPerS');
  requireNonNegative(c.warmupS, 'warmupS');
  requireNonNegative(c.settleS, 'settleS');
  requirePositive(c.traceRateHz, 'traceRateHz');
  if (c.traceRateHz > k.rateHz) {
    throw new ControlCommandError('invalid-config', 'traceRateHz must not exceed controller.rateHz');
  }
  if (c.warmupS + c.settleS > 3600)
    throw new ControlCommandError('invalid-config', 'warm-up + settle over 1 h');
}

/**
 * Simulates an insertion plan on the axis under brain motion. Throws ControlCommandError for a plan outside the
 * limits, NaN/∞ anywhere, or an invalid configuration.
 */
export function simulateInsertion(
  plan: InsertionPlan,
  options: InsertionSimulationOptions = {},
): InsertionSimulationResult {
  const config = resolveSimulationConfig(options);
  validateConfig(config);
  const profile = new InsertionProfile(plan, config.limits);
  if (profile.durationS > 24 * 3600) throw new ControlCommandError('invalid-plan', 'plan longer than 24 h');
  return runLoop(config, profile);
}

/** A depth step of `stepUm` at plan time 0, held for `durationS` (for step-response checks). */
class StepReference implements ReferenceSource {
  constructor(
    private readonly stepUm: number,
    readonly durationS: number,
  ) {}
  at(t: number, out: ProfilePoint): void {
    out.depthUm = t >= 0 ? this.stepUm : 0;
    out.velocityUmPerS = 0;
    out.accelerationUmPerS2 = 0;
    out.phase = 'dwell';
  }
}

/**
 * Closed-loop response to a depth step (no profile shaping, so the feedback alone acts on the step): used to
 * check the loop against its analytic transfer function. Brain motion and limits apply as configured.
 */
export function simulateStepResponse(
  stepUm: number,
  durationS: number,
  options: InsertionSimulationOptions = {},
): InsertionSimulationResult {
  requireFinite(stepUm, 'stepUm');
  requirePositive(durationS, 'durationS');
  const config = resolveSimulationConfig(options);
  validateConfig(config);
  if (Math.abs(stepUm) > 1000) throw new ControlCommandError('position-limit', 'step larger than 1 mm');
  if (durationS > 60) throw new ControlCommandError('invalid-config', 'step response longer than 60 s');
  return runLoop(config, new StepReference(stepUm, durationS));
}

function runLoop(config: InsertionSimulationConfig, ref: ReferenceSource): InsertionSimulationResult {
  const p = config.plant;
  const d = plantDerived(p);
  const c = config.controller;
  const g = controllerGains(config);
  const rng = createRng(config.seed);
  const brain = new BrainMotion(config.brainMotion, rng);
  const Ts = 1 / c.rateHz;
  const warmSteps = Math.round(config.warmupS * c.rateHz);
  const planSteps = Math.ceil(ref.durationS * c.rateHz);
  const totalSteps = warmSteps + planSteps + Math.round(config.settleS * c.rateHz) + 1;

  // Latencies in whole control periods (at least 0).
  const measDelay = Math.round(p.measurementLatencyS * c.rateHz);
  const actDelay = Math.round(p.actuationLatencyS * c.rateHz);
  const sensorStride = Math.max(1, Math.round(c.rateHz / config.sensor.sampleRateHz));
  const sensorDelay = Math.round(config.sensor.latencyS * c.rateHz);
  const measRing = new Float64Array(measDelay + 1);
  const refRing = new Float64Array(measDelay + 1);
  const actRing = new Float64Array(actDelay + 1);
  const sensorQueueLen = Math.floor(sensorDelay / sensorStride) + 2;
  const sensorVal = new Float64Array(sensorQueueLen);
  const sensorStep = new Float64Array(sensorQueueLen);
  let sensorHead = 0;
  let sensorCount = 0;

  const sensorPeriodS = sensorStride * Ts;
  const predictor = new SurfacePredictor(
    config.predictor,
    sensorPeriodS,
    config.sensor.noiseUmRms ** 2 + 1e-6,
  );
  const pred = new Float64Array(3);
  // Lookahead of the feedforward: the force commanded now acts after the actuation latency, the current loop's
  // lag and half a period of zero-order hold.
  const lookS = actDelay * Ts + p.currentLoopTimeConstantS + Ts / 2;

  const q = p.encoderQuantumM;
  const sub = p.substeps;
  const dtSub = Ts / sub;
  const wd = 2 * Math.PI * c.derivativeFilterHz;
  const alphaD = Math.exp(-wd * Ts);
  const iMax = p.currentLimitA;
  const integLimit = g.ki > 0 ? c.integratorLimitN / g.ki : 0;
  const axisMin = config.axisRangeMm[0] * 1e-3;
  const axisMax = config.axisRangeMm[1] * 1e-3;
  const vAxisMax = config.axisMaxVelocityMmPerS * 1e-3;
  const vSign = c.frictionSignScaleUmPerS * 1e-6;

  const traceStride = Math.max(1, Math.round(c.rateHz / config.traceRateHz));
  const nTrace = Math.floor((totalSteps - 1) / traceStride) + 1;
  const tr: SimulationTraces = {
    timeS: new Float64Array(nTrace),
    tipUm: new Float64Array(nTrace),
    tissueUm: new Float64Array(nTrace),
    depthUm: new Float64Array(nTrace),
    referenceUm: new Float64Array(nTrace),
    errorUm: new Float64Array(nTrace),
    commandA: new Float64Array(nTrace),
  };

  const sat: SaturationReport = {
    currentSteps: 0,
    integratorSteps: 0,
    positionLimitSteps: 0,
    velocityLimitSteps: 0,
    firstAtS: null,
  };

  // Start on target: the tip touches the surface, at rest.
  let tissueUm = brain.valueUm();
  const s: PlantState = { positionM: tissueUm * 1e-6, velocityMPerS: 0, currentA: 0 };
  measRing.fill(s.positionM);
  refRing.fill(s.positionM);
  const registeredSurfaceUm = tissueUm;
  let latestSampleUm = tissueUm;

  let integ = 0;
  let prevErr = 0;
  let dErr = 0;
  let sumSq = 0;
  let maxAbs = 0;
  let nErr = 0;
  let tissueSumSq = 0;
  let tissueSum = 0;
  // Per-phase sums in typed arrays (0 insert, 1 dwell, 2 retract): keyed object stores would box doubles.
  const phaseSum = new Float64Array(3);
  const phaseN = new Float64Array(3);
  const now: ProfilePoint = { depthUm: 0, velocityUmPerS: 0, accelerationUmPerS2: 0, phase: 'dwell' };
  const ahead: ProfilePoint = { depthUm: 0, velocityUmPerS: 0, accelerationUmPerS2: 0, phase: 'dwell' };

  let untilTrace = 1;
  let traceIndex = 0;
  let untilSample = 1;
  let mW = 0;
  let mR = measDelay > 0 ? 1 : 0;
  let aW = 0;
  let aR = actDelay > 0 ? 1 : 0;
  for (let k = 0; k < totalSteps; k++) {
    const t = (k - warmSteps) * Ts; // plan time
    const prevTissueUm = tissueUm;
    tissueUm = brain.valueUm();
    const tissueVelMPerS = k === 0 ? 0 : (tissueUm - prevTissueUm) * 1e-6 * c.rateHz;

    // Truth and error at this instant.
    ref.at(t, now);
    const errUm = s.positionM * 1e6 - (tissueUm + now.depthUm);
    if (t >= 0 && t <= ref.durationS) {
      sumSq += errUm * errUm;
      const a = Math.abs(errUm);
      if (a > maxAbs) maxAbs = a;
      nErr++;
      tissueSum += tissueUm;
      tissueSumSq += tissueUm * tissueUm;
      const ph = now.phase === 'insert' ? 0 : now.phase === 'dwell' ? 1 : now.phase === 'retract' ? 2 : -1;
      if (ph >= 0) {
        phaseSum[ph] = phaseSum[ph]! + errUm * errUm;
        phaseN[ph] = phaseN[ph]! + 1;
      }
    }

    // Sensors. Encoder: noisy, quantised, delayed.
    let enc = s.positionM + (p.encoderNoiseM > 0 ? p.encoderNoiseM * rng.normal() : 0);
    if (q > 0) enc = q * Math.round(enc / q);
    measRing[mW] = enc;
    const y = measRing[mR]!; // the value written measDelay steps ago
    // Surface sensor: sample now, deliver after its latency.
    if (--untilSample === 0) {
      untilSample = sensorStride;
      const w = (sensorHead + sensorCount) % sensorQueueLen;
      sensorVal[w] = tissueUm + config.sensor.noiseUmRms * rng.normal();
      sensorStep[w] = k;
      sensorCount++;
    }
    while (sensorCount > 0 && sensorStep[sensorHead]! + sensorDelay <= k) {
      latestSampleUm = sensorVal[sensorHead]!;
      if (config.compensation === 'predictive')
        predictor.update(latestSampleUm, sensorStep[sensorHead]! * Ts);
      sensorHead = (sensorHead + 1) % sensorQueueLen;
      sensorCount--;
    }

    // Surface estimate now and ahead (µm, µm/s, µm/s²).
    let surfNow: number;
    let surfVel = 0;
    let surfAcc = 0;
    if (config.compensation === 'predictive' && predictor.ready) {
      const tk = k * Ts;
      predictor.predict(tk, pred);
      surfNow = pred[0]!;
      predictor.predict(tk + lookS, pred); // velocity and acceleration for the feedforward
      surfVel = pred[1]!;
      surfAcc = pred[2]!;
    } else if (config.compensation === 'off') {
      surfNow = registeredSurfaceUm;
    } else {
      surfNow = latestSampleUm;
    }
    ref.at(t + lookS, ahead);

    // Reference (m), clamped to the axis travel and velocity.
    let rNow = (surfNow + now.depthUm) * 1e-6;
    if (rNow < axisMin || rNow > axisMax) {
      rNow = Math.min(axisMax, Math.max(axisMin, rNow));
      sat.positionLimitSteps++;
      if (sat.firstAtS === null) sat.firstAtS = t;
    }
    let vRef = (surfVel + ahead.velocityUmPerS) * 1e-6;
    if (Math.abs(vRef) > vAxisMax) {
      vRef = Math.sign(vRef) * vAxisMax;
      sat.velocityLimitSteps++;
      if (sat.firstAtS === null) sat.firstAtS = t;
    }
    const aRef = (surfAcc + ahead.accelerationUmPerS2) * 1e-6;
    refRing[mW] = rNow;
    const rAligned = refRing[mR]!; // the reference for the instant y was measured

    // PID on the aligned error, filtered derivative, conditional integration (anti-windup).
    const e = rAligned - y;
    dErr = alphaD * dErr + ((1 - alphaD) * (e - prevErr)) / Ts;
    prevErr = e;
    let uFf = 0;
    if (c.feedforward) {
      uFf = g.modelMassKg * aRef + g.modelViscousNsPerM * vRef + g.modelCoulombN * Math.tanh(vRef / vSign);
    }
    const uNoI = uFf + g.kp * e + g.kd * dErr;
    const integCandidate = integ + e * Ts;
    let u = uNoI + g.ki * integCandidate;
    let iCmd = u / g.forcePerAmpN;
    const saturated = Math.abs(iCmd) > iMax;
    if (saturated) {
      sat.currentSteps++;
      if (sat.firstAtS === null) sat.firstAtS = t;
      iCmd = Math.sign(iCmd) * iMax;
    }
    if (saturated && Math.sign(e) === Math.sign(u)) {
      sat.integratorSteps++; // freeze: integrating would wind up further
    } else if (Math.abs(integCandidate) > integLimit) {
      integ = Math.sign(integCandidate) * integLimit;
      sat.integratorSteps++;
    } else {
      integ = integCandidate;
    }
    u = iCmd * g.forcePerAmpN;
    actRing[aW] = iCmd;
    const iApplied = actRing[aR]!;
    // Advance the ring indices (write slot k mod n, read slot (k+1) mod n: the oldest entry).
    mW = mR;
    mR = mR + 1 > measDelay ? 0 : mR + 1;
    aW = aR;
    aR = aR + 1 > actDelay ? 0 : aR + 1;

    if (--untilTrace === 0) {
      untilTrace = traceStride;
      const j = traceIndex++;
      tr.timeS[j] = t;
      tr.tipUm[j] = s.positionM * 1e6;
      tr.tissueUm[j] = tissueUm;
      tr.depthUm[j] = now.depthUm;
      tr.referenceUm[j] = rNow * 1e6;
      tr.errorUm[j] = errUm;
      tr.commandA[j] = iCmd;
    }

    // Plant over one control period.
    // The needle–tissue load changes slowly: evaluate it once per control period.
    const load = needleForceN(p, s.positionM - tissueUm * 1e-6, s.velocityMPerS - tissueVelMPerS);
    for (let j = 0; j < sub; j++) stepPlant(p, d, s, iApplied, load, dtSub);
    if (!Number.isFinite(s.positionM))
      throw new Error('control: the simulation diverged (plant state not finite)');
    brain.advance(Ts);
  }

  const tissueMean = nErr ? tissueSum / nErr : 0;
  const rmsOf = (ph: number): number => (phaseN[ph]! ? Math.sqrt(phaseSum[ph]! / phaseN[ph]!) : NaN);
  return {
    rmsErrorUm: nErr ? Math.sqrt(sumSq / nErr) : NaN,
    maxErrorUm: maxAbs,
    phaseRmsUm: { insert: rmsOf(0), dwell: rmsOf(1), retract: rmsOf(2) },
    tissueRmsUm: nErr ? Math.sqrt(Math.max(0, tissueSumSq / nErr - tissueMean * tissueMean)) : NaN,
    planDurationS: ref.durationS,
    simulatedS: totalSteps * Ts,
    steps: totalSteps,
    saturations: sat,
    samples: tr,
    gains: g,
  };
}
