/**
 * Resampling a Volume onto another voxel grid, optionally through an affine transform (e.g. a
 * registration result). The source index of each target voxel is an affine function of the target
 * index, so one 4×4 is composed per call and each voxel costs three multiply-adds.
 */
import { mat4Multiply, type Mat4, type Vec3 } from './math.ts';
import { linearAtIndex, nearestAtIndex } from './sampling.ts';
import { createVolume, makeIjkToLps, type Volume, type VoxelArray } from './volume.ts';

export interface GridSpec {
  dimensions: [number, number, number];
  spacingMm: [number, number, number];
  originLps: Vec3;
  /** Row-major 3×3; column c is the unit direction of index axis c in LPS. */
  directionLps: ArrayLike<number>;
}

export interface ResampleOptions {
  /** 'linear' (trilinear, Float32 output) or 'nearest' (source array type; for label maps). Default 'linear'. */
  interpolation?: 'linear' | 'nearest';
  /** Value for target voxels that fall outside the source grid (default 0). */
  fill?: number;
  /** Row-major 4×4 affine taking a target LPS point to the source LPS point to sample. Default identity. */
  targetLpsToSourceLps?: Mat4;
  /** Id of the new volume (default `<source id>:resampled`). */
  id?: string;
}

/** Refuse target grids beyond this many voxels (a wrong argument, not a real request). */
const MAX_TARGET_VOXELS = 2 ** 30;

function checkGrid(grid: GridSpec): void {
  const { dimensions: d, spacingMm: s, originLps: o, directionLps: m } = grid;
  if (d.length !== 3 || !d.every((n) => Number.isInteger(n) && n >= 1))
    throw new Error(`resample: invalid target dimensions ${d.join('×')}`);
  if (d[0] * d[1] * d[2] > MAX_TARGET_VOXELS)
    throw new Error(`resample: target grid ${d.join('×')} is too large`);
  if (s.length !== 3 || !s.every((x) => x > 0 && Number.isFinite(x)))
    throw new Error(`resample: invalid target spacing ${s.join(', ')} mm`);
  if (o.length !== 3 || !o.every(Number.isFinite)) throw new Error('resample: invalid target origin');
  if (m.length !== 9) throw new Error('resample: target direction must be a 3×3 matrix');
  for (let c = 0; c < 3; c++) {
    const len = Math.hypot(m[c]!, m[3 + c]!, m[6 + c]!);
    if (!(Math.abs(len - 1) < 1e-6))
      throw new Error(`resample: target direction column ${c} is not a unit vector`);
  }
}

function checkAffine(t: Mat4): void {
  if (t.length !== 16 || !Array.prototype.every.call(t, Number.isFinite))
    throw new Error('resample: targetLpsToSourceLps must be 16 finite numbers');
  if (t[12] !== 0 || t[13] !== 0 || t[14] !== 0 || t[15] !== 1)
    throw new Error('resample: targetLpsToSourceLps must be affine (last row 0 0 0 1)');
}

/** An output array for nearest-neighbour resampling: the source's own type. */
function sameTypeArray(source: VoxelArray, length: number): VoxelArray {
  const Ctor = source.constructor as new (n: number) => VoxelArray;
  return new Ctor(length);
}

/** Resamples `v` onto `grid`; see ResampleOptions. */
export function resampleVolume(v: Volume, grid: GridSpec, options: ResampleOptions = {}): Volume {
  checkGrid(grid);
  const interpolation = options.interpolation ?? 'linear';
  const fill = options.fill ?? 0;
  const [ni, nj, nk] = grid.dimensions;
  const count = ni * nj * nk;
  const out = interpolation === 'linear' ? new Float32Array(count) : sameTypeArray(v.scalars, count);
  if (interpolation === 'nearest' && !(out instanceof Float32Array || out instanceof Float64Array)) {
    const probe = sameTypeArray(v.scalars, 1);
    probe[0] = fill;
    if (probe[0] !== fill)
      throw new Error(`resample: fill ${fill} cannot be stored in ${out.constructor.name} voxels`);
  }

  // Target index → (target LPS) → source LPS → source index, as one affine.
  let m = makeIjkToLps(grid.originLps, grid.directionLps, grid.spacingMm);
  if (options.targetLpsToSourceLps) {
    checkAffine(options.targetLpsToSourceLps);
    m = mat4Multiply(options.targetLpsToSourceLps, m);
  }
  m = mat4Multiply(v.lpsToIjk, m);

  const s = v.scalars;
  const [si, sj, sk] = v.dimensions;
  const sample = interpolation === 'linear' ? linearAtIndex : nearestAtIndex;
  const stepI = m[0]!;
  const stepJ = m[4]!;
  const stepK = m[8]!;
  let n = 0;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++) {
      // Source index of target voxel (0, j, k); each step along i adds column 0 of m.
      const bi = m[1]! * j + m[2]! * k + m[3]!;
      const bj = m[5]! * j + m[6]! * k + m[7]!;
      const bk = m[9]! * j + m[10]! * k + m[11]!;
      for (let i = 0; i < ni; i++, n++)
        out[n] = sample(s, si, sj, sk, bi + stepI * i, bj + stepJ * i, bk + stepK * i, fill);
    }

  return createVolume({
    id: options.id ?? `${v.id}:resampled`,
    modality: v.modality,
    dimensions: grid.dimensions,
    spacingMm: grid.spacingMm,
    originLps: grid.originLps,
    directionLps: Array.from(grid.directionLps),
    scalars: out,
    metadata: { ...v.metadata, source: 'derived' },
  });
}
