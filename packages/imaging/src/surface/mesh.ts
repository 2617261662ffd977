/**
 * The triangle mesh every surface step passes on: flat typed arrays, ready for a three.js BufferGeometry
 * (`position` ← positionsLps, `index` ← indices, `normal` ← normalsLps). Coordinates are DICOM LPS millimetres.
 * Triangles are wound counter-clockwise seen from outside (the low-value side of an iso-surface), so the
 * right-hand normal of each triangle points outward.
 */
export interface Mesh {
  /** x, y, z of each vertex in LPS mm. */
  readonly positionsLps: Float32Array;
  /** Three vertex indices per triangle. */
  readonly indices: Uint32Array;
  /** Unit outward normal per vertex (x, y, z), when computed. */
  readonly normalsLps?: Float32Array;
}

export const vertexCount = (m: Mesh): number => m.positionsLps.length / 3;
export const triangleCount = (m: Mesh): number => m.indices.length / 3;

/**
 * Area-weighted vertex normals from the triangles (the cross product of two edges is twice the area
 * times the unit normal, so summing it weights by area). Vertices used by no triangle get (0, 0, 0).
 */
export function computeVertexNormals(positions: Float32Array, indices: Uint32Array): Float32Array {
  const acc = new Float64Array(positions.length);
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t]! * 3;
    const b = indices[t + 1]! * 3;
    const c = indices[t + 2]! * 3;
    const ux = positions[b]! - positions[a]!;
    const uy = positions[b + 1]! - positions[a + 1]!;
    const uz = positions[b + 2]! - positions[a + 2]!;
    const vx = positions[c]! - positions[a]!;
    const vy = positions[c + 1]! - positions[a + 1]!;
    const vz = positions[c + 2]! - positions[a + 2]!;
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    acc[a]! += nx;
    acc[a + 1]! += ny;
    acc[a + 2]! += nz;
    acc[b]! += nx;
    acc[b + 1]! += ny;
    acc[b + 2]! += nz;
    acc[c]! += nx;
    acc[c + 1]! += ny;
    acc[c + 2]! += nz;
  }
  const out = new Float32Array(positions.length);
  for (let v = 0; v < acc.length; v += 3) {
    const len = Math.hypot(acc[v]!, acc[v + 1]!, acc[v + 2]!);
    if (len > 0) {
      out[v] = acc[v]! / len;
      out[v + 1] = acc[v + 1]! / len;
      out[v + 2] = acc[v + 2]! / len;
    }
  }
  return out;
}

/** The same mesh with vertex normals (re)computed from its triangles. */
export const withVertexNormals = (m: Mesh): Mesh => ({
  positionsLps: m.positionsLps,
  indices: m.indices,
  normalsLps: computeVertexNormals(m.positionsLps, m.indices),
});
