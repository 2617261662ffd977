/** The page's side of the planning worker's 'planFiles' operation: approval and export files. */
import type { PlanApproval } from '@neuroplan/planning';
import { runPlanning } from '../workers/planningClient.ts';
import type { AppState } from '../store/types.ts';
import { planInputsOf, type ExportedFiles, type PlanInputs } from './planModel.ts';

/** The approval of the plan made from `inputs`, in `by`'s name, now. */
export async function approveInWorker(inputs: PlanInputs, by: string): Promise<PlanApproval> {
  const r = await runPlanning('planFiles', { inputs, approve: { by, at: new Date().toISOString() } });
  return r.approval!;
}

/** The export files of the store's plan (the approval included only while it holds). */
export async function exportPlanFiles(s: AppState): Promise<ExportedFiles> {
  const inputs = planInputsOf(s);
  if (!inputs) throw new Error('nothing to export: the planning scene is not built yet');
  if (inputs.trajectories.length === 0) throw new Error('nothing to export: the plan has no trajectory');
  const r = await runPlanning('planFiles', { inputs, export: { approval: s.approval } });
  return r.files!;
}
