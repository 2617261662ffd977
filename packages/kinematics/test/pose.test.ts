/**
 * Pose helpers against Orocos KDL (PyKDL): Rotation.Quaternion / GetQuaternion, Frame products and
 * Frame.Inverse compute the expected values; small-angle accuracy of poseError against the angle that was
 * put in.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  composePose,
  invertPose,
  poseError,
  poseFromQuaternion,
  poseFromRpy,
  quaternionFromRotation,
  rotationFromQuaternion,
} from '../src/pose.ts';
import type { Pose } from '../src/types.ts';

const KDL_SCRIPT = `
import json, sys, PyKDL as kdl
req = json.load(sys.stdin)
def frame(p):
    q = p['q']
    return kdl.Frame(kdl.Rotation.Quaternion(*q), kdl.Vector(*p['t']))
def flat(f):
    return {'R': [f.M[r, c] for r in range(3) for c in range(3)], 't': [f.p[0], f.p[1], f.p[2]]}
out = {'rot': [], 'quat': [], 'compose': [], 'inverse': [], 'rpy': []}
for q in req['quats']:
    R = kdl.Rotation.Quaternion(*q)
    out['rot'].append([R[r, c] for r in range(3) for c in range(3)])
    out['quat'].append(list(R.GetQuaternion()))
for a, b in req['pairs']:
    out['compose'].append(flat(frame(a) * frame(b)))
    out['inverse'].append(flat(frame(a).Inverse()))
for rpy in req['rpys']:
    R = kdl.Rotation.RPY(*rpy)
    out['rpy'].append([R[r, c] for r in range(3) for c in range(3)])
json.dump(out, sys.stdout)
`;

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

const r = rng(7);
const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const unitQuat = (): [number, number, number, number] => {
  const q = [gauss(), gauss(), gauss(), gauss()];
  const n = Math.hypot(...q);
  return q.map((v) => v / n) as [number, number, number, number];
};
// Random rotations plus the hard cases: identity, 180° about each axis and about an oblique axis, w ≈ 0.
const quats: [number, number, number, number][] = [
  [0, 0, 0, 1],
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [Math.SQRT1_2, Math.SQRT1_2, 0, 0],
  [0.6, 0, 0.8, 1e-9],
  [0.48, -0.6, 0.64, -1e-7],
  ...Array.from({ length: 500 }, unitQuat),
];
const pairs = Array.from({ length: 200 }, () =>
  [0, 1].map(() => ({ q: unitQuat(), t: [gauss() * 500, gauss() * 500, gauss() * 500] })),
);
const rpys = Array.from({ length: 200 }, () => [gauss() * 2, gauss() * 2, gauss() * 2]);
const kdl = JSON.parse(
  execFileSync('/usr/bin/python3', ['-c', KDL_SCRIPT], {
    input: JSON.stringify({ quats, pairs, rpys }),
    encoding: 'utf8',
  }),
) as {
  rot: number[][];
  quat: number[][];
  compose: { R: number[]; t: number[] }[];
  inverse: { R: number[]; t: number[] }[];
  rpy: number[][];
};

const pose = (p: { q: number[]; t: number[] }): Pose => poseFromQuaternion(p.t, p.q);
const expectClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(tol);
};

describe('quaternions', () => {
  it('rotationFromQuaternion equals KDL Rotation.Quaternion', () => {
    // Unit-scale entries: a few roundings (~1e-16 each) in a different order than KDL's.
    quats.forEach((q, i) => expectClose(rotationFromQuaternion(q), kdl.rot[i]!, 1e-14));
  });

  it('quaternionFromRotation equals KDL GetQuaternion up to sign, with w ≥ 0 and unit length, even at 180°', () => {
    quats.forEach((_, i) => {
      const q = quaternionFromRotation(kdl.rot[i]!);
      expect(q[3]).toBeGreaterThanOrEqual(0);
      expect(Math.abs(Math.hypot(...q) - 1)).toBeLessThan(1e-15);
      const e = kdl.quat[i]!;
      const sign = e[0]! * q[0] + e[1]! * q[1] + e[2]! * q[2] + e[3]! * q[3] < 0 ? -1 : 1;
      expectClose(
        q,
        e.map((v) => v * sign),
        1e-14,
      );
      // and it reproduces the matrix
      expectClose(rotationFromQuaternion(q), kdl.rot[i]!, 1e-14);
    });
  });

  it('poseFromQuaternion normalises and rejects bad input with a reason', () => {
    const p = poseFromQuaternion([1, 2, 3], [0, 0, 0, 2]);
    expect(Array.from(p.rotation)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(() => poseFromQuaternion([1, 2, 3], [0, 0, 0, 0])).toThrow(/quaternion has zero length/);
    expect(() => poseFromQuaternion([1, NaN, 3], [0, 0, 0, 1])).toThrow(
      /position\[1\] is not a finite number/,
    );
    expect(() => poseFromQuaternion([1, 2, 3], [0, 0, Infinity, 1])).toThrow(/quaternion\[2\]/);
    expect(() => poseFromQuaternion([1, 2], [0, 0, 0, 1])).toThrow(/position needs 3 numbers, got 2/);
    expect(() => quaternionFromRotation([1, 0, 0])).toThrow(/rotation needs 9 numbers/);
  });
});

describe('poses', () => {
  it('composePose and invertPose equal KDL Frame products and inverses', () => {
    pairs.forEach(([a, b], i) => {
      const c = composePose(pose(a!), pose(b!));
      // Positions up to ~2000 mm: rounding ~4e-13 mm per operation.
      expectClose(c.rotation, kdl.compose[i]!.R, 1e-14);
      expectClose(c.positionMm, kdl.compose[i]!.t, 1e-11);
      const inv = invertPose(pose(a!));
      expectClose(inv.rotation, kdl.inverse[i]!.R, 1e-14);
      expectClose(inv.positionMm, kdl.inverse[i]!.t, 1e-11);
      const id = poseError(composePose(pose(a!), inv), poseFromQuaternion([0, 0, 0], [0, 0, 0, 1]));
      expect(id.positionErrorMm).toBeLessThan(1e-11);
      expect(id.orientationErrorRad).toBeLessThan(1e-14);
    });
  });

  it('poseFromRpy equals KDL Rotation.RPY (URDF convention)', () => {
    rpys.forEach((rpy, i) =>
      expectClose(poseFromRpy([0, 0, 0], rpy as [number, number, number]).rotation, kdl.rpy[i]!, 1e-14),
    );
  });

  it('poseError measures tiny and large angles accurately', () => {
    const a = pose(pairs[0]![0]!);
    for (const angle of [1e-12, 1e-9, 1e-6, 0.1, 2, Math.PI - 1e-6]) {
      const axis = [gauss(), gauss(), gauss()];
      const n = Math.hypot(...axis);
      const s = Math.sin(angle / 2);
      const delta = poseFromQuaternion(
        [3, -4, 0],
        [(axis[0]! / n) * s, (axis[1]! / n) * s, (axis[2]! / n) * s, Math.cos(angle / 2)],
      );
      const e = poseError(a, composePose(a, delta));
      // acos of the trace would be off by ~1e-8 rad near 0; atan2 stays at rounding level.
      expect(Math.abs(e.orientationErrorRad - angle)).toBeLessThan(1e-15 + 1e-9 * angle);
      expect(e.positionErrorMm).toBeCloseTo(5, 10);
    }
  });
});
