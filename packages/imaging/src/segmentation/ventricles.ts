/**
 * Lateral ventricles from a T1 and its brain mask: CSF-dark voxels (below the lower of the three-class
 * Otsu thresholds inside the brain: CSF | grey | white) deep in the brain (farther than `marginMm` from
 * its surface), opened by a ball so thin dark tubes (vessels) and partial-volume rims go, keeping the
 * largest components.
 */
import type { Volume } from '../volume.ts';
import { checkCancelled, type TaskControl } from '../task.ts';
import { keepComponents } from './components.ts';
import { checkMask, countMask } from './grid.ts';
import { labelMapFromMask, type LabelMap } from './labelMap.ts';
import { erode, open } from './morphology.ts';
import { otsuThresholds } from './threshold.ts';

export interface VentricleOptions {
  /** Distance from the brain surface (mm) inside which CSF is not ventricular (default 10). */
  marginMm?: number;
  /** Opening radius (mm) (default 2.5). */
  openMm?: number;
  /** Components kept, largest first (default 2: left and right). */
  maxComponents?: number;
  /** Smallest kept component (mm³, default 200). */
  minVolumeMm3?: number;
}

export interface VentricleSegmentation {
  /** Label 1 = ventricle. */
  labelMap: LabelMap;
  /** The CSF | grey matter threshold used. */
  csfThreshold: number;
}

export function segmentVentricles(
  t1: Volume,
  brainMask: Uint8Array,
  options: VentricleOptions = {},
  control?: TaskControl,
): VentricleSegmentation {
  checkMask(t1, brainMask, 'segmentVentricles');
  if (countMask(brainMask) === 0) throw new Error(`${t1.id}: the brain mask is empty`);
  const what = 'ventricles';
  const [csfThreshold] = otsuThresholds(t1.scalars, 3, { mask: brainMask });
  checkCancelled(control, what);
  const deep = erode(t1, brainMask, options.marginMm ?? 10, control);
  const dark = new Uint8Array(deep.length);
  const s = t1.scalars;
  for (let p = 0; p < dark.length; p++) dark[p] = deep[p] && s[p]! < csfThreshold! ? 1 : 0;
  control?.onProgress?.(0.4, what);
  const opened = open(t1, dark, options.openMm ?? 2.5, control);
  const voxelMm3 = t1.spacingMm[0] * t1.spacingMm[1] * t1.spacingMm[2];
  const kept = keepComponents(
    t1,
    opened,
    {
      connectivity: 6,
      maxCount: options.maxComponents ?? 2,
      minVoxels: Math.ceil((options.minVolumeMm3 ?? 200) / voxelMm3),
    },
    control,
  );
  control?.onProgress?.(1, what);
  return {
    labelMap: labelMapFromMask(t1, kept, { value: 1, name: 'ventricle', color: [80, 140, 255] }),
    csfThreshold: csfThreshold!,
  };
}
