/**
 * The connected piece of a mesh with the most triangles (triangles sharing a vertex are connected), with
 * its vertices renumbered. Marching cubes on a voxel mask can leave tiny separate shells where voxels
 * meet diagonally, or separate objects; a surface of one structure is the big one. Normals are dropped
 * (recompute them on the result).
 */
import type { Mesh } from './mesh.ts';

export function largestMeshPiece(mesh: Mesh): Mesh {
  const ix = mesh.indices;
  const nv = mesh.positionsLps.length / 3;
  const parent = new Int32Array(nv);
  for (let v = 0; v < nv; v++) parent[v] = v;
  const find = (v: number): number => {
    while (parent[v] !== v) {
      parent[v] = parent[parent[v]!]!;
      v = parent[v]!;
    }
    return v;
  };
  for (let t = 0; t < ix.length; t += 3) {
    const a = find(ix[t]!);
    for (let e = 1; e < 3; e++) {
      const b = find(ix[t + e]!);
      if (a !== b) parent[b] = a;
    }
  }
  const count = new Int32Array(nv);
  let best = -1;
  let bestCount = 0;
  for (let t = 0; t < ix.length; t += 3) {
    const r = find(ix[t]!);
    if (++count[r]! > bestCount) [best, bestCount] = [r, count[r]!];
  }
  if (best < 0) return mesh;
  const renumber = new Int32Array(nv).fill(-1);
  let kept = 0;
  for (let v = 0; v < nv; v++) if (find(v) === best) renumber[v] = kept++;
  const positionsLps = new Float32Array(kept * 3);
  for (let v = 0; v < nv; v++) {
    const n = renumber[v]!;
    if (n >= 0) positionsLps.set(mesh.positionsLps.subarray(3 * v, 3 * v + 3), 3 * n);
  }
  const indices = new Uint32Array(bestCount * 3);
  let w = 0;
  for (let t = 0; t < ix.length; t += 3) {
    if (find(ix[t]!) !== best) continue;
    for (let e = 0; e < 3; e++) indices[w++] = renumber[ix[t + e]!]!;
  }
  return { positionsLps, indices };
}
