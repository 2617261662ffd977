/**
 * The planning worker's 'autoPlan' operation: the automatic entry search (≥ 10,000 candidates) for one
 * target, off the page's thread. The page sends the scene with every request (its maps on shared memory
 * where the page is cross-origin isolated, so nothing large is copied); the worker keeps the last scene
 * by key so the skull's spatial index is built once per scene, not once per search.
 */
import type { TaskControl } from '@neuroplan/imaging';
import {
  searchEntries,
  type ElectrodeModel,
  type EntrySearchResult,
  type PlanningConstraints,
  type PlanningScene,
  type RankedTrajectory,
  type Vec3,
} from '@neuroplan/planning';
import type { WorkerContext } from './planningOperations.ts';

export interface AutoPlanRequest {
  /** Identifies the scene (the worker reuses what it built for the same key). */
  sceneKey: string;
  scene: PlanningScene;
  targetLps: Vec3;
  electrode: ElectrodeModel;
  constraints: PlanningConstraints;
  /** Entry candidates tried (the issue asks for at least 10,000). */
  candidateCount: number;
  /** Ranked alternatives returned. */
  best: number;
  trajectoryId: string;
}

export interface AutoPlanResult {
  best: RankedTrajectory[];
  explanation: string[];
  stats: EntrySearchResult['stats'];
}

const CACHE = 'autoPlan.scene';

export function autoPlan(
  request: AutoPlanRequest,
  control: TaskControl,
  context: WorkerContext,
): AutoPlanResult {
  const cached = context[CACHE] as { key: string; scene: PlanningScene } | undefined;
  const scene = cached?.key === request.sceneKey ? cached.scene : request.scene;
  context[CACHE] = { key: request.sceneKey, scene };
  const result = searchEntries(scene, {
    targetLps: request.targetLps,
    electrode: request.electrode,
    constraints: request.constraints,
    candidateCount: request.candidateCount,
    best: request.best,
    trajectoryId: request.trajectoryId,
    control,
  });
  return { best: result.best, explanation: result.explanation, stats: result.stats };
}
