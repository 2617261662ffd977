/**
 * The rigid transform that registration optimises, parameterised like ITK's Euler3DTransform (and
 * elastix's EulerTransform) so the two can be compared number for number:
 *   y = R·(x − c) + c + t,   R = Rz(θz)·Rx(θx)·Ry(θy)
 * with parameters [θx, θy, θz] in radians and [tx, ty, tz] in mm, about a fixed centre c (LPS mm).
 * As in ITK, this maps a FIXED image point x to the MOVING image point y that is compared with it.
 */
import type { Mat3, Mat4, Vec3 } from '../math.ts';

/** [θx, θy, θz (rad), tx, ty, tz (mm)]. */
export type EulerParameters = Float64Array;

function rotX(a: number): number[] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [1, 0, 0, 0, c, -s, 0, s, c];
}
function rotY(a: number): number[] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [c, 0, s, 0, 1, 0, -s, 0, c];
}
function rotZ(a: number): number[] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}
function dRotX(a: number): number[] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [0, 0, 0, 0, -s, -c, 0, c, -s];
}
function dRotY(a: number): number[] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [-s, 0, c, 0, 0, 0, -c, 0, -s];
}
function dRotZ(a: number): number[] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [-s, -c, 0, c, -s, 0, 0, 0, 0];
}

/** Row-major 3×3 product a·b. */
export function mat3Mul(a: ArrayLike<number>, b: ArrayLike<number>): Mat3 {
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      out[r * 3 + c] = a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!;
  return out;
}

/** R = Rz·Rx·Ry for the angles [θx, θy, θz]. */
export function eulerRotation(p: ArrayLike<number>): Mat3 {
  return mat3Mul(rotZ(p[2]!), mat3Mul(rotX(p[0]!), rotY(p[1]!)));
}

/** ∂R/∂θx, ∂R/∂θy, ∂R/∂θz. */
export function eulerRotationDerivatives(p: ArrayLike<number>): [Mat3, Mat3, Mat3] {
  const [x, y, z] = [p[0]!, p[1]!, p[2]!];
  return [
    mat3Mul(rotZ(z), mat3Mul(dRotX(x), rotY(y))),
    mat3Mul(rotZ(z), mat3Mul(rotX(x), dRotY(y))),
    mat3Mul(dRotZ(z), mat3Mul(rotX(x), rotY(y))),
  ];
}

/** Angles [θx, θy, θz] of a rotation R = Rz·Rx·Ry (ITK's ComputeMatrixParameters). */
export function eulerAnglesOf(r: ArrayLike<number>): Vec3 {
  const x = Math.asin(Math.max(-1, Math.min(1, r[7]!)));
  const a = Math.cos(x);
  if (Math.abs(a) > 1e-5) return [x, Math.atan2(-r[6]! / a, r[8]! / a), Math.atan2(-r[1]! / a, r[4]! / a)];
  return [x, Math.atan2(r[3]!, r[0]!), 0];
}

/** The 4×4 (row-major) of y = R·(x − c) + c + t. */
export function eulerToMatrix(p: ArrayLike<number>, centerLps: Vec3): Mat4 {
  const r = eulerRotation(p);
  const m = new Float64Array(16);
  for (let i = 0; i < 3; i++) {
    const rc = r[i * 3]! * centerLps[0] + r[i * 3 + 1]! * centerLps[1] + r[i * 3 + 2]! * centerLps[2];
    m[i * 4] = r[i * 3]!;
    m[i * 4 + 1] = r[i * 3 + 1]!;
    m[i * 4 + 2] = r[i * 3 + 2]!;
    m[i * 4 + 3] = centerLps[i]! - rc + p[3 + i]!;
  }
  m[15] = 1;
  return m;
}

/** Parameters about centre c of a rigid 4×4 (its 3×3 part must be a rotation). */
export function eulerFromMatrix(m: ArrayLike<number>, centerLps: Vec3): EulerParameters {
  const r = [m[0]!, m[1]!, m[2]!, m[4]!, m[5]!, m[6]!, m[8]!, m[9]!, m[10]!];
  const angles = eulerAnglesOf(r);
  const rr = eulerRotation(angles);
  const p = new Float64Array(6);
  p.set(angles);
  // t = m_t + R·c − c
  for (let i = 0; i < 3; i++)
    p[3 + i] =
      m[i * 4 + 3]! +
      rr[i * 3]! * centerLps[0] +
      rr[i * 3 + 1]! * centerLps[1] +
      rr[i * 3 + 2]! * centerLps[2] -
      centerLps[i]!;
  return p;
}

/** Inverse of a rigid row-major 4×4: (Rᵀ, −Rᵀt). */
export function invertRigidMatrix(m: ArrayLike<number>): Mat4 {
  const out = new Float64Array(16);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[i * 4 + j] = m[j * 4 + i]!;
    out[i * 4 + 3] = -(m[i]! * m[3]! + m[4 + i]! * m[7]! + m[8 + i]! * m[11]!);
  }
  out[15] = 1;
  return out;
}

/** Angle (degrees) of the rotation between the 3×3 parts of two rigid 4×4s: |angle(Ra·Rbᵀ)|. */
export function rotationDifferenceDeg(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let trace = 0;
  for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) trace += a[i * 4 + k]! * b[i * 4 + k]!;
  return (Math.acos(Math.max(-1, Math.min(1, (trace - 1) / 2))) * 180) / Math.PI;
}
