/**
 * Joint-space motion: a synchronised quintic (minimum-jerk) move between two configurations, timed so
 * that every joint stays within its velocity and acceleration limits, and the safety check every
 * commanded sample must pass (finite, within position, velocity and acceleration limits).
 *
 * For a quintic blend s(τ) = 10τ³ − 15τ⁴ + 6τ⁵ over duration T, a joint moving Δ peaks at
 * |v| = 15Δ/(8T) and |a| = 10Δ/(√3·T²); the shortest T for joint j is therefore
 * max(15Δ/(8·vmax), √(10Δ/(√3·amax))), and all joints share the longest one.
 */
import type { KinematicChain } from '../types.ts';

export interface JointTrajectory {
  /** Sample times from 0 (s). */
  timesS: Float64Array;
  /** Row per sample, n joints each (rad or mm). */
  positions: Float64Array[];
  velocities: Float64Array[];
  accelerations: Float64Array[];
  durationS: number;
}

const PEAK_VELOCITY = 15 / 8;
const PEAK_ACCELERATION = 10 / Math.sqrt(3);

/** Why `q` (with optional velocity and acceleration) may not be commanded, or null when it may. */
export function jointCommandProblem(
  chain: KinematicChain,
  q: ArrayLike<number>,
  qd?: ArrayLike<number>,
  qdd?: ArrayLike<number>,
): string | null {
  const n = chain.joints.length;
  for (const [name, v] of [
    ['position', q],
    ['velocity', qd],
    ['acceleration', qdd],
  ] as const) {
    if (v === undefined) continue;
    if (v.length !== n) return `a ${name} command needs ${n} values, got ${v.length}`;
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(v[i]!)) return `joint ${chain.joints[i]!.name}: the ${name} command is ${v[i]}`;
  }
  // A tiny tolerance absorbs rounding of values computed exactly at a limit.
  const eps = 1e-9;
  for (let i = 0; i < n; i++) {
    const j = chain.joints[i]!;
    const unit = j.type === 'prismatic' ? 'mm' : 'rad';
    if (q[i]! < j.limits.lower - eps || q[i]! > j.limits.upper + eps)
      return `joint ${j.name}: position ${q[i]!.toFixed(6)} ${unit} is outside its limits ${j.limits.lower}…${j.limits.upper} ${unit}`;
    if (qd && Math.abs(qd[i]!) > j.limits.velocity * (1 + 1e-9))
      return `joint ${j.name}: velocity ${Math.abs(qd[i]!).toFixed(6)} ${unit}/s exceeds its limit ${j.limits.velocity} ${unit}/s`;
    if (qdd && Math.abs(qdd[i]!) > j.limits.acceleration * (1 + 1e-9))
      return `joint ${j.name}: acceleration ${Math.abs(qdd[i]!).toFixed(6)} ${unit}/s² exceeds its limit ${j.limits.acceleration} ${unit}/s²`;
  }
  return null;
}

/** The shortest common duration (s) of a quintic move from q0 to q1 within every joint's limits. */
export function quinticDurationS(
  chain: KinematicChain,
  q0: ArrayLike<number>,
  q1: ArrayLike<number>,
): number {
  let t = 0;
  chain.joints.forEach((j, i) => {
    const delta = Math.abs(q1[i]! - q0[i]!);
    if (delta === 0) return;
    t = Math.max(
      t,
      (PEAK_VELOCITY * delta) / j.limits.velocity,
      Math.sqrt((PEAK_ACCELERATION * delta) / j.limits.acceleration),
    );
  });
  return t;
}

/**
 * A synchronised quintic move sampled at `rateHz` (both ends included), at rest at both ends. Throws
 * a named error when either end may not be commanded; every sample is checked again.
 */
export function quinticJointTrajectory(
  chain: KinematicChain,
  q0: ArrayLike<number>,
  q1: ArrayLike<number>,
  rateHz = 100,
): JointTrajectory {
  for (const [name, q] of [
    ['start', q0],
    ['goal', q1],
  ] as const) {
    const problem = jointCommandProblem(chain, q);
    if (problem) throw new Error(`joint motion: the ${name} configuration: ${problem}`);
  }
  if (!(rateHz > 0 && Number.isFinite(rateHz)))
    throw new Error(`joint motion: rate must be > 0 Hz, got ${rateHz}`);
  const n = chain.joints.length;
  // 1e-9 relative headroom keeps the peaks strictly within the limits after rounding.
  const durationS = quinticDurationS(chain, q0, q1) * (1 + 1e-9);
  const count = Math.max(2, Math.ceil(durationS * rateHz) + 1);
  const timesS = new Float64Array(count);
  const positions: Float64Array[] = [];
  const velocities: Float64Array[] = [];
  const accelerations: Float64Array[] = [];
  for (let k = 0; k < count; k++) {
    const tau = count === 1 ? 1 : k / (count - 1);
    const t = tau * durationS;
    timesS[k] = t;
    const s = tau * tau * tau * (10 - 15 * tau + 6 * tau * tau);
    const ds = durationS > 0 ? (30 * tau * tau * (1 - tau) * (1 - tau)) / durationS : 0;
    const dds = durationS > 0 ? (60 * tau * (1 - tau) * (1 - 2 * tau)) / (durationS * durationS) : 0;
    const p = new Float64Array(n);
    const v = new Float64Array(n);
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const delta = q1[i]! - q0[i]!;
      p[i] = q0[i]! + delta * s;
      v[i] = delta * ds;
      a[i] = delta * dds;
    }
    const problem = jointCommandProblem(chain, p, v, a);
    if (problem) throw new Error(`joint motion at ${t.toFixed(3)} s: ${problem}`);
    positions.push(p);
    velocities.push(v);
    accelerations.push(a);
  }
  return { timesS, positions, velocities, accelerations, durationS };
}
