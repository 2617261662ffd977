/**
 * The geometry of a fiducial configuration and the target registration error (TRE) it predicts, after
 * J. M. Fitzpatrick, J. B. West and C. R. Maurer, "Predicting error in rigid-body point-based
 * registration", IEEE TMI 17(5):694–702, 1998 (eq. 46):
 *
 *   ⟨TRE²(r)⟩ ≈ (⟨FLE²⟩ / N) · (1 + (1/3) · Σₖ dₖ² / fₖ²)
 *
 * with dₖ the distance of the target r from principal axis k of the fiducials (a line through their
 * centroid) and fₖ the RMS distance of the fiducials from that axis. FLE is the 3D RMS fiducial
 * localisation error (isotropic, independent, the same for every fiducial).
 */
import type { Vec3 } from '../types.ts';
import { symmetricEigen3 } from './eigen3.ts';

export interface FiducialConfiguration {
  count: number;
  centroid: Vec3;
  /** Unit principal axes through the centroid, largest spread first (eigenvectors of the scatter matrix). */
  axes: [Vec3, Vec3, Vec3];
  /** fₖ: RMS distance of the fiducials from axis k (mm); the first is the smallest. */
  rmsDistanceFromAxisMm: Vec3;
  /** RMS distance of the fiducials from their centroid (mm). */
  rmsRadiusMm: number;
}

/** Principal axes and axis spreads of a point set (≥ 1 point; callers check for degenerate sets). */
export function fiducialConfiguration(points: readonly Vec3[]): FiducialConfiguration {
  const n = points.length;
  const centroid: Vec3 = [0, 0, 0];
  for (const p of points) for (let k = 0; k < 3; k++) centroid[k]! += p[k]! / n;
  const s = new Array<number>(9).fill(0);
  for (const p of points)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) s[i * 3 + j]! += (p[i]! - centroid[i]!) * (p[j]! - centroid[j]!);
  const { values, vectors } = symmetricEigen3(s);
  const trace = Math.max(0, s[0]! + s[4]! + s[8]!);
  // Σ squared distances from axis k = trace − λₖ; clamp the rounding noise of a degenerate set at 0.
  const f = values.map((l) => Math.sqrt(Math.max(0, trace - l) / n)) as Vec3;
  return {
    count: n,
    centroid,
    axes: vectors,
    rmsDistanceFromAxisMm: f,
    rmsRadiusMm: Math.sqrt(trace / n),
  };
}

/** dₖ: distance of a point from each principal axis of the configuration (mm). */
export function distancesFromAxesMm(config: FiducialConfiguration, point: Vec3): Vec3 {
  const r: Vec3 = [
    point[0] - config.centroid[0],
    point[1] - config.centroid[1],
    point[2] - config.centroid[2],
  ];
  const r2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
  return config.axes.map((e) => {
    const along = r[0] * e[0] + r[1] * e[1] + r[2] * e[2];
    return Math.sqrt(Math.max(0, r2 - along * along));
  }) as Vec3;
}

/**
 * Predicted RMS TRE (mm) at `point` for a 3D RMS fiducial localisation error `fleMm`, by Fitzpatrick,
 * West & Maurer's formula. Infinite when the configuration is collinear and the point is off its line.
 */
export function predictedTreRmsMm(config: FiducialConfiguration, fleMm: number, point: Vec3): number {
  const d = distancesFromAxesMm(config, point);
  let sum = 0;
  for (let k = 0; k < 3; k++) {
    const f = config.rmsDistanceFromAxisMm[k]!;
    const dk = d[k]!;
    if (dk === 0) continue;
    sum += f > 0 ? (dk * dk) / (f * f) : Infinity;
  }
  return fleMm * Math.sqrt((1 + sum / 3) / config.count);
}

/**
 * Covariance (mm², row-major 3×3) of the TRE vector at `point`, to first order for isotropic FLE
 * (per-axis variance σ² = FLE²/3): translation error σ²/N at the centroid plus a rotation error of
 * covariance σ²·A⁻¹, with A = Σ(|pᵢ|²I − pᵢpᵢᵀ) the fiducials' inertia tensor about their centroid, whose
 * eigenvalues are N·fₖ² on the principal axes. C = σ²(I/N + [r]ₓ A⁻¹ [r]ₓᵀ); its trace is the
 * Fitzpatrick–West–Maurer ⟨TRE²⟩ (Fitzpatrick & West, IEEE TMI 20(9):917–927, 2001, give the same).
 */
export function predictedTreCovarianceMm2(
  config: FiducialConfiguration,
  fleMm: number,
  point: Vec3,
): number[] {
  const n = config.count;
  const s2 = (fleMm * fleMm) / 3;
  const r: Vec3 = [
    point[0] - config.centroid[0],
    point[1] - config.centroid[1],
    point[2] - config.centroid[2],
  ];
  // [r]ₓ eₖ = r × eₖ: the displacement at r per unit rotation about eₖ.
  const c = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) c[i * 4] = s2 / n;
  config.axes.forEach((e, k) => {
    const f = config.rmsDistanceFromAxisMm[k]!;
    const w: Vec3 = [r[1] * e[2] - r[2] * e[1], r[2] * e[0] - r[0] * e[2], r[0] * e[1] - r[1] * e[0]];
    if (w[0] === 0 && w[1] === 0 && w[2] === 0) return;
    const g = s2 / (n * f * f);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) c[i * 3 + j]! += g * w[i]! * w[j]!;
  });
  return c;
}
