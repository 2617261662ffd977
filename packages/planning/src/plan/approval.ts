/**
 * Approval: a named person signs off the plan's content. The approval stores a SHA-256 of the canonical
 * JSON (RFC 8785) of the plan without the approval itself and without `modifiedAt` (bookkeeping), so any
 * change to a point, a constraint, an electrode model, an evaluation or the case voids it — and anyone
 * can recompute the hash from the file with any JCS implementation.
 */
import { canonicalSha256 } from './canonicalHash.ts';
import { toIsoTime, validatePlan, type Plan } from './planFile.ts';

/** Fields left out of the approved content. */
export const VOLATILE_PLAN_FIELDS = ['approval', 'modifiedAt'] as const;

/** The plan's content hash (lower-case hex SHA-256 of its canonical JSON minus the volatile fields). */
export function planContentSha256(plan: Plan): string {
  const content: Record<string, unknown> = { ...plan };
  for (const k of VOLATILE_PLAN_FIELDS) delete content[k];
  return canonicalSha256(content);
}

export interface Approver {
  name: string;
  role?: string;
}

/** A copy of the plan approved by `by` at `at` (default now); the plan must be valid. */
export function approvePlan(plan: Plan, by: string | Approver, at: Date | string = new Date()): Plan {
  const who: Approver = typeof by === 'string' ? { name: by } : by;
  const name = who.name.trim();
  if (name.length === 0) throw new Error('approval: the approver needs a name');
  validatePlan(plan, 'plan to approve');
  const approved = structuredClone(plan);
  delete approved.approval;
  approved.approval = {
    by: name,
    ...(who.role?.trim() ? { role: who.role.trim() } : {}),
    at: toIsoTime(at, 'approval time'),
    contentSha256: planContentSha256(approved),
  };
  return approved;
}

export type ApprovalStatus =
  | { state: 'approved'; by: string; role?: string; at: string }
  | { state: 'unapproved' }
  | { state: 'void'; by: string; at: string; reason: string };

/** Whether the plan's approval still holds: 'void' (with the reason in words) once the content changed. */
export function approvalStatus(plan: Plan): ApprovalStatus {
  const a = plan.approval;
  if (!a) return { state: 'unapproved' };
  if (planContentSha256(plan) === a.contentSha256)
    return { state: 'approved', by: a.by, at: a.at, ...(a.role !== undefined ? { role: a.role } : {}) };
  return {
    state: 'void',
    by: a.by,
    at: a.at,
    reason: `the plan changed after ${a.by} approved it at ${a.at}`,
  };
}

/** The same plan without its approval (e.g. to edit it and approve again). */
export function withoutApproval(plan: Plan): Plan {
  const copy = structuredClone(plan);
  delete copy.approval;
  return copy;
}
