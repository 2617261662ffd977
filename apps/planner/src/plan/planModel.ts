/**
 * The plan as data: what the plan slice keeps (trajectories, constraints, approval), what derives from it
 * (assessments, the plan file's inputs and its fingerprint) and the files it exports.
 *
 * Building and validating the plan file (JSON Schema, ~0.3 s to compile on first use), approving it and
 * writing the exports run in the planning worker ('planFiles', workers/planFilesOperation.ts). On the
 * page, whether an approval still holds is decided by a fingerprint: the SHA-256 of the canonical JSON
 * of everything the plan file is made from, recorded when the plan was approved. The plan file is a
 * deterministic function of those inputs, so an equal fingerprint means an equal approved content; the
 * worker checks the approval's own content hash again before it writes an approval into an export.
 */
import {
  approvalStatus,
  assessTrajectory,
  canonicalSha256,
  createPlan,
  NEUROPLAN_SOFTWARE,
  planEvaluationFromAssessment,
  planToStl,
  serializePlan,
  toSlicerMarkups,
  type ApprovalStatus,
  type CaseReference,
  type ElectrodeCatalog,
  type ElectrodeModel,
  type Plan,
  type PlanApproval,
  type PlanEvaluation,
  type PlanningConstraints,
  type PlanningScene,
  type Trajectory,
  type TrajectoryAssessment,
} from '@neuroplan/planning';
import type { AppState } from '../store/types.ts';

/** What undo/redo restores: everything a plan change can touch. */
export interface PlanSnapshot {
  trajectories: readonly Trajectory[];
  approval: PlanApproval | null;
  constraints: PlanningConstraints;
}

/** 'E1', 'E2'…: the smallest number not taken. */
export function nextTrajectoryId(trajectories: readonly Trajectory[]): string {
  const used = new Set(trajectories.map((t) => t.id));
  for (let k = 1; ; k++) if (!used.has(`E${k}`)) return `E${k}`;
}

export interface Assessed {
  assessments: Record<string, TrajectoryAssessment>;
  /** Trajectories that could not be assessed, with the reason in words. */
  errors: string[];
}

/** Assesses every trajectory against the scene (none without a scene). */
export function assessAll(
  scene: PlanningScene | null,
  trajectories: readonly Trajectory[],
  catalog: ElectrodeCatalog,
  constraints: PlanningConstraints,
): Assessed {
  const assessments: Record<string, TrajectoryAssessment> = {};
  const errors: string[] = [];
  if (!scene) return { assessments, errors };
  for (const t of trajectories)
    try {
      assessments[t.id] = assessTrajectory(scene, t, catalog.get(t.electrodeId), constraints);
    } catch (e) {
      errors.push(`${t.id}: ${(e as Error).message}`);
    }
  return { assessments, errors };
}

/** Everything the plan file is made from; plain data (it is sent to the planning worker). */
export interface PlanInputs {
  caseRef: CaseReference;
  /** The electrode models the trajectories use. */
  electrodes: ElectrodeModel[];
  trajectories: Trajectory[];
  /** By trajectory id. */
  evaluations: Record<string, PlanEvaluation>;
  constraints: PlanningConstraints;
  /** When the plan was started (part of the approved content, so it stays fixed). */
  createdAt: string;
}

type PlanState = Pick<
  AppState,
  'scene' | 'catalog' | 'constraints' | 'trajectories' | 'assessments' | 'planCreatedAt'
>;

/**
 * The plan file's inputs from the store; null before the scene is built. Throws, naming it, when a
 * trajectory has no assessment (it could not be assessed: see planError).
 */
export function planInputsOf(s: PlanState): PlanInputs | null {
  if (!s.scene) return null;
  const evaluations: Record<string, PlanEvaluation> = {};
  for (const t of s.trajectories) {
    const a = s.assessments[t.id];
    if (!a) throw new Error(`trajectory ${t.id} has not been assessed`);
    evaluations[t.id] = planEvaluationFromAssessment(a);
  }
  const used = new Set(s.trajectories.map((t) => t.electrodeId));
  return {
    caseRef: s.scene.caseRef,
    electrodes: [...used].map((id) => s.catalog.get(id)),
    trajectories: s.trajectories.map((t) => ({ ...t })),
    evaluations,
    constraints: s.constraints,
    createdAt: s.planCreatedAt,
  };
}

/** SHA-256 of the canonical JSON of the inputs: equal for equal plan content. */
export const planFingerprint = (inputs: PlanInputs): string => canonicalSha256(inputs);

/** The plan file's object, without an approval (validated by createPlan). */
export function buildPlan(inputs: PlanInputs): Plan {
  return createPlan({
    caseRef: inputs.caseRef,
    electrodes: inputs.electrodes,
    trajectories: inputs.trajectories,
    evaluations: inputs.evaluations,
    constraints: inputs.constraints,
    software: NEUROPLAN_SOFTWARE,
    createdAt: inputs.createdAt,
  });
}

/**
 * Whether `approval` holds: approved while the plan's fingerprint is the one recorded at approval
 * (`approvedFingerprint`), void with the reason in words once it changed.
 */
export function approvalStateOf(
  fingerprint: string | null,
  approval: PlanApproval | null,
  approvedFingerprint: string | undefined,
): ApprovalStatus {
  if (!approval) return { state: 'unapproved' };
  if (fingerprint !== null && fingerprint === approvedFingerprint)
    return {
      state: 'approved',
      by: approval.by,
      at: approval.at,
      ...(approval.role !== undefined && { role: approval.role }),
    };
  return {
    state: 'void',
    by: approval.by,
    at: approval.at,
    reason: `the plan changed after ${approval.by} approved it at ${approval.at}`,
  };
}

export interface ExportedFiles {
  planJson: { name: string; text: string };
  markups: { name: string; text: string };
  stl: { name: string; bytes: Uint8Array };
}

/** The three export files; the plan JSON carries the approval only while its content hash holds. */
export function exportFiles(inputs: PlanInputs, approval: PlanApproval | null): ExportedFiles {
  if (inputs.trajectories.length === 0) throw new Error('nothing to export: the plan has no trajectory');
  const plan = buildPlan(inputs);
  if (approval && approvalStatus({ ...plan, approval }).state === 'approved') plan.approval = approval;
  const base = inputs.caseRef.caseId.replace(/[^A-Za-z0-9._-]+/g, '_') || 'case';
  const stl = planToStl(plan, { combined: true }).get('electrodes.stl')!;
  return {
    planJson: { name: `${base}.plan.json`, text: serializePlan(plan) },
    markups: { name: `${base}.mrk.json`, text: JSON.stringify(toSlicerMarkups(plan), null, 2) + '\n' },
    stl: { name: `${base}-electrodes.stl`, bytes: stl },
  };
}
