/**
 * The editable vessel mask: derived from the planning scene's vessel distance channel (≤ 0 mm: inside a
 * vessel, including the scene's conservative allowance) on the maps' own grid, edited with a spherical
 * brush, and drawn over any view plane by nearest-neighbour sampling.
 */
import type { Vec3 } from '@neuroplan/imaging';
import { MAP_CHANNEL_COUNT, channelIndex, type PlanningScene } from '@neuroplan/planning';
import type { EditableMask, MaskEdit } from '../store/types.ts';

/** The mask of voxels whose vessel channel is ≤ 0 mm. */
export function maskFromScene(scene: PlanningScene): EditableMask {
  const { dimensions, spacingMm, originLps, values } = scene.maps;
  const n = dimensions[0] * dimensions[1] * dimensions[2];
  const c = channelIndex('vessel');
  const mask = new Uint8Array(n);
  for (let v = 0; v < n; v++) mask[v] = values[v * MAP_CHANNEL_COUNT + c]! <= 0 ? 1 : 0;
  return { dimensions, spacingMm, originLps, values: mask, revision: 0, edited: false, scene };
}

/** The mask's value at the voxel nearest `p`, or 0 outside its grid. */
export function maskAt(mask: EditableMask, p: Vec3): number {
  const [ni, nj, nk] = mask.dimensions;
  const i = Math.round((p[0] - mask.originLps[0]) / mask.spacingMm);
  const j = Math.round((p[1] - mask.originLps[1]) / mask.spacingMm);
  const k = Math.round((p[2] - mask.originLps[2]) / mask.spacingMm);
  if (i < 0 || j < 0 || k < 0 || i >= ni || j >= nj || k >= nk) return 0;
  return mask.values[i + ni * (j + nj * k)]!;
}

/**
 * Sets every voxel whose centre lies within `radiusMm` of `centerLps` to `value` (in place); returns how
 * many voxels changed. The caller publishes a new mask object (bumped revision) so views redraw.
 */
export function paintSphere(mask: EditableMask, centerLps: Vec3, radiusMm: number, value: 0 | 1): number {
  const [ni, nj, nk] = mask.dimensions;
  const s = mask.spacingMm;
  const lo = (axis: number) =>
    Math.max(0, Math.ceil((centerLps[axis]! - radiusMm - mask.originLps[axis]!) / s));
  const hi = (axis: number, n: number) =>
    Math.min(n - 1, Math.floor((centerLps[axis]! + radiusMm - mask.originLps[axis]!) / s));
  const r2 = radiusMm * radiusMm;
  let changed = 0;
  for (let k = lo(2); k <= hi(2, nk); k++) {
    const dz = mask.originLps[2] + k * s - centerLps[2];
    for (let j = lo(1); j <= hi(1, nj); j++) {
      const dy = mask.originLps[1] + j * s - centerLps[1];
      for (let i = lo(0); i <= hi(0, ni); i++) {
        const dx = mask.originLps[0] + i * s - centerLps[0];
        if (dx * dx + dy * dy + dz * dz > r2) continue;
        const idx = i + ni * (j + nj * k);
        if (mask.values[idx] !== value) {
          recordChange(mask.values, idx, mask.values[idx]!);
          mask.values[idx] = value;
          changed++;
        }
      }
    }
  }
  return changed;
}

/** The stroke under way: each voxel it changed with its value before the stroke (first change kept). */
let stroke: { values: Uint8Array; before: Map<number, number> } | null = null;

function recordChange(values: Uint8Array, index: number, before: number): void {
  if (stroke?.values !== values) stroke = { values, before: new Map() };
  if (!stroke.before.has(index)) stroke.before.set(index, before);
}

/**
 * Ends the stroke under way on `values` (the mask's voxels): its net change as a compact diff (indices
 * ascending, with the values before), or null when it changed nothing. A stroke on another mask is dropped.
 */
export function takeStroke(values: Uint8Array): MaskEdit | null {
  const open = stroke;
  stroke = null;
  if (open?.values !== values) return null;
  const changed = [...open.before].filter(([i, b]) => values[i] !== b).sort((a, b) => a[0] - b[0]);
  if (changed.length === 0) return null;
  return {
    indices: Uint32Array.from(changed, ([i]) => i),
    before: Uint8Array.from(changed, ([, b]) => b),
  };
}

/**
 * Applies an edit to a mask's voxels in place: 'undo' restores the values before it, 'redo' the values
 * after it (a binary mask: each changed voxel flipped). Returns false, changing nothing, when the edit
 * does not fit the mask (another grid).
 */
export function applyEdit(values: Uint8Array, edit: MaskEdit, direction: 'undo' | 'redo'): boolean {
  const n = edit.indices.length;
  if (n > 0 && edit.indices[n - 1]! >= values.length) return false;
  for (let e = 0; e < n; e++) {
    const b = edit.before[e]!;
    values[edit.indices[e]!] = direction === 'undo' ? b : b ? 0 : 1;
  }
  return true;
}

/**
 * An RGBA image of the mask on a view plane: pixel (x, y) of a w×h image shows the voxel nearest
 * origin + (x + ½)·dx + (y + ½)·dy (LPS, where dx and dy are one pixel's step). Vessel voxels are red.
 */
export function maskImage(
  mask: EditableMask,
  originLps: Vec3,
  dxLps: Vec3,
  dyLps: Vec3,
  w: number,
  h: number,
  rgba: [number, number, number, number] = [235, 60, 60, 110],
): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(w * h * 4);
  const [ni, nj, nk] = mask.dimensions;
  const inv = 1 / mask.spacingMm;
  // Continuous voxel index of the plane origin and of one pixel step (the maps' axes are L, P, S).
  const oi = (originLps[0] + 0.5 * (dxLps[0] + dyLps[0]) - mask.originLps[0]) * inv;
  const oj = (originLps[1] + 0.5 * (dxLps[1] + dyLps[1]) - mask.originLps[1]) * inv;
  const ok = (originLps[2] + 0.5 * (dxLps[2] + dyLps[2]) - mask.originLps[2]) * inv;
  const [xi, xj, xk] = [dxLps[0] * inv, dxLps[1] * inv, dxLps[2] * inv];
  const [yi, yj, yk] = [dyLps[0] * inv, dyLps[1] * inv, dyLps[2] * inv];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = Math.round(oi + x * xi + y * yi);
      const j = Math.round(oj + x * xj + y * yj);
      const k = Math.round(ok + x * xk + y * yk);
      if (i < 0 || j < 0 || k < 0 || i >= ni || j >= nj || k >= nk) continue;
      if (!mask.values[i + ni * (j + nj * k)]) continue;
      const o = (x + y * w) * 4;
      out[o] = rgba[0];
      out[o + 1] = rgba[1];
      out[o + 2] = rgba[2];
      out[o + 3] = rgba[3];
    }
  return out;
}
