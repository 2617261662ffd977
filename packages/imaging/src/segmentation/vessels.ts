/**
 * Vessels from a bright-blood angiogram (TOF-MRA or CTA): Frangi vesselness finds tubes, hysteresis on
 * the vesselness keeps the connected tree, and the lumen wall is placed at half height between the
 * vessel core intensity and the surrounding tissue (the 50 % partial-volume level). Centrelines with
 * radii come from the final mask.
 */
import type { Volume } from '../volume.ts';
import { checkCancelled, type TaskControl } from '../task.ts';
import { extractCenterlines, type Centerlines } from './centerline.ts';
import { keepComponents } from './components.ts';
import { frangiVesselness, type FrangiOptions } from './frangi.ts';
import { countMask, toFloat } from './grid.ts';
import { labelMapFromMask, type LabelMap } from './labelMap.ts';
import { dilate } from './morphology.ts';
import { hysteresisThreshold } from './threshold.ts';

export interface VesselOptions {
  frangi?: FrangiOptions;
  /** Hysteresis on vesselness: seeds ≥ high, grown through ≥ low (defaults 0.15 and 0.03). */
  highVesselness?: number;
  lowVesselness?: number;
  /** Components of the vessel mask smaller than this (mm³) are dropped (default 10 mm³). */
  minComponentMm3?: number;
  /** Wall level between core and background intensity (default 0.5: half height). */
  wallFraction?: number;
  /**
   * Level (fraction from background to core) of the more generous mask that is thinned into
   * centrelines, so thin vessels under a voxel wide stay connected (default 0.3).
   */
  centerlineFraction?: number;
  /** Also extract centrelines (default true). */
  centerlines?: boolean;
}

export interface VesselSegmentation {
  /** Label 1 = vessel lumen. */
  labelMap: LabelMap;
  vesselness: Volume;
  /** Intensities used for the wall: core (vessel) and background levels, and the threshold between. */
  levels: { core: number; background: number; wall: number };
  centerlines?: Centerlines;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  return s[Math.floor(s.length / 2)]!;
}

export function segmentVessels(
  angio: Volume,
  options: VesselOptions = {},
  control?: TaskControl,
): VesselSegmentation {
  const what = 'vessel segmentation';
  const sub = (lo: number, hi: number): TaskControl | undefined =>
    control && {
      signal: control.signal,
      onProgress: (f, phase) => control.onProgress?.(lo + (hi - lo) * f, phase),
    };
  const { vesselness } = frangiVesselness(angio, options.frangi, sub(0, 0.6));
  const v = vesselness.scalars as Float32Array;
  const high = options.highVesselness ?? 0.15;
  const low = options.lowVesselness ?? 0.03;
  checkCancelled(control, what);
  const candidate = hysteresisThreshold(angio, v, low, high, {}, control);
  if (countMask(candidate) === 0)
    throw new Error(`${angio.id}: no tubular structure above vesselness ${high}; is this an angiogram?`);
  // Core: intensity at strongly tubular voxels; background: a shell 2–4 mm around the candidates.
  const img = toFloat(angio.scalars);
  const coreValues: number[] = [];
  for (let p = 0; p < v.length; p++) if (v[p]! >= high) coreValues.push(img[p]!);
  const near = dilate(angio, candidate, 2, sub(0.6, 0.65));
  const far = dilate(angio, candidate, 4, sub(0.65, 0.7));
  const bgValues: number[] = [];
  for (let p = 0; p < v.length; p += 1) if (far[p] && !near[p]) bgValues.push(img[p]!);
  const core = median(coreValues);
  const background = median(bgValues);
  const wall = background + (options.wallFraction ?? 0.5) * (core - background);
  checkCancelled(control, what);
  // The lumen: above the wall level, near the candidate tree and connected to it.
  const allowed = new Float32Array(v.length);
  const seeds = new Uint8Array(v.length);
  for (let p = 0; p < v.length; p++) {
    allowed[p] = near[p] && img[p]! >= wall ? 1 : 0;
    seeds[p] = candidate[p] && img[p]! >= wall ? 1 : 0;
  }
  let lumen = hysteresisThreshold(angio, allowed, 1, 1, { seeds }, control);
  const voxelMm3 = angio.spacingMm[0] * angio.spacingMm[1] * angio.spacingMm[2];
  lumen = keepComponents(
    angio,
    lumen,
    { minVoxels: Math.ceil((options.minComponentMm3 ?? 10) / voxelMm3) },
    control,
  );
  control?.onProgress?.(0.75, what);
  const labelMap = labelMapFromMask(angio, lumen, { value: 1, name: 'vessel', color: [220, 40, 40] });
  const result: VesselSegmentation = { labelMap, vesselness, levels: { core, background, wall } };
  if (options.centerlines ?? true) {
    const generous = background + (options.centerlineFraction ?? 0.3) * (core - background);
    for (let p = 0; p < v.length; p++) allowed[p] = near[p] && img[p]! >= generous ? 1 : 0;
    const skeletonMask = hysteresisThreshold(angio, allowed, 1, 1, { seeds: lumen }, control);
    result.centerlines = extractCenterlines(angio, skeletonMask, { radiusMask: lumen }, sub(0.75, 1));
  }
  control?.onProgress?.(1, what);
  return result;
}
