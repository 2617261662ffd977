/**
 * Full risk evaluation of one trajectory, with its per-sample profile (for the profile plot and the
 * plan report). This is the readable statement of the model in riskModel.ts; the batch scorer
 * (scoreBatch.ts) computes the same numbers for thousands of candidates and is tested against it.
 */
import {
  RISK_STRUCTURES,
  sampleCount,
  structureRisk,
  type ClosestApproach,
  type RiskParameters,
  type RiskStructure,
  type TrajectoryRisk,
} from './riskModel.ts';
import { sampleMaps } from '../scene/sampleMaps.ts';
import { MAP_CHANNEL_COUNT, channelIndex, type PlanningMaps } from '../scene/types.ts';
import type { Vec3 } from '../vec.ts';

/** Refuse paths that would need more samples than this (a corrupted step or length, not a real plan). */
export const MAX_TRAJECTORY_SAMPLES = 1_000_000;

/** Bad trajectory input: entry equal to target, non-finite coordinates, a bad radius or step. */
export class DegenerateTrajectoryError extends Error {
  constructor(reason: string) {
    super(`trajectory risk: ${reason}`);
    this.name = 'DegenerateTrajectoryError';
  }
}

/** The values along the path, one entry per sample (entry first). */
export interface RiskProfile {
  depthMm: Float32Array;
  /** Map value minus the electrode radius (mm); negative inside the structure. */
  clearanceMm: Record<RiskStructure, Float32Array>;
  /** Brain channel: depth below the brain surface (mm), negative outside the brain. */
  brainDepthMm: Float32Array;
  /** Combined risk per sample: the weighted mean of the structures' risks. */
  risk: Float32Array;
}

export type TrajectoryEvaluation = TrajectoryRisk & { profile: RiskProfile };

/**
 * Checks the inputs shared by the single and batch scorers; returns the number of samples.
 * `what` names the trajectory in the error message.
 */
export function checkedSampleCount(
  lengthMm: number,
  radiusMm: number,
  stepMm: number,
  what = 'trajectory',
): number {
  if (!(Number.isFinite(stepMm) && stepMm > 0))
    throw new DegenerateTrajectoryError(`sampling step must be a finite number > 0 mm, got ${stepMm}`);
  if (!(Number.isFinite(radiusMm) && radiusMm >= 0))
    throw new DegenerateTrajectoryError(`electrode radius must be a finite number ≥ 0 mm, got ${radiusMm}`);
  if (!Number.isFinite(lengthMm))
    throw new DegenerateTrajectoryError(`${what} has a non-finite entry or target coordinate`);
  if (!(lengthMm > 0)) throw new DegenerateTrajectoryError(`${what} has its entry equal to its target`);
  const n = sampleCount(lengthMm, stepMm);
  if (n > MAX_TRAJECTORY_SAMPLES)
    throw new DegenerateTrajectoryError(
      `${what} would need ${n} samples (${lengthMm} mm at ${stepMm} mm), more than ${MAX_TRAJECTORY_SAMPLES}`,
    );
  return n;
}

export function evaluateTrajectory(
  maps: PlanningMaps,
  entryLps: Vec3,
  targetLps: Vec3,
  radiusMm: number,
  params: RiskParameters,
  stepMm: number,
): TrajectoryEvaluation {
  const d: Vec3 = [targetLps[0] - entryLps[0], targetLps[1] - entryLps[1], targetLps[2] - entryLps[2]];
  const lengthMm = Math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  const n = checkedSampleCount(lengthMm, radiusMm, stepMm);

  const profile: RiskProfile = {
    depthMm: new Float32Array(n),
    clearanceMm: { vessel: new Float32Array(n), ventricle: new Float32Array(n), sulcus: new Float32Array(n) },
    brainDepthMm: new Float32Array(n),
    risk: new Float32Array(n),
  };
  const closest: Record<RiskStructure, ClosestApproach> = {
    vessel: { clearanceMm: Infinity, depthMm: 0 },
    ventricle: { clearanceMm: Infinity, depthMm: 0 },
    sulcus: { clearanceMm: Infinity, depthMm: 0 },
  };
  const maxRisk = { vessel: 0, ventricle: 0, sulcus: 0 };
  const sumRisk = { vessel: 0, ventricle: 0, sulcus: 0 };
  const channel = {
    vessel: channelIndex('vessel'),
    ventricle: channelIndex('ventricle'),
    sulcus: channelIndex('sulcus'),
  };
  const brain = channelIndex('brain');
  let riskiestDepthMm = 0;
  let riskiestRisk = -1;

  const values = new Float64Array(MAP_CHANNEL_COUNT);
  for (let s = 0; s < n; s++) {
    const t = s / (n - 1);
    const depthMm = lengthMm * t;
    sampleMaps(maps, [entryLps[0] + d[0] * t, entryLps[1] + d[1] * t, entryLps[2] + d[2] * t], values);
    let combined = 0;
    for (const structure of RISK_STRUCTURES) {
      const clearanceMm = values[channel[structure]]! - radiusMm;
      profile.clearanceMm[structure][s] = clearanceMm;
      // Strict comparison: the first sample wins ties.
      if (clearanceMm < closest[structure].clearanceMm) closest[structure] = { clearanceMm, depthMm };
      const weight = params.weight[structure];
      if (weight === 0) continue; // not part of the score (e.g. ventricles not avoided)
      const risk = structureRisk(clearanceMm - params.requiredMm[structure], params.falloffMm[structure]);
      if (risk > maxRisk[structure]) maxRisk[structure] = risk;
      sumRisk[structure] += risk;
      combined += weight * risk;
    }
    profile.depthMm[s] = depthMm;
    profile.brainDepthMm[s] = values[brain]!;
    profile.risk[s] = combined;
    if (combined > riskiestRisk) {
      riskiestRisk = combined;
      riskiestDepthMm = depthMm;
    }
  }

  let score = 0;
  for (const structure of RISK_STRUCTURES)
    score += params.weight[structure] * (0.5 * maxRisk[structure] + (0.5 * sumRisk[structure]) / n);
  return { score, ...closest, riskiestDepthMm, riskiestRisk, profile };
}
