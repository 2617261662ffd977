/**
 * The OUTER skull surface (outer table) from a CT: bone by segmentSkull, the cranial cavity filled
 * (3D hole filling, and axial slice by slice for skulls whose base is open at the foramen magnum) so the
 * inner table gives no surface, then marching cubes on the CT values themselves at the bone/soft-tissue
 * half-height level (sub-voxel placement from the partial-volume edge), the largest shell kept, a light
 * Taubin smoothing, quadric decimation to about one vertex per `mm2PerVertex`, outward normals.
 */
import {
  checkCancelled,
  computeVertexNormals,
  createVolume,
  decimateMesh,
  extractIsosurface,
  largestMeshPiece,
  meshAreaMm2,
  segmentation,
  smoothMesh,
  type TaskControl,
  type Volume,
} from '@neuroplan/imaging';
import type { SurfaceMesh } from './types.ts';

/** Value given to the inside of the skull in the surface's field (far above any iso-level). */
const INSIDE_HU = 4000;

export interface SkullSurfaceOptions {
  /** Iso-level (HU) between scalp and cortical bone (default 700: about half-way from 40 to ~1400 HU). */
  surfaceHu?: number;
  /** Target density (default 1.5 mm² of surface per vertex). */
  mm2PerVertex?: number;
  control?: TaskControl;
}

export interface SkullSurfaceResult {
  mesh: SurfaceMesh;
  /** Bone voxels (segmentSkull) and the filled skull (bone + cavity) on the CT grid. */
  bone: Uint8Array;
  filled: Uint8Array;
}

/** Background not 6-connected to the grid's faces, filled (a flood fill from the faces). */
function fillHoles3d(dims: readonly [number, number, number], mask: Uint8Array): Uint8Array {
  const [ni, nj, nk] = dims;
  const nij = ni * nj;
  const outside = new Uint8Array(mask.length);
  const queue = new Int32Array(mask.length);
  let tail = 0;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        if (i > 0 && j > 0 && k > 0 && i < ni - 1 && j < nj - 1 && k < nk - 1) continue;
        const p = i + ni * j + nij * k;
        if (!mask[p] && !outside[p]) {
          outside[p] = 1;
          queue[tail++] = p;
        }
      }
  for (let head = 0; head < tail; head++) {
    const p = queue[head]!;
    const i = p % ni;
    const jk = (p - i) / ni;
    const j = jk % nj;
    const k = (jk - j) / nj;
    let q = p - 1;
    if (i > 0 && !mask[q] && !outside[q]) {
      outside[q] = 1;
      queue[tail++] = q;
    }
    q = p + 1;
    if (i < ni - 1 && !mask[q] && !outside[q]) {
      outside[q] = 1;
      queue[tail++] = q;
    }
    q = p - ni;
    if (j > 0 && !mask[q] && !outside[q]) {
      outside[q] = 1;
      queue[tail++] = q;
    }
    q = p + ni;
    if (j < nj - 1 && !mask[q] && !outside[q]) {
      outside[q] = 1;
      queue[tail++] = q;
    }
    q = p - nij;
    if (k > 0 && !mask[q] && !outside[q]) {
      outside[q] = 1;
      queue[tail++] = q;
    }
    q = p + nij;
    if (k < nk - 1 && !mask[q] && !outside[q]) {
      outside[q] = 1;
      queue[tail++] = q;
    }
  }
  for (let p = 0; p < outside.length; p++) outside[p] = outside[p] ? 0 : 1;
  return outside;
}

/** Holes of each axial (k) slice that are not 4-connected to the slice border, filled. */
function fillSlices(dims: readonly [number, number, number], mask: Uint8Array): Uint8Array {
  const [ni, nj, nk] = dims;
  const out = Uint8Array.from(mask);
  const seen = new Uint8Array(ni * nj);
  const queue = new Int32Array(ni * nj);
  for (let k = 0; k < nk; k++) {
    const base = k * ni * nj;
    seen.fill(0);
    let head = 0;
    let tail = 0;
    const push = (q: number): void => {
      if (!seen[q] && !mask[base + q]) {
        seen[q] = 1;
        queue[tail++] = q;
      }
    };
    for (let i = 0; i < ni; i++) {
      push(i);
      push(i + (nj - 1) * ni);
    }
    for (let j = 0; j < nj; j++) {
      push(j * ni);
      push(ni - 1 + j * ni);
    }
    while (head < tail) {
      const q = queue[head++]!;
      const i = q % ni;
      if (i > 0) push(q - 1);
      if (i < ni - 1) push(q + 1);
      if (q >= ni) push(q - ni);
      if (q < ni * (nj - 1)) push(q + ni);
    }
    for (let q = 0; q < ni * nj; q++) if (!seen[q]) out[base + q] = 1;
  }
  return out;
}

export function outerSkullSurface(ct: Volume, options: SkullSurfaceOptions = {}): SkullSurfaceResult {
  const control = options.control;
  const what = `${ct.id}: outer skull surface`;
  const level = options.surfaceHu ?? 700;
  const boneLabel = segmentation.segmentSkull(ct, {}, control);
  const bone = boneLabel.scalars as Uint8Array;
  checkCancelled(control, what);
  const filled = fillSlices(ct.dimensions, fillHoles3d(ct.dimensions, bone));
  checkCancelled(control, what);
  // The field: CT values on the outermost layer of the filled skull and outside it (other bright
  // objects capped below the level); every voxel whose six neighbours are all in the filled skull
  // (diploë, inner table, cavity) raised well above the level, so only the outer table is a surface.
  const s = ct.scalars;
  const [ni, nj, nk] = ct.dimensions;
  const nij = ni * nj;
  const field = new Float32Array(s.length);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0, p = j * ni + k * nij; i < ni; i++, p++) {
        const v = s[p]!;
        if (!filled[p]) field[p] = Math.min(v, level - 1);
        else if (
          i > 0 &&
          i < ni - 1 &&
          j > 0 &&
          j < nj - 1 &&
          k > 0 &&
          k < nk - 1 &&
          filled[p - 1] &&
          filled[p + 1] &&
          filled[p - ni] &&
          filled[p + ni] &&
          filled[p - nij] &&
          filled[p + nij]
        )
          field[p] = INSIDE_HU;
        else field[p] = bone[p] ? v : INSIDE_HU;
      }
  const fieldVolume = createVolume({
    id: `${ct.id}:outer-skull-field`,
    modality: 'OT',
    dimensions: ct.dimensions,
    spacingMm: ct.spacingMm,
    originLps: ct.originLps,
    directionLps: ct.directionLps,
    scalars: field,
  });
  const raw = largestMeshPiece(
    extractIsosurface(fieldVolume, level, { closeAtBoundary: true, computeNormals: false, control }),
  );
  if (raw.indices.length === 0) throw new Error(`${what}: no surface at ${level} HU`);
  checkCancelled(control, what);
  const smoothed = smoothMesh(raw, { iterations: 5, preserveVolume: true, control });
  const targetVertices = meshAreaMm2(smoothed) / (options.mm2PerVertex ?? 1.5);
  const vertices = smoothed.positionsLps.length / 3;
  const decimated =
    vertices > 1.2 * targetVertices
      ? decimateMesh(smoothed, { targetReduction: 1 - targetVertices / vertices, control })
      : smoothed;
  const normalsLps = computeVertexNormals(decimated.positionsLps, decimated.indices);
  return {
    mesh: { positionsLps: decimated.positionsLps, normalsLps, indices: decimated.indices },
    bone,
    filled,
  };
}
