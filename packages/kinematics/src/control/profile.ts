/**
 * The insertion plan and its motion profile along the needle axis: moves between depths at commanded speeds
 * (trapezoidal velocity, acceleration-limited), dwells at each reached depth, then retraction to depth 0 along the
 * same axis. Depth is measured from the (moving) tissue surface, positive = deeper.
 */
import { ControlCommandError, requireFinite } from './errors.ts';

export interface InsertionPlan {
  /** Depths to reach in order, mm (each move starts where the previous one ended; the first starts at 0). */
  depthsMm: number[];
  /** Speed of each move, µm/s (10–500 µm/s for insertion). */
  speedsUmPerS: number[];
  /** Dwell after each move, s. */
  pausesS: number[];
  /** Retract to depth 0 at this speed after the last dwell, µm/s; omitted = no retraction. */
  retractSpeedUmPerS?: number;
}

export interface MotionLimits {
  /** Allowed depth range, mm. */
  minDepthMm: number;
  maxDepthMm: number;
  /** Allowed move speeds, µm/s. */
  minSpeedUmPerS: number;
  maxSpeedUmPerS: number;
  /** Acceleration used (and allowed) for the profile, µm/s². */
  accelerationUmPerS2: number;
  maxAccelerationUmPerS2: number;
  /** Longest dwell, s (a guard against absurd plans). */
  maxPauseS: number;
}

export const DEFAULT_MOTION_LIMITS: Readonly<MotionLimits> = Object.freeze({
  minDepthMm: 0,
  maxDepthMm: 100,
  minSpeedUmPerS: 10,
  maxSpeedUmPerS: 500,
  accelerationUmPerS2: 1000,
  maxAccelerationUmPerS2: 5000,
  maxPauseS: 600,
});

export type PlanValidation = { ok: true } | { ok: false; code: ControlCommandError['code']; reason: string };

/** Checks a plan against the limits without throwing. */
export function checkInsertionPlan(plan: InsertionPlan, limits: MotionLimits): PlanValidation {
  try {
    validateInsertionPlan(plan, limits);
    return { ok: true };
  } catch (e) {
    if (e instanceof ControlCommandError) return { ok: false, code: e.code, reason: e.message };
    throw e;
  }
}

/** Throws ControlCommandError (code + reason) for any plan outside the limits or with NaN/∞ values. */
export function validateInsertionPlan(plan: InsertionPlan, limits: MotionLimits): void {
  const { depthsMm, speedsUmPerS, pausesS } = plan;
  if (!Array.isArray(depthsMm) || !Array.isArray(speedsUmPerS) || !Array.isArray(pausesS)) {
    throw new ControlCommandError('invalid-plan', 'plan needs depthsMm, speedsUmPerS and pausesS arrays');
  }
  if (depthsMm.length === 0) throw new ControlCommandError('invalid-plan', 'plan has no depths');
  if (speedsUmPerS.length !== depthsMm.length || pausesS.length !== depthsMm.length) {
    throw new ControlCommandError(
      'invalid-plan',
      `plan arrays differ in length (depths ${depthsMm.length}, speeds ${speedsUmPerS.length}, pauses ${pausesS.length})`,
    );
  }
  const a = limits.accelerationUmPerS2;
  requireFinite(a, 'acceleration');
  if (a <= 0 || a > limits.maxAccelerationUmPerS2) {
    throw new ControlCommandError(
      'acceleration-limit',
      `acceleration ${a} µm/s² outside (0, ${limits.maxAccelerationUmPerS2}] µm/s²`,
    );
  }
  const checkSpeed = (v: number, what: string): void => {
    requireFinite(v, what);
    if (v < limits.minSpeedUmPerS || v > limits.maxSpeedUmPerS) {
      throw new ControlCommandError(
        'velocity-limit',
        `${what} ${v} µm/s outside [${limits.minSpeedUmPerS}, ${limits.maxSpeedUmPerS}] µm/s`,
      );
    }
  };
  for (let i = 0; i < depthsMm.length; i++) {
    const d = depthsMm[i]!;
    requireFinite(d, `depthsMm[${i}]`);
    if (d < limits.minDepthMm || d > limits.maxDepthMm) {
      throw new ControlCommandError(
        'position-limit',
        `depthsMm[${i}] = ${d} mm outside [${limits.minDepthMm}, ${limits.maxDepthMm}] mm`,
      );
    }
    checkSpeed(speedsUmPerS[i]!, `speedsUmPerS[${i}]`);
    const p = pausesS[i]!;
    requireFinite(p, `pausesS[${i}]`);
    if (p < 0 || p > limits.maxPauseS) {
      throw new ControlCommandError(
        'invalid-plan',
        `pausesS[${i}] = ${p} s outside [0, ${limits.maxPauseS}] s`,
      );
    }
  }
  if (plan.retractSpeedUmPerS !== undefined) checkSpeed(plan.retractSpeedUmPerS, 'retractSpeedUmPerS');
}

interface Move {
  t0: number;
  /** Start and end depth, µm. */
  fromUm: number;
  toUm: number;
  dir: number;
  tAcc: number;
  tCruise: number;
  vPeak: number;
  /** Total move time, s. */
  duration: number;
}

interface Segment {
  kind: 'move' | 'dwell';
  t0: number;
  duration: number;
  move?: Move;
  depthUm: number;
}

/** Sampled profile state: depth µm, velocity µm/s, acceleration µm/s², and which phase it is in. */
export interface ProfilePoint {
  depthUm: number;
  velocityUmPerS: number;
  accelerationUmPerS2: number;
  phase: 'insert' | 'dwell' | 'retract' | 'done';
}

/** A trapezoidal-velocity profile through the plan; evaluate with monotone or random times. */
export class InsertionProfile {
  readonly durationS: number;
  private readonly segments: Segment[] = [];
  private cursor = 0;

  constructor(plan: InsertionPlan, limits: MotionLimits) {
    validateInsertionPlan(plan, limits);
    const a = limits.accelerationUmPerS2;
    let t = 0;
    let depth = 0;
    const addMove = (toUm: number, speed: number): void => {
      const dist = Math.abs(toUm - depth);
      if (dist === 0) return;
      // Triangle profile when the move is too short to reach the commanded speed.
      const vPeak = Math.min(speed, Math.sqrt(dist * a));
      const tAcc = vPeak / a;
      const tCruise = (dist - vPeak * tAcc) / vPeak;
      const duration = 2 * tAcc + tCruise;
      const move: Move = {
        t0: t,
        fromUm: depth,
        toUm,
        dir: Math.sign(toUm - depth),
        tAcc,
        tCruise,
        vPeak,
        duration,
      };
      this.segments.push({ kind: 'move', t0: t, duration, move, depthUm: toUm });
      t += duration;
      depth = toUm;
    };
    for (let i = 0; i < plan.depthsMm.length; i++) {
      addMove(plan.depthsMm[i]! * 1000, plan.speedsUmPerS[i]!);
      if (plan.pausesS[i]! > 0) {
        this.segments.push({ kind: 'dwell', t0: t, duration: plan.pausesS[i]!, depthUm: depth });
        t += plan.pausesS[i]!;
      }
    }
    if (plan.retractSpeedUmPerS !== undefined) addMove(0, plan.retractSpeedUmPerS);
    this.durationS = t;
  }

  /** Profile at time t (s from the start of the plan), written into `out`. */
  at(t: number, out: ProfilePoint): void {
    const segs = this.segments;
    if (segs.length === 0 || t >= this.durationS) {
      const last = segs[segs.length - 1];
      out.depthUm = last ? last.depthUm : 0;
      out.velocityUmPerS = 0;
      out.accelerationUmPerS2 = 0;
      out.phase = t < 0 ? 'dwell' : 'done';
      if (t < 0) out.depthUm = 0;
      return;
    }
    if (t < 0) {
      out.depthUm = 0;
      out.velocityUmPerS = 0;
      out.accelerationUmPerS2 = 0;
      out.phase = 'dwell';
      return;
    }
    if (this.cursor >= segs.length || segs[this.cursor]!.t0 > t) this.cursor = 0;
    while (this.cursor < segs.length - 1 && segs[this.cursor]!.t0 + segs[this.cursor]!.duration <= t)
      this.cursor++;
    const seg = segs[this.cursor]!;
    if (seg.kind === 'dwell' || !seg.move) {
      out.depthUm = seg.depthUm;
      out.velocityUmPerS = 0;
      out.accelerationUmPerS2 = 0;
      out.phase = 'dwell';
      return;
    }
    const m = seg.move;
    const tau = t - m.t0;
    const acc = m.vPeak / m.tAcc;
    let s: number;
    let v: number;
    let acc2: number;
    if (tau < m.tAcc) {
      s = 0.5 * acc * tau * tau;
      v = acc * tau;
      acc2 = acc;
    } else if (tau < m.tAcc + m.tCruise) {
      s = 0.5 * m.vPeak * m.tAcc + m.vPeak * (tau - m.tAcc);
      v = m.vPeak;
      acc2 = 0;
    } else {
      const r = Math.max(0, m.duration - tau);
      s = Math.abs(m.toUm - m.fromUm) - 0.5 * acc * r * r;
      v = acc * r;
      acc2 = -acc;
    }
    out.depthUm = m.fromUm + m.dir * s;
    out.velocityUmPerS = m.dir * v;
    out.accelerationUmPerS2 = m.dir * acc2;
    out.phase = m.dir > 0 ? 'insert' : 'retract';
  }
}
