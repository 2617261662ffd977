/**
 * Signed wall distances of masks on their own image grid, and their transfer into the planning maps.
 *
 * The exact EDT measures between voxel CENTRES: a voxel next to the boundary reads +s outside and −s
 * inside, while the wall of the voxelised structure lies half-way, s/2 from either centre. So half the
 * mean voxel size is taken off the magnitude (the zero level stays where it was, and the values become
 * distances to that wall rather than to the nearest opposite centre).
 */
import { distanceMapMm, mat4Multiply, makeIjkToLps, type Mat4, type Volume } from '@neuroplan/imaging';
import { MAP_CHANNEL_COUNT, channelIndex, type MapChannel, type PlanningMaps } from './types.ts';
import { linearAtIndexOrNaN } from './interpolate.ts';

/** Signed distance (mm, positive outside) to the wall of `mask` on `grid`'s voxels; undefined when empty. */
export function signedWallDistance(
  grid: Volume,
  mask: Uint8Array,
  what: string,
  control?: { signal?: AbortSignal },
): Float32Array | undefined {
  let any = false;
  let all = true;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p]) any = true;
    else all = false;
  }
  if (!any || all) return undefined;
  const d = distanceMapMm(
    { id: what, dimensions: grid.dimensions, spacingMm: grid.spacingMm, scalars: mask },
    { kind: 'signed', ...(control?.signal && { control: { signal: control.signal } }) },
  );
  const h = (grid.spacingMm[0] + grid.spacingMm[1] + grid.spacingMm[2]) / 6;
  const out = new Float32Array(d.length);
  for (let p = 0; p < d.length; p++) {
    const v = d[p]!;
    out[p] = v > 0 ? v - h : v + h;
  }
  return out;
}

/** The maps' voxel index → LPS (axis-aligned, isotropic). */
export function mapsIjkToLps(maps: PlanningMaps): Mat4 {
  const s = maps.spacingMm;
  return makeIjkToLps(maps.originLps, [1, 0, 0, 0, 1, 0, 0, 0, 1], [s, s, s]);
}

/**
 * Writes `map(value)` of a field on `source`'s grid into one channel: each maps voxel (CT LPS) goes
 * through `ctToSourceLps` to the source's LPS frame and is interpolated trilinearly there. Voxels
 * outside the source grid get `outside`. Returns how many voxels fell outside.
 */
export function paintChannel(
  maps: PlanningMaps,
  channel: MapChannel,
  source: Volume,
  values: Float32Array,
  ctToSourceLps: Mat4,
  outside: number,
  map: (v: number) => number = (v) => v,
): number {
  const m = mat4Multiply(source.lpsToIjk, mat4Multiply(ctToSourceLps, mapsIjkToLps(maps)));
  const [ni, nj, nk] = maps.dimensions;
  const [si, sj, sk] = source.dimensions;
  const c = channelIndex(channel);
  const out = maps.values;
  let missing = 0;
  let n = 0;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++) {
      const bi = m[1]! * j + m[2]! * k + m[3]!;
      const bj = m[5]! * j + m[6]! * k + m[7]!;
      const bk = m[9]! * j + m[10]! * k + m[11]!;
      for (let i = 0; i < ni; i++, n++) {
        const v = linearAtIndexOrNaN(values, si, sj, sk, bi + m[0]! * i, bj + m[4]! * i, bk + m[8]! * i);
        if (Number.isNaN(v)) {
          out[n * MAP_CHANNEL_COUNT + c] = outside;
          missing++;
        } else out[n * MAP_CHANNEL_COUNT + c] = map(v);
      }
    }
  return missing;
}

/** Fills one channel with a constant. */
export function fillChannel(maps: PlanningMaps, channel: MapChannel, value: number): void {
  const c = channelIndex(channel);
  for (let p = c; p < maps.values.length; p += MAP_CHANNEL_COUNT) maps.values[p] = value;
}
