/**
 * Acquisition geometry of the three phantom series. Every number that goes into a DICOM header is
 * quantised here first (IOP to 1e-8, spacings to 1e-6 mm, IPP to 1e-5 mm), and the rasteriser samples
 * the anatomy at exactly those quantised positions, so the files and the pixels agree to the last digit.
 *
 *  - ct:     axial, identity orientation, N×N over a 240 mm field, slices over 200 mm, stored in
 *            ascending S order (instance 1 most inferior). The reference frame.
 *  - mr-t1:  3D T1, axial-oblique (tilted 8–14° about L, 1.5–4° about P and S), square pixels of
 *            480/N mm (0.94 mm at N = 512), a non-square matrix (200 × 240 mm field), slices over 180 mm,
 *            ascending along the slice normal.
 *  - angio:  3D TOF-MRA, another oblique orientation, non-square pixels (0.5 × 0.6 mm at N = 512,
 *            PixelSpacing = [0.6, 0.5]), slices over 144 mm, stored DEscending along the normal
 *            (instance 1 most superior), as many scanners do.
 * Both MR series share the MR frame of reference (one MR session).
 */
import { cross, type Vec3 } from '../math.ts';
import { mat3Apply, rotationXyz } from './anatomy.ts';
import { signedUniform, streamFor, uniform } from './random.ts';

export type SeriesName = 'ct' | 'mr-t1' | 'angio';

export interface SeriesGrid {
  name: SeriesName;
  modality: 'CT' | 'MR';
  /** Which patient frame the positions are in: the CT frame or the MR frame (ctToMrLps maps CT → MR). */
  frame: 'ct' | 'mr';
  columns: number;
  rows: number;
  slices: number;
  /** ImageOrientationPatient first triplet: direction of increasing column index. */
  rowDirectionLps: Vec3;
  /** ImageOrientationPatient second triplet: direction of increasing row index. */
  columnDirectionLps: Vec3;
  /** rowDirection × columnDirection. */
  normalLps: Vec3;
  /** DICOM order: [between rows (along columnDirection), between columns (along rowDirection)]. */
  pixelSpacingMm: [number, number];
  sliceSpacingMm: number;
  /** ImagePositionPatient of each instance, index 0 = InstanceNumber 1. */
  positionsLps: Vec3[];
  /** Whether InstanceNumber grows along (+1) or against (−1) the slice normal. */
  instanceOrder: 1 | -1;
}

export const quantize = (x: number, decimals: number): number => {
  const r = Number(x.toFixed(decimals));
  return r === 0 ? 0 : r;
};
const qv = (v: Vec3, decimals: number): Vec3 => [
  quantize(v[0], decimals),
  quantize(v[1], decimals),
  quantize(v[2], decimals),
];

function makeGrid(init: {
  name: SeriesName;
  modality: 'CT' | 'MR';
  frame: 'ct' | 'mr';
  columns: number;
  rows: number;
  slices: number;
  rotation: ArrayLike<number>;
  pixelSpacingMm: [number, number];
  sliceSpacingMm: number;
  centerLps: Vec3;
  instanceOrder: 1 | -1;
}): SeriesGrid {
  const rowDir = qv([init.rotation[0]!, init.rotation[3]!, init.rotation[6]!], 8);
  const colDir = qv([init.rotation[1]!, init.rotation[4]!, init.rotation[7]!], 8);
  const normal = cross(rowDir, colDir);
  const [rowSp, colSp] = [quantize(init.pixelSpacingMm[0], 6), quantize(init.pixelSpacingMm[1], 6)];
  const sliceSp = quantize(init.sliceSpacingMm, 6);
  const half = [
    ((init.columns - 1) * colSp) / 2,
    ((init.rows - 1) * rowSp) / 2,
    ((init.slices - 1) * sliceSp) / 2,
  ];
  const origin: Vec3 = [0, 1, 2].map(
    (a) => init.centerLps[a]! - rowDir[a]! * half[0]! - colDir[a]! * half[1]! - normal[a]! * half[2]!,
  ) as Vec3;
  const positionsLps: Vec3[] = [];
  for (let n = 0; n < init.slices; n++) {
    const k = init.instanceOrder === 1 ? n : init.slices - 1 - n;
    positionsLps.push(
      qv(
        [
          origin[0] + normal[0] * sliceSp * k,
          origin[1] + normal[1] * sliceSp * k,
          origin[2] + normal[2] * sliceSp * k,
        ],
        5,
      ),
    );
  }
  return {
    name: init.name,
    modality: init.modality,
    frame: init.frame,
    columns: init.columns,
    rows: init.rows,
    slices: init.slices,
    rowDirectionLps: rowDir,
    columnDirectionLps: colDir,
    normalLps: normal,
    pixelSpacingMm: [rowSp, colSp],
    sliceSpacingMm: sliceSp,
    positionsLps,
    instanceOrder: init.instanceOrder,
  };
}

/**
 * The three grids for matrix size N and S CT slices. `brainCenterMrLps` centres the MR fields on the
 * anatomy as a technologist would.
 */
export function buildSeriesGrids(
  seed: number,
  size: number,
  slices: number,
  headCenterLps: Vec3,
  brainCenterMrLps: Vec3,
): SeriesGrid[] {
  const rng = streamFor(seed, 'series');
  const ct = makeGrid({
    name: 'ct',
    modality: 'CT',
    frame: 'ct',
    columns: size,
    rows: size,
    slices,
    rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    pixelSpacingMm: [240 / size, 240 / size],
    sliceSpacingMm: 200 / slices,
    // In-plane the reconstruction is centred on the scanner axis; along z the range starts well below the head.
    centerLps: [0, 0, Math.round(headCenterLps[2] - 95) + ((slices - 1) * quantize(200 / slices, 6)) / 2],
    instanceOrder: 1,
  });
  const jitter = (): Vec3 => [uniform(rng, -4, 4), uniform(rng, -4, 4), uniform(rng, -4, 4)];
  const t1Rotation = rotationXyz(
    signedUniform(rng, 8, 14),
    signedUniform(rng, 1.5, 3),
    signedUniform(rng, 2, 4),
  );
  const t1Center = jitter();
  const t1 = makeGrid({
    name: 'mr-t1',
    modality: 'MR',
    frame: 'mr',
    columns: Math.max(8, Math.round((size * 200) / 480)),
    rows: Math.max(8, Math.round((size * 240) / 480)),
    slices: Math.max(4, Math.round(slices * 0.45)),
    rotation: t1Rotation,
    pixelSpacingMm: [480 / size, 480 / size],
    sliceSpacingMm: 180 / Math.max(4, Math.round(slices * 0.45)),
    centerLps: [
      brainCenterMrLps[0] + t1Center[0],
      brainCenterMrLps[1] + t1Center[1],
      brainCenterMrLps[2] + t1Center[2],
    ],
    instanceOrder: 1,
  });
  const angioRotation = rotationXyz(
    signedUniform(rng, 5, 12),
    signedUniform(rng, 1.5, 4),
    signedUniform(rng, 2, 4),
  );
  const angioShift = mat3Apply(angioRotation, [
    uniform(rng, -3, 3),
    uniform(rng, -3, 3),
    uniform(rng, -2, 2),
  ]);
  const angioSlices = Math.max(4, Math.round(slices * 0.6));
  const angio = makeGrid({
    name: 'angio',
    modality: 'MR',
    frame: 'mr',
    columns: Math.max(8, Math.round(size * 0.75)),
    rows: Math.max(8, Math.round(size * 0.6875)),
    slices: angioSlices,
    rotation: angioRotation,
    pixelSpacingMm: [307.2 / size, 256 / size],
    sliceSpacingMm: 144 / angioSlices,
    centerLps: [
      brainCenterMrLps[0] + angioShift[0],
      brainCenterMrLps[1] + angioShift[1],
      brainCenterMrLps[2] + angioShift[2],
    ],
    instanceOrder: -1,
  });
  return [ct, t1, angio];
}
