/**
 * Planning maps for the benchmark, built from the 512 phantom's analytic ground truth (not from its
 * images), so the benchmark does not depend on the scene builder: a 1 mm isotropic LPS grid over the outer
 * skull's bounding box (plus a margin), each channel a signed Euclidean distance transform
 * (@neuroplan/imaging's distanceMapMm, kind 'signed') of a rasterised structure:
 *   vessel    the vessel tree's tubes (centreline segments with linearly interpolated radii), positive outside
 *   ventricle the lateral ventricle ellipsoids, positive outside
 *   sulcus    the falx / interhemispheric sheet, positive outside
 *   brain     the brainOuter ellipsoid (with its floor), positive INSIDE (depth below the surface)
 * Cached in /work/main/.tmp/bench-planning-maps-512.bin (a 64-byte header, then the float32 values), so
 * repeated runs load in well under a second. Swap this module for the real scene builder when it lands.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPhantomModel, distanceMapMm } from '@neuroplan/imaging';
import {
  MAP_CHANNEL_COUNT,
  channelIndex,
  type PlanningMaps,
} from '../../packages/planning/src/scene/types.ts';
import type { Vec3 } from '../../packages/planning/src/vec.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const MAPS_CACHE = join(here, '..', '..', '.tmp', 'bench-planning-maps-512.bin');
/** Bump when the construction changes so an old cache is rebuilt. */
const CACHE_VERSION = 1;
const HEADER_DOUBLES = 8;
const MARGIN_MM = 6;

interface EllipsoidLike {
  centerLps: Vec3;
  semiAxesMm: Vec3;
  axesLps: number[];
  floorMm?: number;
}

/** Half-extent of a rotated ellipsoid along each LPS axis. */
function halfExtent(e: EllipsoidLike): Vec3 {
  const r = e.axesLps;
  const a = e.semiAxesMm;
  const h = (row: number): number =>
    Math.hypot(r[row * 3]! * a[0], r[row * 3 + 1]! * a[1], r[row * 3 + 2]! * a[2]);
  return [h(0), h(1), h(2)];
}

function insideEllipsoid(e: EllipsoidLike, p: Vec3): boolean {
  const d = [p[0] - e.centerLps[0], p[1] - e.centerLps[1], p[2] - e.centerLps[2]];
  const r = e.axesLps;
  let q = 0;
  for (let m = 0; m < 3; m++) {
    const local = r[m]! * d[0]! + r[3 + m]! * d[1]! + r[6 + m]! * d[2]!;
    if (m === 2 && e.floorMm !== undefined && local < -e.floorMm) return false;
    q += (local / e.semiAxesMm[m]!) ** 2;
  }
  return q <= 1;
}

interface Grid {
  dimensions: [number, number, number];
  originLps: Vec3;
}

function rasterEllipsoids(grid: Grid, ellipsoids: EllipsoidLike[]): Uint8Array {
  const [ni, nj, nk] = grid.dimensions;
  const mask = new Uint8Array(ni * nj * nk);
  for (const e of ellipsoids) {
    const h = halfExtent(e);
    const lo = [0, 1, 2].map((a) => Math.max(0, Math.floor(e.centerLps[a]! - h[a]! - grid.originLps[a]!)));
    const hi = [0, 1, 2].map((a) =>
      Math.min(grid.dimensions[a]! - 1, Math.ceil(e.centerLps[a]! + h[a]! - grid.originLps[a]!)),
    );
    for (let k = lo[2]!; k <= hi[2]!; k++)
      for (let j = lo[1]!; j <= hi[1]!; j++)
        for (let i = lo[0]!; i <= hi[0]!; i++) {
          const p: Vec3 = [grid.originLps[0] + i, grid.originLps[1] + j, grid.originLps[2] + k];
          if (insideEllipsoid(e, p)) mask[i + ni * (j + nj * k)] = 1;
        }
  }
  return mask;
}

/** Voxels within the interpolated radius of each centreline segment. */
function rasterTubes(grid: Grid, vessels: { pointsLps: Vec3[]; radiiMm: number[] }[]): Uint8Array {
  const [ni, nj, nk] = grid.dimensions;
  const mask = new Uint8Array(ni * nj * nk);
  for (const v of vessels)
    for (let s = 0; s + 1 < v.pointsLps.length; s++) {
      const a = v.pointsLps[s]!;
      const b = v.pointsLps[s + 1]!;
      const ra = v.radiiMm[s]!;
      const rb = v.radiiMm[s + 1]!;
      const r = Math.max(ra, rb);
      const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
      const len2 = ab[0]! ** 2 + ab[1]! ** 2 + ab[2]! ** 2;
      const lo = [0, 1, 2].map((x) =>
        Math.max(0, Math.floor(Math.min(a[x]!, b[x]!) - r - grid.originLps[x]!)),
      );
      const hi = [0, 1, 2].map((x) =>
        Math.min(grid.dimensions[x]! - 1, Math.ceil(Math.max(a[x]!, b[x]!) + r - grid.originLps[x]!)),
      );
      for (let k = lo[2]!; k <= hi[2]!; k++)
        for (let j = lo[1]!; j <= hi[1]!; j++)
          for (let i = lo[0]!; i <= hi[0]!; i++) {
            const ap = [
              grid.originLps[0] + i - a[0],
              grid.originLps[1] + j - a[1],
              grid.originLps[2] + k - a[2],
            ];
            let t = len2 > 0 ? (ap[0]! * ab[0]! + ap[1]! * ab[1]! + ap[2]! * ab[2]!) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            const d = Math.hypot(ap[0]! - t * ab[0]!, ap[1]! - t * ab[1]!, ap[2]! - t * ab[2]!);
            if (d <= ra + t * (rb - ra)) mask[i + ni * (j + nj * k)] = 1;
          }
    }
  return mask;
}

function buildMaps(): PlanningMaps {
  const { anatomy } = buildPhantomModel({ size: 512, seed: 1 });
  const skull = anatomy.shells.skullOuter;
  const h = halfExtent(skull);
  const originLps: Vec3 = [0, 1, 2].map((a) => Math.floor(skull.centerLps[a]! - h[a]! - MARGIN_MM)) as Vec3;
  const dimensions = [0, 1, 2].map(
    (a) => Math.ceil(skull.centerLps[a]! + h[a]! + MARGIN_MM) - originLps[a]! + 1,
  ) as [number, number, number];
  const grid: Grid = { dimensions, originLps };
  const voxels = dimensions[0] * dimensions[1] * dimensions[2];
  const values = new Float32Array(voxels * MAP_CHANNEL_COUNT);
  const signed = (mask: Uint8Array, name: string, sign: number): void => {
    const d = distanceMapMm(
      { id: `bench ${name}`, dimensions, spacingMm: [1, 1, 1], scalars: mask },
      { kind: 'signed', precision: 'float32' },
    );
    const c = channelIndex(name as 'vessel');
    for (let v = 0; v < voxels; v++) values[v * MAP_CHANNEL_COUNT + c] = sign * d[v]!;
  };
  signed(rasterTubes(grid, anatomy.vessels), 'vessel', 1);
  signed(rasterEllipsoids(grid, anatomy.ventricles), 'ventricle', 1);
  signed(rasterEllipsoids(grid, [anatomy.falx]), 'sulcus', 1);
  signed(rasterEllipsoids(grid, [anatomy.shells.brainOuter]), 'brain', -1);
  return { dimensions, spacingMm: 1, originLps, values };
}

/** The benchmark's maps (built once, then read from the cache) and the brain centre to aim at. */
export function benchMaps(): { maps: PlanningMaps; brainCenterLps: Vec3; built: boolean } {
  const { anatomy } = buildPhantomModel({ size: 512, seed: 1 });
  const brainCenterLps = anatomy.brainCenterLps;
  if (existsSync(MAPS_CACHE)) {
    const bytes = readFileSync(MAPS_CACHE);
    const header = new Float64Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + HEADER_DOUBLES * 8),
    );
    const [version, ni, nj, nk, spacingMm, ox, oy, oz] = header as unknown as number[];
    const n = ni! * nj! * nk! * MAP_CHANNEL_COUNT;
    if (version === CACHE_VERSION && bytes.length === HEADER_DOUBLES * 8 + n * 4) {
      const values = new Float32Array(
        bytes.buffer.slice(bytes.byteOffset + HEADER_DOUBLES * 8, bytes.byteOffset + bytes.length),
      );
      return {
        maps: { dimensions: [ni!, nj!, nk!], spacingMm: spacingMm!, originLps: [ox!, oy!, oz!], values },
        brainCenterLps,
        built: false,
      };
    }
  }
  const maps = buildMaps();
  const header = Float64Array.of(CACHE_VERSION, ...maps.dimensions, maps.spacingMm, ...maps.originLps);
  mkdirSync(dirname(MAPS_CACHE), { recursive: true });
  writeFileSync(MAPS_CACHE, Buffer.concat([Buffer.from(header.buffer), Buffer.from(maps.values.buffer)]));
  return { maps, brainCenterLps, built: true };
}
