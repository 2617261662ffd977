/**
 * The risk model, defined once here and used by both the full evaluation (one trajectory, with its
 * profile) and the batch scorer (thousands of candidates): they must agree to float precision.
 *
 * Sampling: n = ceil(length / step) + 1 samples from the entry (depth 0) to the target (depth = length)
 * inclusive, evenly spaced (the actual spacing length/(n−1) ≤ step).
 *
 * At each sample, for each structure s ∈ {vessel, ventricle, sulcus}:
 *   clearance_s = map_s(p) − electrodeRadius           (mm, electrode surface to the wall; trilinear)
 *   excess_s    = clearance_s − required_s              (required from requiredClearanceMm)
 *   risk_s      = 1 if excess_s ≤ 0, 0 if excess_s ≥ falloff_s, else (1 − excess_s/falloff_s)²
 * Ventricles count only when constraints.avoidVentricles; otherwise their weight is 0.
 *
 * Score (0 = no structure within any falloff, 1 = touching everything): the weighted mean over the
 * structures of (½·max over samples + ½·mean over samples) of risk_s. Lower is safer.
 * The sample's combined risk (for the profile plot and the "riskiest point") is the weighted mean of the
 * structures' risks at that sample.
 */
import type { PlanningConstraints } from '../constraints.ts';
import { requiredClearanceMm } from '../constraints.ts';

export const RISK_STRUCTURES = ['vessel', 'ventricle', 'sulcus'] as const;
export type RiskStructure = (typeof RISK_STRUCTURES)[number];

/** Number of samples for a path of `lengthMm` at most `stepMm` apart, both ends included. */
export const sampleCount = (lengthMm: number, stepMm: number): number =>
  Math.ceil(lengthMm / stepMm - 1e-9) + 1;

/** Risk of one sample for one structure from its excess clearance (mm). */
export function structureRisk(excessMm: number, falloffMm: number): number {
  if (excessMm <= 0) return 1;
  if (excessMm >= falloffMm) return 0;
  const t = 1 - excessMm / falloffMm;
  return t * t;
}

/** The per-structure constants a scorer needs, resolved once from the constraints. */
export interface RiskParameters {
  requiredMm: Record<RiskStructure, number>;
  falloffMm: Record<RiskStructure, number>;
  /** Weights normalised to sum to 1 (ventricle weight 0 when ventricles are not avoided). */
  weight: Record<RiskStructure, number>;
}

export function riskParameters(c: PlanningConstraints): RiskParameters {
  const required = requiredClearanceMm(c);
  const raw = {
    vessel: c.risk.vessel.weight,
    ventricle: c.avoidVentricles ? c.risk.ventricle.weight : 0,
    sulcus: c.risk.sulcus.weight,
  };
  const total = raw.vessel + raw.ventricle + raw.sulcus;
  if (!(total > 0)) throw new Error('planning constraints: at least one risk weight must be positive');
  return {
    requiredMm: required,
    falloffMm: {
      vessel: c.risk.vessel.falloffMm,
      ventricle: c.risk.ventricle.falloffMm,
      sulcus: c.risk.sulcus.falloffMm,
    },
    weight: { vessel: raw.vessel / total, ventricle: raw.ventricle / total, sulcus: raw.sulcus / total },
  };
}

/** Closest approach of the electrode's surface to one structure along a path. */
export interface ClosestApproach {
  /** Smallest clearance (map − electrode radius), mm; negative = the electrode enters the structure. */
  clearanceMm: number;
  /** Where, from the entry (mm). */
  depthMm: number;
}

/** What scoring one trajectory yields (the batch scorer fills the same numbers into typed arrays). */
export interface TrajectoryRisk {
  score: number;
  vessel: ClosestApproach;
  ventricle: ClosestApproach;
  sulcus: ClosestApproach;
  /** Depth of the sample with the highest combined risk (first one on ties). */
  riskiestDepthMm: number;
  riskiestRisk: number;
}
