/**
 * `neuroplan robot fk`, run as a user runs it (a child process). Expected poses come from Orocos KDL
 * (packages/kinematics/test/kdl-oracle.py: PyKDL chain built from the same URDF with xml.etree,
 * ChainFkSolverPos_recursive, Rotation.GetQuaternion), never from our own code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'apps', 'cli', 'bin', 'neuroplan.mjs');
const urdf = join(root, 'ros', 'description', 'urdf', 'neuroplan_robot.urdf');
const oracle = join(root, 'packages', 'kinematics', 'test', 'kdl-oracle.py');

function neuroplan(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Joint values in URDF units (rad; m for the insertion axis), base_link → needle_tip. */
const configs = [
  [0, 0, 0, 0, 0, 0, 0],
  [0.3, -0.7, 1.1, -2.0, 0.9, 3.5, 0.0625],
  [-2.9, 1.9, -2.4, 3.0, -2.0, -4.6, 0.1],
];
const kdl = JSON.parse(
  execFileSync('/usr/bin/python3', [oracle, urdf, 'base_link', 'needle_tip'], {
    input: JSON.stringify({ q: configs }),
    encoding: 'utf8',
  }),
) as { fk: number[][] };

describe('neuroplan robot fk', () => {
  configs.forEach((q, c) =>
    it(`prints the KDL tool pose for [${q.join(', ')}]`, () => {
      const r = neuroplan(['robot', 'fk', ...q.map(String), '--json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as {
        toolPoseRobot: { positionMm: number[]; quaternionXyzw: number[] };
      };
      expect(Object.keys(out)).toEqual(['toolPoseRobot']);
      const e = kdl.fk[c]!;
      out.toolPoseRobot.positionMm.forEach((v, k) => expect(Math.abs(v - e[k]! * 1000)).toBeLessThan(1e-9));
      const qe = e.slice(12, 16);
      const sign = qe[3]! < 0 ? -1 : 1; // ours has w ≥ 0
      expect(out.toolPoseRobot.quaternionXyzw[3]).toBeGreaterThanOrEqual(0);
      out.toolPoseRobot.quaternionXyzw.forEach((v, k) =>
        expect(Math.abs(v - qe[k]! * sign)).toBeLessThan(1e-12),
      );
    }),
  );

  it('prints a human-readable line without --json', () => {
    const r = neuroplan(['robot', 'fk', '0', '0', '0', '0', '0', '0', '0']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/needle_tip in base_link: position 730\.000000, 0\.000000, 785\.000000 mm/);
  });

  const usage: [string, string[], RegExp][] = [
    [
      'too few joint values',
      ['0', '0', '0'],
      /expected 7 joint values \(joint_1 \[rad\].*insertion \[m\]\), got 3/,
    ],
    ['too many joint values', ['0', '0', '0', '0', '0', '0', '0', '0'], /expected 7 joint values.*got 8/],
    [
      'a non-number',
      ['0', 'abc', '0', '0', '0', '0', '0'],
      /joint 'joint_2' value 'abc' is not a finite number/,
    ],
    ['NaN', ['0', '0', 'NaN', '0', '0', '0', '0'], /joint 'joint_3' value 'NaN' is not a finite number/],
    [
      'Infinity',
      ['0', '0', '0', 'Infinity', '0', '0', '0'],
      /joint 'joint_4' value 'Infinity' is not a finite number/,
    ],
    [
      'a joint beyond its limit',
      ['0', '2.2', '0', '0', '0', '0', '0'],
      /joint 'joint_2' value 2\.2 rad is outside its limits \[-2\.09/,
    ],
    [
      'an insertion beyond its stroke',
      ['0', '0', '0', '0', '0', '0', '0.15'],
      /joint 'insertion' value 0\.15 m is outside its limits \[0, 0\.1\]/,
    ],
    [
      'a negative insertion',
      ['0', '0', '0', '0', '0', '0', '-0.001'],
      /joint 'insertion' value -0\.001 m is outside its limits/,
    ],
    ['no joint values', [], /missing required argument/],
  ];
  for (const [what, args, message] of usage)
    it(`exits 2 with a message for ${what}`, () => {
      const r = neuroplan(['robot', 'fk', ...args, '--json']);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
    });

  it('accepts negative values without `--`', () => {
    const r = neuroplan(['robot', 'fk', '-0.5', '-1', '-1.5', '-0.1', '-0.2', '-0.3', '0.01', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

/**
 * `neuroplan robot ik`: the target poses are KDL's FK (kdl-oracle.py) of configurations within limits, and the
 * printed joints are checked by feeding them back to KDL's FK: within 0.1 µm and 1 µrad of the target.
 */
describe('neuroplan robot ik', () => {
  const goals = [
    [0.3, -0.7, 1.1, -2.0, 0.9, 3.5, 0.0625],
    [-1.2, 0.4, -0.9, 1.5, -1.1, -2.5, 0.02],
    [2.5, -1.5, 2.0, -0.5, 1.8, 0.7, 0.095],
  ];
  const fkOf = (q: number[][]) =>
    (
      JSON.parse(
        execFileSync('/usr/bin/python3', [oracle, urdf, 'base_link', 'needle_tip'], {
          input: JSON.stringify({ q }),
          encoding: 'utf8',
        }),
      ) as { fk: number[][] }
    ).fk;
  const targets = fkOf(goals);
  /** x y z (mm) qx qy qz qw of a KDL FK row. */
  const poseArgs = (f: number[]) =>
    [f[0]! * 1000, f[1]! * 1000, f[2]! * 1000, ...f.slice(12, 16)].map(String);
  const angleBetween = (a: number[], b: number[]) => {
    // |angle| of Raᵀ·Rb from the row-major rotations in the FK rows (entries 3..11).
    const ra = a.slice(3, 12);
    const rb = b.slice(3, 12);
    const m = (i: number, j: number) => ra[i]! * rb[j]! + ra[3 + i]! * rb[3 + j]! + ra[6 + i]! * rb[6 + j]!;
    const s = Math.hypot(m(2, 1) - m(1, 2), m(0, 2) - m(2, 0), m(1, 0) - m(0, 1)) / 2;
    return Math.atan2(s, (m(0, 0) + m(1, 1) + m(2, 2) - 1) / 2);
  };

  targets.forEach((t, c) =>
    it(`finds joints that KDL puts at the pose of [${goals[c]!.join(', ')}]`, () => {
      const r = neuroplan(['robot', 'ik', ...poseArgs(t), '--json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as {
        ok: true;
        joints: number[];
        positionErrorUm: number;
        orientationErrorUrad: number;
      };
      expect(Object.keys(out)).toEqual(['ok', 'joints', 'positionErrorUm', 'orientationErrorUrad']);
      expect(out.ok).toBe(true);
      expect(out.joints).toHaveLength(7);
      expect(out.positionErrorUm).toBeLessThan(0.1);
      expect(out.orientationErrorUrad).toBeLessThan(1);
      const back = fkOf([out.joints])[0]!;
      const dist = Math.hypot(back[0]! - t[0]!, back[1]! - t[1]!, back[2]! - t[2]!) * 1000;
      expect(dist).toBeLessThan(1e-4);
      expect(angleBetween(back, t)).toBeLessThan(1e-6);
      // Insertion in metres, within its stroke.
      expect(out.joints[6]).toBeGreaterThanOrEqual(0);
      expect(out.joints[6]).toBeLessThanOrEqual(0.1);
    }),
  );

  it('returns the seed when the seed solves the pose (--seed in URDF units, negative values accepted)', () => {
    const r = neuroplan([
      'robot',
      'ik',
      ...poseArgs(targets[1]!),
      '--json',
      '--seed',
      ...goals[1]!.map(String),
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { joints: number[] };
    out.joints.forEach((v, i) => expect(Math.abs(v - goals[1]![i]!)).toBeLessThan(1e-9));
  });

  it('prints {"ok":false,"reason"} and exits 1 for a pose out of reach', () => {
    const r = neuroplan(['robot', 'ik', '3000', '0', '0', '0', '0', '0', '1', '--json']);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; reason: string };
    expect(Object.keys(out)).toEqual(['ok', 'reason']);
    expect(out.ok).toBe(false);
    expect(out.reason).toMatch(/no joint configuration within limits/);
  });

  const usage: [string, string[], RegExp][] = [
    ['an unnormalised quaternion', ['300', '0', '500', '0', '0', '0', '1.1'], /not normalised/],
    ['a NaN coordinate', ['NaN', '0', '500', '0', '0', '0', '1'], /x 'NaN' is not a finite number/],
    ['too few values', ['300', '0', '500', '0', '0', '1'], /expected 7 values/],
    [
      'a seed of the wrong length',
      ['300', '0', '500', '0', '0', '0', '1', '--seed', '0', '0'],
      /expected 7 joint values/,
    ],
  ];
  for (const [what, args, message] of usage)
    it(`exits 2 with a message for ${what}`, () => {
      const r = neuroplan(['robot', 'ik', ...args, '--json']);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
    });

  it('prints the joints and errors in words without --json', () => {
    const r = neuroplan(['robot', 'ik', ...poseArgs(targets[0]!)]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^joints \(joint_1 \[rad\].*insertion \[m\]\): /);
    expect(r.stdout).toMatch(/error: position .* µm, orientation .* µrad/);
  });
});
