/**
 * LoadPlan: the robot only takes a plan that parses (planning's parsePlan: schema and consistency), is
 * approved, whose approval still matches its content, and whose content hash is the one the operator's
 * screen showed (plan_sha256 = the approved content SHA-256, planning's planContentSha256).
 */
import {
  approvalStatus,
  parsePlan,
  planContentSha256,
  type Plan,
  type PlanTrajectory,
} from '@neuroplan/planning';

export interface LoadedPlan {
  plan: Plan;
  sha256: string;
  approvedBy: string;
  trajectories: Map<string, PlanTrajectory>;
}

/** Largest plan text accepted (a plan with a few dozen trajectories is tens of kB). */
export const MAX_PLAN_JSON_BYTES = 4 * 1024 * 1024;

export function checkPlanForLoading(
  planJson: unknown,
  planSha256: unknown,
): { ok: true; loaded: LoadedPlan } | { ok: false; reason: string } {
  if (typeof planJson !== 'string' || planJson.length === 0)
    return { ok: false, reason: 'plan_json must be the plan file text' };
  if (planJson.length > MAX_PLAN_JSON_BYTES)
    return { ok: false, reason: `plan_json is larger than ${MAX_PLAN_JSON_BYTES} bytes` };
  if (typeof planSha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(planSha256))
    return { ok: false, reason: 'plan_sha256 must be 64 hexadecimal digits (the approved content SHA-256)' };
  let plan: Plan;
  try {
    plan = parsePlan(planJson, 'plan_json');
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  const status = approvalStatus(plan);
  if (status.state === 'unapproved') return { ok: false, reason: 'the plan is not approved' };
  if (status.state === 'void') return { ok: false, reason: `the plan's approval is void: ${status.reason}` };
  const sha = planContentSha256(plan);
  if (sha !== planSha256.toLowerCase())
    return {
      ok: false,
      reason: `the plan's content hash ${sha.slice(0, 12)}… does not match plan_sha256 ${planSha256.slice(0, 12)}…: the plan is not the one that was shown`,
    };
  if (plan.trajectories.length === 0) return { ok: false, reason: 'the plan has no trajectories' };
  return {
    ok: true,
    loaded: {
      plan,
      sha256: sha,
      approvedBy: status.by,
      trajectories: new Map(plan.trajectories.map((t) => [t.id, t])),
    },
  };
}
