/**
 * Inverse kinematics of a serial chain (mm, rad), within joint limits.
 *
 * Full pose: where the chain has our arm's geometry (spherical wrist, insertion axis on the wrist axis:
 * ikAnalytic.ts) the closed form gives every branch for a grid of insertion values; the branch within limits
 * nearest to the seed (the seed's insertion value first) is polished by the numerical solver, which otherwise
 * works alone: Levenberg–Marquardt on the 6-row pose error (position mm; orientation as a rotation vector, weighted
 * by a 100 mm lever arm so both rows have comparable size) with damping λ = c·E + ν that adapts to the error
 * (Sugihara 2011: large far from the goal, vanishing near it, so the last steps are Gauss–Newton and converge
 * quadratically to 1e-10 mm). The step is solved in task space, (J Jᵀ + λI) y = e, dq = Jᵀy, by a 6×6 Cholesky.
 * Joint limits: the step is clamped; joints at a limit that the step pushes outwards are locked (their column
 * removed) and the step re-solved. An attempt that stalls restarts from a seeded random configuration within
 * limits (TRAC-IK style). Everything runs on buffers preallocated per chain: no allocation per iteration.
 *
 * Tool on an axis (`solveOnAxis`): 5 constraints (tip position, needle direction; the roll about the axis and
 * the split between arm and insertion axis are free). The free roll is sampled (24 angles) and, with the closed
 * form, every branch at every insertion value on a grid is scored (without it: each roll solved as a full pose
 * numerically); the best configuration is kept, then refined in the null space of the 5 constraints to maximise a
 * margin objective (distance to joint limits, manipulability) with the constraints restored after each step.
 */
import { mulberry32 } from '@neuroplan/imaging';
import { analyticIkFor, type AnalyticIk } from './ikAnalytic.ts';
import type { KinematicChain, Pose, QuaternionXyzw, Vec3 } from './types.ts';

/** Orientation rows are weighted as position rows at this lever arm (mm). */
const LEVER_MM = 100;

export interface IkOptions {
  /** Start configuration (mm and rad, chain order). Default: the middle of every joint's range. */
  seed?: ArrayLike<number>;
  /** Random restarts after the first attempt. Default 100. */
  maxRestarts?: number;
  /** Iterations per attempt. Default 80. */
  maxIterations?: number;
  /** Success threshold on |tip position error|, mm. Default 1e-4 (0.1 µm). */
  positionToleranceMm?: number;
  /** Success threshold on the orientation error angle, rad. Default 1e-6. */
  orientationToleranceRad?: number;
  /** Uniform [0,1) source for the restart configurations. Default: mulberry32 seeded with `randomSeed`. */
  random?: () => number;
  /** Seed of the default generator (default 1): the same inputs give the same result. */
  randomSeed?: number;
  /** Start from the closed-form branches where the geometry allows (default true). */
  analytic?: boolean;
  /**
   * Redundant chains (more joints than 6): after solving, move in the null space of the pose task to lower
   * `marginObjective` (away from joint limits and singularities), keeping the pose. Default false (speed).
   */
  optimizeMargins?: boolean;
}

export type IkResult =
  | {
      ok: true;
      /** mm (prismatic) and rad (revolute), chain order. */
      joints: Float64Array;
      positionErrorMm: number;
      orientationErrorRad: number;
      /** Iterations over all attempts. */
      iterations: number;
      restarts: number;
    }
  | { ok: false; reason: string };

export interface AxisOptions extends IkOptions {
  /** The needle direction in the tool frame. Default [0, 0, 1]. */
  toolAxis?: Vec3;
  /** Roll angles sampled about the axis. Default 24. */
  rollSamples?: number;
  /** Null-space refinement steps. Default 60. */
  refineIterations?: number;
}

export interface AxisMargins {
  /** Smallest distance to a joint limit as a fraction of that joint's range (0 at a limit, 0.5 centred). */
  limitMarginFraction: number;
  /** Index of the joint closest to a limit, and its distance to that limit (mm or rad). */
  limitJoint: number;
  limitDistance: number;
  /**
   * Yoshikawa manipulability √det(J̃J̃ᵀ) of the 6×n Jacobian with position rows divided by 100 mm
   * (dimensionless); 0 at a singularity.
   */
  manipulability: number;
}

export type AxisResult =
  | ({
      ok: true;
      joints: Float64Array;
      /** |tip − (point + depth·direction)|, mm. */
      positionErrorMm: number;
      /** Angle between the needle axis and the direction, rad. */
      axisAngleErrorRad: number;
      iterations: number;
    } & AxisMargins)
  | { ok: false; reason: string };

/** Rotation (row-major) of a unit quaternion; a reason when it is not finite or not normalised (±1e-6). */
export function ikTargetFromQuaternion(
  positionMm: readonly number[],
  quaternionXyzw: readonly number[],
): { ok: true; pose: Pose } | { ok: false; reason: string } {
  if (positionMm.length !== 3 || !positionMm.every(Number.isFinite))
    return { ok: false, reason: 'the target position must be 3 finite numbers (mm)' };
  if (quaternionXyzw.length !== 4 || !quaternionXyzw.every(Number.isFinite))
    return { ok: false, reason: 'the target quaternion must be 4 finite numbers (x y z w)' };
  const [x, y, z, w] = quaternionXyzw as QuaternionXyzw;
  const norm = Math.hypot(x, y, z, w);
  if (Math.abs(norm - 1) > 1e-6)
    return {
      ok: false,
      reason: `the target quaternion is not normalised (norm ${norm.toPrecision(8)}, expected 1 ± 1e-6)`,
    };
  const r = new Float64Array([
    1 - 2 * (y * y + z * z),
    2 * (x * y - z * w),
    2 * (x * z + y * w),
    2 * (x * y + z * w),
    1 - 2 * (x * x + z * z),
    2 * (y * z - x * w),
    2 * (x * z - y * w),
    2 * (y * z + x * w),
    1 - 2 * (x * x + y * y),
  ]);
  return { ok: true, pose: { rotation: r, positionMm: [positionMm[0]!, positionMm[1]!, positionMm[2]!] } };
}

/** A reason when the pose is not finite or its rotation not orthonormal with det +1 (±1e-6). */
export function checkTargetPose(pose: Pose): string | null {
  const r = pose.rotation;
  if (!r || r.length !== 9) return 'the target rotation must have 9 entries (row-major 3×3)';
  for (let i = 0; i < 9; i++)
    if (!Number.isFinite(r[i])) return 'the target rotation has a NaN or infinite entry';
  if (pose.positionMm.length !== 3 || !pose.positionMm.every(Number.isFinite))
    return 'the target position has a NaN or infinite coordinate';
  let dev = 0;
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      const d = r[i * 3]! * r[j * 3]! + r[i * 3 + 1]! * r[j * 3 + 1]! + r[i * 3 + 2]! * r[j * 3 + 2]!;
      dev = Math.max(dev, Math.abs(d - (i === j ? 1 : 0)));
    }
  if (dev > 1e-6) return `the target rotation is not orthonormal (|R·Rᵀ − I| = ${dev.toExponential(2)})`;
  const det =
    r[0]! * (r[4]! * r[8]! - r[5]! * r[7]!) -
    r[1]! * (r[3]! * r[8]! - r[5]! * r[6]!) +
    r[2]! * (r[3]! * r[7]! - r[4]! * r[6]!);
  if (det < 0) return 'the target rotation is a reflection (determinant −1)';
  return null;
}

/** Preallocated kinematics and solver buffers of one chain. */
class ChainSolver {
  readonly n: number;
  private readonly originR: Float64Array;
  private readonly originT: Float64Array;
  private readonly axisLocal: Float64Array;
  private readonly prismatic: Uint8Array;
  private readonly toolR: Float64Array;
  private readonly toolT: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Sampling range for restarts (continuous joints: ±π). */
  private readonly sampleLo: Float64Array;
  private readonly sampleHi: Float64Array;

  // FK state of the last `fk` call.
  private readonly axisW: Float64Array;
  private readonly pointW: Float64Array;
  readonly R = new Float64Array(9);
  readonly p = new Float64Array(3);
  private readonly tmpR = new Float64Array(9);
  private readonly curR = new Float64Array(9);
  private readonly curP = new Float64Array(3);

  /** Unweighted Jacobian, 6×n row-major (vx vy vz in mm, wx wy wz). */
  readonly J: Float64Array;
  /** Task rows (m×n), error (m), task matrix (m×m, stride 6), work vectors. */
  private readonly A: Float64Array;
  private readonly Mm = new Float64Array(36);
  private readonly err = new Float64Array(6);
  private readonly errSaved = new Float64Array(6);
  private readonly y = new Float64Array(6);
  private readonly dq: Float64Array;
  private readonly qTry: Float64Array;
  private readonly locked: Uint8Array;
  /** Target and task definition. */
  private readonly tR = new Float64Array(9);
  private readonly tP = new Float64Array(3);
  private readonly dir = new Float64Array(3);
  private readonly u = new Float64Array(3);
  private readonly v = new Float64Array(3);
  private readonly toolAxis = new Float64Array(3);
  private rows = 6;
  /** Closed-form seeds where the geometry allows (ikAnalytic.ts), else null. */
  private readonly analytic: AnalyticIk | null;
  private readonly cand = new Float64Array(8 * 7);
  private readonly candBest = new Float64Array(7);
  analyticIterations = 0;
  /** Insertion values tried by the closed form, as fractions of the prismatic range (after the seed's). */
  private static readonly D_FRACTIONS = [
    0.5,
    0.1,
    0.9,
    0.3,
    0.7,
    0.0,
    1.0,
    0.2,
    0.8,
    0.4,
    0.6,
    ...Array.from({ length: 20 }, (_, i) => (2 * i + 1) / 40),
  ];
  private readonly candViol = new Float64Array(7);
  /** Unweighted errors of the last `taskError` call. */
  posErr = 0;
  oriErr = 0;

  constructor(chain: KinematicChain) {
    const n = (this.n = chain.joints.length);
    this.originR = new Float64Array(9 * n);
    this.originT = new Float64Array(3 * n);
    this.axisLocal = new Float64Array(3 * n);
    this.prismatic = new Uint8Array(n);
    this.lower = new Float64Array(n);
    this.upper = new Float64Array(n);
    this.sampleLo = new Float64Array(n);
    this.sampleHi = new Float64Array(n);
    chain.joints.forEach((j, i) => {
      this.originR.set(j.originFromParent.rotation, 9 * i);
      this.originT.set(j.originFromParent.positionMm, 3 * i);
      const a = Math.hypot(...j.axis);
      for (let k = 0; k < 3; k++) this.axisLocal[3 * i + k] = j.axis[k]! / a;
      this.prismatic[i] = j.type === 'prismatic' ? 1 : 0;
      this.lower[i] = j.limits.lower;
      this.upper[i] = j.limits.upper;
      const continuous = !Number.isFinite(j.limits.lower) || !Number.isFinite(j.limits.upper);
      this.sampleLo[i] = continuous ? -Math.PI : j.limits.lower;
      this.sampleHi[i] = continuous ? Math.PI : j.limits.upper;
    });
    this.toolR = Float64Array.from(chain.toolFromLastJoint.rotation);
    this.toolT = Float64Array.from(chain.toolFromLastJoint.positionMm);
    this.axisW = new Float64Array(3 * n);
    this.pointW = new Float64Array(3 * n);
    this.J = new Float64Array(6 * n);
    this.A = new Float64Array(6 * n);
    this.dq = new Float64Array(n);
    this.qTry = new Float64Array(n);
    this.locked = new Uint8Array(n);
    this.analytic = analyticIkFor(chain);
  }

  /**
   * Closed-form start for the current pose task: for the seed's insertion value, then others, the branch
   * within limits nearest to the seed (revolute joints may shift by ±2π into their range), polished by LM.
   * True when a branch converged (q holds it); the iterations spent are in `analyticIterations`.
   */
  analyticAttempt(
    q: Float64Array,
    seed: ArrayLike<number>,
    maxIter: number,
    posTol: number,
    oriTol: number,
  ): boolean {
    this.analyticIterations = 0;
    const an = this.analytic;
    if (!an || this.rows !== 6) return false;
    const cand = this.cand;
    const best = this.candBest;
    const lo = this.lower[6]!,
      hi = this.upper[6]!;
    const fr = ChainSolver.D_FRACTIONS;
    const viol = this.candViol;
    let leastViolation = Infinity;
    for (let k = -1; k < fr.length; k++) {
      const d = k < 0 ? Math.min(hi, Math.max(lo, seed[6]!)) : lo + fr[k]! * (hi - lo);
      const count = an.solve(this.tR, this.tP, d, seed, cand);
      let bestDist = Infinity;
      for (let c = 0; c < count; c++) {
        let dist = 0;
        let violation = 0;
        for (let i = 0; i < 6; i++) {
          let v = cand[7 * c + i]!;
          // Nearest representative of v (mod 2π) to the seed that lies within limits.
          v += 2 * Math.PI * Math.round((seed[i]! - v) / (2 * Math.PI));
          if (v < this.lower[i]!) v += 2 * Math.PI;
          if (v > this.upper[i]!) v -= 2 * Math.PI;
          violation += Math.max(0, this.lower[i]! - v, v - this.upper[i]!);
          cand[7 * c + i] = v;
          dist += (v - seed[i]!) ** 2;
        }
        if (violation > 0) {
          if (violation < leastViolation) {
            leastViolation = violation;
            for (let i = 0; i < 7; i++) viol[i] = cand[7 * c + i]!;
          }
          continue;
        }
        if (dist < bestDist) {
          bestDist = dist;
          for (let i = 0; i < 7; i++) best[i] = cand[7 * c + i]!;
        }
      }
      if (bestDist === Infinity) continue;
      q.set(best);
      const it = this.attempt(q, maxIter, posTol, oriTol);
      this.analyticIterations += Math.abs(it);
      if (it >= 0) return true;
    }
    // No branch within limits on the grid of insertion values: let LM slide from the least violating one
    // (the insertion axis is redundant, so it can trade depth for the violating joint).
    if (leastViolation < Infinity) {
      this.clampInto(viol, q);
      const it = this.attempt(q, 3 * maxIter, posTol, oriTol);
      this.analyticIterations += Math.abs(it);
      if (it >= 0) return true;
    }
    return false;
  }

  /** Forward kinematics into R, p; joint axes and points in the base frame for the Jacobian. */
  fk(q: ArrayLike<number>): void {
    const R = this.curR;
    const P = this.curP;
    R.fill(0);
    R[0] = R[4] = R[8] = 1;
    P.fill(0);
    const t = this.tmpR;
    for (let i = 0; i < this.n; i++) {
      // P += R·originT; R = R·originR
      const o = 3 * i;
      const ox = this.originT[o]!,
        oy = this.originT[o + 1]!,
        oz = this.originT[o + 2]!;
      P[0] = P[0]! + R[0]! * ox + R[1]! * oy + R[2]! * oz;
      P[1] = P[1]! + R[3]! * ox + R[4]! * oy + R[5]! * oz;
      P[2] = P[2]! + R[6]! * ox + R[7]! * oy + R[8]! * oz;
      mul3(R, this.originR, 9 * i, t);
      R.set(t);
      const ax = this.axisLocal[o]!,
        ay = this.axisLocal[o + 1]!,
        az = this.axisLocal[o + 2]!;
      const wx = R[0]! * ax + R[1]! * ay + R[2]! * az;
      const wy = R[3]! * ax + R[4]! * ay + R[5]! * az;
      const wz = R[6]! * ax + R[7]! * ay + R[8]! * az;
      this.axisW[o] = wx;
      this.axisW[o + 1] = wy;
      this.axisW[o + 2] = wz;
      this.pointW[o] = P[0]!;
      this.pointW[o + 1] = P[1]!;
      this.pointW[o + 2] = P[2]!;
      const qi = q[i]!;
      if (this.prismatic[i]) {
        P[0] = P[0]! + wx * qi;
        P[1] = P[1]! + wy * qi;
        P[2] = P[2]! + wz * qi;
      } else {
        // R = Rot(w_base, q)·R (rotation about the local axis = about its base-frame image, applied on the left)
        rodrigues(wx, wy, wz, qi, t);
        mul3Left(t, R, this.R);
        R.set(this.R);
      }
    }
    const tt = this.toolT;
    this.p[0] = P[0]! + R[0]! * tt[0]! + R[1]! * tt[1]! + R[2]! * tt[2]!;
    this.p[1] = P[1]! + R[3]! * tt[0]! + R[4]! * tt[1]! + R[5]! * tt[2]!;
    this.p[2] = P[2]! + R[6]! * tt[0]! + R[7]! * tt[1]! + R[8]! * tt[2]!;
    mul3(R, this.toolR, 0, this.R);
  }

  /** Geometric Jacobian of the last `fk`, unweighted, into J. */
  jacobian(): void {
    const n = this.n;
    const J = this.J;
    for (let i = 0; i < n; i++) {
      const o = 3 * i;
      const wx = this.axisW[o]!,
        wy = this.axisW[o + 1]!,
        wz = this.axisW[o + 2]!;
      if (this.prismatic[i]) {
        J[i] = wx;
        J[n + i] = wy;
        J[2 * n + i] = wz;
        J[3 * n + i] = J[4 * n + i] = J[5 * n + i] = 0;
      } else {
        const rx = this.p[0]! - this.pointW[o]!,
          ry = this.p[1]! - this.pointW[o + 1]!,
          rz = this.p[2]! - this.pointW[o + 2]!;
        J[i] = wy * rz - wz * ry;
        J[n + i] = wz * rx - wx * rz;
        J[2 * n + i] = wx * ry - wy * rx;
        J[3 * n + i] = wx;
        J[4 * n + i] = wy;
        J[5 * n + i] = wz;
      }
    }
  }

  setPoseTask(target: Pose): void {
    this.rows = 6;
    this.tR.set(target.rotation);
    this.tP.set(target.positionMm);
  }

  setAxisTask(tipMm: ArrayLike<number>, direction: ArrayLike<number>, toolAxis: ArrayLike<number>): void {
    this.rows = 5;
    this.tP.set(tipMm);
    this.dir.set(direction);
    this.toolAxis.set(toolAxis);
    // u, v: orthonormal basis of the plane normal to the direction.
    const [dx, dy, dz] = [direction[0]!, direction[1]!, direction[2]!];
    const ref = Math.abs(dx) < 0.6 ? [1, 0, 0] : [0, 1, 0];
    let ux = dy * ref[2]! - dz * ref[1]!,
      uy = dz * ref[0]! - dx * ref[2]!,
      uz = dx * ref[1]! - dy * ref[0]!;
    const un = Math.hypot(ux, uy, uz);
    ux /= un;
    uy /= un;
    uz /= un;
    this.u[0] = ux;
    this.u[1] = uy;
    this.u[2] = uz;
    this.v[0] = dy * uz - dz * uy;
    this.v[1] = dz * ux - dx * uz;
    this.v[2] = dx * uy - dy * ux;
  }

  /** Weighted task error of the last `fk` into err (rows 0..m−1); returns E = ½|err|². */
  taskError(): number {
    const e = this.err;
    const p = this.p;
    e[0] = this.tP[0]! - p[0]!;
    e[1] = this.tP[1]! - p[1]!;
    e[2] = this.tP[2]! - p[2]!;
    this.posErr = Math.hypot(e[0], e[1], e[2]);
    const R = this.R;
    if (this.rows === 6) {
      // Rotation vector of Rerr = Rt·Rᵀ (base frame).
      const t = this.tR;
      const m = this.tmpR;
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++)
          m[3 * i + j] =
            t[3 * i]! * R[3 * j]! + t[3 * i + 1]! * R[3 * j + 1]! + t[3 * i + 2]! * R[3 * j + 2]!;
      rotationVector(m, e, 3);
      this.oriErr = Math.hypot(e[3]!, e[4]!, e[5]!);
      e[3] = e[3]! * LEVER_MM;
      e[4] = e[4]! * LEVER_MM;
      e[5] = e[5]! * LEVER_MM;
    } else {
      // Needle direction d = R·a; rotation vector taking d onto the target direction, projected on u, v.
      const a = this.toolAxis;
      const dx = R[0]! * a[0]! + R[1]! * a[1]! + R[2]! * a[2]!;
      const dy = R[3]! * a[0]! + R[4]! * a[1]! + R[5]! * a[2]!;
      const dz = R[6]! * a[0]! + R[7]! * a[1]! + R[8]! * a[2]!;
      const t = this.dir;
      const cx = dy * t[2]! - dz * t[1]!,
        cy = dz * t[0]! - dx * t[2]!,
        cz = dx * t[1]! - dy * t[0]!;
      const s = Math.hypot(cx, cy, cz);
      const ang = Math.atan2(s, dx * t[0]! + dy * t[1]! + dz * t[2]!);
      this.oriErr = ang;
      const k = s > 1e-300 ? (ang / s) * LEVER_MM : LEVER_MM;
      e[3] = k * (cx * this.u[0]! + cy * this.u[1]! + cz * this.u[2]!);
      e[4] = k * (cx * this.v[0]! + cy * this.v[1]! + cz * this.v[2]!);
      if (s < 1e-12 && ang > 1) {
        // Pointing backwards: any perpendicular rotation works; push about u.
        e[3] = Math.PI * LEVER_MM;
        e[4] = 0;
      }
    }
    let E = 0;
    for (let i = 0; i < this.rows; i++) E += e[i]! * e[i]!;
    return 0.5 * E;
  }

  /** Task rows of the Jacobian (weighted) into A, with locked columns zeroed. */
  private taskRows(): void {
    const n = this.n;
    const J = this.J;
    const A = this.A;
    A.set(J.subarray(0, 3 * n));
    if (this.rows === 6) {
      for (let k = 3 * n; k < 6 * n; k++) A[k] = J[k]! * LEVER_MM;
    } else {
      for (let i = 0; i < n; i++) {
        const wx = J[3 * n + i]!,
          wy = J[4 * n + i]!,
          wz = J[5 * n + i]!;
        A[3 * n + i] = LEVER_MM * (this.u[0]! * wx + this.u[1]! * wy + this.u[2]! * wz);
        A[4 * n + i] = LEVER_MM * (this.v[0]! * wx + this.v[1]! * wy + this.v[2]! * wz);
      }
    }
    for (let i = 0; i < n; i++) if (this.locked[i]) for (let r = 0; r < this.rows; r++) A[r * n + i] = 0;
  }

  /** Solves (A Aᵀ + λI) y = rhs (m rows), dq = Aᵀy. False when the factorisation fails. */
  private dlsStep(lambda: number, rhs: Float64Array, out: Float64Array): boolean {
    const n = this.n;
    const m = this.rows;
    const A = this.A;
    const M = this.Mm;
    for (let i = 0; i < m; i++)
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += A[i * n + k]! * A[j * n + k]!;
        M[i * 6 + j] = s + (i === j ? lambda : 0);
      }
    if (!cholesky(M, m)) return false;
    choleskySolve(M, m, rhs, this.y);
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let r = 0; r < m; r++) s += A[r * n + k]! * this.y[r]!;
      out[k] = s;
    }
    return true;
  }

  /**
   * One LM attempt from q (modified in place). Returns iterations used (negative when it failed).
   * q must be within limits.
   */
  attempt(q: Float64Array, maxIter: number, posTol: number, oriTol: number): number {
    const n = this.n;
    this.fk(q);
    let E = this.taskError();
    let c = 1e-3;
    let nu = 1e-8;
    let needJ = true;
    let stall = 0;
    let bestCheck = E;
    for (let it = 1; it <= maxIter; it++) {
      // Converge 100× below the tolerances (one more Gauss–Newton step near the goal) so the result stays
      // within them when checked by another implementation.
      if (this.posErr < 0.01 * posTol && this.oriErr < 0.01 * oriTol) return it - 1;
      if (needJ) {
        this.jacobian();
        needJ = false;
      }
      this.locked.fill(0);
      const lambda = c * E + nu;
      let ok = false;
      for (let pass = 0; pass < 2; pass++) {
        this.taskRows();
        ok = this.dlsStep(lambda, this.err, this.dq);
        if (!ok) break;
        let relock = false;
        for (let i = 0; i < n; i++) {
          if (this.locked[i]) continue;
          const d = this.dq[i]!;
          if ((q[i]! <= this.lower[i]! && d < 0) || (q[i]! >= this.upper[i]! && d > 0)) {
            this.locked[i] = 1;
            relock = true;
          }
        }
        if (!relock) break;
      }
      if (!ok) {
        nu = nu * 10 + 1e-6;
        continue;
      }
      // Trust region on revolute joints: at most 0.6 rad per step.
      let maxRot = 0;
      for (let i = 0; i < n; i++) if (!this.prismatic[i]) maxRot = Math.max(maxRot, Math.abs(this.dq[i]!));
      const scale = maxRot > 0.6 ? 0.6 / maxRot : 1;
      const qt = this.qTry;
      for (let i = 0; i < n; i++) {
        const v = q[i]! + scale * this.dq[i]!;
        qt[i] = v < this.lower[i]! ? this.lower[i]! : v > this.upper[i]! ? this.upper[i]! : v;
      }
      this.errSaved.set(this.err);
      const pe = this.posErr,
        oe = this.oriErr;
      this.fk(qt);
      const En = this.taskError();
      if (En < E) {
        q.set(qt);
        E = En;
        needJ = true;
        c = Math.max(c * 0.3, 1e-6);
        nu = Math.max(nu * 0.1, 1e-12);
      } else {
        c *= 8;
        nu = nu * 10;
        // Restore the error of q (the FK state holds qTry; the Jacobian of q is kept).
        this.err.set(this.errSaved);
        this.posErr = pe;
        this.oriErr = oe;
        if (c > 1e6) return -it;
      }
      // Stall: less than 1% progress over 12 iterations while still far from the goal.
      if (++stall >= 12) {
        if (E > 0.99 * bestCheck && E > 1e-6) return -it;
        bestCheck = E;
        stall = 0;
      }
    }
    return this.posErr < posTol && this.oriErr < oriTol ? maxIter : -maxIter;
  }

  /**
   * Closed-form search for the axis task: for each roll about the axis and each insertion value on a grid,
   * every branch within limits (revolute joints shifted by 2π towards mid-range), scored by `objective`.
   * The best goes into q; returns false when the geometry has no closed form or no branch is within limits.
   */
  analyticAxisSearch(
    tip: ArrayLike<number>,
    base: Float64Array,
    dir: ArrayLike<number>,
    rolls: number,
    hint: ArrayLike<number>,
    q: Float64Array,
  ): boolean {
    const an = this.analytic;
    if (!an) return false;
    const R = new Float64Array(9);
    const rr = new Float64Array(9);
    const c7 = new Float64Array(7);
    const lo = this.lower[6]!,
      hi = this.upper[6]!;
    let bestF = Infinity;
    for (let k = 0; k < rolls; k++) {
      rodrigues(dir[0]!, dir[1]!, dir[2]!, (2 * Math.PI * k) / rolls, rr);
      mul3Left(rr, base, R);
      for (let m = 0; m <= 10; m++) {
        const count = an.solve(R, tip, lo + (m / 10) * (hi - lo), hint, this.cand);
        for (let c = 0; c < count; c++) {
          let inside = true;
          for (let i = 0; i < 7 && inside; i++) {
            let v = this.cand[7 * c + i]!;
            if (i < 6) {
              const mid = 0.5 * (this.sampleLo[i]! + this.sampleHi[i]!);
              v += 2 * Math.PI * Math.round((mid - v) / (2 * Math.PI));
            }
            inside = v >= this.lower[i]! && v <= this.upper[i]!;
            c7[i] = v;
          }
          if (!inside) continue;
          const f = this.objective(c7);
          if (f < bestF) {
            bestF = f;
            q.set(c7);
          }
        }
      }
    }
    return bestF < Infinity;
  }

  /** Random configuration within limits into q. */
  randomConfig(q: Float64Array, random: () => number): void {
    for (let i = 0; i < this.n; i++)
      q[i] = this.sampleLo[i]! + random() * (this.sampleHi[i]! - this.sampleLo[i]!);
  }

  clampInto(src: ArrayLike<number>, q: Float64Array): void {
    for (let i = 0; i < this.n; i++) q[i] = Math.min(this.upper[i]!, Math.max(this.lower[i]!, src[i]!));
  }

  midConfig(q: Float64Array): void {
    for (let i = 0; i < this.n; i++) q[i] = 0.5 * (this.sampleLo[i]! + this.sampleHi[i]!);
  }

  /** Margins of q (runs fk and jacobian). */
  margins(q: ArrayLike<number>): AxisMargins {
    let frac = Infinity;
    let joint = 0;
    let dist = Infinity;
    for (let i = 0; i < this.n; i++) {
      const lo = this.lower[i]!,
        hi = this.upper[i]!;
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) continue;
      const d = Math.min(q[i]! - lo, hi - q[i]!);
      const f = d / (hi - lo);
      if (f < frac) {
        frac = f;
        joint = i;
        dist = d;
      }
    }
    this.fk(q);
    this.jacobian();
    return {
      limitMarginFraction: frac,
      limitJoint: joint,
      limitDistance: dist,
      manipulability: this.manip(),
    };
  }

  /** √det(J̃J̃ᵀ) of the last jacobian(), position rows / 100 mm. */
  manip(): number {
    const n = this.n;
    const J = this.J;
    const M = this.Mm;
    for (let i = 0; i < 6; i++)
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += J[i * n + k]! * J[j * n + k]!;
        M[i * 6 + j] = s * (i < 3 ? 1 / LEVER_MM : 1) * (j < 3 ? 1 / LEVER_MM : 1);
      }
    if (!cholesky(M, 6)) return 0;
    let d = 1;
    for (let i = 0; i < 6; i++) d *= M[i * 7]!;
    return d;
  }

  /**
   * Margin objective to minimise: Σ range²/(4(q−lo)(hi−q)) (1 when centred, → ∞ at a limit) minus
   * log manipulability (keeps away from singularities).
   */
  objective(q: ArrayLike<number>): number {
    let h = 0;
    for (let i = 0; i < this.n; i++) {
      const lo = this.lower[i]!,
        hi = this.upper[i]!;
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) continue;
      const a = q[i]! - lo,
        b = hi - q[i]!;
      if (a <= 0 || b <= 0) return Infinity;
      h += ((hi - lo) * (hi - lo)) / (4 * a * b);
    }
    this.fk(q);
    this.jacobian();
    const m = this.manip();
    return m > 0 ? h - Math.log(m) : Infinity;
  }

  /**
   * Null-space refinement of q for the current task: gradient steps on `objective` projected on the null space
   * of the task rows, each followed by LM to restore the task; only improving, converged steps are kept.
   */
  refine(q: Float64Array, iterations: number, posTol: number, oriTol: number): number {
    const n = this.n;
    const grad = new Float64Array(n);
    const proj = new Float64Array(n);
    const cand = new Float64Array(n);
    const tmp = new Float64Array(n);
    let f = this.objective(q);
    let step = 0.05;
    let used = 0;
    for (let it = 0; it < iterations && step > 1e-4; it++) {
      // Central differences (the objective is cheap: one FK and a 6×6 factorisation).
      for (let i = 0; i < n; i++) {
        const h = this.prismatic[i] ? 1e-3 : 1e-5;
        tmp.set(q);
        tmp[i] = q[i]! + h;
        const fp = this.objective(tmp);
        tmp[i] = q[i]! - h;
        const fm = this.objective(tmp);
        grad[i] = Number.isFinite(fp) && Number.isFinite(fm) ? (fp - fm) / (2 * h) : 0;
      }
      // Project −grad on the null space of the task rows at q: g − Aᵀ(AAᵀ+λI)⁻¹A g.
      this.fk(q);
      this.jacobian();
      this.locked.fill(0);
      this.taskRows();
      const Ag = this.err; // reuse as the right-hand side buffer
      for (let r = 0; r < this.rows; r++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += this.A[r * n + k]! * grad[k]!;
        Ag[r] = s;
      }
      if (!this.dlsStep(1e-9, Ag, proj)) break;
      let norm = 0;
      for (let k = 0; k < n; k++) {
        proj[k] = grad[k]! - proj[k]!;
        norm = Math.max(norm, Math.abs(proj[k]!));
      }
      if (norm < 1e-9) break;
      let improved = false;
      while (step > 1e-4) {
        for (let k = 0; k < n; k++) cand[k] = q[k]! - (step / norm) * proj[k]!;
        this.clampInto(cand, cand);
        const iters = this.attempt(cand, 30, posTol, oriTol);
        used += Math.abs(iters);
        if (iters >= 0) {
          const fc = this.objective(cand);
          if (fc < f) {
            q.set(cand);
            f = fc;
            improved = true;
            step *= 1.5;
            break;
          }
        }
        step *= 0.5;
      }
      if (!improved) break;
    }
    return used;
  }
}

const solvers = new WeakMap<KinematicChain, ChainSolver>();
function solverFor(chain: KinematicChain): ChainSolver {
  let s = solvers.get(chain);
  if (!s) {
    s = new ChainSolver(chain);
    solvers.set(chain, s);
  }
  return s;
}

function checkOptions(chain: KinematicChain, options: IkOptions): string | null {
  const n = chain.joints.length;
  if (n === 0) return 'the chain has no movable joint';
  if (options.seed !== undefined) {
    if (options.seed.length !== n) return `the seed has ${options.seed.length} values, the chain ${n} joints`;
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(options.seed[i])) return `seed value ${i + 1} is NaN or infinite`;
  }
  const pt = options.positionToleranceMm ?? 1e-4;
  const ot = options.orientationToleranceRad ?? 1e-6;
  if (!(pt > 0) || !Number.isFinite(pt)) return 'positionToleranceMm must be a positive number';
  if (!(ot > 0) || !Number.isFinite(ot)) return 'orientationToleranceRad must be a positive number';
  return null;
}

/** Runs attempts from the seed then random restarts until one converges; q holds the solution. */
function solveTask(
  s: ChainSolver,
  q: Float64Array,
  options: IkOptions,
): { ok: true; iterations: number; restarts: number } | { ok: false; iterations: number; restarts: number } {
  const maxRestarts = options.maxRestarts ?? 100;
  const maxIter = options.maxIterations ?? 80;
  const pt = options.positionToleranceMm ?? 1e-4;
  const ot = options.orientationToleranceRad ?? 1e-6;
  const random = options.random ?? mulberry32(options.randomSeed ?? 1);
  if (options.seed) s.clampInto(options.seed, q);
  else s.midConfig(q);
  let iterations = 0;
  if (options.analytic !== false) {
    const seed = Float64Array.from(q);
    const ok = s.analyticAttempt(q, seed, maxIter, pt, ot);
    iterations += s.analyticIterations;
    if (ok) return { ok: true, iterations, restarts: 0 };
    q.set(seed);
  }
  for (let r = 0; r <= maxRestarts; r++) {
    if (r > 0) s.randomConfig(q, random);
    const it = s.attempt(q, maxIter, pt, ot);
    iterations += Math.abs(it);
    if (it >= 0) return { ok: true, iterations, restarts: r };
  }
  return { ok: false, iterations, restarts: maxRestarts };
}

/** Full-pose IK within joint limits. `target`: the tool pose in the base frame (mm). */
export function solveIk(chain: KinematicChain, target: Pose, options: IkOptions = {}): IkResult {
  const bad = checkTargetPose(target) ?? checkOptions(chain, options);
  if (bad) return { ok: false, reason: bad };
  const s = solverFor(chain);
  s.setPoseTask(target);
  const q = new Float64Array(s.n);
  const r = solveTask(s, q, options);
  if (!r.ok) {
    return {
      ok: false,
      reason: `no joint configuration within limits reaches the pose to ${(options.positionToleranceMm ?? 1e-4) * 1000} µm / ${(options.orientationToleranceRad ?? 1e-6) * 1e6} µrad (tried the seed and ${r.restarts} random restarts; the pose is probably outside the workspace)`,
    };
  }
  let iterations = r.iterations;
  if (options.optimizeMargins && s.n > 6)
    iterations += s.refine(
      q,
      60,
      options.positionToleranceMm ?? 1e-4,
      options.orientationToleranceRad ?? 1e-6,
    );
  s.fk(q);
  s.taskError();
  return {
    ok: true,
    joints: q,
    positionErrorMm: s.posErr,
    orientationErrorRad: s.oriErr,
    iterations,
    restarts: r.restarts,
  };
}

/**
 * The tool on an axis: tip at pointMm + depthMm·directionUnit, needle axis (toolAxis, default tool z) along
 * directionUnit; the roll about the axis and the remaining redundancy are chosen to keep far from joint limits
 * and singularities.
 */
export function solveOnAxis(
  chain: KinematicChain,
  pointMm: ArrayLike<number>,
  directionUnit: ArrayLike<number>,
  depthMm: number,
  options: AxisOptions = {},
): AxisResult {
  const bad = checkOptions(chain, options);
  if (bad) return { ok: false, reason: bad };
  if (pointMm.length !== 3 || !Array.from(pointMm).every(Number.isFinite))
    return { ok: false, reason: 'the axis point must be 3 finite numbers (mm)' };
  if (directionUnit.length !== 3 || !Array.from(directionUnit).every(Number.isFinite))
    return { ok: false, reason: 'the axis direction must be 3 finite numbers' };
  if (!Number.isFinite(depthMm)) return { ok: false, reason: 'the depth must be a finite number (mm)' };
  const dn = Math.hypot(directionUnit[0]!, directionUnit[1]!, directionUnit[2]!);
  if (Math.abs(dn - 1) > 1e-6)
    return { ok: false, reason: `the axis direction is not a unit vector (norm ${dn.toPrecision(8)})` };
  const axis = options.toolAxis ?? [0, 0, 1];
  const an = Math.hypot(...axis);
  if (!axis.every(Number.isFinite) || Math.abs(an - 1) > 1e-6)
    return { ok: false, reason: 'toolAxis must be a unit vector' };
  const d: Vec3 = [directionUnit[0]!, directionUnit[1]!, directionUnit[2]!];
  const tip: Vec3 = [
    pointMm[0]! + depthMm * d[0],
    pointMm[1]! + depthMm * d[1],
    pointMm[2]! + depthMm * d[2],
  ];
  const s = solverFor(chain);
  const pt = options.positionToleranceMm ?? 1e-4;
  const ot = options.orientationToleranceRad ?? 1e-6;
  const samples = Math.max(1, options.rollSamples ?? 24);
  const base = rotationTaking(axis, d);
  let best: Float64Array | null = null;
  let iterations = 0;
  const q = new Float64Array(s.n);
  const hint = new Float64Array(s.n);
  if (options.seed) s.clampInto(options.seed, hint);
  else s.midConfig(hint);
  if (options.analytic !== false && s.analyticAxisSearch(tip, base, d, samples, hint, q)) {
    best = Float64Array.from(q);
  } else {
    // Numerical: every roll sample solved as a full pose (few restarts each), the best kept.
    let bestF = Infinity;
    const random = options.random ?? mulberry32(options.randomSeed ?? 1);
    const perSample: IkOptions = { ...options, random, maxRestarts: options.maxRestarts ?? 8 };
    for (let k = 0; k < samples; k++) {
      const rotation = new Float64Array(9);
      const rr = new Float64Array(9);
      rodrigues(d[0], d[1], d[2], (2 * Math.PI * k) / samples, rr);
      mul3Left(rr, base, rotation);
      s.setPoseTask({ rotation, positionMm: tip });
      const r = solveTask(s, q, { ...perSample, seed: best ?? options.seed });
      iterations += r.iterations;
      if (!r.ok) continue;
      const f = s.objective(q);
      if (f < bestF) {
        bestF = f;
        best = Float64Array.from(q);
      }
    }
  }
  if (!best)
    return {
      ok: false,
      reason: `no joint configuration within limits puts the tool on the axis at depth ${depthMm} mm (${samples} roll angles tried)`,
    };
  s.setAxisTask(tip, d, axis);
  iterations += s.refine(best, options.refineIterations ?? 60, pt, ot);
  s.fk(best);
  s.taskError();
  const posErr = s.posErr;
  const angErr = s.oriErr;
  return {
    ok: true,
    joints: best,
    positionErrorMm: posErr,
    axisAngleErrorRad: angErr,
    iterations,
    ...s.margins(best),
  };
}

/**
 * The margin objective solveOnAxis minimises: Σ range²/(4(q−lo)(hi−q)) over bounded joints (1 per joint when
 * centred, ∞ at a limit) minus log of the manipulability (AxisMargins.manipulability).
 */
export function marginObjective(chain: KinematicChain, q: ArrayLike<number>): number {
  return solverFor(chain).objective(q);
}

/** Margins of a configuration: distance to joint limits and manipulability (see AxisMargins). */
export function jointMargins(chain: KinematicChain, q: ArrayLike<number>): AxisMargins {
  return solverFor(chain).margins(q);
}

// ---- small dense helpers (row-major 3×3; m×m matrices with stride 6) ----

/** out = a · b[off..off+9]. */
function mul3(a: Float64Array, b: Float64Array, off: number, out: Float64Array): void {
  for (let i = 0; i < 3; i++) {
    const a0 = a[3 * i]!,
      a1 = a[3 * i + 1]!,
      a2 = a[3 * i + 2]!;
    out[3 * i] = a0 * b[off]! + a1 * b[off + 3]! + a2 * b[off + 6]!;
    out[3 * i + 1] = a0 * b[off + 1]! + a1 * b[off + 4]! + a2 * b[off + 7]!;
    out[3 * i + 2] = a0 * b[off + 2]! + a1 * b[off + 5]! + a2 * b[off + 8]!;
  }
}

function mul3Left(a: Float64Array, b: Float64Array, out: Float64Array): void {
  mul3(a, b, 0, out);
}

/** Rotation by angle about the unit axis (x, y, z), row-major, into out. */
function rodrigues(x: number, y: number, z: number, angle: number, out: Float64Array): void {
  const c = Math.cos(angle),
    s = Math.sin(angle),
    t = 1 - c;
  out[0] = t * x * x + c;
  out[1] = t * x * y - s * z;
  out[2] = t * x * z + s * y;
  out[3] = t * x * y + s * z;
  out[4] = t * y * y + c;
  out[5] = t * y * z - s * x;
  out[6] = t * x * z - s * y;
  out[7] = t * y * z + s * x;
  out[8] = t * z * z + c;
}

/** Rotation vector (axis·angle) of the rotation m into out[off..off+3]; exact near 0 and near π. */
function rotationVector(m: Float64Array, out: Float64Array, off: number): void {
  const vx = m[7]! - m[5]!,
    vy = m[2]! - m[6]!,
    vz = m[3]! - m[1]!;
  const s2 = Math.hypot(vx, vy, vz); // 2 sin θ
  const c = 0.5 * (m[0]! + m[4]! + m[8]! - 1);
  const angle = Math.atan2(0.5 * s2, c);
  if (s2 > 1e-6 || c > 0) {
    const k = s2 > 1e-300 ? angle / s2 : 0.5;
    out[off] = k * vx;
    out[off + 1] = k * vy;
    out[off + 2] = k * vz;
    return;
  }
  // Near π: axis from the diagonal of (R + I)/2 = a aᵀ.
  const xx = Math.max(0, (m[0]! + 1) / 2),
    yy = Math.max(0, (m[4]! + 1) / 2),
    zz = Math.max(0, (m[8]! + 1) / 2);
  let ax: number, ay: number, az: number;
  if (xx >= yy && xx >= zz) {
    ax = Math.sqrt(xx);
    ay = (m[1]! + m[3]!) / (4 * ax);
    az = (m[2]! + m[6]!) / (4 * ax);
  } else if (yy >= zz) {
    ay = Math.sqrt(yy);
    ax = (m[1]! + m[3]!) / (4 * ay);
    az = (m[5]! + m[7]!) / (4 * ay);
  } else {
    az = Math.sqrt(zz);
    ax = (m[2]! + m[6]!) / (4 * az);
    ay = (m[5]! + m[7]!) / (4 * az);
  }
  // Sign consistent with the small skew part.
  if (ax * vx + ay * vy + az * vz < 0) {
    ax = -ax;
    ay = -ay;
    az = -az;
  }
  const an = Math.hypot(ax, ay, az);
  out[off] = (angle * ax) / an;
  out[off + 1] = (angle * ay) / an;
  out[off + 2] = (angle * az) / an;
}

/** In-place lower Cholesky of the m×m matrix (stride 6, lower triangle used). */
function cholesky(M: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    let d = M[j * 6 + j]!;
    for (let k = 0; k < j; k++) d -= M[j * 6 + k]! * M[j * 6 + k]!;
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    M[j * 6 + j] = l;
    for (let i = j + 1; i < m; i++) {
      let s = M[i * 6 + j]!;
      for (let k = 0; k < j; k++) s -= M[i * 6 + k]! * M[j * 6 + k]!;
      M[i * 6 + j] = s / l;
    }
  }
  return true;
}

function choleskySolve(L: Float64Array, m: number, b: Float64Array, x: Float64Array): void {
  for (let i = 0; i < m; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * 6 + k]! * x[k]!;
    x[i] = s / L[i * 6 + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < m; k++) s -= L[k * 6 + i]! * x[k]!;
    x[i] = s / L[i * 6 + i]!;
  }
}

/** A rotation taking unit vector a onto unit vector b (row-major). */
function rotationTaking(a: readonly number[], b: readonly number[]): Float64Array {
  const cx = a[1]! * b[2]! - a[2]! * b[1]!,
    cy = a[2]! * b[0]! - a[0]! * b[2]!,
    cz = a[0]! * b[1]! - a[1]! * b[0]!;
  const s = Math.hypot(cx, cy, cz);
  const c = a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
  const out = new Float64Array(9);
  if (s < 1e-12) {
    if (c > 0) {
      out[0] = out[4] = out[8] = 1;
      return out;
    }
    // Opposite: half turn about any axis normal to a.
    const ref = Math.abs(a[0]!) < 0.6 ? [1, 0, 0] : [0, 1, 0];
    let nx = a[1]! * ref[2]! - a[2]! * ref[1]!,
      ny = a[2]! * ref[0]! - a[0]! * ref[2]!,
      nz = a[0]! * ref[1]! - a[1]! * ref[0]!;
    const nn = Math.hypot(nx, ny, nz);
    nx /= nn;
    ny /= nn;
    nz /= nn;
    rodrigues(nx, ny, nz, Math.PI, out);
    return out;
  }
  rodrigues(cx / s, cy / s, cz / s, Math.atan2(s, c), out);
  return out;
}
