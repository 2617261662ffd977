/**
 * Planning N electrodes together: each target gets its own entry search (its feasible candidates, ranked),
 * then one joint optimisation picks a candidate per electrode so that every pair keeps the minimum
 * surface-to-surface distance (which also forbids crossing) at the lowest total risk. The chosen set is
 * assessed again as a whole.
 */
import type { TaskControl } from '@neuroplan/imaging';
import { assessTrajectory, summarizeAssessment, type Violation } from '../assess.ts';
import { clearanceRadiusMm, type ElectrodeModel } from '../electrodes/catalog.ts';
import type { PlanningConstraints } from '../constraints.ts';
import type { PlanningScene } from '../scene/types.ts';
import type { Trajectory } from '../trajectory.ts';
import type { Vec3 } from '../vec.ts';
import { searchEntries, type EntrySearchResult, type RankedTrajectory } from './entrySearch.ts';
import { checkElectrodeSet, planMultiElectrode } from './multiElectrode.ts';

export interface ElectrodeRequest {
  id: string;
  electrode: ElectrodeModel;
  targetLps: Vec3;
  targetRadiusMm?: number;
}

export interface ElectrodeSetPlan {
  /** One per request, in request order; absent where no feasible trajectory exists. */
  chosen: (RankedTrajectory | undefined)[];
  searches: EntrySearchResult[];
  feasible: boolean;
  /** Set-level violations (pairs too close), in words. */
  violations: Violation[];
  explanation: string[];
}

export function planElectrodeSet(
  scene: PlanningScene,
  requests: ElectrodeRequest[],
  constraints: PlanningConstraints,
  options: { candidateCount?: number; keepFeasible?: number; seed?: number; control?: TaskControl } = {},
): ElectrodeSetPlan {
  const ids = new Set<string>();
  for (const r of requests) {
    if (ids.has(r.id)) throw new Error(`electrode set: the id '${r.id}' is used twice`);
    ids.add(r.id);
  }
  const control = options.control;
  const share = (n: number): TaskControl | undefined =>
    control && {
      signal: control.signal,
      onProgress: (f, phase) =>
        control.onProgress?.((0.9 * (n + f)) / requests.length, `${requests[n]!.id}: ${phase}`),
    };
  const searches = requests.map((r, n) =>
    searchEntries(scene, {
      targetLps: r.targetLps,
      ...(r.targetRadiusMm !== undefined && { targetRadiusMm: r.targetRadiusMm }),
      electrode: r.electrode,
      constraints,
      best: 1,
      keepFeasible: options.keepFeasible ?? 150,
      trajectoryId: r.id,
      ...(options.candidateCount !== undefined && { candidateCount: options.candidateCount }),
      seed: (options.seed ?? 1) + n,
      ...(share(n) && { control: share(n) }),
    }),
  );
  const explanation: string[] = [];
  const missing = requests.filter((_, n) => searches[n]!.feasible.length === 0);
  for (const r of missing) explanation.push(`${r.id}: no feasible trajectory to this target`);
  const plannable = requests.map((r, n) => ({ r, n })).filter(({ n }) => searches[n]!.feasible.length > 0);

  const joint = planMultiElectrode({
    electrodes: plannable.map(({ r, n }) => ({
      id: r.id,
      radiusMm: clearanceRadiusMm(r.electrode),
      candidates: searches[n]!.feasible,
    })),
    minDistanceMm: constraints.minInterElectrodeDistanceMm,
    ...(control && { control }),
  });
  explanation.push(...joint.conflicts);
  const chosen: (RankedTrajectory | undefined)[] = requests.map(() => undefined);
  plannable.forEach(({ r, n }, k) => {
    const c = searches[n]!.feasible[joint.choice[k]!]!;
    const trajectory: Trajectory = {
      id: r.id,
      electrodeId: r.electrode.id,
      entryLps: c.entryLps,
      targetLps: c.targetLps,
    };
    const assessment = assessTrajectory(scene, trajectory, r.electrode, constraints);
    chosen[n] = { rank: joint.choice[k]! + 1, assessment, explanation: summarizeAssessment(assessment) };
  });
  const placed = chosen.flatMap((c, n) =>
    c
      ? [
          {
            id: requests[n]!.id,
            entryLps: c.assessment.trajectory.entryLps,
            targetLps: c.assessment.trajectory.targetLps,
            radiusMm: clearanceRadiusMm(requests[n]!.electrode),
          },
        ]
      : [],
  );
  const violations: Violation[] = checkElectrodeSet(placed, constraints.minInterElectrodeDistanceMm).map(
    (message) => ({ code: 'inter-electrode', message }),
  );
  const feasible = missing.length === 0 && joint.feasible && violations.length === 0;
  explanation.unshift(
    feasible
      ? `${requests.length} electrodes planned jointly; every pair keeps ${constraints.minInterElectrodeDistanceMm} mm; total score ${joint.totalScore.toFixed(3)}`
      : `${requests.length} electrodes: no set keeps every constraint`,
  );
  return { chosen, searches, feasible, violations, explanation };
}
