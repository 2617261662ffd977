/**
 * Stack → grid interpolation for 'resample' plans (gantry tilt, missing slices, uneven spacing).
 *
 * Every source slice shares the grid's in-plane axes, so a grid voxel maps into source slice s at
 * (i + a_s, j + b_s) with a_s, b_s constant over a grid slice: bilinear weights are the same for the
 * whole slice, and along the normal the value is interpolated linearly between the two source slices
 * that bracket the grid slice. A linear function of LPS is therefore reproduced exactly. Voxels not
 * inside the acquired slices get the lowest value of the data.
 */
import { dot, mat3Column, sub, type Vec3 } from '../math.ts';
import type { VoxelArray } from '../volume.ts';
import { newVoxelArray, stackShape } from './stack.ts';
import type { VolumePlan } from './types.ts';

/** Fractions this close to 0 or 1 count as exact, so on-grid samples need no neighbour. */
const SNAP = 1e-6;

interface Sampling {
  /** Source slice index. */
  s: number;
  weight: number;
  /** Integer and fractional part of the offset from grid (i, j) to source (u, v). */
  di: number;
  dj: number;
  fi: number;
  fj: number;
}

function splitOffset(x: number): [number, number] {
  let whole = Math.floor(x);
  let frac = x - whole;
  if (frac < SNAP) frac = 0;
  else if (frac > 1 - SNAP) {
    whole += 1;
    frac = 0;
  }
  return [whole, frac];
}

export function reconstructStack(plan: VolumePlan, stack: VoxelArray): VoxelArray {
  const { columns, rows, slices } = stackShape(plan);
  if (stack.length !== columns * rows * slices)
    throw new Error(`${plan.id}: stack holds ${stack.length} voxels, expected ${columns}×${rows}×${slices}`);
  if (plan.reconstruction.kind !== 'resample') return stack;
  const origins = plan.reconstruction.sliceOriginsLps;
  if (origins.length !== slices)
    throw new Error(`${plan.id}: ${origins.length} slice origins for ${slices} slices`);

  const [ni, nj, nk] = plan.grid.dimensions;
  const [si, sj, sk] = plan.grid.spacingMm;
  const direction = Float64Array.from(plan.grid.directionLps);
  const row = mat3Column(direction, 0);
  const column = mat3Column(direction, 1);
  const normal = mat3Column(direction, 2);
  const gridOrigin = plan.grid.originLps;
  const positions = origins.map((o) => dot(o, normal));
  for (let s = 1; s < slices; s++)
    if (!(positions[s]! > positions[s - 1]!))
      throw new Error(`${plan.id}: source slices are not in increasing order along the normal`);

  let fill = Infinity;
  for (let i = 0; i < stack.length; i++) if (stack[i]! < fill) fill = stack[i]!;
  if (!Number.isFinite(fill)) fill = 0;

  const out = newVoxelArray(plan.voxelType, ni * nj * nk, false, plan.id);
  const round = plan.voxelType !== 'float32';
  const sliceLength = columns * rows;
  const plane = ni * nj;
  // Grid slices may overshoot the data by rounding of the slice count; this much counts as inside.
  const reach = 0.05 * sk;

  for (let k = 0; k < nk; k++) {
    const gridSliceOrigin: Vec3 = [
      gridOrigin[0] + k * sk * normal[0],
      gridOrigin[1] + k * sk * normal[1],
      gridOrigin[2] + k * sk * normal[2],
    ];
    const depth = dot(gridSliceOrigin, normal);
    const samplings = bracket(depth, positions, reach).map(({ s, weight }): Sampling => {
      const delta = sub(gridSliceOrigin, origins[s]!);
      const [di, fi] = splitOffset(dot(delta, row) / si);
      const [dj, fj] = splitOffset(dot(delta, column) / sj);
      return { s, weight, di, dj, fi, fj };
    });
    const outBase = k * plane;
    if (samplings.length === 0) {
      out.fill(fill, outBase, outBase + plane);
      continue;
    }
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++) {
        let value = 0;
        let inside = true;
        for (const { s, weight, di, dj, fi, fj } of samplings) {
          const u = i + di;
          const v = j + dj;
          if (u < 0 || v < 0 || u + (fi > 0 ? 1 : 0) >= columns || v + (fj > 0 ? 1 : 0) >= rows) {
            inside = false;
            break;
          }
          const p = s * sliceLength + v * columns + u;
          let sample = stack[p]!;
          if (fi > 0) sample += fi * (stack[p + 1]! - sample);
          if (fj > 0) {
            let below = stack[p + columns]!;
            if (fi > 0) below += fi * (stack[p + columns + 1]! - below);
            sample += fj * (below - sample);
          }
          value += weight * sample;
        }
        out[outBase + j * ni + i] = inside ? (round ? Math.round(value) : value) : fill;
      }
    }
  }
  return out;
}

/** The one or two source slices around depth `d` with their linear weights; none when outside. */
function bracket(d: number, positions: number[], reach: number): { s: number; weight: number }[] {
  const last = positions.length - 1;
  if (d <= positions[0]!) return positions[0]! - d <= reach ? [{ s: 0, weight: 1 }] : [];
  if (d >= positions[last]!) return d - positions[last]! <= reach ? [{ s: last, weight: 1 }] : [];
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (positions[mid]! <= d) lo = mid;
    else hi = mid;
  }
  const w = (d - positions[lo]!) / (positions[hi]! - positions[lo]!);
  if (w < SNAP) return [{ s: lo, weight: 1 }];
  if (w > 1 - SNAP) return [{ s: hi, weight: 1 }];
  return [
    { s: lo, weight: 1 - w },
    { s: hi, weight: w },
  ];
}
