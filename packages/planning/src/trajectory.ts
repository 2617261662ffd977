/**
 * A trajectory: where an electrode enters (on the outer skull surface for depth electrodes and leads, on
 * the cortex for arrays and threads) and where its tip ends (the target), both in DICOM LPS mm of the
 * planning image (the CT frame of the case). Everything else derives from these two points and the model.
 */
import { activeLengthMm, type ElectrodeModel, type LinearElectrodeModel } from './electrodes/catalog.ts';
import { add, cross, isFiniteVec3, norm, normalize, scale, sub, type Vec3 } from './vec.ts';

export interface Trajectory {
  /** Unique within a plan, e.g. 'E1' or 'L-hippocampus'. */
  id: string;
  /** Catalog id of the electrode model. */
  electrodeId: string;
  entryLps: Vec3;
  targetLps: Vec3;
  /** Free text (e.g. the anatomical target). */
  label?: string;
}

export interface ContactPosition {
  /** 1 = deepest (nearest the tip). Arrays: row-major shank index + 1. */
  index: number;
  centerLps: Vec3;
  /** Along the trajectory from the entry point (mm). */
  depthFromEntryMm: number;
  /** Back from the target (tip) along the trajectory (mm); 0 at the tip. */
  distanceFromTipMm: number;
}

export interface TrajectoryGeometry {
  lengthMm: number;
  /** Unit vector from entry to target. */
  directionLps: Vec3;
  contacts: ContactPosition[];
}

/** Shortest trajectory we accept: below this the direction is meaningless. */
export const MIN_TRAJECTORY_LENGTH_MM = 0.5;

export function checkTrajectory(t: Trajectory): void {
  if (!isFiniteVec3(t.entryLps))
    throw new Error(`trajectory ${t.id}: entry must be three finite numbers (mm)`);
  if (!isFiniteVec3(t.targetLps))
    throw new Error(`trajectory ${t.id}: target must be three finite numbers (mm)`);
  const length = norm(sub(t.targetLps, t.entryLps));
  if (!(length >= MIN_TRAJECTORY_LENGTH_MM))
    throw new Error(
      `trajectory ${t.id}: entry and target are ${length.toFixed(3)} mm apart, less than ${MIN_TRAJECTORY_LENGTH_MM} mm`,
    );
}

/** Two unit vectors perpendicular to `d` and to each other; u is as close to LPS left (x) as possible. */
export function perpendicularBasis(d: Vec3): [Vec3, Vec3] {
  const ref: Vec3 = Math.abs(d[2]) < 0.9 ? [0, 0, 1] : [0, 1, 0];
  const u = normalize(cross(ref, d));
  return [u, cross(d, u)];
}

function linearContacts(
  m: LinearElectrodeModel,
  target: Vec3,
  dir: Vec3,
  lengthMm: number,
): ContactPosition[] {
  const pitch = m.contactLengthMm + m.contactGapMm;
  return Array.from({ length: m.contactCount }, (_, i) => {
    const fromTip = m.tipToFirstContactMm + m.contactLengthMm / 2 + i * pitch;
    return {
      index: i + 1,
      centerLps: sub(target, scale(dir, fromTip)),
      depthFromEntryMm: lengthMm - fromTip,
      distanceFromTipMm: fromTip,
    };
  });
}

function arrayContacts(
  m: Extract<ElectrodeModel, { kind: 'array' }>,
  target: Vec3,
  dir: Vec3,
  lengthMm: number,
): ContactPosition[] {
  const [u, v] = perpendicularBasis(dir);
  const out: ContactPosition[] = [];
  for (let r = 0; r < m.rows; r++)
    for (let c = 0; c < m.columns; c++) {
      const du = (c - (m.columns - 1) / 2) * m.pitchMm;
      const dv = (r - (m.rows - 1) / 2) * m.pitchMm;
      out.push({
        index: r * m.columns + c + 1,
        centerLps: add(target, add(scale(u, du), scale(v, dv))),
        depthFromEntryMm: lengthMm,
        distanceFromTipMm: 0,
      });
    }
  return out;
}

/** Length, direction and contact positions; throws a named error for a degenerate trajectory. */
export function trajectoryGeometry(t: Trajectory, model: ElectrodeModel): TrajectoryGeometry {
  checkTrajectory(t);
  const delta = sub(t.targetLps, t.entryLps);
  const lengthMm = norm(delta);
  const directionLps = scale(delta, 1 / lengthMm);
  const contacts =
    model.kind === 'array'
      ? arrayContacts(model, t.targetLps, directionLps, lengthMm)
      : linearContacts(model, t.targetLps, directionLps, lengthMm);
  return { lengthMm, directionLps, contacts };
}

/** Whether the electrode's contacts fit on the trajectory (the shaft is long enough, etc.), in words. */
export function electrodeFitProblems(t: Trajectory, model: ElectrodeModel): string[] {
  const lengthMm = norm(sub(t.targetLps, t.entryLps));
  const problems: string[] = [];
  if (model.kind === 'array') return problems;
  if (lengthMm > model.maxInsertionMm)
    problems.push(
      `the trajectory is ${lengthMm.toFixed(1)} mm long but ${model.name} inserts at most ${model.maxInsertionMm} mm`,
    );
  if (activeLengthMm(model) > lengthMm)
    problems.push(
      `the contacts of ${model.name} span ${activeLengthMm(model).toFixed(1)} mm, more than the ${lengthMm.toFixed(1)} mm trajectory`,
    );
  const range = model.insertionDepthRangeMm;
  if (range && (lengthMm < range[0] || lengthMm > range[1]))
    problems.push(
      `${model.name} is inserted ${range[0]}–${range[1]} mm deep, the trajectory is ${lengthMm.toFixed(2)} mm`,
    );
  return problems;
}
