/**
 * Point sampling of a Volume at LPS positions.
 *
 * Inside/outside rule (both interpolations): a point is inside when its continuous voxel index
 * lies in [0, n−1] on every axis, i.e. between the first and last voxel CENTRES; the half voxel
 * beyond the outer centres counts as outside. A tolerance of 1e-6 voxel absorbs rounding, so a
 * voxel centre mapped to LPS and back is always inside. An axis with a single voxel is inside only
 * at index 0 (within that tolerance).
 *
 * The `*AtIndex` functions take a continuous index directly; resampling and reslicing use them
 * with indices stepped incrementally, never allocating.
 */
import type { Vec3 } from './math.ts';
import type { Volume, VoxelArray } from './volume.ts';

/** How far (in voxels) beyond [0, n−1] a point may fall and still count as on the grid. */
export const INDEX_TOLERANCE = 1e-6;

/** Trilinear interpolation at continuous index (fi, fj, fk); `outside` off the grid. */
export function linearAtIndex(
  s: VoxelArray,
  ni: number,
  nj: number,
  nk: number,
  fi: number,
  fj: number,
  fk: number,
  outside: number,
): number {
  // The negated comparisons also send NaN indices outside.
  if (!(fi >= -INDEX_TOLERANCE && fi <= ni - 1 + INDEX_TOLERANCE)) return outside;
  if (!(fj >= -INDEX_TOLERANCE && fj <= nj - 1 + INDEX_TOLERANCE)) return outside;
  if (!(fk >= -INDEX_TOLERANCE && fk <= nk - 1 + INDEX_TOLERANCE)) return outside;
  // Clamp into the grid, then pick the cell so that its upper corner stays on the grid.
  fi = fi < 0 ? 0 : fi > ni - 1 ? ni - 1 : fi;
  fj = fj < 0 ? 0 : fj > nj - 1 ? nj - 1 : fj;
  fk = fk < 0 ? 0 : fk > nk - 1 ? nk - 1 : fk;
  let i0 = Math.floor(fi);
  let j0 = Math.floor(fj);
  let k0 = Math.floor(fk);
  if (i0 > ni - 2) i0 = ni > 1 ? ni - 2 : 0;
  if (j0 > nj - 2) j0 = nj > 1 ? nj - 2 : 0;
  if (k0 > nk - 2) k0 = nk > 1 ? nk - 2 : 0;
  const tx = fi - i0;
  const ty = fj - j0;
  const tz = fk - k0;
  const di = ni > 1 ? 1 : 0;
  const dj = nj > 1 ? ni : 0;
  const dk = nk > 1 ? ni * nj : 0;
  const p = i0 + j0 * ni + k0 * ni * nj;
  const c00 = s[p]! + (s[p + di]! - s[p]!) * tx;
  const c10 = s[p + dj]! + (s[p + dj + di]! - s[p + dj]!) * tx;
  const c01 = s[p + dk]! + (s[p + dk + di]! - s[p + dk]!) * tx;
  const c11 = s[p + dk + dj]! + (s[p + dk + dj + di]! - s[p + dk + dj]!) * tx;
  const c0 = c00 + (c10 - c00) * ty;
  const c1 = c01 + (c11 - c01) * ty;
  return c0 + (c1 - c0) * tz;
}

/** Nearest-voxel value at continuous index (fi, fj, fk); `outside` off the grid. */
export function nearestAtIndex(
  s: VoxelArray,
  ni: number,
  nj: number,
  nk: number,
  fi: number,
  fj: number,
  fk: number,
  outside: number,
): number {
  if (!(fi >= -INDEX_TOLERANCE && fi <= ni - 1 + INDEX_TOLERANCE)) return outside;
  if (!(fj >= -INDEX_TOLERANCE && fj <= nj - 1 + INDEX_TOLERANCE)) return outside;
  if (!(fk >= -INDEX_TOLERANCE && fk <= nk - 1 + INDEX_TOLERANCE)) return outside;
  // Halves round up (Math.round); the clamp keeps index −0.0000001 → 0 and n−1+tiny → n−1.
  const i = Math.min(ni - 1, Math.max(0, Math.round(fi)));
  const j = Math.min(nj - 1, Math.max(0, Math.round(fj)));
  const k = Math.min(nk - 1, Math.max(0, Math.round(fk)));
  return s[i + j * ni + k * ni * nj]!;
}

/** Trilinear interpolation at an LPS point; `outside` (default NaN) off the grid (see the module note). */
export function sampleLinear(v: Volume, lps: Vec3, outside = NaN): number {
  const m = v.lpsToIjk;
  const x = lps[0];
  const y = lps[1];
  const z = lps[2];
  const d = v.dimensions;
  return linearAtIndex(
    v.scalars,
    d[0],
    d[1],
    d[2],
    m[0]! * x + m[1]! * y + m[2]! * z + m[3]!,
    m[4]! * x + m[5]! * y + m[6]! * z + m[7]!,
    m[8]! * x + m[9]! * y + m[10]! * z + m[11]!,
    outside,
  );
}

/** Value of the voxel nearest to an LPS point; `outside` (default NaN) off the grid (see the module note). */
export function sampleNearest(v: Volume, lps: Vec3, outside = NaN): number {
  const m = v.lpsToIjk;
  const x = lps[0];
  const y = lps[1];
  const z = lps[2];
  const d = v.dimensions;
  return nearestAtIndex(
    v.scalars,
    d[0],
    d[1],
    d[2],
    m[0]! * x + m[1]! * y + m[2]! * z + m[3]!,
    m[4]! * x + m[5]! * y + m[6]! * z + m[7]!,
    m[8]! * x + m[9]! * y + m[10]! * z + m[11]!,
    outside,
  );
}
