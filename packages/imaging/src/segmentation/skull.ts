/** Skull from CT: bone threshold in HU, then the largest 26-connected component (drops table, noise). */
import type { Volume } from '../volume.ts';
import type { TaskControl } from '../task.ts';
import { largestComponent } from './components.ts';
import { countMask } from './grid.ts';
import { labelMapFromMask, type LabelMap } from './labelMap.ts';
import { close } from './morphology.ts';
import { thresholdRange } from './threshold.ts';

export interface SkullOptions {
  /** Bone threshold (default 250 HU: above soft tissue and blood, below diploë). */
  boneHu?: number;
  /** Optional closing radius (mm) to bridge thin gaps; 0 (default) keeps the threshold exact. */
  closingMm?: number;
}

export function segmentSkull(ct: Volume, options: SkullOptions = {}, control?: TaskControl): LabelMap {
  if (ct.modality !== 'CT' && ct.metadata.valueUnit !== 'HU')
    throw new Error(`${ct.id}: skull segmentation needs a CT in HU, got modality ${ct.modality}`);
  const boneHu = options.boneHu ?? 250;
  let mask = thresholdRange(ct.scalars, boneHu);
  control?.onProgress?.(0.2, 'skull threshold');
  if ((options.closingMm ?? 0) > 0) mask = close(ct, mask, options.closingMm!, control);
  mask = largestComponent(ct, mask, 26, control);
  if (countMask(mask) === 0) throw new Error(`${ct.id}: no voxel reaches the bone threshold ${boneHu} HU`);
  control?.onProgress?.(1, 'skull');
  return labelMapFromMask(ct, mask, { value: 1, name: 'skull', color: [240, 230, 200] });
}
