/**
 * Starting points for rigid registration: intensity-weighted centres of mass and principal axes of the
 * foreground (voxels above a background threshold), computed in LPS millimetres.
 */
import type { Vec3 } from '../math.ts';
import { checkCancelled, type TaskControl } from '../task.ts';
import type { Volume, VoxelArray } from '../volume.ts';
import { mat3Mul } from './rigid.ts';

/** Value below which a voxel counts as background (air): 10% of the way from the 1st to the 99th percentile. */
export function foregroundThreshold(scalars: VoxelArray): number {
  let min = Infinity;
  let max = -Infinity;
  for (let n = 0; n < scalars.length; n++) {
    const v = scalars[n]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return min;
  const bins = 4096;
  const hist = new Uint32Array(bins);
  const w = (bins - 1) / (max - min);
  for (let n = 0; n < scalars.length; n++) hist[Math.floor((scalars[n]! - min) * w)]!++;
  const at = (fraction: number) => {
    const goal = fraction * scalars.length;
    let sum = 0;
    for (let b = 0; b < bins; b++) if ((sum += hist[b]!) >= goal) return min + b / w;
    return max;
  };
  const lo = at(0.01);
  const hi = at(0.99);
  return lo + 0.1 * (hi - lo);
}

export interface Moments {
  /** Weighted centre of mass (LPS mm). */
  centerLps: Vec3;
  /** Weighted covariance (row-major 3×3, mm²). */
  covarianceLps: Float64Array;
  /** Total weight; 0 when nothing is above the threshold. */
  weight: number;
}

/** First and second moments of the voxels above `threshold`, weighted by (value − threshold). */
export function foregroundMoments(v: Volume, threshold: number, control?: TaskControl): Moments {
  const [ni, nj, nk] = v.dimensions;
  const s = v.scalars;
  const m = v.ijkToLps;
  let w = 0;
  const sum = [0, 0, 0];
  const sq = new Float64Array(9);
  let n = 0;
  for (let k = 0; k < nk; k++) {
    checkCancelled(control, 'registration');
    for (let j = 0; j < nj; j++) {
      // LPS of voxel (0, j, k); each i adds column 0 of ijkToLps.
      const bx = m[1]! * j + m[2]! * k + m[3]!;
      const by = m[5]! * j + m[6]! * k + m[7]!;
      const bz = m[9]! * j + m[10]! * k + m[11]!;
      for (let i = 0; i < ni; i++, n++) {
        const weight = s[n]! - threshold;
        if (!(weight > 0)) continue;
        const x = bx + m[0]! * i;
        const y = by + m[4]! * i;
        const z = bz + m[8]! * i;
        w += weight;
        sum[0]! += weight * x;
        sum[1]! += weight * y;
        sum[2]! += weight * z;
        sq[0]! += weight * x * x;
        sq[1]! += weight * x * y;
        sq[2]! += weight * x * z;
        sq[4]! += weight * y * y;
        sq[5]! += weight * y * z;
        sq[8]! += weight * z * z;
      }
    }
  }
  if (!(w > 0)) return { centerLps: [NaN, NaN, NaN], covarianceLps: new Float64Array(9), weight: 0 };
  const c: Vec3 = [sum[0]! / w, sum[1]! / w, sum[2]! / w];
  const cov = new Float64Array(9);
  for (let r = 0; r < 3; r++)
    for (let q = r; q < 3; q++) {
      const value = sq[r * 3 + q]! / w - c[r]! * c[q]!;
      cov[r * 3 + q] = value;
      cov[q * 3 + r] = value;
    }
  return { centerLps: c, covarianceLps: cov, weight: w };
}

/**
 * Eigenvectors of a symmetric 3×3 (Jacobi rotations), as the columns of a row-major rotation
 * (det +1), sorted by decreasing eigenvalue.
 */
export function symmetricEigenvectors(a: ArrayLike<number>): { vectors: Float64Array; values: Vec3 } {
  const m = Float64Array.from(a);
  const v = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = m[1]! ** 2 + m[2]! ** 2 + m[5]! ** 2;
    if (off < 1e-30 * (m[0]! ** 2 + m[4]! ** 2 + m[8]! ** 2 + 1e-300)) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const apq = m[p * 3 + q]!;
      if (apq === 0) continue;
      const theta = (m[q * 3 + q]! - m[p * 3 + p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      // m ← Jᵀ m J, v ← v J with J the rotation in the (p, q) plane.
      for (let k = 0; k < 3; k++) {
        const mkp = m[k * 3 + p]!;
        const mkq = m[k * 3 + q]!;
        m[k * 3 + p] = c * mkp - s * mkq;
        m[k * 3 + q] = s * mkp + c * mkq;
      }
      for (let k = 0; k < 3; k++) {
        const mpk = m[p * 3 + k]!;
        const mqk = m[q * 3 + k]!;
        m[p * 3 + k] = c * mpk - s * mqk;
        m[q * 3 + k] = s * mpk + c * mqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k * 3 + p]!;
        const vkq = v[k * 3 + q]!;
        v[k * 3 + p] = c * vkp - s * vkq;
        v[k * 3 + q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((x, y) => m[y * 3 + y]! - m[x * 3 + x]!);
  const vectors = new Float64Array(9);
  order.forEach((from, to) => {
    for (let r = 0; r < 3; r++) vectors[r * 3 + to] = v[r * 3 + from]!;
  });
  const det =
    vectors[0]! * (vectors[4]! * vectors[8]! - vectors[5]! * vectors[7]!) -
    vectors[1]! * (vectors[3]! * vectors[8]! - vectors[5]! * vectors[6]!) +
    vectors[2]! * (vectors[3]! * vectors[7]! - vectors[4]! * vectors[6]!);
  if (det < 0) for (let r = 0; r < 3; r++) vectors[r * 3 + 2] = -vectors[r * 3 + 2]!;
  return { vectors, values: order.map((i) => m[i * 3 + i]!) as Vec3 };
}

/**
 * The four rotations (fixed → moving) that carry the fixed principal axes onto the moving ones, one
 * per sign choice with det +1. Which is right is for the metric to say.
 */
export function principalAxesRotations(
  fixedCovariance: ArrayLike<number>,
  movingCovariance: ArrayLike<number>,
): Float64Array[] {
  const ef = symmetricEigenvectors(fixedCovariance).vectors;
  const em = symmetricEigenvectors(movingCovariance).vectors;
  const eft = Float64Array.of(ef[0]!, ef[3]!, ef[6]!, ef[1]!, ef[4]!, ef[7]!, ef[2]!, ef[5]!, ef[8]!);
  return [
    [1, 1, 1],
    [1, -1, -1],
    [-1, 1, -1],
    [-1, -1, 1],
  ].map(([a, b, c]) => mat3Mul(em, mat3Mul([a!, 0, 0, 0, b!, 0, 0, 0, c!], eft)));
}
