/**
 * Multiscale Frangi vesselness (Frangi et al. 1998) for bright tubes on a dark background, from the
 * eigenvalues of σ²-normalised Gaussian Hessians, σ in millimetres.
 */
import type { Volume } from '../volume.ts';
import { checkCancelled, type TaskControl } from '../task.ts';
import { derivedVolume, toFloat } from './grid.ts';
import { hessianAtScale, symmetricEigenvalues3 } from './hessian.ts';

export interface FrangiOptions {
  /** Scales σ in mm (default [0.5, 1, 1.5, 2.5]); a tube of radius r answers best near σ ≈ r/√2…r. */
  scalesMm?: number[];
  /** Plate-vs-line sensitivity (default 0.5). */
  alpha?: number;
  /** Blob-vs-line sensitivity (default 0.5). */
  beta?: number;
  /**
   * Structure ("second order") sensitivity in image units; default: half the largest Hessian norm at
   * each scale, as Frangi suggests.
   */
  c?: number;
}

export interface FrangiResult {
  /** Vesselness in [0, 1] (Float32, same grid as the input). */
  vesselness: Volume;
  /** σ (mm) of the scale that gave each voxel's vesselness (0 where vesselness is 0). */
  bestScaleMm: Float32Array;
}

export function frangiVesselness(
  image: Volume,
  options: FrangiOptions = {},
  control?: TaskControl,
): FrangiResult {
  const scales = options.scalesMm ?? [0.5, 1, 1.5, 2.5];
  if (scales.length === 0 || scales.some((s) => !(s > 0) || !Number.isFinite(s)))
    throw new Error(`frangiVesselness: scales must be positive mm values, got [${scales.join(', ')}]`);
  const alpha = options.alpha ?? 0.5;
  const beta = options.beta ?? 0.5;
  const img = toFloat(image.scalars);
  const n = img.length;
  const best = new Float32Array(n);
  const bestScale = new Float32Array(n);
  const ev = new Float64Array(3);
  const twoA2 = 2 * alpha * alpha;
  const twoB2 = 2 * beta * beta;
  for (let s = 0; s < scales.length; s++) {
    const sigma = scales[s]!;
    const what = `vesselness σ=${sigma} mm`;
    checkCancelled(control, 'vesselness');
    control?.onProgress?.(s / scales.length, what);
    const h = hessianAtScale(image, img, sigma, control);
    const norm = sigma * sigma;
    let c = options.c ?? 0;
    if (!(options.c! > 0)) {
      let maxS2 = 0;
      for (let p = 0; p < n; p++) {
        const s2 =
          h.xx[p]! ** 2 + h.yy[p]! ** 2 + h.zz[p]! ** 2 + 2 * (h.xy[p]! ** 2 + h.xz[p]! ** 2 + h.yz[p]! ** 2);
        if (s2 > maxS2) maxS2 = s2;
      }
      c = 0.5 * Math.sqrt(maxS2) * norm || 1;
    }
    const twoC2 = 2 * c * c;
    checkCancelled(control, 'vesselness');
    for (let p = 0; p < n; p++) {
      // λ2, λ3 < 0 with |λ1| ≤ |λ2| forces a negative trace: skip the rest cheaply.
      if (h.xx[p]! + h.yy[p]! + h.zz[p]! >= 0) continue;
      symmetricEigenvalues3(
        h.xx[p]! * norm,
        h.yy[p]! * norm,
        h.zz[p]! * norm,
        h.xy[p]! * norm,
        h.xz[p]! * norm,
        h.yz[p]! * norm,
        ev,
      );
      const l2 = ev[1]!;
      const l3 = ev[2]!;
      if (l2 >= 0 || l3 >= 0) continue; // bright tubes need two strongly negative eigenvalues
      const l1 = ev[0]!;
      const ra2 = (l2 * l2) / (l3 * l3);
      const rb2 = (l1 * l1) / Math.abs(l2 * l3);
      const s2 = l1 * l1 + l2 * l2 + l3 * l3;
      const v = (1 - Math.exp(-ra2 / twoA2)) * Math.exp(-rb2 / twoB2) * (1 - Math.exp(-s2 / twoC2));
      if (v > best[p]!) {
        best[p] = v;
        bestScale[p] = sigma;
      }
    }
  }
  control?.onProgress?.(1, 'vesselness');
  return {
    vesselness: derivedVolume(image, `${image.id}:vesselness`, best, 'Frangi vesselness'),
    bestScaleMm: bestScale,
  };
}
