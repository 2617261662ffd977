/**
 * Trilinear sampling of the planning maps at one LPS point. Points outside the grid take the value at the
 * nearest point of the grid (clamped), which the builder makes safe by covering the whole skull with a
 * margin. This is the readable reference; the batch scorer inlines the same arithmetic.
 */
import { MAP_CHANNEL_COUNT, channelIndex, type MapChannel, type PlanningMaps } from './types.ts';
import type { Vec3 } from '../vec.ts';

/** Writes the MAP_CHANNEL_COUNT channel values at `pointLps` into `out` (returned). */
export function sampleMaps(
  maps: PlanningMaps,
  pointLps: Vec3,
  out: Float32Array | Float64Array = new Float64Array(MAP_CHANNEL_COUNT),
): Float32Array | Float64Array {
  const [ni, nj, nk] = maps.dimensions;
  const inv = 1 / maps.spacingMm;
  const clamp = (x: number, n: number): number => (x < 0 ? 0 : x > n - 1 ? n - 1 : x);
  const x = clamp((pointLps[0] - maps.originLps[0]) * inv, ni);
  const y = clamp((pointLps[1] - maps.originLps[1]) * inv, nj);
  const z = clamp((pointLps[2] - maps.originLps[2]) * inv, nk);
  // The upper corner index is clamped too, so a point on the last plane reads only that plane.
  const i0 = Math.min(Math.floor(x), ni - 2 < 0 ? 0 : ni - 2);
  const j0 = Math.min(Math.floor(y), nj - 2 < 0 ? 0 : nj - 2);
  const k0 = Math.min(Math.floor(z), nk - 2 < 0 ? 0 : nk - 2);
  const fx = x - i0;
  const fy = y - j0;
  const fz = z - k0;
  const di = ni > 1 ? MAP_CHANNEL_COUNT : 0;
  const dj = nj > 1 ? ni * MAP_CHANNEL_COUNT : 0;
  const dk = nk > 1 ? ni * nj * MAP_CHANNEL_COUNT : 0;
  const base = (i0 + j0 * ni + k0 * ni * nj) * MAP_CHANNEL_COUNT;
  const v = maps.values;
  for (let c = 0; c < MAP_CHANNEL_COUNT; c++) {
    const b = base + c;
    const c00 = v[b]! + fx * (v[b + di]! - v[b]!);
    const c10 = v[b + dj]! + fx * (v[b + dj + di]! - v[b + dj]!);
    const c01 = v[b + dk]! + fx * (v[b + dk + di]! - v[b + dk]!);
    const c11 = v[b + dk + dj]! + fx * (v[b + dk + dj + di]! - v[b + dk + dj]!);
    const c0 = c00 + fy * (c10 - c00);
    const c1 = c01 + fy * (c11 - c01);
    out[c] = c0 + fz * (c1 - c0);
  }
  return out;
}

/** One channel at one point. */
export function sampleChannel(maps: PlanningMaps, channel: MapChannel, pointLps: Vec3): number {
  return sampleMaps(maps, pointLps)[channelIndex(channel)]!;
}

/** An empty grid (every distance channel FAR, brain −FAR) to paint structures into; for tests and tools. */
export function createMaps(
  dimensions: readonly [number, number, number],
  spacingMm: number,
  originLps: Vec3,
  fill: (channel: MapChannel, pointLps: Vec3) => number,
): PlanningMaps {
  const [ni, nj, nk] = dimensions;
  if (!(spacingMm > 0)) throw new Error(`planning maps: spacing must be > 0 mm, got ${spacingMm}`);
  if (![ni, nj, nk].every((n) => Number.isInteger(n) && n >= 1))
    throw new Error(`planning maps: dimensions must be positive integers, got ${dimensions.join('×')}`);
  const values = new Float32Array(ni * nj * nk * MAP_CHANNEL_COUNT);
  const channels = ['vessel', 'ventricle', 'sulcus', 'brain'] as const;
  let o = 0;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        const p: Vec3 = [
          originLps[0] + i * spacingMm,
          originLps[1] + j * spacingMm,
          originLps[2] + k * spacingMm,
        ];
        for (const c of channels) values[o++] = fill(c, p);
      }
  return { dimensions: [ni, nj, nk], spacingMm, originLps, values };
}
