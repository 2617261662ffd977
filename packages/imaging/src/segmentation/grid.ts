/**
 * The voxel grid a segmentation step works on: dimensions and spacing (mm), i fastest. Masks are
 * Uint8Array with 1 = inside. Shared helpers for the segmentation modules.
 */
import { createVolume, type Volume, type VoxelArray } from '../volume.ts';

export interface Grid {
  readonly dimensions: readonly [number, number, number];
  readonly spacingMm: readonly [number, number, number];
}

export type Connectivity = 6 | 26;

/** Flat-index offsets and (di, dj, dk) of the 6- or 26-neighbourhood. */
export function neighbourOffsets(conn: Connectivity): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let dk = -1; dk <= 1; dk++)
    for (let dj = -1; dj <= 1; dj++)
      for (let di = -1; di <= 1; di++) {
        const n = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
        if (n === 0 || (conn === 6 && n !== 1)) continue;
        out.push([di, dj, dk]);
      }
  return out;
}

export function checkMask(grid: Grid, mask: Uint8Array, what: string): void {
  const [ni, nj, nk] = grid.dimensions;
  if (mask.length !== ni * nj * nk)
    throw new Error(`${what}: mask holds ${mask.length} voxels, expected ${ni}×${nj}×${nk}`);
}

export function countMask(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  return n;
}

/** A derived volume on the same grid and geometry as `like`. */
export function derivedVolume(like: Volume, id: string, scalars: VoxelArray, description: string): Volume {
  return createVolume({
    id,
    modality: like.modality,
    dimensions: like.dimensions,
    spacingMm: like.spacingMm,
    originLps: like.originLps,
    directionLps: like.directionLps,
    scalars,
    metadata: {
      source: 'derived',
      frameOfReferenceUid: like.metadata.frameOfReferenceUid,
      studyInstanceUid: like.metadata.studyInstanceUid,
      seriesDescription: description,
      valueUnit: '',
    },
  });
}

/** Voxel values as float64 for thresholding and statistics (the volume's array is not modified). */
export function toFloat(values: VoxelArray): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}
