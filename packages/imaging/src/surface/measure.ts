/** Mesh measurements: surface area, enclosed volume, and whether the mesh is a closed oriented surface. */
import type { Mesh } from './mesh.ts';

/** Total triangle area in mm² (float64 sums). */
export function meshAreaMm2(mesh: Mesh): number {
  const p = mesh.positionsLps;
  const ix = mesh.indices;
  let sum = 0;
  for (let t = 0; t < ix.length; t += 3) {
    const a = ix[t]! * 3;
    const b = ix[t + 1]! * 3;
    const c = ix[t + 2]! * 3;
    const ux = p[b]! - p[a]!;
    const uy = p[b + 1]! - p[a + 1]!;
    const uz = p[b + 2]! - p[a + 2]!;
    const vx = p[c]! - p[a]!;
    const vy = p[c + 1]! - p[a + 1]!;
    const vz = p[c + 2]! - p[a + 2]!;
    sum += Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
  }
  return sum / 2;
}

/**
 * Signed enclosed volume in mm³ by the divergence theorem (sum of the tetrahedra from a reference point
 * to each triangle): positive when triangles are wound outward. Exact for closed meshes; the reference
 * point is the first vertex, which keeps the sums small and precise.
 */
export function meshVolumeMm3(mesh: Mesh): number {
  const p = mesh.positionsLps;
  const ix = mesh.indices;
  if (p.length === 0) return 0;
  const [ox, oy, oz] = [p[0]!, p[1]!, p[2]!];
  let sum = 0;
  for (let t = 0; t < ix.length; t += 3) {
    const a = ix[t]! * 3;
    const b = ix[t + 1]! * 3;
    const c = ix[t + 2]! * 3;
    const ax = p[a]! - ox;
    const ay = p[a + 1]! - oy;
    const az = p[a + 2]! - oz;
    const bx = p[b]! - ox;
    const by = p[b + 1]! - oy;
    const bz = p[b + 2]! - oz;
    const cx = p[c]! - ox;
    const cy = p[c + 1]! - oy;
    const cz = p[c + 2]! - oz;
    sum += ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
  }
  return sum / 6;
}

export interface WatertightReport {
  /** Every edge is used by exactly two triangles, once in each direction. */
  watertight: boolean;
  /** Edges used by one triangle only (holes, open borders). */
  boundaryEdges: number;
  /** Edges used by three or more triangles. */
  nonManifoldEdges: number;
  /** Edges used twice but in the same direction (neighbouring triangles wound inconsistently). */
  misorientedEdges: number;
}

/**
 * Counts, per undirected edge, its uses in each direction: edges are bucketed by their smaller vertex
 * (counting sort, typed arrays, exact for any mesh size), then each small bucket is scanned.
 * An empty mesh is not watertight.
 */
export function checkWatertight(mesh: Mesh): WatertightReport {
  const ix = mesh.indices;
  const nv = mesh.positionsLps.length / 3;
  const start = new Uint32Array(nv + 1);
  for (let t = 0; t < ix.length; t += 3)
    for (let e = 0; e < 3; e++) start[Math.min(ix[t + e]!, ix[t + ((e + 1) % 3)]!) + 1]!++;
  for (let v = 0; v < nv; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, nv);
  const other = new Uint32Array(ix.length);
  const forward = new Uint8Array(ix.length);
  for (let t = 0; t < ix.length; t += 3)
    for (let e = 0; e < 3; e++) {
      const a = ix[t + e]!;
      const b = ix[t + ((e + 1) % 3)]!;
      const slot = fill[Math.min(a, b)]!++;
      other[slot] = Math.max(a, b);
      forward[slot] = a < b ? 1 : 0;
    }
  let boundaryEdges = 0;
  let nonManifoldEdges = 0;
  let misorientedEdges = 0;
  const done = new Uint8Array(ix.length);
  for (let v = 0; v < nv; v++) {
    const end = start[v + 1]!;
    for (let s = start[v]!; s < end; s++) {
      if (done[s]) continue;
      let uses = 0;
      let fwd = 0;
      for (let r = s; r < end; r++)
        if (other[r] === other[s]) {
          done[r] = 1;
          uses++;
          fwd += forward[r]!;
        }
      if (uses === 1) boundaryEdges++;
      else if (uses > 2) nonManifoldEdges++;
      else if (fwd !== 1) misorientedEdges++;
    }
  }
  return {
    watertight: ix.length > 0 && boundaryEdges === 0 && nonManifoldEdges === 0 && misorientedEdges === 0,
    boundaryEdges,
    nonManifoldEdges,
    misorientedEdges,
  };
}
