/**
 * The patient's own axes from the shape of a mask (the brain): origin at its centroid, axes from its
 * principal axes (eigenvectors of the second-moment matrix). The eigenvalue order is not trusted to name
 * the axes (a round head or a partial field of view can swap them): each principal axis is assigned to
 * the LPS axis it is most aligned with (the best of the six assignments) and signed towards +L, +P, +S.
 */
import { symmetricEigenvectors } from '@neuroplan/imaging';
import { cross, dot, normalize, type Vec3 } from '../vec.ts';
import type { HeadFrame } from './types.ts';

/** First and second moments of a point cloud (weights per point), accumulated in float64. */
export class MomentAccumulator {
  private w = 0;
  private s = new Float64Array(3);
  private ss = new Float64Array(6);
  /** Points are offset by `pivot` to keep the sums well conditioned. */
  constructor(private readonly pivot: Vec3 = [0, 0, 0]) {}
  add(p: Vec3, weight = 1): void {
    const x = p[0] - this.pivot[0];
    const y = p[1] - this.pivot[1];
    const z = p[2] - this.pivot[2];
    this.w += weight;
    this.s[0]! += weight * x;
    this.s[1]! += weight * y;
    this.s[2]! += weight * z;
    this.ss[0]! += weight * x * x;
    this.ss[1]! += weight * x * y;
    this.ss[2]! += weight * x * z;
    this.ss[3]! += weight * y * y;
    this.ss[4]! += weight * y * z;
    this.ss[5]! += weight * z * z;
  }
  get weight(): number {
    return this.w;
  }
  /** Centroid and covariance (row-major 3×3); throws when nothing was added. */
  result(): { centroid: Vec3; covariance: number[] } {
    if (!(this.w > 0)) throw new Error('head frame: the mask is empty');
    const m: Vec3 = [this.s[0]! / this.w, this.s[1]! / this.w, this.s[2]! / this.w];
    const c = (k: number, a: number, b: number): number => this.ss[k]! / this.w - m[a]! * m[b]!;
    const xx = c(0, 0, 0);
    const xy = c(1, 0, 1);
    const xz = c(2, 0, 2);
    const yy = c(3, 1, 1);
    const yz = c(4, 1, 2);
    const zz = c(5, 2, 2);
    return {
      centroid: [m[0] + this.pivot[0], m[1] + this.pivot[1], m[2] + this.pivot[2]],
      covariance: [xx, xy, xz, xy, yy, yz, xz, yz, zz],
    };
  }
}

const PERMUTATIONS = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
] as const;

/**
 * The head frame of a mask's moments. Each principal axis goes to the LPS axis it is most aligned with
 * (the assignment maximising the summed |cosines|), signed towards +L, +P, +S; superior is then
 * re-derived as left × posterior so the frame is orthonormal and right-handed.
 */
export function headFrameFromMoments(centroid: Vec3, covariance: readonly number[]): HeadFrame {
  // Eigenvectors of the symmetric covariance (imaging's Jacobi solver; their order does not matter here).
  const { vectors } = symmetricEigenvectors(covariance);
  const axes: Vec3[] = [0, 1, 2].map((c) => [vectors[c]!, vectors[3 + c]!, vectors[6 + c]!] as Vec3);
  let best: readonly number[] = PERMUTATIONS[0];
  let bestScore = -1;
  // perm[lpsAxis] = which principal axis goes there.
  for (const perm of PERMUTATIONS) {
    let score = 0;
    for (let lps = 0; lps < 3; lps++) score += Math.abs(axes[perm[lps]!]![lps]!);
    if (score > bestScore) [best, bestScore] = [perm, score];
  }
  const signed = (lps: number): Vec3 => {
    const a = axes[best[lps]!]!;
    return a[lps]! < 0 ? [-a[0], -a[1], -a[2]] : a;
  };
  const leftLps = normalize(signed(0));
  let posteriorLps = signed(1);
  posteriorLps = normalize([
    posteriorLps[0] - dot(posteriorLps, leftLps) * leftLps[0],
    posteriorLps[1] - dot(posteriorLps, leftLps) * leftLps[1],
    posteriorLps[2] - dot(posteriorLps, leftLps) * leftLps[2],
  ]);
  const superiorLps = normalize(cross(leftLps, posteriorLps));
  return { originLps: centroid, leftLps, posteriorLps, superiorLps };
}
