/**
 * Segmentation's view of the exact distance transform in `src/distance/edt.ts` (morphology with balls
 * in mm, vessel radii, sulcal depth): squared distances from a 0/1 feature mask on a grid.
 */
import { squaredEdt } from '../distance/edt.ts';
import type { TaskControl } from '../task.ts';
import type { Grid } from './grid.ts';

/**
 * Squared distance (mm²) from every voxel centre to the nearest voxel centre where `feature` is 1;
 * Infinity when there is none. Voxels outside the grid are not features.
 */
export function squaredDistanceToFeature(
  grid: Grid,
  feature: Uint8Array,
  control?: TaskControl,
  what = 'distance transform',
): Float64Array {
  const [ni, nj, nk] = grid.dimensions;
  const out = new Float64Array(ni * nj * nk);
  squaredEdt({ mask: feature, siteValue: 1, dimensions: grid.dimensions, spacingMm: grid.spacingMm }, out, {
    control,
    start: 0,
    span: 1,
    what,
  });
  return out;
}
