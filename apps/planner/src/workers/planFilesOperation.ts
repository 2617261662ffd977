/**
 * The planning worker's 'planFiles' operation: builds and validates the plan file (JSON Schema
 * validation compiles ~0.3 s on first use, so it stays off the page's thread), approves it, and writes
 * the export files (plan JSON, Slicer markups, STL).
 */
import { approvePlan, type PlanApproval } from '@neuroplan/planning';
import { buildPlan, exportFiles, type ExportedFiles, type PlanInputs } from '../plan/planModel.ts';

export interface PlanFilesRequest {
  inputs: PlanInputs;
  /** Approve the plan in this name at this time (ISO 8601). */
  approve?: { by: string; at: string };
  /** Write the export files, with this approval where it still holds. */
  export?: { approval: PlanApproval | null };
}

export interface PlanFilesResult {
  approval?: PlanApproval;
  files?: ExportedFiles;
}

export function planFiles(request: PlanFilesRequest): PlanFilesResult {
  const out: PlanFilesResult = {};
  if (request.approve) {
    const approved = approvePlan(buildPlan(request.inputs), request.approve.by, request.approve.at);
    out.approval = approved.approval!;
  }
  if (request.export) out.files = exportFiles(request.inputs, request.export.approval);
  return out;
}
