/**
 * Mesh files: binary STL, OBJ and binary little-endian PLY, as bytes (browser-safe; writing to disk is
 * the caller's business). Coordinates are LPS millimetres, and each file says so where its format has
 * room for text: the STL 80-byte header, an OBJ comment line, a PLY comment line.
 */
import type { Mesh } from './mesh.ts';

export const MESH_FILE_NOTE = 'NeuroPlan mesh, LPS millimetres';
export type MeshFileFormat = 'stl' | 'obj' | 'ply';

/** Binary STL: 80-byte header, triangle count, then per triangle its unit normal, 3 corners, 0 attribute. */
export function meshToStl(mesh: Mesh): Uint8Array {
  const p = mesh.positionsLps;
  const ix = mesh.indices;
  const nt = ix.length / 3;
  const bytes = new Uint8Array(84 + 50 * nt);
  const view = new DataView(bytes.buffer);
  bytes.fill(0x20, 0, 80);
  bytes.set(new TextEncoder().encode(MESH_FILE_NOTE), 0);
  view.setUint32(80, nt, true);
  let o = 84;
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
    let nx = uy * vz - uz * vy;
    let ny = uz * vx - ux * vz;
    let nz = ux * vy - uy * vx;
    const len = Math.hypot(nx, ny, nz);
    if (len > 0) [nx, ny, nz] = [nx / len, ny / len, nz / len];
    view.setFloat32(o, nx, true);
    view.setFloat32(o + 4, ny, true);
    view.setFloat32(o + 8, nz, true);
    o += 12;
    for (const v of [a, b, c]) {
      view.setFloat32(o, p[v]!, true);
      view.setFloat32(o + 4, p[v + 1]!, true);
      view.setFloat32(o + 8, p[v + 2]!, true);
      o += 12;
    }
    o += 2; // attribute byte count 0
  }
  return bytes;
}

/** Wavefront OBJ text (v, vn when the mesh has normals, f with 1-based indices). */
export function meshToObj(mesh: Mesh): Uint8Array {
  const p = mesh.positionsLps;
  const nrm = mesh.normalsLps;
  const ix = mesh.indices;
  const lines: string[] = [`# ${MESH_FILE_NOTE}`, `# ${p.length / 3} vertices, ${ix.length / 3} triangles`];
  for (let v = 0; v < p.length; v += 3) lines.push(`v ${p[v]} ${p[v + 1]} ${p[v + 2]}`);
  if (nrm) for (let v = 0; v < nrm.length; v += 3) lines.push(`vn ${nrm[v]} ${nrm[v + 1]} ${nrm[v + 2]}`);
  for (let t = 0; t < ix.length; t += 3) {
    const [a, b, c] = [ix[t]! + 1, ix[t + 1]! + 1, ix[t + 2]! + 1];
    lines.push(nrm ? `f ${a}//${a} ${b}//${b} ${c}//${c}` : `f ${a} ${b} ${c}`);
  }
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

/** Binary little-endian PLY: float x y z (and nx ny nz), faces as uchar count + int indices. */
export function meshToPly(mesh: Mesh): Uint8Array {
  const p = mesh.positionsLps;
  const nrm = mesh.normalsLps;
  const ix = mesh.indices;
  const nv = p.length / 3;
  const nt = ix.length / 3;
  const header = [
    'ply',
    'format binary_little_endian 1.0',
    `comment ${MESH_FILE_NOTE}`,
    `element vertex ${nv}`,
    'property float x',
    'property float y',
    'property float z',
    ...(nrm ? ['property float nx', 'property float ny', 'property float nz'] : []),
    `element face ${nt}`,
    'property list uchar int vertex_indices',
    'end_header',
    '',
  ].join('\n');
  const head = new TextEncoder().encode(header);
  const perVertex = nrm ? 24 : 12;
  const bytes = new Uint8Array(head.length + nv * perVertex + nt * 13);
  bytes.set(head, 0);
  const view = new DataView(bytes.buffer);
  let o = head.length;
  for (let v = 0; v < nv; v++) {
    for (let c = 0; c < 3; c++) view.setFloat32(o + 4 * c, p[v * 3 + c]!, true);
    if (nrm) for (let c = 0; c < 3; c++) view.setFloat32(o + 12 + 4 * c, nrm[v * 3 + c]!, true);
    o += perVertex;
  }
  for (let t = 0; t < ix.length; t += 3) {
    view.setUint8(o, 3);
    view.setInt32(o + 1, ix[t]!, true);
    view.setInt32(o + 5, ix[t + 1]!, true);
    view.setInt32(o + 9, ix[t + 2]!, true);
    o += 13;
  }
  return bytes;
}

export function meshToFile(mesh: Mesh, format: MeshFileFormat): Uint8Array {
  if (format === 'stl') return meshToStl(mesh);
  if (format === 'obj') return meshToObj(mesh);
  return meshToPly(mesh);
}

/** The format named by a file's extension (.stl, .obj, .ply), or an error naming the file. */
export function meshFormatFromPath(path: string): MeshFileFormat {
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (ext === 'stl' || ext === 'obj' || ext === 'ply') return ext;
  throw new Error(`${path}: unknown mesh file type (use .stl, .obj or .ply)`);
}
