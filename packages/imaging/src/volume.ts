/**
 * The one volume type every NeuroPlan package uses.
 *
 * Geometry follows DICOM: a voxel index (i, j, k) maps to a patient point in LPS millimetres as
 *   lps = originLps + direction · diag(spacingMm) · [i, j, k]
 * where the columns of `direction` are unit vectors of the i, j and k axes in LPS.
 * Voxel (i, j, k) lives at scalars[i + j·dims[0] + k·dims[0]·dims[1]] (i fastest, like DICOM rows).
 */
import { mat4Invert, transformPoint, type Mat3, type Mat4, type Vec3 } from './math.ts';

export type VoxelArray =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export type Modality = string; // DICOM Modality code (CT, MR, RTDOSE, ...) or 'MR'/'OT' for NIfTI.

export interface VolumeMetadata {
  /** Where the voxels came from: 'dicom' or 'nifti'. */
  source: 'dicom' | 'nifti' | 'derived';
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  frameOfReferenceUid?: string;
  seriesDescription?: string;
  seriesNumber?: number;
  patientId?: string;
  patientName?: string;
  studyDate?: string;
  /** Unit of the voxel values after rescaling, e.g. 'HU', 'Gy', or '' when unknown. */
  valueUnit?: string;
  /**
   * MONOCHROME1 data: values are kept as the modality LUT defines them, and a viewer must
   * invert the grey scale (minimum shows white).
   */
  displayInverted?: boolean;
  windowCenter?: number;
  windowWidth?: number;
  /** How many files the voxels came from. */
  sourceFileCount?: number;
  /** Frames per position for 4D data (NIfTI t, multi-frame cine) when only one was loaded. */
  timePoints?: number;
}

export interface Volume {
  /** Stable id within one load: a readable key (e.g. series UID plus part). */
  readonly id: string;
  readonly modality: Modality;
  /** Voxel counts along i, j, k. */
  readonly dimensions: readonly [number, number, number];
  readonly spacingMm: readonly [number, number, number];
  /** Position of voxel (0,0,0) in LPS mm. */
  readonly originLps: Vec3;
  /** Row-major 3×3; column c is the unit direction of index axis c in LPS. */
  readonly directionLps: Mat3;
  /** Row-major 4×4 from continuous voxel index to LPS mm. */
  readonly ijkToLps: Mat4;
  /** Inverse of ijkToLps. */
  readonly lpsToIjk: Mat4;
  /** Voxel values after rescale (modality LUT); the array is owned by the volume. */
  readonly scalars: VoxelArray;
  readonly metadata: VolumeMetadata;
  /** Plain-language notes about the loaded data (gaps, tilt correction, split series...). */
  readonly warnings: string[];
}

export interface VolumeInit {
  id: string;
  modality: Modality;
  dimensions: readonly [number, number, number];
  spacingMm: readonly [number, number, number];
  originLps: Vec3;
  directionLps: Mat3 | readonly number[];
  scalars: VoxelArray;
  metadata?: VolumeMetadata;
  warnings?: string[];
}

/** ijk → LPS as a 4×4 row-major matrix. */
export function makeIjkToLps(
  originLps: Vec3,
  directionLps: ArrayLike<number>,
  spacingMm: readonly [number, number, number],
): Mat4 {
  const m = new Float64Array(16);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) m[r * 4 + c] = directionLps[r * 3 + c]! * spacingMm[c]!;
    m[r * 4 + 3] = originLps[r]!;
  }
  m[15] = 1;
  return m;
}

/** Builds a Volume and checks that its parts agree; throws a plain-language error otherwise. */
export function createVolume(init: VolumeInit): Volume {
  const [ni, nj, nk] = init.dimensions;
  for (const n of init.dimensions)
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`invalid volume dimensions ${init.dimensions.join('×')}`);
  for (const s of init.spacingMm)
    if (!(s > 0) || !Number.isFinite(s))
      throw new Error(`invalid voxel spacing ${init.spacingMm.join(', ')} mm`);
  if (init.scalars.length !== ni * nj * nk)
    throw new Error(`voxel array holds ${init.scalars.length} values, expected ${ni}×${nj}×${nk}`);
  if (init.directionLps.length !== 9) throw new Error('direction must be a 3×3 matrix');
  const directionLps = Float64Array.from(init.directionLps);
  const ijkToLps = makeIjkToLps(init.originLps, directionLps, init.spacingMm);
  return {
    id: init.id,
    modality: init.modality,
    dimensions: [ni, nj, nk],
    spacingMm: [init.spacingMm[0], init.spacingMm[1], init.spacingMm[2]],
    originLps: [init.originLps[0], init.originLps[1], init.originLps[2]],
    directionLps,
    ijkToLps,
    lpsToIjk: mat4Invert(ijkToLps),
    scalars: init.scalars,
    metadata: init.metadata ?? { source: 'derived' },
    warnings: init.warnings ?? [],
  };
}

export const ijkToLpsPoint = (v: Volume, ijk: Vec3): Vec3 => transformPoint(v.ijkToLps, ijk);
export const lpsToIjkPoint = (v: Volume, lps: Vec3): Vec3 => transformPoint(v.lpsToIjk, lps);

export interface VolumeStats {
  min: number;
  max: number;
  mean: number;
}

/** Min, max and mean of all voxels (mean accumulated in float64). */
export function volumeStats(v: Pick<Volume, 'scalars'>): VolumeStats {
  const s = v.scalars;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const x = s[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  return { min, max, mean: s.length ? sum / s.length : NaN };
}
