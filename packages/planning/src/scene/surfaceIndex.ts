/**
 * Nearest-vertex lookup on a surface mesh (uniform hash grid), and area-weighted random points on a
 * subset of its triangles. Used to find the skull normal under an entry point and to spread entry
 * candidates evenly over the allowed skull region.
 */
import type { SurfaceMesh } from './types.ts';
import { cross, norm, normalize, sub, type Vec3 } from '../vec.ts';

export class SurfaceIndex {
  private readonly cellMm: number;
  private readonly cells = new Map<number, number[]>();
  constructor(
    readonly mesh: SurfaceMesh,
    cellMm = 4,
  ) {
    this.cellMm = cellMm;
    const p = mesh.positionsLps;
    for (let v = 0; v < p.length / 3; v++) {
      const key = this.key(p[3 * v]!, p[3 * v + 1]!, p[3 * v + 2]!);
      const list = this.cells.get(key);
      if (list) list.push(v);
      else this.cells.set(key, [v]);
    }
  }
  private cell(x: number): number {
    return Math.floor(x / this.cellMm);
  }
  private key(x: number, y: number, z: number): number {
    return keyOf(this.cell(x), this.cell(y), this.cell(z));
  }
  /** Nearest vertex within `maxMm` (searching outward ring by ring), or undefined. */
  nearest(pointLps: Vec3, maxMm = 20): { vertex: number; distanceMm: number } | undefined {
    const p = this.mesh.positionsLps;
    const [ci, cj, ck] = [this.cell(pointLps[0]), this.cell(pointLps[1]), this.cell(pointLps[2])];
    let best = -1;
    let bestD2 = maxMm * maxMm;
    const rings = Math.ceil(maxMm / this.cellMm);
    for (let r = 0; r <= rings; r++) {
      // A vertex in ring r is at least (r − 1)·cell away: stop once that exceeds the best so far.
      if (best >= 0 && ((r - 1) * this.cellMm) ** 2 > bestD2) break;
      for (let di = -r; di <= r; di++)
        for (let dj = -r; dj <= r; dj++)
          for (let dk = -r; dk <= r; dk++) {
            if (Math.max(Math.abs(di), Math.abs(dj), Math.abs(dk)) !== r) continue;
            const list = this.cells.get(keyOf(ci + di, cj + dj, ck + dk));
            if (!list) continue;
            for (const v of list) {
              const dx = p[3 * v]! - pointLps[0];
              const dy = p[3 * v + 1]! - pointLps[1];
              const dz = p[3 * v + 2]! - pointLps[2];
              const d2 = dx * dx + dy * dy + dz * dz;
              if (d2 < bestD2) {
                bestD2 = d2;
                best = v;
              }
            }
          }
    }
    return best < 0 ? undefined : { vertex: best, distanceMm: Math.sqrt(bestD2) };
  }
}

// Cells are hashed into one safe integer; ±2^16 cells of ≥ 1 mm covers any head.
const keyOf = (i: number, j: number, k: number): number =>
  (i + 32768) * 4294967296 + (j + 32768) * 65536 + (k + 32768);

export const vertexOf = (mesh: SurfaceMesh, v: number): Vec3 => [
  mesh.positionsLps[3 * v]!,
  mesh.positionsLps[3 * v + 1]!,
  mesh.positionsLps[3 * v + 2]!,
];
export const normalOf = (mesh: SurfaceMesh, v: number): Vec3 =>
  normalize([mesh.normalsLps[3 * v]!, mesh.normalsLps[3 * v + 1]!, mesh.normalsLps[3 * v + 2]!]);

/** A point on the surface with its interpolated outward normal. */
export interface SurfacePoint {
  pointLps: Vec3;
  normalLps: Vec3;
}

/**
 * `count` points spread over the triangles for which `keep(triangle)` holds, with probability
 * proportional to area (stratified: the i-th point takes the area quantile (i + u)/count, so even a small
 * count covers the region evenly). Deterministic for a given `random` stream.
 */
export function sampleSurface(
  mesh: SurfaceMesh,
  keep: (triangle: number) => boolean,
  count: number,
  random: () => number,
): { points: SurfacePoint[]; areaMm2: number } {
  const idx = mesh.indices;
  const triangles: number[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (let t = 0; t < idx.length / 3; t++) {
    if (!keep(t)) continue;
    const a = vertexOf(mesh, idx[3 * t]!);
    const area =
      norm(cross(sub(vertexOf(mesh, idx[3 * t + 1]!), a), sub(vertexOf(mesh, idx[3 * t + 2]!), a))) / 2;
    if (!(area > 0)) continue;
    total += area;
    triangles.push(t);
    cumulative.push(total);
  }
  if (triangles.length === 0 || count <= 0) return { points: [], areaMm2: total };
  const out: SurfacePoint[] = [];
  let cursor = 0;
  for (let n = 0; n < count; n++) {
    const target = ((n + random()) / count) * total;
    while (cursor < cumulative.length - 1 && cumulative[cursor]! < target) cursor++;
    const t = triangles[cursor]!;
    let [u, v] = [random(), random()];
    if (u + v > 1) [u, v] = [1 - u, 1 - v];
    const w = 1 - u - v;
    const [ia, ib, ic] = [idx[3 * t]!, idx[3 * t + 1]!, idx[3 * t + 2]!];
    const pos = mesh.positionsLps;
    const nor = mesh.normalsLps;
    const mix = (arr: Float32Array): Vec3 => [
      w * arr[3 * ia]! + u * arr[3 * ib]! + v * arr[3 * ic]!,
      w * arr[3 * ia + 1]! + u * arr[3 * ib + 1]! + v * arr[3 * ic + 1]!,
      w * arr[3 * ia + 2]! + u * arr[3 * ib + 2]! + v * arr[3 * ic + 2]!,
    ];
    out.push({ pointLps: mix(pos), normalLps: normalize(mix(nor)) });
  }
  return { points: out, areaMm2: total };
}
