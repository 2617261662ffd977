/**
 * Inverse kinematics (src/ik.ts) against Orocos KDL.
 *
 * Oracle: bench/peers/kdl_ik.py (PyKDL, Debian python3-pykdl) builds a KDL chain from the same URDF with
 * xml.etree the way kdl_parser does and runs ChainFkSolverPos_recursive. It produces the target poses (tool
 * poses of seeded random configurations within limits: reachable by construction, computed by KDL, not by us)
 * and checks our solutions: KDL's FK of the returned joints must be within 0.1 µm and 1 µrad of the target,
 * every joint within its limits. Nothing expected comes from our own FK.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkTargetPose,
  ikTargetFromQuaternion,
  jointMargins,
  marginObjective,
  solveIk,
  solveOnAxis,
} from '../src/ik.ts';
import { mulberry32 } from '../../imaging/src/random.ts';
import { analyticIkFor } from '../src/ikAnalytic.ts';
import { buildChain, parseUrdf } from '../src/urdf.ts';
import type { KinematicChain, Pose } from '../src/types.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const urdfPath = join(root, 'ros', 'description', 'urdf', 'neuroplan_robot.urdf');
const twistedPath = join(import.meta.dirname, 'fixtures', 'twisted.urdf');
const oracle = join(root, 'bench', 'peers', 'kdl_ik.py');
const work = mkdtempSync(join(tmpdir(), 'neuroplan-ik-'));

const POS_TOL_MM = 1e-4;
const ORI_TOL_RAD = 1e-6;

interface KdlOut {
  lower: number[];
  upper: number[];
  poses: number[][];
  checked: { ok: boolean; positionErrorMm: number; orientationErrorRad: number; withinLimits: boolean }[];
}
let jobs = 0;
function kdl(urdf: string, base: string, tip: string, job: object): KdlOut {
  const n = ++jobs;
  const jobPath = join(work, `job${n}.json`);
  const outPath = join(work, `out${n}.json`);
  writeFileSync(jobPath, JSON.stringify({ urdf, base, tip, ...job }));
  execFileSync('/usr/bin/python3', [oracle, jobPath, outPath]);
  return JSON.parse(readFileSync(outPath, 'utf8')) as KdlOut;
}

const load = (path: string, base = 'base_link', tip = 'needle_tip') =>
  buildChain(parseUrdf(readFileSync(path, 'utf8'), path), base, tip);
const toUrdf = (chain: KinematicChain, q: ArrayLike<number>) =>
  Array.from(q, (v, i) => (chain.joints[i]!.type === 'prismatic' ? v / 1000 : v));
function randomConfigs(chain: KinematicChain, count: number, seed: number): number[][] {
  const rng = mulberry32(seed);
  return Array.from({ length: count }, () =>
    chain.joints.map((j) =>
      Number.isFinite(j.limits.lower)
        ? j.limits.lower + rng() * (j.limits.upper - j.limits.lower)
        : (rng() * 2 - 1) * Math.PI,
    ),
  );
}
const poseOf = (p: number[]): Pose => ({
  rotation: Float64Array.from(p.slice(0, 9)),
  positionMm: [p[9]!, p[10]!, p[11]!],
});
const within = (chain: KinematicChain, q: ArrayLike<number>) =>
  chain.joints.every((j, i) => q[i]! >= j.limits.lower && q[i]! <= j.limits.upper);

/** Solves every KDL-made pose and has KDL check the solutions; returns the success count and errors. */
function solveAndCheck(
  chain: KinematicChain,
  urdf: string,
  base: string,
  tip: string,
  goals: number[][],
  seeds: number[][] | null,
  options: Parameters<typeof solveIk>[2] = {},
) {
  const poses = kdl(urdf, base, tip, { fk: goals.map((q) => toUrdf(chain, q)) }).poses;
  const sols = poses.map((p, k) =>
    solveIk(chain, poseOf(p), { ...options, ...(seeds ? { seed: seeds[k]! } : {}) }),
  );
  const solved = sols.flatMap((r, k) => (r.ok ? [{ k, q: r.joints, r }] : []));
  const checked = kdl(urdf, base, tip, {
    targets: poses.map((p) => p),
    check: sols.map((r, k) => toUrdf(chain, r.ok ? r.joints : goals[k]!)),
  }).checked;
  return { poses, sols, solved, checked };
}

describe('solveIk on the robot (URDF)', () => {
  const chain = load(urdfPath);

  it('uses the closed form for this geometry (spherical wrist, insertion on the wrist axis)', () => {
    expect(analyticIkFor(chain)).not.toBeNull();
  });

  it('solves 3,000 random reachable poses from random starts, within 0.1 µm / 1 µrad and limits (checked by KDL)', () => {
    const goals = randomConfigs(chain, 3000, 11);
    const seeds = randomConfigs(chain, 3000, 12);
    const { solved, checked } = solveAndCheck(chain, urdfPath, 'base_link', 'needle_tip', goals, seeds);
    expect(solved.length / goals.length).toBeGreaterThanOrEqual(0.999);
    for (const { k, q, r } of solved) {
      const c = checked[k]!;
      expect(c.positionErrorMm).toBeLessThan(POS_TOL_MM);
      expect(c.orientationErrorRad).toBeLessThan(ORI_TOL_RAD);
      expect(c.withinLimits).toBe(true);
      expect(within(chain, q)).toBe(true);
      // Our own reported errors agree with KDL's to well below the tolerance.
      if (r.ok) expect(Math.abs(r.positionErrorMm - c.positionErrorMm)).toBeLessThan(1e-6);
    }
  });

  it('the numerical path alone (LM + random restarts) solves ≥ 99.5% of 400 poses, verified by KDL', () => {
    const goals = randomConfigs(chain, 400, 21);
    const seeds = randomConfigs(chain, 400, 22);
    const { solved, checked } = solveAndCheck(chain, urdfPath, 'base_link', 'needle_tip', goals, seeds, {
      analytic: false,
    });
    expect(solved.length / goals.length).toBeGreaterThanOrEqual(0.995);
    for (const { k } of solved) expect(checked[k]!.ok).toBe(true);
  });

  it('returns the seed configuration itself when the seed solves the pose (nearest branch, same insertion)', () => {
    const goals = randomConfigs(chain, 50, 31);
    const poses = kdl(urdfPath, 'base_link', 'needle_tip', { fk: goals.map((q) => toUrdf(chain, q)) }).poses;
    poses.forEach((p, k) => {
      const r = solveIk(chain, poseOf(p), { seed: goals[k]! });
      expect(r.ok).toBe(true);
      if (r.ok) for (let i = 0; i < 7; i++) expect(Math.abs(r.joints[i]! - goals[k]![i]!)).toBeLessThan(1e-6);
    });
  });

  it('is deterministic: the same inputs give bit-identical joints, with and without the closed form', () => {
    const goals = randomConfigs(chain, 40, 41);
    const poses = kdl(urdfPath, 'base_link', 'needle_tip', { fk: goals.map((q) => toUrdf(chain, q)) }).poses;
    for (const analytic of [true, false])
      for (const p of poses) {
        const a = solveIk(chain, poseOf(p), { analytic });
        const b = solveIk(chain, poseOf(p), { analytic });
        expect(a).toEqual(b);
      }
  });

  it('optimizeMargins uses the redundant insertion axis to lower the margin objective, keeping the pose (KDL)', () => {
    const goals = randomConfigs(chain, 20, 71);
    const poses = kdl(urdfPath, 'base_link', 'needle_tip', { fk: goals.map((q) => toUrdf(chain, q)) }).poses;
    const plain = poses.map((p) => solveIk(chain, poseOf(p)));
    const tuned = poses.map((p) => solveIk(chain, poseOf(p), { optimizeMargins: true }));
    let improved = 0;
    tuned.forEach((r, k) => {
      const a = plain[k]!;
      expect(r.ok && a.ok).toBe(true);
      if (!r.ok || !a.ok) return;
      const fa = marginObjective(chain, a.joints);
      const fr = marginObjective(chain, r.joints);
      expect(fr).toBeLessThanOrEqual(fa + 1e-12);
      if (fr < fa - 1e-6) improved++;
    });
    expect(improved).toBeGreaterThan(10);
    const checked = kdl(urdfPath, 'base_link', 'needle_tip', {
      targets: poses,
      check: tuned.map((r, k) => toUrdf(chain, r.ok ? r.joints : goals[k]!)),
    }).checked;
    checked.forEach((c) => expect(c.ok).toBe(true));
  });

  it('says why an unreachable pose has no solution', () => {
    const farAway = solveIk(chain, {
      rotation: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
      positionMm: [3000, 0, 0],
    });
    expect(farAway.ok).toBe(false);
    if (!farAway.ok) expect(farAway.reason).toMatch(/no joint configuration within limits/);
    // Inside the base column, needle pointing up through the robot's own base: beyond joint limits.
    const inside = solveIk(chain, {
      rotation: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
      positionMm: [0, 0, -400],
    });
    expect(inside.ok).toBe(false);
  });

  it('rejects bad input with a reason in words', () => {
    const I = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
    const bad = (pose: Pose, options = {}) => {
      const r = solveIk(chain, pose, options);
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.reason;
    };
    expect(bad({ rotation: I, positionMm: [NaN, 0, 500] })).toMatch(/NaN or infinite/);
    expect(bad({ rotation: I, positionMm: [Infinity, 0, 500] })).toMatch(/NaN or infinite/);
    expect(
      bad({ rotation: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, NaN), positionMm: [500, 0, 500] }),
    ).toMatch(/NaN or infinite/);
    expect(bad({ rotation: Float64Array.of(2, 0, 0, 0, 1, 0, 0, 0, 1), positionMm: [500, 0, 500] })).toMatch(
      /not orthonormal/,
    );
    expect(bad({ rotation: Float64Array.of(-1, 0, 0, 0, 1, 0, 0, 0, 1), positionMm: [500, 0, 500] })).toMatch(
      /reflection/,
    );
    expect(bad({ rotation: I, positionMm: [500, 0, 500] }, { seed: [0, 0, 0] })).toMatch(/seed has 3 values/);
    expect(bad({ rotation: I, positionMm: [500, 0, 500] }, { seed: [0, 0, 0, NaN, 0, 0, 0] })).toMatch(
      /seed value 4 is NaN/,
    );
    expect(checkTargetPose({ rotation: I, positionMm: [1, 2, 3] })).toBeNull();

    const unnormalised = ikTargetFromQuaternion([500, 0, 500], [0, 0, 0, 1.01]);
    expect(unnormalised.ok).toBe(false);
    if (!unnormalised.ok) expect(unnormalised.reason).toMatch(/not normalised/);
    const nan = ikTargetFromQuaternion([500, 0, 500], [0, NaN, 0, 1]);
    expect(nan.ok).toBe(false);
    // A 90° turn about z: the matrix is the textbook one.
    const h = Math.SQRT1_2;
    const quarter = ikTargetFromQuaternion([1, 2, 3], [0, 0, h, h]);
    expect(quarter.ok).toBe(true);
    if (quarter.ok) {
      const expected = [0, -1, 0, 1, 0, 0, 0, 0, 1];
      quarter.pose.rotation.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 15));
    }
  });
});

describe('solveIk on a twisted chain without a closed form (oblique axes, continuous joint, 5 joints)', () => {
  const chain = load(twistedPath, 'world', 'tip');

  it('has no closed form and solves reachable poses numerically (KDL-checked)', () => {
    expect(analyticIkFor(chain)).toBeNull();
    const goals = randomConfigs(chain, 200, 51);
    const { solved, checked } = solveAndCheck(chain, twistedPath, 'world', 'tip', goals, null);
    expect(solved.length / goals.length).toBeGreaterThanOrEqual(0.98);
    for (const { k } of solved) {
      expect(checked[k]!.positionErrorMm).toBeLessThan(POS_TOL_MM);
      expect(checked[k]!.orientationErrorRad).toBeLessThan(ORI_TOL_RAD);
      expect(checked[k]!.withinLimits).toBe(true);
    }
  });
});

describe('solveOnAxis', () => {
  const chain = load(urdfPath);
  // Axes the robot can reach: the needle of seeded random configurations (KDL FK), tip 10 mm past the point.
  const goals = randomConfigs(chain, 12, 61);
  const poses = kdl(urdfPath, 'base_link', 'needle_tip', { fk: goals.map((q) => toUrdf(chain, q)) }).poses;
  const depth = 10;
  const axes = poses.map((p) => {
    const dir = [p[2]!, p[5]!, p[8]!];
    return { dir, point: [0, 1, 2].map((a) => p[9 + a]! - depth * dir[a]!), pose: p };
  });

  it('keeps the tool on the axis (≤ 0.1 µm, ≤ 1 µrad by KDL) and beats a naive full-pose solution on margins', () => {
    const results = axes.map(({ point, dir }) => solveOnAxis(chain, point, dir, depth));
    const ok = results.flatMap((r) => (r.ok ? [r] : []));
    expect(ok.length).toBe(axes.length);
    const fk = kdl(urdfPath, 'base_link', 'needle_tip', { fk: ok.map((r) => toUrdf(chain, r.joints)) }).poses;
    let oursMargin = 0;
    let naiveMargin = 0;
    ok.forEach((r, k) => {
      const { point, dir, pose } = axes[k]!;
      const p = fk[k]!;
      // Tip at point + depth·dir, needle (tool z = third rotation column) along dir, both from KDL's FK.
      const dist = Math.hypot(...[0, 1, 2].map((a) => p[9 + a]! - (point[a]! + depth * dir[a]!)));
      expect(dist).toBeLessThan(POS_TOL_MM);
      const dot = p[2]! * dir[0]! + p[5]! * dir[1]! + p[8]! * dir[2]!;
      const cross = Math.hypot(
        p[5]! * dir[2]! - p[8]! * dir[1]!,
        p[8]! * dir[0]! - p[2]! * dir[2]!,
        p[2]! * dir[1]! - p[5]! * dir[0]!,
      );
      expect(Math.atan2(cross, dot)).toBeLessThan(ORI_TOL_RAD);
      expect(within(chain, r.joints)).toBe(true);
      // Margins as reported: recomputed here from the joints and limits.
      const fractions = chain.joints.map(
        (j, i) =>
          Math.min(r.joints[i]! - j.limits.lower, j.limits.upper - r.joints[i]!) /
          (j.limits.upper - j.limits.lower),
      );
      expect(r.limitMarginFraction).toBeCloseTo(Math.min(...fractions), 12);
      expect(r.manipulability).toBeGreaterThan(0);
      // Naive: the full pose of the sampled configuration (arbitrary roll), solved from the default start.
      const naive = solveIk(chain, poseOf(pose));
      expect(naive.ok).toBe(true);
      if (!naive.ok) return;
      expect(marginObjective(chain, r.joints)).toBeLessThanOrEqual(
        marginObjective(chain, naive.joints) + 1e-9,
      );
      oursMargin += r.limitMarginFraction;
      naiveMargin += jointMargins(chain, naive.joints).limitMarginFraction;
    });
    expect(oursMargin).toBeGreaterThan(naiveMargin);
  });

  it('checks its input and says when the axis is out of reach', () => {
    const { point, dir } = axes[0]!;
    const reason = (r: ReturnType<typeof solveOnAxis>) => (r.ok ? '' : r.reason);
    expect(reason(solveOnAxis(chain, [NaN, 0, 0], dir, depth))).toMatch(/finite/);
    expect(reason(solveOnAxis(chain, point, [0, 0, 2], depth))).toMatch(/not a unit vector/);
    expect(reason(solveOnAxis(chain, point, dir, Infinity))).toMatch(/depth/);
    expect(reason(solveOnAxis(chain, [5000, 0, 0], [0, 0, -1], 0))).toMatch(/no joint configuration/);
  });
});
