/**
 * Automatic planning on phantom cases of several seeds, end to end from the DICOM files: the scene is
 * built by our own segmentation and registration, then entries are searched. Every returned trajectory is
 * checked against the phantom's ANALYTIC ground truth, never against the planner's maps:
 *  - vessel clearance by vessel-clearance-oracle.py (numpy: the trajectory sampled every 0.02 mm against
 *    every centreline segment of ground-truth.json with its interpolated radius) ≥ the required margin;
 *  - the entry on the same side of the true mid-sagittal plane (through the brain centre, normal = the
 *    head's left axis from the analytic shells) as the target; length and entry-angle limits;
 *  - for joint plans, every pair's closest approach by dense sampling here (independent of the planner's
 *    segment-distance code) minus both radii ≥ the inter-electrode minimum.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhantomCase } from '@neuroplan/imaging/node';
import type { PhantomGroundTruth } from '@neuroplan/imaging';
import { loadPlanningCase } from '../src/node/loadCase.ts';
import { searchEntries } from '../src/auto/entrySearch.ts';
import { planElectrodeSet } from '../src/auto/planSet.ts';
import { ElectrodeCatalog, clearanceRadiusMm } from '../src/electrodes/catalog.ts';
import { resolveConstraints } from '../src/constraints.ts';
import type { PlanningScene } from '../src/scene/types.ts';
import type { Trajectory } from '../src/trajectory.ts';
import { add, dot, scale, sub, type Vec3 } from '../src/vec.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ORACLE = join(here, 'vessel-clearance-oracle.py');
const SIZE = 160;
const SEEDS = [1, 2, 3];
const work = mkdtempSync(join(tmpdir(), 'neuroplan-autoplan-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const catalog = new ElectrodeCatalog();
const seeg = catalog.get('seeg-10');
const constraints = resolveConstraints();

interface Case {
  scene: PlanningScene;
  truth: PhantomGroundTruth;
  truthPath: string;
  /** Ground-truth head axes (columns of the shells' rotation): left, posterior, superior. */
  axes: [Vec3, Vec3, Vec3];
}
const cases = new Map<number, Case>();

function oracleClearance(c: Case, trajectories: Trajectory[], radiusMm: number): number[] {
  const file = join(work, `traj-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify(trajectories.map((t) => ({ entryLps: t.entryLps, targetLps: t.targetLps, radiusMm }))),
  );
  const out = JSON.parse(
    execFileSync('/usr/bin/python3', [ORACLE, c.truthPath, file], { encoding: 'utf8' }),
  ) as {
    clearanceMm: number;
  }[];
  return out.map((o) => o.clearanceMm);
}

/** Targets in the brain's own frame (mm from the brain centre along left, posterior, superior). */
function targetAt(c: Case, left: number, posterior: number, superior: number): Vec3 {
  const [l, p, s] = c.axes;
  return add(add(add(c.truth.brainCenterLps, scale(l, left)), scale(p, posterior)), scale(s, superior));
}

const midlineSide = (c: Case, p: Vec3): number => dot(sub(p, c.truth.brainCenterLps), c.axes[0]);

beforeAll(async () => {
  for (const seed of SEEDS) {
    const dir = join(work, `seed-${seed}`);
    await writePhantomCase(dir, { size: SIZE, seed });
    const truthPath = join(dir, 'ground-truth.json');
    const truth = JSON.parse(readFileSync(truthPath, 'utf8')) as PhantomGroundTruth;
    const r = truth.anatomy.shells.brainOuter!.axesLps;
    const col = (k: number): Vec3 => [r[k]!, r[3 + k]!, r[6 + k]!];
    const { scene } = await loadPlanningCase(dir);
    cases.set(seed, { scene, truth, truthPath, axes: [col(0), col(1), col(2)] });
  }
}, 600_000);

describe('automatic entry search on phantoms', () => {
  for (const seed of SEEDS)
    it(`seed ${seed}: every returned trajectory keeps the vessel margin against the analytic vessels`, () => {
      const c = cases.get(seed)!;
      const targets = [targetAt(c, 28, 5, -12), targetAt(c, -30, 25, 5), targetAt(c, 20, -30, 15)];
      let returned = 0;
      for (const targetLps of targets) {
        const result = searchEntries(c.scene, { targetLps, electrode: seeg, constraints, best: 3, seed });
        expect(result.stats.candidates).toBeGreaterThanOrEqual(10_000);
        for (const r of result.best) {
          const t = r.assessment.trajectory;
          expect(r.assessment.violations).toEqual([]);
          expect(r.assessment.geometry.lengthMm).toBeLessThanOrEqual(constraints.maxLengthMm);
          expect(r.assessment.entryAngleDeg!).toBeLessThanOrEqual(constraints.maxEntryAngleDeg);
          // Same hemisphere as the target, up to the allowed tolerance and 0.2 mm for the estimated plane.
          const side = Math.sign(midlineSide(c, t.targetLps));
          expect(side * midlineSide(c, t.entryLps)).toBeGreaterThanOrEqual(
            -(constraints.midlineToleranceMm + 0.2),
          );
        }
        const truth = oracleClearance(
          c,
          result.best.map((r) => r.assessment.trajectory),
          clearanceRadiusMm(seeg),
        );
        truth.forEach((clearance, n) => {
          const claimed = result.best[n]!.assessment.risk.vessel.clearanceMm;
          console.log(
            `seed ${seed} target ${targetLps.map((x) => x.toFixed(1)).join(',')} #${n + 1}: claimed ${claimed.toFixed(2)} mm, true ${clearance.toFixed(2)} mm`,
          );
          expect(clearance).toBeGreaterThanOrEqual(constraints.minVesselClearanceMm);
          // The claim is a lower bound of the truth.
          expect(clearance).toBeGreaterThanOrEqual(claimed - 1e-6);
        });
        returned += result.best.length;
      }
      expect(returned).toBeGreaterThanOrEqual(6);
    });

  it('explains rejections and returns nothing when no entry can keep the constraints', () => {
    const c = cases.get(SEEDS[0]!)!;
    const tight = resolveConstraints({ maxLengthMm: 20 });
    const result = searchEntries(c.scene, {
      targetLps: targetAt(c, 0, 0, 0),
      electrode: seeg,
      constraints: tight,
    });
    expect(result.best).toEqual([]);
    expect(result.explanation.join('\n')).toMatch(
      /no allowed skull surface lies within reach|no candidate keeps/,
    );
  });
});

describe('joint multi-electrode planning on a phantom', () => {
  it('four electrodes keep the vessel margin and the inter-electrode distance', () => {
    const c = cases.get(SEEDS[0]!)!;
    const targets = [
      targetAt(c, 28, 5, -12),
      targetAt(c, 24, 12, -10),
      targetAt(c, 30, -5, -5),
      targetAt(c, -28, 10, 0),
    ];
    const set = planElectrodeSet(
      c.scene,
      targets.map((t, n) => ({ id: `E${n + 1}`, electrode: seeg, targetLps: t })),
      constraints,
      { candidateCount: 10_000 },
    );
    expect(set.feasible).toBe(true);
    const chosen = set.chosen.map((x) => x!.assessment.trajectory);
    const radius = clearanceRadiusMm(seeg);
    for (const clearance of oracleClearance(c, chosen, radius))
      expect(clearance).toBeGreaterThanOrEqual(constraints.minVesselClearanceMm);
    // Closest approach by dense sampling (0.05 mm), independent of the planner's segment distance.
    const sample = (t: Trajectory): Vec3[] => {
      const n = Math.ceil(Math.hypot(...sub(t.targetLps, t.entryLps)) / 0.05);
      return Array.from({ length: n + 1 }, (_, i) =>
        add(t.entryLps, scale(sub(t.targetLps, t.entryLps), i / n)),
      );
    };
    for (let a = 0; a < chosen.length; a++)
      for (let b = a + 1; b < chosen.length; b++) {
        const pa = sample(chosen[a]!);
        const pb = sample(chosen[b]!);
        let best = Infinity;
        for (const p of pa) for (const q of pb) best = Math.min(best, Math.hypot(...sub(p, q)));
        expect(best - 2 * radius).toBeGreaterThanOrEqual(constraints.minInterElectrodeDistanceMm - 0.01);
      }
  });
});
