/**
 * Label maps as first-class volumes: a Volume whose integer scalars (Uint8 or Uint16) name structures,
 * with a table saying what each label means. Editing (brush/erase in LPS mm) works in place and returns
 * the voxel box it touched, so a surface can be rebuilt for just that region.
 */
import { createVolume, type Volume } from '../volume.ts';
import { transformPoint, type Vec3 } from '../math.ts';
import type { Grid } from './grid.ts';

export interface LabelDefinition {
  /** 1..65535 (0 is always "unlabelled"). */
  value: number;
  /** e.g. 'skull', 'brain', 'vessel'. */
  name: string;
  /** Display colour, RGB 0..255. */
  color?: [number, number, number];
}

export interface LabelMap extends Volume {
  readonly scalars: Uint8Array | Uint16Array;
  readonly labels: readonly LabelDefinition[];
}

/** Inclusive voxel index box [i0, i1] × [j0, j1] × [k0, k1]; `empty` when nothing was touched. */
export interface VoxelBox {
  min: [number, number, number];
  max: [number, number, number];
  empty: boolean;
}

function checkLabels(labels: readonly LabelDefinition[], maxValue: number): void {
  const seen = new Set<number>();
  for (const l of labels) {
    if (!Number.isInteger(l.value) || l.value < 1 || l.value > maxValue)
      throw new Error(
        `label map: label "${l.name}" has value ${l.value}, expected an integer 1..${maxValue}`,
      );
    if (seen.has(l.value)) throw new Error(`label map: value ${l.value} is defined twice`);
    seen.add(l.value);
  }
}

/** An empty (all 0) label map on the grid and geometry of `reference`. */
export function createLabelMap(
  reference: Volume,
  labels: readonly LabelDefinition[],
  options: { id?: string; bits?: 8 | 16 } = {},
): LabelMap {
  const maxValue = Math.max(0, ...labels.map((l) => l.value));
  const bits = options.bits ?? (maxValue > 255 ? 16 : 8);
  if (bits !== 8 && bits !== 16) throw new Error(`label map: bits must be 8 or 16, got ${String(bits)}`);
  checkLabels(labels, bits === 8 ? 255 : 65535);
  const [ni, nj, nk] = reference.dimensions;
  const scalars = bits === 8 ? new Uint8Array(ni * nj * nk) : new Uint16Array(ni * nj * nk);
  const v = createVolume({
    id: options.id ?? `${reference.id}:labels`,
    modality: 'SEG',
    dimensions: reference.dimensions,
    spacingMm: reference.spacingMm,
    originLps: reference.originLps,
    directionLps: reference.directionLps,
    scalars,
    metadata: {
      source: 'derived',
      frameOfReferenceUid: reference.metadata.frameOfReferenceUid,
      studyInstanceUid: reference.metadata.studyInstanceUid,
      seriesDescription: `labels: ${labels.map((l) => `${l.value}=${l.name}`).join(', ')}`,
      valueUnit: '',
    },
  });
  return { ...v, scalars, labels: labels.map((l) => ({ ...l })) };
}

/** A label map where `mask` voxels carry `label.value` (one structure). */
export function labelMapFromMask(reference: Volume, mask: Uint8Array, label: LabelDefinition): LabelMap {
  const map = createLabelMap(reference, [label]);
  setMaskLabel(map, mask, label.value);
  return map;
}

/** Writes `value` into every voxel where `mask` is set (0 erases); other voxels are kept. */
export function setMaskLabel(map: LabelMap, mask: Uint8Array, value: number): void {
  if (mask.length !== map.scalars.length)
    throw new Error(`label map ${map.id}: mask holds ${mask.length} voxels, expected ${map.scalars.length}`);
  checkValue(map, value);
  const s = map.scalars;
  for (let p = 0; p < s.length; p++) if (mask[p]) s[p] = value;
}

/** 1 where the label map holds `value`. */
export function maskOfLabel(map: LabelMap, value: number): Uint8Array {
  const out = new Uint8Array(map.scalars.length);
  const s = map.scalars;
  for (let p = 0; p < s.length; p++) out[p] = s[p] === value ? 1 : 0;
  return out;
}

function checkValue(map: LabelMap, value: number): void {
  const max = map.scalars instanceof Uint8Array ? 255 : 65535;
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new Error(`label map ${map.id}: label value ${value} is not an integer 0..${max}`);
}

function voxelIndex(map: Grid, ijk: readonly [number, number, number]): number {
  const [ni, nj, nk] = map.dimensions;
  const [i, j, k] = ijk;
  if (
    !Number.isInteger(i) ||
    !Number.isInteger(j) ||
    !Number.isInteger(k) ||
    i < 0 ||
    j < 0 ||
    k < 0 ||
    i >= ni ||
    j >= nj ||
    k >= nk
  )
    throw new Error(`label map: voxel (${ijk.join(', ')}) is outside ${ni}×${nj}×${nk}`);
  return i + ni * (j + nj * k);
}

export function getLabel(map: LabelMap, ijk: readonly [number, number, number]): number {
  return map.scalars[voxelIndex(map, ijk)]!;
}

export function setLabel(map: LabelMap, ijk: readonly [number, number, number], value: number): void {
  checkValue(map, value);
  map.scalars[voxelIndex(map, ijk)] = value;
}

/** Label of the voxel nearest to an LPS point, or 0 outside the grid. */
export function labelAtLps(map: LabelMap, pointLps: Vec3): number {
  const [i, j, k] = transformPoint(map.lpsToIjk, pointLps).map(Math.round) as Vec3;
  const [ni, nj, nk] = map.dimensions;
  if (i < 0 || j < 0 || k < 0 || i >= ni || j >= nj || k >= nk) return 0;
  return map.scalars[i + ni * (j + nj * k)]!;
}

export interface BrushOptions {
  /** Only voxels currently holding one of these values change (e.g. erase only "vessel"). */
  onlyOver?: number[];
}

/**
 * Sets every voxel whose centre lies within `radiusMm` of `centerLps` (a ball in patient space, exact
 * for oblique and anisotropic grids) to `value`. Returns the box of voxels that changed.
 */
export function paintSphere(
  map: LabelMap,
  centerLps: Vec3,
  radiusMm: number,
  value: number,
  options: BrushOptions = {},
): VoxelBox {
  checkValue(map, value);
  if (!(radiusMm >= 0) || !Number.isFinite(radiusMm))
    throw new Error(`label map ${map.id}: brush radius must be a finite number of mm ≥ 0, got ${radiusMm}`);
  if (!centerLps.every(Number.isFinite))
    throw new Error(`label map ${map.id}: brush centre is not a finite point`);
  const [ni, nj, nk] = map.dimensions;
  const c = transformPoint(map.lpsToIjk, centerLps);
  const sp = map.spacingMm;
  const lo = [0, 1, 2].map((a) => Math.max(0, Math.ceil(c[a]! - radiusMm / sp[a]!)));
  const hi = [0, 1, 2].map((a) => Math.min(map.dimensions[a]! - 1, Math.floor(c[a]! + radiusMm / sp[a]!)));
  const only = options.onlyOver ? new Set(options.onlyOver) : undefined;
  const box: VoxelBox = { min: [ni, nj, nk], max: [-1, -1, -1], empty: true };
  const r2 = radiusMm * radiusMm * (1 + 1e-12);
  const s = map.scalars;
  // Index axes are orthonormal in LPS, so the LPS distance is the spacing-weighted index distance.
  for (let k = lo[2]!; k <= hi[2]!; k++) {
    const dz = (k - c[2]) * sp[2];
    for (let j = lo[1]!; j <= hi[1]!; j++) {
      const dy = (j - c[1]) * sp[1];
      for (let i = lo[0]!; i <= hi[0]!; i++) {
        const dx = (i - c[0]) * sp[0];
        if (dx * dx + dy * dy + dz * dz > r2) continue;
        const p = i + ni * (j + nj * k);
        const old = s[p]!;
        if (old === value || (only && !only.has(old))) continue;
        s[p] = value;
        box.empty = false;
        const ijk = [i, j, k];
        for (let a = 0; a < 3; a++) {
          if (ijk[a]! < box.min[a]!) box.min[a] = ijk[a]!;
          if (ijk[a]! > box.max[a]!) box.max[a] = ijk[a]!;
        }
      }
    }
  }
  return box;
}

/** paintSphere with 0 (by default erasing any label; `onlyOver` limits it to some labels). */
export function eraseSphere(
  map: LabelMap,
  centerLps: Vec3,
  radiusMm: number,
  options: BrushOptions = {},
): VoxelBox {
  return paintSphere(map, centerLps, radiusMm, 0, options);
}

/** Voxel counts per label value present in the map. */
export function labelCounts(map: LabelMap): Map<number, number> {
  const out = new Map<number, number>();
  const s = map.scalars;
  for (let p = 0; p < s.length; p++) {
    const v = s[p]!;
    if (v) out.set(v, (out.get(v) ?? 0) + 1);
  }
  return out;
}
