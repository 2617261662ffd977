/**
 * Hard constraints and the risk model's parameters, with the defaults a neurosurgeon would expect. A plan
 * records the settings it was checked with, so every number here is data a user can change.
 *
 * Clearances are measured from the electrode's surface (centre-line distance minus its clearance radius)
 * to the structure's wall. The robot side feeds `targetingErrorMm` (predicted target registration error
 * of the patient registration): it is added to every required clearance, widening the margin.
 */
import type { EntryRegion } from './scene/types.ts';

export interface RiskStructureSettings {
  /** Relative weight in the score. */
  weight: number;
  /** Risk falls from 1 at the required clearance to 0 at required clearance + falloffMm. */
  falloffMm: number;
}

export interface PlanningConstraints {
  /** Hard: electrode surface to vessel wall, everywhere along the path (default 2 mm). */
  minVesselClearanceMm: number;
  /** Hard when avoidVentricles: electrode surface to ventricle wall (default 1 mm). */
  minVentricleClearanceMm: number;
  avoidVentricles: boolean;
  /** Hard: angle between the trajectory and the skull's inward normal at the entry (default 30°). */
  maxEntryAngleDeg: number;
  /** Hard: entry to target (default 100 mm). */
  maxLengthMm: number;
  /** Hard: the path may not cross the mid-sagittal plane by more than midlineToleranceMm (default on, 0.5 mm). */
  forbidMidlineCrossing: boolean;
  midlineToleranceMm: number;
  /** Hard: the entry lies on the allowed skull region. */
  entryRegion: EntryRegion;
  /** Fed by the robot side: predicted targeting error (TRE) added to every required clearance (default 0). */
  targetingErrorMm: number;
  /** Hard for multi-electrode plans: closest approach between two electrodes' surfaces (default 3 mm). */
  minInterElectrodeDistanceMm: number;
  /** Sampling step along the path (at most 0.25 mm as the issue asks; default 0.25). */
  sampleStepMm: number;
  /** Soft: how each structure enters the score. */
  risk: Record<'vessel' | 'ventricle' | 'sulcus', RiskStructureSettings>;
}

export const DEFAULT_ENTRY_REGION: EntryRegion = {
  minElevationDeg: -20,
  faceMaxElevationDeg: 15,
  faceHalfWidthDeg: 50,
  excludedSpheres: [],
};

export const DEFAULT_CONSTRAINTS: PlanningConstraints = {
  minVesselClearanceMm: 2,
  minVentricleClearanceMm: 1,
  avoidVentricles: true,
  maxEntryAngleDeg: 30,
  maxLengthMm: 100,
  forbidMidlineCrossing: true,
  midlineToleranceMm: 0.5,
  entryRegion: DEFAULT_ENTRY_REGION,
  targetingErrorMm: 0,
  minInterElectrodeDistanceMm: 3,
  sampleStepMm: 0.25,
  risk: {
    vessel: { weight: 3, falloffMm: 6 },
    ventricle: { weight: 1, falloffMm: 4 },
    sulcus: { weight: 1, falloffMm: 3 },
  },
};

/** Required clearance per structure: the user's margin plus the predicted targeting error. */
export function requiredClearanceMm(c: PlanningConstraints): {
  vessel: number;
  ventricle: number;
  sulcus: number;
} {
  return {
    vessel: c.minVesselClearanceMm + c.targetingErrorMm,
    ventricle: c.avoidVentricles ? c.minVentricleClearanceMm + c.targetingErrorMm : 0,
    sulcus: c.targetingErrorMm,
  };
}

/** Defaults overridden by `partial` (nested risk and entry region merged too); checks every value. */
export function resolveConstraints(partial: DeepPartial<PlanningConstraints> = {}): PlanningConstraints {
  const c: PlanningConstraints = {
    ...DEFAULT_CONSTRAINTS,
    ...(partial as Partial<PlanningConstraints>),
    entryRegion: {
      ...DEFAULT_ENTRY_REGION,
      ...(partial.entryRegion as Partial<EntryRegion> | undefined),
    } as EntryRegion,
    risk: {
      vessel: { ...DEFAULT_CONSTRAINTS.risk.vessel, ...partial.risk?.vessel },
      ventricle: { ...DEFAULT_CONSTRAINTS.risk.ventricle, ...partial.risk?.ventricle },
      sulcus: { ...DEFAULT_CONSTRAINTS.risk.sulcus, ...partial.risk?.sulcus },
    },
  };
  const nonNeg = (name: string, v: number): void => {
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0))
      throw new Error(`planning constraints: ${name} must be a number ≥ 0, got ${JSON.stringify(v)}`);
  };
  nonNeg('minVesselClearanceMm', c.minVesselClearanceMm);
  nonNeg('minVentricleClearanceMm', c.minVentricleClearanceMm);
  nonNeg('midlineToleranceMm', c.midlineToleranceMm);
  nonNeg('targetingErrorMm', c.targetingErrorMm);
  nonNeg('minInterElectrodeDistanceMm', c.minInterElectrodeDistanceMm);
  if (!(c.maxEntryAngleDeg > 0 && c.maxEntryAngleDeg <= 90))
    throw new Error(`planning constraints: maxEntryAngleDeg must be in (0, 90], got ${c.maxEntryAngleDeg}`);
  if (!(c.maxLengthMm > 0))
    throw new Error(`planning constraints: maxLengthMm must be > 0, got ${c.maxLengthMm}`);
  if (!(c.sampleStepMm > 0 && c.sampleStepMm <= 0.25))
    throw new Error(`planning constraints: sampleStepMm must be in (0, 0.25] mm, got ${c.sampleStepMm}`);
  for (const [name, r] of Object.entries(c.risk)) {
    nonNeg(`risk.${name}.weight`, r.weight);
    if (!(r.falloffMm > 0)) throw new Error(`planning constraints: risk.${name}.falloffMm must be > 0`);
  }
  return c;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
