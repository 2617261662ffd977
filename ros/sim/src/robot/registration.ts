/**
 * RegisterPatient: image LPS ↔ robot fiducial pairs (metres on the wire) → kinematics' registerPatient, with
 * the robot's thresholds (FRE and predicted TRE at every target: the request's and the loaded plan's).
 * A refused registration leaves the robot unregistered; the reason goes back in words.
 */
import {
  quaternionFromRotation,
  registerPatient,
  type PatientRegistration,
  type RegistrationFiducial,
  type RegistrationTarget,
  type Vec3,
} from '@neuroplan/kinematics';
import type { Header, RegistrationResult, Transform } from '@neuroplan/ros-messages';

export interface RegistrationLimits {
  maxFreMm: number;
  maxTreMm: number;
  /** Fiducial localisation error of the localisers (mm RMS, image and robot together); undefined: estimated from the FRE. */
  fleMm: number | undefined;
}

export interface FiducialSet {
  imageLps: Vec3[];
  robotMm: Vec3[];
  /** Targets given with the request (the plan's are added when one is loaded). */
  targetsLps: Vec3[];
}

export const MAX_FIDUCIALS = 64;
export const MAX_TARGETS = 256;

const pointMm = (p: unknown): Vec3 | null => {
  const o = p as Record<string, unknown> | null;
  const v = [o?.x, o?.y, o?.z];
  if (!v.every((x) => typeof x === 'number' && Number.isFinite(x))) return null;
  return (v as number[]).map((x) => x * 1000) as Vec3;
};

/** The request's points in mm, or a reason. */
export function readRegistrationRequest(
  request: unknown,
): { ok: true; set: FiducialSet } | { ok: false; reason: string } {
  const r = (request ?? {}) as Record<string, unknown>;
  const lists: Record<string, Vec3[]> = {};
  for (const [field, max] of [
    ['image_fiducials_lps', MAX_FIDUCIALS],
    ['robot_fiducials', MAX_FIDUCIALS],
    ['targets_lps', MAX_TARGETS],
  ] as const) {
    const v = r[field] ?? [];
    if (!Array.isArray(v)) return { ok: false, reason: `${field} must be a list of geometry_msgs/Point` };
    if (v.length > max) return { ok: false, reason: `${field} has ${v.length} points (at most ${max})` };
    const pts: Vec3[] = [];
    for (const [i, p] of v.entries()) {
      const q = pointMm(p);
      if (!q) return { ok: false, reason: `${field}[${i}] must have finite x, y, z (m)` };
      pts.push(q);
    }
    lists[field] = pts;
  }
  const image = lists.image_fiducials_lps!;
  const robot = lists.robot_fiducials!;
  if (image.length !== robot.length)
    return {
      ok: false,
      reason: `${image.length} image fiducials and ${robot.length} robot fiducials: they must pair up one to one`,
    };
  return { ok: true, set: { imageLps: image, robotMm: robot, targetsLps: lists.targets_lps! } };
}

export type RegistrationOutcome =
  | { ok: true; registration: PatientRegistration; worstTreMm: number }
  | {
      ok: false;
      reason: string;
      freMm: number;
      worstTreMm: number;
      residualsMm: number[];
      imageToRobot: number[] | null;
    };

/** Registers the set with the limits; targets = the request's plus `extraTargetsLps` (the plan's). */
export function registerSet(
  set: FiducialSet,
  extraTargetsLps: Vec3[],
  limits: RegistrationLimits,
): RegistrationOutcome {
  const fiducials: RegistrationFiducial[] = set.imageLps.map((p, i) => ({
    id: `F${i + 1}`,
    imageLps: p,
    robotMm: set.robotMm[i]!,
  }));
  const targets: RegistrationTarget[] = [...set.targetsLps, ...extraTargetsLps].map((p, i) => ({
    id: `target ${i + 1}`,
    pointLps: p,
  }));
  const r = registerPatient(fiducials, {
    maxFreMm: limits.maxFreMm,
    maxTreMm: limits.maxTreMm,
    ...(limits.fleMm !== undefined ? { fleMm: limits.fleMm } : {}),
    targetsLps: targets,
  });
  if (r.ok)
    return { ok: true, registration: r, worstTreMm: Math.max(0, ...r.targets.map((t) => t.treRmsMm)) };
  const fit = 'fit' in r ? r.fit : null;
  return {
    ok: false,
    reason: `registration refused: ${r.reason}`,
    freMm: fit?.freMm ?? NaN,
    worstTreMm: fit ? Math.max(0, ...fit.targets.map((t) => t.treRmsMm)) : NaN,
    residualsMm: fit?.fiducials.map((f) => f.residualMm) ?? [],
    imageToRobot: fit?.imageToRobot ?? null,
  };
}

/** A row-major 4×4 rigid matrix (mm) as geometry_msgs/Transform (m). */
export function transformMsg(m: readonly number[] | null): Transform {
  if (!m) return { translation: { x: 0, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } };
  const r = [m[0]!, m[1]!, m[2]!, m[4]!, m[5]!, m[6]!, m[8]!, m[9]!, m[10]!];
  const q = quaternionFromRotation(r);
  return {
    translation: { x: m[3]! / 1000, y: m[7]! / 1000, z: m[11]! / 1000 },
    rotation: { x: q[0], y: q[1], z: q[2], w: q[3] },
  };
}

export function resultMsg(
  header: Header,
  outcome: RegistrationOutcome | { ok: false; reason: string },
): RegistrationResult {
  if (outcome.ok) {
    const r = outcome.registration;
    return {
      header,
      success: true,
      reason: `registered: FRE ${r.freMm.toFixed(2)} mm, predicted TRE ≤ ${outcome.worstTreMm.toFixed(2)} mm at ${r.targets.length} targets`,
      patient_to_robot: transformMsg(r.imageToRobot),
      fre_mm: r.freMm,
      predicted_tre_mm: outcome.worstTreMm,
      fiducial_residuals_mm: r.fiducials.map((f) => f.residualMm),
      fiducial_count: r.fiducials.length,
    };
  }
  const o = outcome as Partial<Extract<RegistrationOutcome, { ok: false }>> & { reason: string };
  return {
    header,
    success: false,
    reason: o.reason,
    patient_to_robot: transformMsg(o.imageToRobot ?? null),
    fre_mm: Number.isFinite(o.freMm) ? o.freMm! : 0,
    predicted_tre_mm: Number.isFinite(o.worstTreMm) ? o.worstTreMm! : 0,
    fiducial_residuals_mm: o.residualsMm ?? [],
    fiducial_count: o.residualsMm?.length ?? 0,
  };
}
