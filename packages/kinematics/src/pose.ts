/**
 * Rigid poses (row-major rotation + translation in mm) and quaternions (x, y, z, w). Browser-safe.
 * A pose `aFromB` maps coordinates in frame B to frame A: x_A = R·x_B + t.
 */
import type { Pose, QuaternionXyzw, Vec3 } from './types.ts';

export const identityPose = (): Pose => ({
  rotation: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]),
  positionMm: [0, 0, 0],
});

const finite = (v: ArrayLike<number>, n: number, what: string) => {
  if (v.length !== n) throw new Error(`${what} needs ${n} numbers, got ${v.length}`);
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(v[i])) throw new Error(`${what}[${i}] is not a finite number (${v[i]})`);
};

/** Rotation (row-major) of a unit quaternion; the quaternion is normalised first, zero is rejected. */
export function rotationFromQuaternion(
  q: ArrayLike<number>,
  out: Float64Array = new Float64Array(9),
): Float64Array {
  finite(q, 4, 'quaternion');
  const n = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!);
  if (!(n > 1e-12)) throw new Error('quaternion has zero length');
  const x = q[0]! / n,
    y = q[1]! / n,
    z = q[2]! / n,
    w = q[3]! / n;
  out[0] = 1 - 2 * (y * y + z * z);
  out[1] = 2 * (x * y - z * w);
  out[2] = 2 * (x * z + y * w);
  out[3] = 2 * (x * y + z * w);
  out[4] = 1 - 2 * (x * x + z * z);
  out[5] = 2 * (y * z - x * w);
  out[6] = 2 * (x * z - y * w);
  out[7] = 2 * (y * z + x * w);
  out[8] = 1 - 2 * (x * x + y * y);
  return out;
}

export function poseFromQuaternion(positionMm: ArrayLike<number>, quaternionXyzw: ArrayLike<number>): Pose {
  finite(positionMm, 3, 'position');
  return {
    rotation: rotationFromQuaternion(quaternionXyzw),
    positionMm: [positionMm[0]!, positionMm[1]!, positionMm[2]!],
  };
}

/**
 * Unit quaternion of a rotation matrix (row-major), by Shepperd's method (branch on the largest of
 * w², x², y², z², so no precision is lost near 180°); sign chosen so that w ≥ 0.
 */
export function quaternionFromRotation(r: ArrayLike<number>): QuaternionXyzw {
  finite(r, 9, 'rotation');
  const m00 = r[0]!,
    m01 = r[1]!,
    m02 = r[2]!,
    m10 = r[3]!,
    m11 = r[4]!,
    m12 = r[5]!,
    m20 = r[6]!,
    m21 = r[7]!,
    m22 = r[8]!;
  // 4w², 4x², 4y², 4z² (each = 1 ± diagonal terms); branch on the largest.
  const w4 = 1 + m00 + m11 + m22,
    x4 = 1 + m00 - m11 - m22,
    y4 = 1 - m00 + m11 - m22,
    z4 = 1 - m00 - m11 + m22;
  let x: number, y: number, z: number, w: number;
  if (w4 >= x4 && w4 >= y4 && w4 >= z4) {
    const s = 2 * Math.sqrt(w4);
    w = s / 4;
    x = (m21 - m12) / s;
    y = (m02 - m20) / s;
    z = (m10 - m01) / s;
  } else if (x4 >= y4 && x4 >= z4) {
    const s = 2 * Math.sqrt(x4);
    x = s / 4;
    w = (m21 - m12) / s;
    y = (m01 + m10) / s;
    z = (m02 + m20) / s;
  } else if (y4 >= z4) {
    const s = 2 * Math.sqrt(y4);
    y = s / 4;
    w = (m02 - m20) / s;
    x = (m01 + m10) / s;
    z = (m12 + m21) / s;
  } else {
    const s = 2 * Math.sqrt(z4);
    z = s / 4;
    w = (m10 - m01) / s;
    x = (m02 + m20) / s;
    y = (m12 + m21) / s;
  }
  const n = Math.hypot(x, y, z, w) * (w < 0 ? -1 : 1);
  return [x / n, y / n, z / n, w / n];
}

/** Rotation of URDF roll-pitch-yaw (about fixed X, then Y, then Z): R = Rz(yaw)·Ry(pitch)·Rx(roll). */
export function poseFromRpy(positionMm: Vec3, rpy: Vec3): Pose {
  const [cr, sr] = [Math.cos(rpy[0]), Math.sin(rpy[0])];
  const [cp, sp] = [Math.cos(rpy[1]), Math.sin(rpy[1])];
  const [cy, sy] = [Math.cos(rpy[2]), Math.sin(rpy[2])];
  return {
    rotation: new Float64Array([
      cy * cp,
      cy * sp * sr - sy * cr,
      cy * sp * cr + sy * sr,
      sy * cp,
      sy * sp * sr + cy * cr,
      sy * sp * cr - cy * sr,
      -sp,
      cp * sr,
      cp * cr,
    ]),
    positionMm: [...positionMm],
  };
}

/** a∘b: the pose that applies b, then a (aFromC = aFromB ∘ bFromC). */
export function composePose(a: Pose, b: Pose): Pose {
  const A = a.rotation,
    B = b.rotation,
    t = b.positionMm;
  const r = new Float64Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      r[i * 3 + j] = A[i * 3]! * B[j]! + A[i * 3 + 1]! * B[3 + j]! + A[i * 3 + 2]! * B[6 + j]!;
  return { rotation: r, positionMm: transformPoint(a, t) };
}

export function invertPose(a: Pose): Pose {
  const R = a.rotation,
    [x, y, z] = a.positionMm;
  const r = new Float64Array([R[0]!, R[3]!, R[6]!, R[1]!, R[4]!, R[7]!, R[2]!, R[5]!, R[8]!]);
  return {
    rotation: r,
    positionMm: [
      -(r[0]! * x + r[1]! * y + r[2]! * z),
      -(r[3]! * x + r[4]! * y + r[5]! * z),
      -(r[6]! * x + r[7]! * y + r[8]! * z),
    ],
  };
}

export function transformPoint(a: Pose, p: ArrayLike<number>): Vec3 {
  const R = a.rotation,
    t = a.positionMm;
  return [
    R[0]! * p[0]! + R[1]! * p[1]! + R[2]! * p[2]! + t[0],
    R[3]! * p[0]! + R[4]! * p[1]! + R[5]! * p[2]! + t[1],
    R[6]! * p[0]! + R[7]! * p[1]! + R[8]! * p[2]! + t[2],
  ];
}

/**
 * Angle (rad) of the rotation that takes rotation `a` to rotation `b` (both row-major), computed as
 * atan2(|axis part|, cos part) of aᵀ·b, which stays accurate for tiny angles (acos of the trace does not).
 */
export function rotationAngleBetween(a: ArrayLike<number>, b: ArrayLike<number>): number {
  // m = aᵀ·b; only the trace and the antisymmetric part are needed.
  const m = (i: number, j: number) => a[i]! * b[j]! + a[3 + i]! * b[3 + j]! + a[6 + i]! * b[6 + j]!;
  const tr = m(0, 0) + m(1, 1) + m(2, 2);
  const sx = m(2, 1) - m(1, 2),
    sy = m(0, 2) - m(2, 0),
    sz = m(1, 0) - m(0, 1);
  return Math.atan2(Math.hypot(sx, sy, sz) / 2, (tr - 1) / 2);
}

/** Distance between two poses: translation (mm) and rotation angle (rad). */
export function poseError(a: Pose, b: Pose): { positionErrorMm: number; orientationErrorRad: number } {
  return {
    positionErrorMm: Math.hypot(
      a.positionMm[0] - b.positionMm[0],
      a.positionMm[1] - b.positionMm[1],
      a.positionMm[2] - b.positionMm[2],
    ),
    orientationErrorRad: rotationAngleBetween(a.rotation, b.rotation),
  };
}
