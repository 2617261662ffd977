/**
 * Assessing one trajectory against the scene: its risk profile and score, and every hard constraint it
 * breaks, each explained in words with the numbers a surgeon needs ("passes 0.6 mm from a vessel at
 * 42.0 mm depth; at least 2.0 mm required").
 */
import { clearanceRadiusMm, type ElectrodeModel } from './electrodes/catalog.ts';
import { requiredClearanceMm, type PlanningConstraints } from './constraints.ts';
import { evaluateTrajectory } from './risk/evaluate.ts';
import { riskParameters, type TrajectoryRisk } from './risk/riskModel.ts';
import type { RiskProfile } from './risk/evaluate.ts';
import { entryRegionProblem } from './scene/entryRegion.ts';
import { SurfaceIndex, normalOf } from './scene/surfaceIndex.ts';
import type { PlanningScene, SurfaceMesh } from './scene/types.ts';
import {
  electrodeFitProblems,
  trajectoryGeometry,
  type Trajectory,
  type TrajectoryGeometry,
} from './trajectory.ts';
import { angleDeg, dot, scale, sub, type Vec3 } from './vec.ts';

export type ViolationCode =
  | 'vessel-clearance'
  | 'ventricle'
  | 'entry-angle'
  | 'length'
  | 'midline'
  | 'entry-region'
  | 'electrode-fit'
  | 'inter-electrode';

export interface Violation {
  code: ViolationCode;
  message: string;
  /** Where along the path (from the entry), when the violation has a place. */
  depthMm?: number;
}

export interface TrajectoryAssessment {
  trajectory: Trajectory;
  geometry: TrajectoryGeometry;
  risk: TrajectoryRisk & { profile: RiskProfile };
  /** Angle between the trajectory and the inward surface normal at the entry (skull, or cortex for arrays/threads). */
  entryAngleDeg?: number;
  violations: Violation[];
  /** Facts worth knowing that break no hard constraint (e.g. the target lies outside the brain). */
  notes: string[];
}

/** How far an entry may lie from the surface it should be on before it counts as off the surface. */
export const MAX_ENTRY_OFF_SURFACE_MM = 3;

const mm = (x: number): string => `${x.toFixed(1)} mm`;

/** Caches the spatial index of the scene's surfaces (built once per scene and mesh). */
const indexCache = new WeakMap<SurfaceMesh, SurfaceIndex>();
export function surfaceIndex(mesh: SurfaceMesh): SurfaceIndex {
  let index = indexCache.get(mesh);
  if (!index) indexCache.set(mesh, (index = new SurfaceIndex(mesh)));
  return index;
}

/** The surface an electrode enters through: the outer skull, or the cortex for arrays and threads. */
export function entrySurface(
  scene: PlanningScene,
  model: ElectrodeModel,
): { mesh: SurfaceMesh; name: string } {
  const onCortex = model.kind === 'array' || model.kind === 'thread';
  if (onCortex && scene.cortex) return { mesh: scene.cortex, name: 'cortical surface' };
  return { mesh: scene.skull, name: 'outer skull surface' };
}

/** Violations that depend on the path's closest approaches (shared with the batch search's explanations). */
export function clearanceViolations(
  risk: Pick<TrajectoryRisk, 'vessel' | 'ventricle'>,
  constraints: PlanningConstraints,
): Violation[] {
  const required = requiredClearanceMm(constraints);
  const tre =
    constraints.targetingErrorMm > 0 ? ` incl. ${mm(constraints.targetingErrorMm)} targeting error` : '';
  const out: Violation[] = [];
  const v = risk.vessel;
  if (v.clearanceMm < required.vessel)
    out.push({
      code: 'vessel-clearance',
      depthMm: v.depthMm,
      message:
        v.clearanceMm < 0
          ? `enters a vessel at ${mm(v.depthMm)} depth`
          : `passes ${mm(v.clearanceMm)} from a vessel at ${mm(v.depthMm)} depth; at least ${mm(required.vessel)} required${tre}`,
    });
  const w = risk.ventricle;
  if (constraints.avoidVentricles && w.clearanceMm < required.ventricle)
    out.push({
      code: 'ventricle',
      depthMm: w.depthMm,
      message:
        w.clearanceMm < 0
          ? `crosses a ventricle at ${mm(w.depthMm)} depth`
          : `passes ${mm(w.clearanceMm)} from a ventricle at ${mm(w.depthMm)} depth; at least ${mm(required.ventricle)} required${tre}`,
    });
  return out;
}

/** Midline crossing: the entry lies beyond the tolerance on the other side of the target's hemisphere. */
export function midlineViolation(
  scene: PlanningScene,
  entryLps: Vec3,
  targetLps: Vec3,
  constraints: PlanningConstraints,
): Violation | undefined {
  if (!constraints.forbidMidlineCrossing) return undefined;
  const { pointLps, normalLps } = scene.midline;
  const sEntry = dot(sub(entryLps, pointLps), normalLps);
  const sTarget = dot(sub(targetLps, pointLps), normalLps);
  const side = Math.sign(sTarget);
  if (side === 0 || sEntry * side >= -constraints.midlineToleranceMm) return undefined;
  const lengthMm = Math.hypot(...sub(targetLps, entryLps));
  const depthMm = (lengthMm * sEntry) / (sEntry - sTarget);
  const name = (s: number): string => (s > 0 ? 'left' : 'right');
  return {
    code: 'midline',
    depthMm,
    message: `crosses the midline at ${mm(depthMm)} depth (entry ${mm(Math.abs(sEntry))} to the ${name(sEntry)}, target in the ${name(sTarget)} hemisphere)`,
  };
}

export function assessTrajectory(
  scene: PlanningScene,
  trajectory: Trajectory,
  model: ElectrodeModel,
  constraints: PlanningConstraints,
): TrajectoryAssessment {
  const geometry = trajectoryGeometry(trajectory, model);
  const risk = evaluateTrajectory(
    scene.maps,
    trajectory.entryLps,
    trajectory.targetLps,
    clearanceRadiusMm(model),
    riskParameters(constraints),
    constraints.sampleStepMm,
  );
  const violations = clearanceViolations(risk, constraints);
  const notes: string[] = [];

  const surface = entrySurface(scene, model);
  const near = surfaceIndex(surface.mesh).nearest(trajectory.entryLps, 50);
  let entryAngleDeg: number | undefined;
  if (!near || near.distanceMm > MAX_ENTRY_OFF_SURFACE_MM)
    violations.push({
      code: 'entry-region',
      depthMm: 0,
      message: near
        ? `the entry is ${mm(near.distanceMm)} from the ${surface.name} (at most ${mm(MAX_ENTRY_OFF_SURFACE_MM)})`
        : `the entry is more than 50 mm from the ${surface.name}`,
    });
  else {
    entryAngleDeg = angleDeg(geometry.directionLps, scale(normalOf(surface.mesh, near.vertex), -1));
    if (entryAngleDeg > constraints.maxEntryAngleDeg)
      violations.push({
        code: 'entry-angle',
        depthMm: 0,
        message: `meets the ${surface.name} at ${entryAngleDeg.toFixed(1)}° from its normal (at most ${constraints.maxEntryAngleDeg}°)`,
      });
  }
  if (model.kind !== 'array' && model.kind !== 'thread') {
    const region = entryRegionProblem(scene, constraints.entryRegion, trajectory.entryLps);
    if (region) violations.push({ code: 'entry-region', depthMm: 0, message: region });
  }
  if (geometry.lengthMm > constraints.maxLengthMm)
    violations.push({
      code: 'length',
      message: `is ${mm(geometry.lengthMm)} long (at most ${mm(constraints.maxLengthMm)})`,
    });
  const midline = midlineViolation(scene, trajectory.entryLps, trajectory.targetLps, constraints);
  if (midline) violations.push(midline);
  for (const problem of electrodeFitProblems(trajectory, model))
    violations.push({ code: 'electrode-fit', message: problem });

  const targetDepth = risk.profile.brainDepthMm[risk.profile.brainDepthMm.length - 1]!;
  if (targetDepth < 0) notes.push(`the target lies ${mm(-targetDepth)} outside the brain`);
  const outside = geometry.contacts.filter((c) => {
    const i = Math.round((c.depthFromEntryMm / geometry.lengthMm) * (risk.profile.depthMm.length - 1));
    return risk.profile.brainDepthMm[Math.min(Math.max(i, 0), risk.profile.depthMm.length - 1)]! < 0;
  });
  if (outside.length > 0 && model.kind !== 'array')
    notes.push(
      `contact${outside.length > 1 ? 's' : ''} ${outside.map((c) => c.index).join(', ')} outside the brain`,
    );
  return {
    trajectory,
    geometry,
    risk,
    ...(entryAngleDeg !== undefined && { entryAngleDeg }),
    violations,
    notes,
  };
}

/** One line for lists: "score 0.12; vessel 4.3 mm at 51.0 mm; 71.2 mm long; 12° to the skull normal". */
export function summarizeAssessment(a: TrajectoryAssessment): string {
  const parts = [
    `score ${a.risk.score.toFixed(3)}`,
    `closest vessel ${mm(a.risk.vessel.clearanceMm)} at ${mm(a.risk.vessel.depthMm)} depth`,
    `${mm(a.geometry.lengthMm)} long`,
  ];
  if (a.entryAngleDeg !== undefined) parts.push(`${a.entryAngleDeg.toFixed(1)}° from the surface normal`);
  parts.push(a.violations.length === 0 ? 'no violation' : a.violations.map((v) => v.message).join('; '));
  return parts.join('; ');
}
