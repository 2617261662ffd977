/**
 * Taubin λ/μ smoothing (Taubin 1995, "A signal processing approach to fair surface design"): each
 * iteration is a shrinking Laplacian step (λ > 0) followed by an inflating one (μ < −λ), a low-pass filter
 * that removes marching-cubes staircase without the shrinkage of plain Laplacian smoothing. Connectivity
 * is unchanged, so a watertight mesh stays watertight.
 *
 * Taubin alone still loses volume on structures only a few voxels thick (3% on a 64³ phantom skull), so
 * by default closed meshes then get their enclosed volume restored: every vertex moves along its normal
 * by one common offset δ = (V₀ − V) / A (a Newton step on V(δ) ≈ V + δ·A), repeated until within 0.01%.
 */
import { checkCancelled, type TaskControl } from '../task.ts';
import { checkWatertight, meshAreaMm2, meshVolumeMm3 } from './measure.ts';
import { computeVertexNormals, type Mesh } from './mesh.ts';

export interface SmoothOptions {
  /** λ/μ pairs to apply (default 20). */
  iterations?: number;
  /** Shrinking factor λ in (0, 1) (default 0.5). */
  lambda?: number;
  /** Pass-band frequency k_PB in (0, 1/λ); μ = 1 / (k_PB − 1/λ) (default 0.1). */
  passBand?: number;
  /** Restore the enclosed volume of a watertight mesh afterwards (default true; open meshes are left). */
  preserveVolume?: boolean;
  control?: TaskControl;
}

/** Each vertex's distinct neighbours, as CSR (start offsets and a flat list). */
export function vertexNeighbours(
  nv: number,
  indices: Uint32Array,
): { start: Uint32Array; list: Uint32Array } {
  const count = new Uint32Array(nv + 1);
  for (let t = 0; t < indices.length; t += 3)
    for (let e = 0; e < 3; e++) {
      count[indices[t + e]! + 1]! += 2; // each triangle names two neighbours of each corner
    }
  for (let v = 0; v < nv; v++) count[v + 1]! += count[v]!;
  const raw = new Uint32Array(count[nv]!);
  const fill = count.slice(0, nv);
  for (let t = 0; t < indices.length; t += 3)
    for (let e = 0; e < 3; e++) {
      const v = indices[t + e]!;
      raw[fill[v]!++] = indices[t + ((e + 1) % 3)]!;
      raw[fill[v]!++] = indices[t + ((e + 2) % 3)]!;
    }
  // Deduplicate each vertex's run in place (runs are short: about 12 entries).
  const start = new Uint32Array(nv + 1);
  let w = 0;
  for (let v = 0; v < nv; v++) {
    start[v] = w;
    const from = count[v]!;
    const to = count[v + 1]!;
    for (let r = from; r < to; r++) {
      const u = raw[r]!;
      let dup = false;
      for (let q = start[v]!; q < w; q++)
        if (raw[q] === u) {
          dup = true;
          break;
        }
      if (!dup) raw[w++] = u;
    }
  }
  start[nv] = w;
  return { start, list: raw.slice(0, w) };
}

export function smoothMesh(mesh: Mesh, options: SmoothOptions = {}): Mesh {
  const iterations = options.iterations ?? 20;
  const lambda = options.lambda ?? 0.5;
  const passBand = options.passBand ?? 0.1;
  if (!Number.isInteger(iterations) || iterations < 0 || iterations > 10000)
    throw new Error(`smoothing iterations must be an integer from 0 to 10000, got ${iterations}`);
  if (!(lambda > 0 && lambda < 1)) throw new Error(`smoothing λ must be in (0, 1), got ${lambda}`);
  if (!(passBand > 0 && passBand < 1 / lambda))
    throw new Error(`smoothing pass band must be in (0, ${1 / lambda}), got ${passBand}`);
  const mu = 1 / (passBand - 1 / lambda);
  const nv = mesh.positionsLps.length / 3;
  const { start, list } = vertexNeighbours(nv, mesh.indices);
  let p = Float64Array.from(mesh.positionsLps);
  let q = new Float64Array(p.length);
  for (let it = 0; it < iterations; it++) {
    checkCancelled(options.control, 'mesh smoothing');
    options.control?.onProgress?.(it / iterations, 'smoothing');
    for (const f of [lambda, mu]) {
      for (let v = 0; v < nv; v++) {
        const from = start[v]!;
        const to = start[v + 1]!;
        const o = v * 3;
        if (to === from) {
          q[o] = p[o]!;
          q[o + 1] = p[o + 1]!;
          q[o + 2] = p[o + 2]!;
          continue;
        }
        let sx = 0;
        let sy = 0;
        let sz = 0;
        for (let r = from; r < to; r++) {
          const u = list[r]! * 3;
          sx += p[u]!;
          sy += p[u + 1]!;
          sz += p[u + 2]!;
        }
        const inv = 1 / (to - from);
        q[o] = p[o]! + f * (sx * inv - p[o]!);
        q[o + 1] = p[o + 1]! + f * (sy * inv - p[o + 1]!);
        q[o + 2] = p[o + 2]! + f * (sz * inv - p[o + 2]!);
      }
      [p, q] = [q, p];
    }
  }
  let positionsLps: Float32Array = Float32Array.from(p);
  if (options.preserveVolume !== false && iterations > 0 && checkWatertight(mesh).watertight)
    positionsLps = restoreVolume(positionsLps, mesh.indices, meshVolumeMm3(mesh));
  options.control?.onProgress?.(1, 'smoothing');
  return mesh.normalsLps
    ? { positionsLps, indices: mesh.indices, normalsLps: computeVertexNormals(positionsLps, mesh.indices) }
    : { positionsLps, indices: mesh.indices };
}

/** Offsets all vertices along their normals by one common distance until the volume is `target` again. */
function restoreVolume(positions: Float32Array, indices: Uint32Array, target: number): Float32Array {
  let p = positions;
  for (let step = 0; step < 5; step++) {
    const mesh = { positionsLps: p, indices };
    const volume = meshVolumeMm3(mesh);
    if (Math.abs(volume - target) <= 1e-4 * Math.abs(target)) break;
    const area = meshAreaMm2(mesh);
    if (!(area > 0)) break;
    const delta = (target - volume) / area;
    const normals = computeVertexNormals(p, indices);
    const next = new Float32Array(p.length);
    for (let n = 0; n < p.length; n++) next[n] = p[n]! + delta * normals[n]!;
    p = next;
  }
  return p;
}
