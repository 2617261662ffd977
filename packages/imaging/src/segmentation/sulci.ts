/**
 * Sulcal depth: for each cortical point (a voxel on the outer boundary of a brain-tissue mask whose sulci
 * are open, e.g. grey and white matter without the CSF), the distance in mm to the
 * "hull" surface, the brain closed by a large ball (which bridges the sulci the way the arachnoid does)
 * with its cavities filled. Gyral crowns are at ≈ 0 mm, fundi of sulci at their depth.
 */
import type { Volume } from '../volume.ts';
import { checkCancelled, type TaskControl } from '../task.ts';
import { squaredDistanceToFeature } from './edt.ts';
import { checkMask, derivedVolume } from './grid.ts';
import { boundaryVoxels, close, fillHoles } from './morphology.ts';

export interface SulcalDepthResult {
  /** Depth in mm at cortical boundary voxels, NaN elsewhere (Float32). */
  depth: Volume;
  /** The closed brain (hull) mask. */
  hull: Uint8Array;
  /** Cortical boundary voxels. */
  cortex: Uint8Array;
  maxDepthMm: number;
  meanDepthMm: number;
}

export function sulcalDepth(
  grid: Volume,
  brainMask: Uint8Array,
  options: { closingRadiusMm?: number } = {},
  control?: TaskControl,
): SulcalDepthResult {
  checkMask(grid, brainMask, 'sulcalDepth');
  const what = 'sulcal depth';
  const radius = options.closingRadiusMm ?? 10;
  const hull = fillHoles(grid, close(grid, brainMask, radius, control), control);
  checkCancelled(control, what);
  const outside = new Uint8Array(hull.length);
  for (let p = 0; p < hull.length; p++) outside[p] = hull[p] ? 0 : 1;
  const d2 = squaredDistanceToFeature(grid, outside, control, what);
  // Cavities (ventricles) are not cortex: only the boundary facing the outside counts.
  const cortex = boundaryVoxels(grid, fillHoles(grid, brainMask, control));
  // The hull wall lies half a voxel before the first outside voxel centre.
  const sp = grid.spacingMm;
  const halfVoxel = (sp[0] + sp[1] + sp[2]) / 6;
  const depth = new Float32Array(hull.length).fill(NaN);
  let max = 0;
  let sum = 0;
  let n = 0;
  for (let p = 0; p < depth.length; p++) {
    if (!cortex[p]) continue;
    const d = d2[p] === Infinity ? 0 : Math.max(0, Math.sqrt(d2[p]!) - halfVoxel);
    depth[p] = d;
    if (d > max) max = d;
    sum += d;
    n++;
  }
  control?.onProgress?.(1, what);
  return {
    depth: derivedVolume(grid, `${grid.id}:sulcal-depth`, depth, 'sulcal depth (mm)'),
    hull,
    cortex,
    maxDepthMm: max,
    meanDepthMm: n ? sum / n : 0,
  };
}
