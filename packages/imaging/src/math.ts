/** Small fixed-size linear algebra for geometry. Matrices are row-major Float64Array. */

export type Vec3 = [number, number, number];
/** 3×3 row-major. */
export type Mat3 = Float64Array;
/** 4×4 row-major homogeneous transform. */
export type Mat4 = Float64Array;

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
export const norm = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);
export const normalize = (a: Vec3): Vec3 => {
  const n = norm(a);
  if (!(n > 0)) throw new Error('cannot normalize a zero-length vector');
  return [a[0] / n, a[1] / n, a[2] / n];
};

/** Column c of a row-major 3×3. */
export const mat3Column = (m: Mat3, c: number): Vec3 => [m[c]!, m[3 + c]!, m[6 + c]!];

/** Row-major 3×3 whose columns are the given vectors. */
export function mat3FromColumns(i: Vec3, j: Vec3, k: Vec3): Mat3 {
  return Float64Array.of(i[0], j[0], k[0], i[1], j[1], k[1], i[2], j[2], k[2]);
}

export function mat4Multiply(a: Mat4, b: Mat4): Mat4 {
  const out = new Float64Array(16);
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r * 4 + k]! * b[k * 4 + c]!;
      out[r * 4 + c] = s;
    }
  return out;
}

/** General 4×4 inverse (cofactor expansion); throws on a singular matrix. */
export function mat4Invert(m: Mat4): Mat4 {
  const a = (r: number, c: number) => m[r * 4 + c]!;
  const inv = new Float64Array(16);
  const s0 = a(0, 0) * a(1, 1) - a(1, 0) * a(0, 1);
  const s1 = a(0, 0) * a(1, 2) - a(1, 0) * a(0, 2);
  const s2 = a(0, 0) * a(1, 3) - a(1, 0) * a(0, 3);
  const s3 = a(0, 1) * a(1, 2) - a(1, 1) * a(0, 2);
  const s4 = a(0, 1) * a(1, 3) - a(1, 1) * a(0, 3);
  const s5 = a(0, 2) * a(1, 3) - a(1, 2) * a(0, 3);
  const c5 = a(2, 2) * a(3, 3) - a(3, 2) * a(2, 3);
  const c4 = a(2, 1) * a(3, 3) - a(3, 1) * a(2, 3);
  const c3 = a(2, 1) * a(3, 2) - a(3, 1) * a(2, 2);
  const c2 = a(2, 0) * a(3, 3) - a(3, 0) * a(2, 3);
  const c1 = a(2, 0) * a(3, 2) - a(3, 0) * a(2, 2);
  const c0 = a(2, 0) * a(3, 1) - a(3, 0) * a(2, 1);
  const det = s0 * c5 - s1 * c4 + s2 * c3 + s3 * c2 - s4 * c1 + s5 * c0;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-300) throw new Error('matrix is singular');
  const d = 1 / det;
  inv[0] = (a(1, 1) * c5 - a(1, 2) * c4 + a(1, 3) * c3) * d;
  inv[1] = (-a(0, 1) * c5 + a(0, 2) * c4 - a(0, 3) * c3) * d;
  inv[2] = (a(3, 1) * s5 - a(3, 2) * s4 + a(3, 3) * s3) * d;
  inv[3] = (-a(2, 1) * s5 + a(2, 2) * s4 - a(2, 3) * s3) * d;
  inv[4] = (-a(1, 0) * c5 + a(1, 2) * c2 - a(1, 3) * c1) * d;
  inv[5] = (a(0, 0) * c5 - a(0, 2) * c2 + a(0, 3) * c1) * d;
  inv[6] = (-a(3, 0) * s5 + a(3, 2) * s2 - a(3, 3) * s1) * d;
  inv[7] = (a(2, 0) * s5 - a(2, 2) * s2 + a(2, 3) * s1) * d;
  inv[8] = (a(1, 0) * c4 - a(1, 1) * c2 + a(1, 3) * c0) * d;
  inv[9] = (-a(0, 0) * c4 + a(0, 1) * c2 - a(0, 3) * c0) * d;
  inv[10] = (a(3, 0) * s4 - a(3, 1) * s2 + a(3, 3) * s0) * d;
  inv[11] = (-a(2, 0) * s4 + a(2, 1) * s2 - a(2, 3) * s0) * d;
  inv[12] = (-a(1, 0) * c3 + a(1, 1) * c1 - a(1, 2) * c0) * d;
  inv[13] = (a(0, 0) * c3 - a(0, 1) * c1 + a(0, 2) * c0) * d;
  inv[14] = (-a(3, 0) * s3 + a(3, 1) * s1 - a(3, 2) * s0) * d;
  inv[15] = (a(2, 0) * s3 - a(2, 1) * s1 + a(2, 2) * s0) * d;
  return inv;
}

/** Applies a 4×4 row-major transform to a point. */
export function transformPoint(m: Mat4, p: Vec3): Vec3 {
  return [
    m[0]! * p[0] + m[1]! * p[1] + m[2]! * p[2] + m[3]!,
    m[4]! * p[0] + m[5]! * p[1] + m[6]! * p[2] + m[7]!,
    m[8]! * p[0] + m[9]! * p[1] + m[10]! * p[2] + m[11]!,
  ];
}
