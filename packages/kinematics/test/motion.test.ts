/**
 * Joint-space motion to the pre-entry pose. Expected values are geometric facts checked with our FK
 * (itself checked against Orocos KDL in fk.test.ts): the needle on the planned axis at the standoff, the
 * quintic's closed-form peaks, every sample within the URDF's limits, and the head clearance measured
 * here by brute force over the head points.
 */
import { describe, expect, it } from 'vitest';
import { loadRobotChain } from '../src/node/index.ts';
import { forwardKinematics, jointFrames } from '../src/fk.ts';
import { armWithInsertionAt, planApproach } from '../src/motion/approach.ts';
import {
  jointCommandProblem,
  quinticDurationS,
  quinticJointTrajectory,
} from '../src/motion/jointTrajectory.ts';
import type { Vec3 } from '../src/types.ts';

const chain = loadRobotChain();
const n = chain.joints.length;
const home = new Float64Array(n); // all zeros: within every limit of our URDF
home[1] = -0.3;
home[2] = 1.2;
home[4] = 0.6;

/** A head: points on a 90 mm sphere in front of the robot, and a planned trajectory into it. */
const headCenter: Vec3 = [620, 0, 280];
const headRadius = 90;
function headPoints(): Float32Array {
  const pts: number[] = [];
  const count = 4000;
  for (let i = 0; i < count; i++) {
    // Fibonacci sphere: even coverage.
    const z = 1 - (2 * (i + 0.5)) / count;
    const r = Math.sqrt(1 - z * z);
    const phi = i * Math.PI * (3 - Math.sqrt(5));
    pts.push(
      headCenter[0] + headRadius * r * Math.cos(phi),
      headCenter[1] + headRadius * r * Math.sin(phi),
      headCenter[2] + headRadius * z,
    );
  }
  return Float32Array.from(pts);
}
const onSphere = (dir: Vec3): Vec3 => {
  const l = Math.hypot(...dir);
  return [
    headCenter[0] + (headRadius * dir[0]) / l,
    headCenter[1] + (headRadius * dir[1]) / l,
    headCenter[2] + (headRadius * dir[2]) / l,
  ];
};

describe('quintic joint motion', () => {
  it('peaks at the closed-form velocity and acceleration and stays within every limit', () => {
    const goal = Float64Array.from(home);
    goal[0] = 1.0;
    goal[3] = -0.8;
    const t = quinticJointTrajectory(chain, home, goal, 500);
    // Joint 0 moves 1 rad: the duration is the larger of its velocity and acceleration bounds, or another joint's.
    expect(t.durationS).toBeCloseTo(quinticDurationS(chain, home, goal) * (1 + 1e-9), 12);
    const j0 = chain.joints[0]!.limits;
    const expected = Math.max(
      (15 / 8) * (1 / j0.velocity),
      Math.sqrt(((10 / Math.sqrt(3)) * 1) / j0.acceleration),
    );
    const j3 = chain.joints[3]!.limits;
    const expected3 = Math.max(
      (15 / 8) * (0.8 / j3.velocity),
      Math.sqrt(((10 / Math.sqrt(3)) * 0.8) / j3.acceleration),
    );
    expect(t.durationS).toBeCloseTo(Math.max(expected, expected3), 6);
    // At rest at both ends; the midpoint velocity is the peak 15Δ/(8T).
    expect(Math.max(...t.velocities[0]!.map(Math.abs), ...t.velocities.at(-1)!.map(Math.abs))).toBe(0);
    const mid =
      t.velocities[(t.velocities.length - 1) / 2] ?? t.velocities[Math.floor(t.velocities.length / 2)]!;
    expect(Math.abs(mid[0]!)).toBeCloseTo((15 / 8) * (1 / t.durationS), 2);
    for (let k = 0; k < t.timesS.length; k++)
      expect(jointCommandProblem(chain, t.positions[k]!, t.velocities[k]!, t.accelerations[k]!)).toBeNull();
    expect(Array.from(t.positions.at(-1)!)).toEqual(Array.from(goal).map((x) => expect.closeTo(x, 12)));
  });

  it('refuses commands outside the limits or not finite, with the joint and the reason', () => {
    const q = Float64Array.from(home);
    q[1] = 10;
    expect(jointCommandProblem(chain, q)).toMatch(/joint_2: position 10\.000000 rad is outside its limits/);
    q[1] = NaN;
    expect(jointCommandProblem(chain, q)).toMatch(/joint_2: the position command is NaN/);
    expect(jointCommandProblem(chain, [0, 0])).toMatch(/needs 7 values, got 2/);
    const v = new Float64Array(n);
    v[0] = 100;
    expect(jointCommandProblem(chain, home, v)).toMatch(
      /joint_1: velocity 100\.000000 rad\/s exceeds its limit/,
    );
    const bad = Float64Array.from(home);
    bad[0] = 5;
    expect(() => quinticJointTrajectory(chain, home, bad)).toThrow(/the goal configuration: joint joint_1/);
  });
});

describe('approach to the pre-entry pose', () => {
  const cases: [string, Vec3][] = [
    ['from above', [0.2, 0.1, 1]],
    ['from the right-top', [0.2, -0.6, 0.8]],
    ['from the front-top', [-0.6, -0.2, 0.8]],
  ];
  for (const [name, outward] of cases)
    it(`${name}: the needle lies on the planned axis at the standoff, the motion keeps the limits and the head clearance`, () => {
      const entry = onSphere(outward);
      // About 60 mm deep, slightly off the radial direction (an oblique trajectory).
      const target = [0, 1, 2].map(
        (a) => entry[a]! + 0.65 * (headCenter[a]! - entry[a]!) + [4, -6, 3][a]!,
      ) as Vec3;
      const head = headPoints();
      const plan = planApproach(chain, {
        entryRobotMm: entry,
        targetRobotMm: target,
        currentJoints: home,
        headPointsRobotMm: head,
      });
      if (!plan.ok) throw new Error(plan.reason);
      const length = Math.hypot(target[0] - entry[0], target[1] - entry[1], target[2] - entry[2]);
      const dir = [0, 1, 2].map((a) => (target[a]! - entry[a]!) / length) as Vec3;
      // Pre-entry: tip 20 mm outside the entry on the axis, needle (tool z) along the axis, insertion retracted.
      const tip = forwardKinematics(chain, plan.preEntryJoints);
      const expectedTip = [0, 1, 2].map((a) => entry[a]! - 20 * dir[a]!);
      expect(Math.hypot(...tip.positionMm.map((x, a) => x - expectedTip[a]!))).toBeLessThan(1e-4);
      const z: Vec3 = [tip.rotation[2]!, tip.rotation[5]!, tip.rotation[8]!];
      expect(Math.acos(Math.min(1, z[0] * dir[0] + z[1] * dir[1] + z[2] * dir[2]))).toBeLessThan(1e-6);
      expect(plan.preEntryJoints[n - 1]).toBe(chain.joints[n - 1]!.limits.lower);
      // Driving the insertion axis alone to atTargetMm puts the tip on the target: a straight insertion.
      for (const [depth, point] of [
        [plan.insertion.atEntryMm, entry],
        [plan.insertion.atTargetMm, target],
      ] as const) {
        const q = Float64Array.from(plan.preEntryJoints);
        q[n - 1] = depth;
        const p = forwardKinematics(chain, q).positionMm;
        expect(Math.hypot(p[0] - point[0], p[1] - point[1], p[2] - point[2])).toBeLessThan(1e-4);
      }
      // Every sample within the limits; starts at the current configuration and ends at the pre-entry one.
      expect(Array.from(plan.segments[0]!.positions[0]!)).toEqual(Array.from(home));
      expect(Array.from(plan.segments.at(-1)!.positions.at(-1)!)).toEqual(
        Array.from(plan.preEntryJoints).map((x) => expect.closeTo(x, 12)),
      );
      let brute = Infinity;
      for (const s of plan.segments)
        for (let k = 0; k < s.timesS.length; k++) {
          expect(
            jointCommandProblem(chain, s.positions[k]!, s.velocities[k]!, s.accelerations[k]!),
          ).toBeNull();
          const pts = [
            ...jointFrames(chain, s.positions[k]!)
              .slice(3)
              .map((f) => f.positionMm),
            forwardKinematics(chain, s.positions[k]!).positionMm,
          ];
          for (const p of pts)
            for (let h = 0; h < head.length; h += 3)
              brute = Math.min(brute, Math.hypot(p[0] - head[h]!, p[1] - head[h + 1]!, p[2] - head[h + 2]!));
        }
      expect(brute).toBeGreaterThanOrEqual(10 - 1e-3);
      expect(plan.minHeadClearanceMm).toBeCloseTo(brute, 3);
      expect(plan.margins.limitMarginFraction).toBeGreaterThan(0);
    });

  it('refuses, in words, an approach that would sweep through the head (from the far side)', () => {
    const entry = onSphere([0.3, 0.9, 0.5]);
    const target = [0, 1, 2].map((a) => entry[a]! + 0.65 * (headCenter[a]! - entry[a]!)) as Vec3;
    const plan = planApproach(chain, {
      entryRobotMm: entry,
      targetRobotMm: target,
      currentJoints: home,
      headPointsRobotMm: headPoints(),
    });
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.reason).toMatch(/passes \d+\.\d mm from the head/);
    // Without the head (or with no clearance asked) the same approach exists: the refusal is the clearance.
    expect(planApproach(chain, { entryRobotMm: entry, targetRobotMm: target, currentJoints: home }).ok).toBe(
      true,
    );
  });

  it('refuses with a reason: stroke too short, bad input, unreachable axis', () => {
    const entry = onSphere([0, 0, 1]);
    const far: Vec3 = [entry[0], entry[1], entry[2] - 95];
    const r1 = planApproach(chain, { entryRobotMm: entry, targetRobotMm: far, currentJoints: home });
    expect(r1.ok).toBe(false);
    if (!r1.ok) expect(r1.reason).toMatch(/needs 115\.0 mm of stroke .* the insertion axis has 100\.0 mm/);
    const r2 = planApproach(chain, { entryRobotMm: [NaN, 0, 0], targetRobotMm: far, currentJoints: home });
    expect(!r2.ok && r2.reason).toMatch(/the entry must be 3 finite numbers/);
    const r3 = planApproach(chain, {
      entryRobotMm: [5000, 0, 0],
      targetRobotMm: [5000, 0, -30],
      currentJoints: home,
    });
    expect(!r3.ok && r3.reason).toMatch(/no arm configuration puts the needle on the planned axis/);
    expect(() => armWithInsertionAt({ ...chain, joints: chain.joints.slice(0, -1) }, 0)).toThrow(
      /prismatic insertion axis/,
    );
  });
});
