/**
 * Trilinear interpolation at a continuous voxel index, NaN outside the grid. Points up to half a voxel
 * beyond the outermost centres are clamped onto them (the edge voxels cover that far).
 */
export function linearAtIndexOrNaN(
  s: ArrayLike<number>,
  ni: number,
  nj: number,
  nk: number,
  x: number,
  y: number,
  z: number,
): number {
  if (x < -0.5 || y < -0.5 || z < -0.5 || x > ni - 0.5 || y > nj - 0.5 || z > nk - 0.5) return NaN;
  x = x < 0 ? 0 : x > ni - 1 ? ni - 1 : x;
  y = y < 0 ? 0 : y > nj - 1 ? nj - 1 : y;
  z = z < 0 ? 0 : z > nk - 1 ? nk - 1 : z;
  const i0 = Math.min(Math.floor(x), Math.max(0, ni - 2));
  const j0 = Math.min(Math.floor(y), Math.max(0, nj - 2));
  const k0 = Math.min(Math.floor(z), Math.max(0, nk - 2));
  const fx = x - i0;
  const fy = y - j0;
  const fz = z - k0;
  const di = ni > 1 ? 1 : 0;
  const dj = nj > 1 ? ni : 0;
  const dk = nk > 1 ? ni * nj : 0;
  const b = i0 + j0 * ni + k0 * ni * nj;
  const c00 = s[b]! + fx * (s[b + di]! - s[b]!);
  const c10 = s[b + dj]! + fx * (s[b + dj + di]! - s[b + dj]!);
  const c01 = s[b + dk]! + fx * (s[b + dk + di]! - s[b + dk]!);
  const c11 = s[b + dk + dj]! + fx * (s[b + dk + dj + di]! - s[b + dk + dj]!);
  const c0 = c00 + fy * (c10 - c00);
  const c1 = c01 + fy * (c11 - c01);
  return c0 + fz * (c1 - c0);
}
