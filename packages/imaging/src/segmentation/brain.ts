/**
 * Brain mask from a T1-weighted MR, in the spirit of threshold-and-morphology skull stripping:
 *  1. Otsu's threshold t over the non-zero voxels separates head from air; brain tissue (grey and white
 *     matter) lies above `lowerFraction`·t while CSF and cortical bone fall below it;
 *  2. an erosion by `erodeMm` cuts the thin bridges between brain and scalp/diploë, the largest
 *     remaining component is the brain core;
 *  3. the core is dilated back by the same ball within the tissue mask, closed by `closeMm` (sulci,
 *     vessels) and its holes (ventricles) are filled.
 */
import type { Volume } from '../volume.ts';
import { checkCancelled, type TaskControl } from '../task.ts';
import { largestComponent } from './components.ts';
import { countMask } from './grid.ts';
import { labelMapFromMask, type LabelMap } from './labelMap.ts';
import { close, dilate, erode, fillHoles } from './morphology.ts';
import { otsuThresholds, thresholdRange } from './threshold.ts';

export interface BrainOptions {
  /** Tissue threshold as a fraction of the head/air Otsu threshold (default 0.55). */
  lowerFraction?: number;
  /** Erosion radius (mm) that separates brain from scalp (default 5). */
  erodeMm?: number;
  /** Closing radius (mm) after regrowing (default 8). */
  closeMm?: number;
}

export interface BrainSegmentation {
  /** Label 1 = brain (grey and white matter, ventricles and deep nuclei included). */
  labelMap: LabelMap;
  /** Head/air Otsu threshold and the tissue threshold used. */
  thresholds: { otsu: number; tissue: number };
}

/** Default brain-tissue threshold as a fraction of the head/air Otsu threshold. */
export const TISSUE_FRACTION = 0.55;

export function segmentBrainT1(
  t1: Volume,
  options: BrainOptions = {},
  control?: TaskControl,
): BrainSegmentation {
  const what = 'brain mask';
  const lowerFraction = options.lowerFraction ?? TISSUE_FRACTION;
  const erodeMm = options.erodeMm ?? 5;
  const closeMm = options.closeMm ?? 8;
  const step = (f: number): void => {
    checkCancelled(control, what);
    control?.onProgress?.(f, what);
  };
  step(0);
  const [otsu] = otsuThresholds(t1.scalars, 2, { minValue: Number.MIN_VALUE });
  const tissue = lowerFraction * otsu!;
  const tissueMask = thresholdRange(t1.scalars, tissue);
  step(0.1);
  const core = largestComponent(t1, erode(t1, tissueMask, erodeMm, control), 6, control);
  if (countMask(core) === 0)
    throw new Error(
      `${t1.id}: nothing is left of the head after a ${erodeMm} mm erosion; is this a T1 head scan?`,
    );
  step(0.4);
  const regrown = dilate(t1, core, erodeMm, control);
  for (let p = 0; p < regrown.length; p++) if (!tissueMask[p]) regrown[p] = 0;
  step(0.6);
  const closed = closeMm > 0 ? close(t1, regrown, closeMm, control) : regrown;
  step(0.9);
  const filled = fillHoles(t1, closed, control);
  step(1);
  return {
    labelMap: labelMapFromMask(t1, filled, { value: 1, name: 'brain', color: [250, 200, 180] }),
    thresholds: { otsu: otsu!, tissue },
  };
}
