/**
 * Closest approach of two line segments (electrode centre lines), after Ericson, "Real-Time Collision
 * Detection" §5.1.9: minimise |A(s) − B(t)|² over the unit square, handling zero-length and parallel
 * segments explicitly so no division by a vanishing denominator ever happens.
 */
import type { Vec3 } from '../vec.ts';

export interface SegmentClosestApproach {
  distanceMm: number;
  /** Parameter of the closest point on A (0 at a0, 1 at a1). */
  s: number;
  /** Parameter of the closest point on B (0 at b0, 1 at b1). */
  t: number;
  pointA: Vec3;
  pointB: Vec3;
}

/** Squared lengths below this (mm²) make a segment a point. */
const DEGENERATE_MM2 = 1e-20;
/** Relative size of a·e − b² below which the segments count as parallel. */
const PARALLEL_REL = 1e-12;

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/**
 * Writes [s, t, squared distance] of the closest points into `out`; allocates nothing, so the pairwise
 * compatibility pass of the multi-electrode planner can call it millions of times.
 */
export function closestSegmentParameters(
  a0: Vec3,
  a1: Vec3,
  b0: Vec3,
  b1: Vec3,
  out: Float64Array,
): Float64Array {
  const d1x = a1[0] - a0[0];
  const d1y = a1[1] - a0[1];
  const d1z = a1[2] - a0[2];
  const d2x = b1[0] - b0[0];
  const d2y = b1[1] - b0[1];
  const d2z = b1[2] - b0[2];
  const rx = a0[0] - b0[0];
  const ry = a0[1] - b0[1];
  const rz = a0[2] - b0[2];
  const a = d1x * d1x + d1y * d1y + d1z * d1z;
  const e = d2x * d2x + d2y * d2y + d2z * d2z;
  const f = d2x * rx + d2y * ry + d2z * rz;
  let s: number;
  let t: number;
  if (a <= DEGENERATE_MM2 && e <= DEGENERATE_MM2) {
    s = 0;
    t = 0;
  } else if (a <= DEGENERATE_MM2) {
    s = 0;
    t = clamp01(f / e);
  } else {
    const c = d1x * rx + d1y * ry + d1z * rz;
    if (e <= DEGENERATE_MM2) {
      t = 0;
      s = clamp01(-c / a);
    } else {
      const b = d1x * d2x + d1y * d2y + d1z * d2z;
      const denom = a * e - b * b;
      // Parallel: every s is as good on the infinite lines; start from s = 0 and let the clamping below
      // move to the overlap or the nearest ends.
      s = denom > PARALLEL_REL * a * e ? clamp01((b * f - c * e) / denom) : 0;
      t = (b * s + f) / e;
      if (t < 0) {
        t = 0;
        s = clamp01(-c / a);
      } else if (t > 1) {
        t = 1;
        s = clamp01((b - c) / a);
      }
    }
  }
  const dx = rx + d1x * s - d2x * t;
  const dy = ry + d1y * s - d2y * t;
  const dz = rz + d1z * s - d2z * t;
  out[0] = s;
  out[1] = t;
  out[2] = dx * dx + dy * dy + dz * dz;
  return out;
}

/** Closest points of segments a0–a1 and b0–b1 and their distance (mm); s, t ∈ [0, 1]. */
export function segmentSegmentDistance(a0: Vec3, a1: Vec3, b0: Vec3, b1: Vec3): SegmentClosestApproach {
  const r = closestSegmentParameters(a0, a1, b0, b1, new Float64Array(3));
  const s = r[0]!;
  const t = r[1]!;
  const pointA: Vec3 = [
    a0[0] + (a1[0] - a0[0]) * s,
    a0[1] + (a1[1] - a0[1]) * s,
    a0[2] + (a1[2] - a0[2]) * s,
  ];
  const pointB: Vec3 = [
    b0[0] + (b1[0] - b0[0]) * t,
    b0[1] + (b1[1] - b0[1]) * t,
    b0[2] + (b1[2] - b0[2]) * t,
  ];
  return { distanceMm: Math.sqrt(r[2]!), s, t, pointA, pointB };
}
