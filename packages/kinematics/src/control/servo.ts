/**
 * The insertion-axis servo loop as a steppable object, for a robot that runs in (simulated) time and takes
 * commands while it runs: the same plant, controller, surface sensor, predictor and brain motion as
 * `simulateInsertion` (simulate.ts), but driven by an online reference (move to a depth at a speed, stop now)
 * instead of a precomputed plan, and advanced in chunks of control steps.
 *
 * Coordinates: the axis coordinate (µm) is 0 at the mean tissue surface, + deeper. The planned depth is
 * relative to the moving surface, so the reference is surface estimate + depth; tracking error = tip −
 * (true surface + depth). Deterministic: one seeded random stream, no wall clock.
 */
import { BrainMotion } from './brainMotion.ts';
import { ControlCommandError, requireFinite, requirePositive } from './errors.ts';
import { needleForceN, plantDerived, stepPlant, type PlantDerived, type PlantState } from './plant.ts';
import { SurfacePredictor } from './predictor.ts';
import { createRng } from './rng.ts';
import {
  controllerGains,
  resolveSimulationConfig,
  type ControllerGains,
  type InsertionSimulationConfig,
  type InsertionSimulationOptions,
} from './simulate.ts';

export interface InsertionServoOptions extends InsertionSimulationOptions {
  /** Where the tip starts (axis coordinate, µm; default: on the surface). It starts at rest. */
  initialTipUm?: number;
  /**
   * Outside the tissue the needle need not follow the brain: with a ramp (µm), the surface is followed fully
   * from depth 0 on and faded out linearly over this distance above it (the reference is w·surface + depth).
   * Undefined (default): followed at every depth, exactly as `simulateInsertion` does.
   */
  compensationRampUm?: number;
}

/** What the servo reports after each step (µm, µm/s, N, A, s). */
export interface ServoSnapshot {
  /** Simulated time since the servo was created, s. */
  timeS: number;
  /** Needle tip and true tissue surface (axis coordinate), µm. */
  tipUm: number;
  tissueUm: number;
  /** Commanded depth relative to the surface and its rate, µm and µm/s. */
  depthRefUm: number;
  depthRateUmPerS: number;
  /** tip − (tissue + depthRef), µm (the tissue weighted by the compensation ramp outside the tissue). */
  errorUm: number;
  /** Needle–tissue force, N; current command, A. */
  forceN: number;
  commandA: number;
  /** True while the depth reference is still moving towards its goal. */
  moving: boolean;
}

/** Running statistics of |error| since the last `resetStats`, µm. */
export interface ServoStats {
  rmsErrorUm: number;
  maxErrorUm: number;
  steps: number;
}

export class InsertionServo {
  readonly config: InsertionSimulationConfig;
  readonly gains: ControllerGains;
  /** Control rate, Hz, and period, s. */
  readonly rateHz: number;
  readonly periodS: number;

  private readonly d: PlantDerived;
  private readonly rng;
  private readonly brain: BrainMotion;
  private readonly predictor: SurfacePredictor;
  private readonly s: PlantState;
  private readonly measRing: Float64Array;
  private readonly refRing: Float64Array;
  private readonly actRing: Float64Array;
  private readonly sensorVal: Float64Array;
  private readonly sensorStep: Float64Array;
  private readonly pred = new Float64Array(3);
  private readonly measDelay: number;
  private readonly actDelay: number;
  private readonly sensorStride: number;
  private readonly sensorDelay: number;
  private readonly lookS: number;
  private readonly alphaD: number;
  private readonly integLimit: number;
  private sensorHead = 0;
  private sensorCount = 0;
  private untilSample = 1;
  private mW = 0;
  private mR: number;
  private aW = 0;
  private aR: number;
  private k = 0;
  private tissueUm: number;
  private latestSampleUm: number;
  private readonly registeredSurfaceUm: number;
  private readonly rampUm: number;
  private integ = 0;
  private prevErr = 0;
  private dErr = 0;
  private lastErrorUm = 0;
  private lastForceN = 0;
  private lastCommandA = 0;
  // Online reference: depth (µm from the surface), its rate and acceleration, the goal and the speed.
  private depthUm: number;
  private depthRate = 0;
  private depthAcc = 0;
  private goalUm: number;
  private speedUmPerS = 0;
  private accelUmPerS2: number;
  private sumSq = 0;
  private maxAbs = 0;
  private nErr = 0;

  constructor(options: InsertionServoOptions = {}) {
    const { initialTipUm, compensationRampUm, ...rest } = options;
    if (compensationRampUm !== undefined) requirePositive(compensationRampUm, 'compensationRampUm');
    this.rampUm = compensationRampUm ?? Infinity;
    const config = resolveSimulationConfig(rest);
    const c = config.controller;
    requirePositive(c.rateHz, 'controller.rateHz');
    if (c.rateHz < 10_000)
      throw new ControlCommandError('invalid-config', `controller.rateHz ${c.rateHz} Hz is below 10 kHz`);
    if (!(config.axisRangeMm[0] < config.axisRangeMm[1]))
      throw new ControlCommandError('invalid-config', 'axisRangeMm must be [min, max] with min < max');
    requirePositive(config.axisMaxVelocityMmPerS, 'axisMaxVelocityMmPerS');
    requirePositive(config.limits.accelerationUmPerS2, 'limits.accelerationUmPerS2');
    this.config = config;
    this.gains = controllerGains(config);
    this.rateHz = c.rateHz;
    this.periodS = 1 / c.rateHz;
    const p = config.plant;
    this.d = plantDerived(p);
    this.rng = createRng(config.seed);
    this.brain = new BrainMotion(config.brainMotion, this.rng);
    this.measDelay = Math.round(p.measurementLatencyS * c.rateHz);
    this.actDelay = Math.round(p.actuationLatencyS * c.rateHz);
    this.sensorStride = Math.max(1, Math.round(c.rateHz / config.sensor.sampleRateHz));
    this.sensorDelay = Math.round(config.sensor.latencyS * c.rateHz);
    this.measRing = new Float64Array(this.measDelay + 1);
    this.refRing = new Float64Array(this.measDelay + 1);
    this.actRing = new Float64Array(this.actDelay + 1);
    const queueLen = Math.floor(this.sensorDelay / this.sensorStride) + 2;
    this.sensorVal = new Float64Array(queueLen);
    this.sensorStep = new Float64Array(queueLen);
    this.predictor = new SurfacePredictor(
      config.predictor,
      this.sensorStride * this.periodS,
      config.sensor.noiseUmRms ** 2 + 1e-6,
    );
    this.lookS = this.actDelay * this.periodS + p.currentLoopTimeConstantS + this.periodS / 2;
    this.alphaD = Math.exp(-2 * Math.PI * c.derivativeFilterHz * this.periodS);
    this.integLimit = this.gains.ki > 0 ? c.integratorLimitN / this.gains.ki : 0;
    this.mR = this.measDelay > 0 ? 1 : 0;
    this.aR = this.actDelay > 0 ? 1 : 0;
    this.accelUmPerS2 = config.limits.accelerationUmPerS2;

    this.tissueUm = this.brain.valueUm();
    const tip = initialTipUm ?? this.tissueUm;
    requireFinite(tip, 'initialTipUm');
    this.s = { positionM: tip * 1e-6, velocityMPerS: 0, currentA: 0 };
    this.measRing.fill(this.s.positionM);
    this.refRing.fill(this.s.positionM);
    this.latestSampleUm = this.tissueUm;
    this.registeredSurfaceUm = this.tissueUm;
    this.depthUm = tip - this.tissueUm * this.surfaceWeight(tip - this.tissueUm);
    this.goalUm = this.depthUm;
  }

  /**
   * Moves the depth reference to `depthUm` (relative to the surface) at up to `speedUmPerS`, with the
   * configured acceleration. Throws ControlCommandError for NaN/∞, a depth outside the axis travel or a speed
   * over the axis limit.
   */
  moveTo(depthUm: number, speedUmPerS: number): void {
    requireFinite(depthUm, 'depthUm');
    requirePositive(speedUmPerS, 'speedUmPerS');
    const [lo, hi] = this.config.axisRangeMm;
    if (depthUm < lo * 1000 || depthUm > hi * 1000)
      throw new ControlCommandError(
        'position-limit',
        `depth ${(depthUm / 1000).toFixed(3)} mm outside the axis travel [${lo}, ${hi}] mm`,
      );
    if (speedUmPerS > this.config.axisMaxVelocityMmPerS * 1000)
      throw new ControlCommandError(
        'velocity-limit',
        `speed ${speedUmPerS} µm/s over the axis limit ${this.config.axisMaxVelocityMmPerS * 1000} µm/s`,
      );
    this.goalUm = depthUm;
    this.speedUmPerS = speedUmPerS;
  }

  /** Stops the reference at once: the depth it has now is held from the next control step on. */
  stop(): void {
    this.goalUm = this.depthUm;
    this.depthRate = 0;
    this.depthAcc = 0;
    this.speedUmPerS = 0;
  }

  /** How much of the surface motion the reference follows at a depth (1 in tissue). */
  private surfaceWeight(depthUm: number): number {
    if (this.rampUm === Infinity || depthUm >= 0) return 1;
    return Math.max(0, 1 + depthUm / this.rampUm);
  }

  /** True while the reference is moving. */
  get moving(): boolean {
    return this.depthRate !== 0 || this.depthUm !== this.goalUm;
  }

  /** Simulated time since creation, s. */
  get timeS(): number {
    return this.k * this.periodS;
  }

  snapshot(): ServoSnapshot {
    return {
      timeS: this.timeS,
      tipUm: this.s.positionM * 1e6,
      tissueUm: this.tissueUm,
      depthRefUm: this.depthUm,
      depthRateUmPerS: this.depthRate,
      errorUm: this.lastErrorUm,
      forceN: this.lastForceN,
      commandA: this.lastCommandA,
      moving: this.moving,
    };
  }

  stats(): ServoStats {
    return {
      rmsErrorUm: this.nErr ? Math.sqrt(this.sumSq / this.nErr) : 0,
      maxErrorUm: this.maxAbs,
      steps: this.nErr,
    };
  }

  resetStats(): void {
    this.sumSq = 0;
    this.maxAbs = 0;
    this.nErr = 0;
  }

  /** Advances the reference by one control period (time-optimal approach to the goal, rate- and accel-limited). */
  private advanceReference(dt: number): void {
    const remaining = this.goalUm - this.depthUm;
    const a = this.accelUmPerS2;
    const v0 = this.depthRate;
    if (remaining === 0 && v0 === 0) {
      this.depthAcc = 0;
      return;
    }
    // Desired rate: the speed, or slower so that the goal can still be reached decelerating at `a`.
    const want = Math.sign(remaining) * Math.min(this.speedUmPerS, Math.sqrt(2 * a * Math.abs(remaining)));
    const dv = Math.max(-a * dt, Math.min(a * dt, want - v0));
    const v1 = v0 + dv;
    const step = 0.5 * (v0 + v1) * dt;
    if (Math.abs(remaining) <= Math.abs(step) || (Math.abs(remaining) < 1e-3 && Math.abs(v1) < a * dt)) {
      this.depthUm = this.goalUm;
      this.depthRate = 0;
      this.depthAcc = 0;
      return;
    }
    this.depthUm += step;
    this.depthRate = v1;
    this.depthAcc = dv / dt;
  }

  /** Runs `steps` control steps. */
  step(steps = 1): void {
    const config = this.config;
    const p = config.plant;
    const c = config.controller;
    const g = this.gains;
    const Ts = this.periodS;
    const q = p.encoderQuantumM;
    const sub = p.substeps;
    const dtSub = Ts / sub;
    const iMax = p.currentLimitA;
    const axisMin = config.axisRangeMm[0] * 1e-3;
    const axisMax = config.axisRangeMm[1] * 1e-3;
    const vAxisMax = config.axisMaxVelocityMmPerS * 1e-3;
    const vSign = c.frictionSignScaleUmPerS * 1e-6;
    const s = this.s;
    const pred = this.pred;
    for (let n = 0; n < steps; n++) {
      const k = this.k;
      const prevTissueUm = this.tissueUm;
      const tissueUm = this.brain.valueUm();
      this.tissueUm = tissueUm;
      const tissueVelMPerS = k === 0 ? 0 : (tissueUm - prevTissueUm) * 1e-6 * c.rateHz;

      this.advanceReference(Ts);
      const w = this.surfaceWeight(this.depthUm);
      const dw = w > 0 && w < 1 ? 1 / this.rampUm : 0;
      const errUm = s.positionM * 1e6 - (w * tissueUm + this.depthUm);
      this.lastErrorUm = errUm;
      this.sumSq += errUm * errUm;
      if (Math.abs(errUm) > this.maxAbs) this.maxAbs = Math.abs(errUm);
      this.nErr++;

      // Encoder: noisy, quantised, delayed.
      let enc = s.positionM + (p.encoderNoiseM > 0 ? p.encoderNoiseM * this.rng.normal() : 0);
      if (q > 0) enc = q * Math.round(enc / q);
      this.measRing[this.mW] = enc;
      const y = this.measRing[this.mR]!;
      // Surface sensor: sample now, deliver after its latency.
      if (--this.untilSample === 0) {
        this.untilSample = this.sensorStride;
        const w = (this.sensorHead + this.sensorCount) % this.sensorVal.length;
        this.sensorVal[w] = tissueUm + config.sensor.noiseUmRms * this.rng.normal();
        this.sensorStep[w] = k;
        this.sensorCount++;
      }
      while (this.sensorCount > 0 && this.sensorStep[this.sensorHead]! + this.sensorDelay <= k) {
        this.latestSampleUm = this.sensorVal[this.sensorHead]!;
        if (config.compensation === 'predictive')
          this.predictor.update(this.latestSampleUm, this.sensorStep[this.sensorHead]! * Ts);
        this.sensorHead = (this.sensorHead + 1) % this.sensorVal.length;
        this.sensorCount--;
      }
      let surfNow: number;
      let surfVel = 0;
      let surfAcc = 0;
      if (config.compensation === 'predictive' && this.predictor.ready) {
        this.predictor.predict(k * Ts, pred);
        surfNow = pred[0]!;
        this.predictor.predict(k * Ts + this.lookS, pred);
        surfVel = pred[1]!;
        surfAcc = pred[2]!;
      } else if (config.compensation === 'off') {
        surfNow = this.registeredSurfaceUm;
      } else {
        surfNow = this.latestSampleUm;
      }

      let rNow = (w * surfNow + this.depthUm) * 1e-6;
      if (rNow < axisMin || rNow > axisMax) rNow = Math.min(axisMax, Math.max(axisMin, rNow));
      let vRef = (w * surfVel + dw * this.depthRate * surfNow + this.depthRate) * 1e-6;
      if (Math.abs(vRef) > vAxisMax) vRef = Math.sign(vRef) * vAxisMax;
      const aRef = (w * surfAcc + this.depthAcc) * 1e-6;
      this.refRing[this.mW] = rNow;
      const rAligned = this.refRing[this.mR]!;

      // PID on the aligned error, filtered derivative, conditional integration (anti-windup).
      const e = rAligned - y;
      this.dErr = this.alphaD * this.dErr + ((1 - this.alphaD) * (e - this.prevErr)) / Ts;
      this.prevErr = e;
      const uFf = c.feedforward
        ? g.modelMassKg * aRef + g.modelViscousNsPerM * vRef + g.modelCoulombN * Math.tanh(vRef / vSign)
        : 0;
      const uNoI = uFf + g.kp * e + g.kd * this.dErr;
      const integCandidate = this.integ + e * Ts;
      const u = uNoI + g.ki * integCandidate;
      let iCmd = u / g.forcePerAmpN;
      const saturated = Math.abs(iCmd) > iMax;
      if (saturated) iCmd = Math.sign(iCmd) * iMax;
      if (saturated && Math.sign(e) === Math.sign(u)) {
        // freeze: integrating would wind up further
      } else if (Math.abs(integCandidate) > this.integLimit) {
        this.integ = Math.sign(integCandidate) * this.integLimit;
      } else {
        this.integ = integCandidate;
      }
      this.actRing[this.aW] = iCmd;
      const iApplied = this.actRing[this.aR]!;
      this.mW = this.mR;
      this.mR = this.mR + 1 > this.measDelay ? 0 : this.mR + 1;
      this.aW = this.aR;
      this.aR = this.aR + 1 > this.actDelay ? 0 : this.aR + 1;
      this.lastCommandA = iCmd;

      const load = needleForceN(p, s.positionM - tissueUm * 1e-6, s.velocityMPerS - tissueVelMPerS);
      this.lastForceN = load;
      for (let j = 0; j < sub; j++) stepPlant(p, this.d, s, iApplied, load, dtSub);
      if (!Number.isFinite(s.positionM))
        throw new Error('control: the servo diverged (plant state not finite)');
      this.brain.advance(Ts);
      this.k = k + 1;
    }
  }

  /** Runs the control steps that fit in `seconds` (rounded to whole steps); returns how many ran. */
  advance(seconds: number): number {
    requireFinite(seconds, 'seconds');
    const steps = Math.max(0, Math.round(seconds * this.rateHz));
    this.step(steps);
    return steps;
  }
}
