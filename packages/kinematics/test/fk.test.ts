/**
 * Forward kinematics, joint frames and the geometric Jacobian against Orocos KDL.
 *
 * Expected values come from test/kdl-oracle.py (PyKDL, Debian python3-pykdl): it parses the same URDF with
 * xml.etree, builds a KDL Chain the way kdl_parser does, and runs ChainFkSolverPos_recursive and
 * ChainJntToJacSolver on the configurations drawn here (seeded, uniform within the joint limits). Nothing
 * expected is computed by our code, except the finite-difference check of the Jacobian against our FK.
 *
 * Tolerances: both sides work in IEEE doubles, KDL in metres and we in millimetres, with different operation
 * orders. Positions are ~1000 mm, so one rounding is ~1e-13 mm and a 7-joint chain accumulates ~1e-12 mm;
 * 1e-9 mm (1 pm) leaves three orders of margin for rounding yet is 1e5 times finer than the 0.1 µm IK goal,
 * so any modelling error (a wrong rpy convention, axis frame or unit) fails by many orders of magnitude.
 * Rotations are unit-scale: rounding ~1e-16 per product, 1e-12 rad is the bound asked for.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forwardKinematics, forwardKinematicsInto, geometricJacobian, jointFrames } from '../src/fk.ts';
import { loadRobotChain, ROBOT_URDF_PATH } from '../src/node/robot.ts';
import { buildChain, parseUrdf } from '../src/urdf.ts';
import { rotationAngleBetween } from '../src/pose.ts';
import type { KinematicChain } from '../src/types.ts';

const here = import.meta.dirname;
const oraclePath = join(here, 'kdl-oracle.py');
const twistedPath = join(here, 'fixtures', 'twisted.urdf');

interface OracleOut {
  joints: string[];
  fk: number[][];
  jac: number[][];
  frames: number[][][];
}
function kdl(urdf: string, base: string, tip: string, q: number[][], frames = 0): OracleOut {
  const out = execFileSync('/usr/bin/python3', [oraclePath, urdf, base, tip], {
    input: JSON.stringify({ q, frames }),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return JSON.parse(out) as OracleOut;
}

/** mulberry32: a small seeded generator, so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random configurations within the limits, in URDF units (rad, m) for the oracle; continuous: ±3π. */
function randomUrdfConfigs(chain: KinematicChain, count: number, seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: count }, () =>
    chain.joints.map((j) => {
      const scale = j.type === 'prismatic' ? 1000 : 1;
      const lo = Number.isFinite(j.limits.lower) ? j.limits.lower / scale : -3 * Math.PI;
      const hi = Number.isFinite(j.limits.upper) ? j.limits.upper / scale : 3 * Math.PI;
      return lo + (hi - lo) * r();
    }),
  );
}
const toMm = (chain: KinematicChain, q: number[]) =>
  q.map((v, i) => (chain.joints[i]!.type === 'prismatic' ? v * 1000 : v));

function compareWithKdl(
  chain: KinematicChain,
  urdf: string,
  base: string,
  tip: string,
  count: number,
  seed: number,
) {
  const configs = randomUrdfConfigs(chain, count, seed);
  const o = kdl(urdf, base, tip, configs, 50);
  expect(o.joints).toEqual(chain.joints.map((j) => j.name));
  const n = chain.joints.length;
  let maxPos = 0,
    maxRot = 0,
    maxRotEntry = 0,
    maxJacLin = 0,
    maxJacAng = 0,
    maxFramePos = 0,
    maxFrameRot = 0;
  const J = new Float64Array(6 * n);
  configs.forEach((qUrdf, c) => {
    const q = toMm(chain, qUrdf);
    const pose = forwardKinematics(chain, q);
    const e = o.fk[c]!;
    for (let k = 0; k < 3; k++) maxPos = Math.max(maxPos, Math.abs(pose.positionMm[k]! - e[k]! * 1000));
    for (let k = 0; k < 9; k++) maxRotEntry = Math.max(maxRotEntry, Math.abs(pose.rotation[k]! - e[3 + k]!));
    maxRot = Math.max(maxRot, Math.abs(rotationAngleBetween(pose.rotation, e.slice(3, 12))));
    geometricJacobian(chain, q, J);
    const ej = o.jac[c]!;
    for (let r = 0; r < 6; r++)
      for (let i = 0; i < n; i++) {
        // KDL's linear rows are m per rad (revolute) or m per m (prismatic); ours mm per rad or mm per mm.
        const scale = r < 3 && chain.joints[i]!.type !== 'prismatic' ? 1000 : 1;
        const d = Math.abs(J[r * n + i]! - ej[r * n + i]! * scale);
        if (r < 3) maxJacLin = Math.max(maxJacLin, d);
        else maxJacAng = Math.max(maxJacAng, d);
      }
    const ef = o.frames[c];
    if (ef) {
      jointFrames(chain, q).forEach((f, i) => {
        const x = ef[i]!;
        for (let k = 0; k < 3; k++)
          maxFramePos = Math.max(maxFramePos, Math.abs(f.positionMm[k]! - x[k]! * 1000));
        maxFrameRot = Math.max(maxFrameRot, Math.abs(rotationAngleBetween(f.rotation, x.slice(3, 12))));
      });
    }
  });
  expect(o.frames.length).toBe(Math.min(50, count));
  expect(maxPos).toBeLessThan(1e-9);
  expect(maxRot).toBeLessThan(1e-12);
  expect(maxRotEntry).toBeLessThan(1e-12);
  expect(maxJacLin).toBeLessThan(1e-9);
  expect(maxJacAng).toBeLessThan(1e-12);
  expect(maxFramePos).toBeLessThan(1e-9);
  expect(maxFrameRot).toBeLessThan(1e-12);
}

describe('forward kinematics and Jacobian against Orocos KDL', () => {
  it('our robot: 4000 random configurations within the limits', () => {
    compareWithKdl(loadRobotChain(), ROBOT_URDF_PATH, 'base_link', 'needle_tip', 4000, 1);
  });

  it('a twisted chain (rpy origins, oblique axes, folded fixed joints, continuous and prismatic joints, a branch)', () => {
    const chain = buildChain(parseUrdf(readFileSync(twistedPath, 'utf8'), twistedPath), 'world', 'tip');
    expect(chain.joints.map((j) => j.type)).toEqual([
      'revolute',
      'revolute',
      'prismatic',
      'continuous',
      'revolute',
    ]);
    compareWithKdl(chain, twistedPath, 'world', 'tip', 2000, 2);
  });

  it('the tool frame equals the last joint frame composed with toolFromLastJoint, and the Into variants agree', () => {
    const chain = loadRobotChain();
    const [qUrdf] = randomUrdfConfigs(chain, 1, 3);
    const q = toMm(chain, qUrdf!);
    const pose = forwardKinematics(chain, q);
    const buf = forwardKinematicsInto(chain, q, new Float64Array(12));
    expect(Array.from(buf.subarray(0, 9))).toEqual(Array.from(pose.rotation));
    expect(Array.from(buf.subarray(9))).toEqual(pose.positionMm);
    const toolOut = new Float64Array(12);
    const out = new Float64Array(6 * 7);
    expect(geometricJacobian(chain, q, out, toolOut)).toBe(out);
    expect(Array.from(toolOut)).toEqual(Array.from(buf));
    const frames = jointFrames(chain, q);
    expect(frames).toHaveLength(7);
    // Our robot's tool sits 120 mm along the insertion carriage's z axis.
    const last = frames[6]!;
    const R = last.rotation;
    for (let k = 0; k < 3; k++)
      expect(pose.positionMm[k]!).toBeCloseTo(last.positionMm[k]! + R[k * 3 + 2]! * 120, 9);
  });
});

describe('Jacobian against finite differences of our FK', () => {
  it('central differences agree on 300 configurations (both robots)', () => {
    const twisted = buildChain(parseUrdf(readFileSync(twistedPath, 'utf8'), twistedPath), 'world', 'tip');
    for (const [chain, seed] of [
      [loadRobotChain(), 11],
      [twisted, 12],
    ] as const) {
      const n = chain.joints.length;
      const J = new Float64Array(6 * n);
      let maxLin = 0,
        maxAng = 0;
      for (const qUrdf of randomUrdfConfigs(chain, 150, seed)) {
        const q = toMm(chain, qUrdf);
        geometricJacobian(chain, q, J);
        for (let i = 0; i < n; i++) {
          const h = 1e-5; // rad or mm
          const qp = q.slice(),
            qm = q.slice();
          qp[i]! += h;
          qm[i]! -= h;
          const a = forwardKinematics(chain, qp),
            b = forwardKinematics(chain, qm);
          for (let k = 0; k < 3; k++)
            maxLin = Math.max(
              maxLin,
              Math.abs((a.positionMm[k]! - b.positionMm[k]!) / (2 * h) - J[k * n + i]!),
            );
          // ω ≈ vee(Ṙ Rᵀ): (Ra − Rb)/(2h) · Rᵀ at the centre.
          const R = forwardKinematics(chain, q).rotation;
          const dR = (r: number, c: number) => (a.rotation[r * 3 + c]! - b.rotation[r * 3 + c]!) / (2 * h);
          const W = (r: number, c: number) =>
            dR(r, 0) * R[c * 3]! + dR(r, 1) * R[c * 3 + 1]! + dR(r, 2) * R[c * 3 + 2]!;
          const w = [(W(2, 1) - W(1, 2)) / 2, (W(0, 2) - W(2, 0)) / 2, (W(1, 0) - W(0, 1)) / 2];
          for (let k = 0; k < 3; k++) maxAng = Math.max(maxAng, Math.abs(w[k]! - J[(3 + k) * n + i]!));
        }
      }
      // Truncation ~h²·|p'''|/6 ≈ 1e-10·1000 mm and rounding ~1e-13 mm/(2h) ≈ 1e-8 mm per rad.
      expect(maxLin).toBeLessThan(1e-6);
      expect(maxAng).toBeLessThan(1e-9);
    }
  });
});

describe('our robot model', () => {
  const chain = loadRobotChain();

  it('has six revolute joints and the prismatic insertion axis, in mm and rad', () => {
    expect(chain.baseLink).toBe('base_link');
    expect(chain.toolLink).toBe('needle_tip');
    expect(chain.joints.map((j) => `${j.name}:${j.type}`)).toEqual([
      'joint_1:revolute',
      'joint_2:revolute',
      'joint_3:revolute',
      'joint_4:revolute',
      'joint_5:revolute',
      'joint_6:revolute',
      'insertion:prismatic',
    ]);
    const ins = chain.joints[6]!;
    // URDF: lower 0, upper 0.1 m, 0.005 m/s, 0.05 m/s², 1e-8 m per count.
    expect(ins.limits).toEqual({ lower: 0, upper: 100, velocity: 5, acceleration: 50, effort: 50 });
    expect(ins.encoderResolution).toBeCloseTo(1e-5, 18);
    expect(ins.encoderResolution).toBeLessThanOrEqual(1e-4); // 0.1 µm or finer
    for (const j of chain.joints.slice(0, 6))
      expect(j.encoderResolution).toBeCloseTo((2 * Math.PI) / 2 ** 23, 18);
  });

  it('has a spherical wrist: the joint_4, joint_5 and joint_6 axes meet in one point at any configuration', () => {
    for (const qUrdf of randomUrdfConfigs(chain, 100, 21)) {
      const f = jointFrames(chain, toMm(chain, qUrdf));
      const centre = f[4]!.positionMm; // the joint_5 origin
      for (const i of [3, 5]) {
        const { positionMm: p, rotation: R } = f[i]!;
        const u = chain.joints[i]!.axis;
        const w = [0, 1, 2].map((r) => R[r * 3]! * u[0] + R[r * 3 + 1]! * u[1] + R[r * 3 + 2]! * u[2]);
        const d = [0, 1, 2].map((k) => centre[k]! - p[k]!);
        // Distance from the centre to the axis line: |d × w|.
        const cx = d[1]! * w[2]! - d[2]! * w[1]!,
          cy = d[2]! * w[0]! - d[0]! * w[2]!,
          cz = d[0]! * w[1]! - d[1]! * w[0]!;
        expect(Math.hypot(cx, cy, cz)).toBeLessThan(1e-9);
      }
      // The needle (tool z) runs along the joint_6 axis, through the wrist centre.
      const tool = forwardKinematics(chain, toMm(chain, qUrdf));
      const z = [tool.rotation[2]!, tool.rotation[5]!, tool.rotation[8]!];
      const d = [0, 1, 2].map((k) => tool.positionMm[k]! - centre[k]!);
      const along = d[0]! * z[0]! + d[1]! * z[1]! + d[2]! * z[2]!;
      expect(Math.hypot(d[0]! - along * z[0]!, d[1]! - along * z[1]!, d[2]! - along * z[2]!)).toBeLessThan(
        1e-9,
      );
    }
  });
});

describe('input checks', () => {
  const chain = loadRobotChain();
  const q = [0, 0, 0, 0, 0, 0, 10];
  it('rejects a wrong joint count, NaN and infinities with a reason', () => {
    expect(() => forwardKinematics(chain, [0, 0, 0])).toThrow(/expected 7 joint values.*got 3/);
    expect(() => geometricJacobian(chain, [...q, 0])).toThrow(/expected 7 joint values.*got 8/);
    expect(() => forwardKinematics(chain, [0, NaN, 0, 0, 0, 0, 0])).toThrow(
      /joint 'joint_2' value is not a finite number \(NaN\)/,
    );
    expect(() => jointFrames(chain, [0, 0, 0, 0, 0, 0, Infinity])).toThrow(
      /joint 'insertion' value is not a finite number/,
    );
    expect(() => forwardKinematicsInto(chain, [0, 0, 0, -Infinity, 0, 0, 0])).toThrow(/joint_4/);
    expect(() => geometricJacobian(chain, q, new Float64Array(10))).toThrow(/out needs 42 numbers/);
  });
  it('rejects a hand-made chain whose axis is not a unit vector', () => {
    const bad: KinematicChain = {
      ...chain,
      joints: chain.joints.map((j, i) => (i === 2 ? { ...j, axis: [0, 2, 0] } : j)),
    };
    expect(() => forwardKinematics(bad, q)).toThrow(/joint 'joint_3': axis \[0, 2, 0\] is not a unit vector/);
  });
});
