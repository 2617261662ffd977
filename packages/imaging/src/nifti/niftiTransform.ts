/**
 * NIfTI voxel-to-world transforms (the qform quaternion, the sform rows, the ANALYZE fallback) and
 * their conversion to the Volume geometry (LPS origin, unit direction columns, spacing).
 * Affines here are row-major 4×4 from voxel index (i, j, k) to scanner RAS millimetres.
 */
import { mat3FromColumns, type Mat3, type Mat4, type Vec3 } from '../math.ts';

/** The qform (NIfTI "method 2"), as nifti1_io.c `nifti_quatern_to_mat44` builds it. */
export function quaternToAffine(quatern: Vec3, offset: Vec3, pixdimMm: Vec3, qfac: number): Mat4 {
  let [b, c, d] = quatern;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // |(b,c,d)| ≥ 1 within float32 rounding: a 180° rotation; renormalise (b,c,d) as nifti1_io does.
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else a = Math.sqrt(a);
  const [xd, yd, zd0] = pixdimMm;
  const zd = qfac < 0 ? -zd0 : zd0;
  return Float64Array.of(
    (a * a + b * b - c * c - d * d) * xd,
    2 * (b * c - a * d) * yd,
    2 * (b * d + a * c) * zd,
    offset[0],
    2 * (b * c + a * d) * xd,
    (a * a + c * c - b * b - d * d) * yd,
    2 * (c * d - a * b) * zd,
    offset[1],
    2 * (b * d - a * c) * xd,
    2 * (c * d + a * b) * yd,
    (a * a + d * d - c * c - b * b) * zd,
    offset[2],
    0,
    0,
    0,
    1,
  );
}

/** The ANALYZE fallback (NIfTI "method 1"): x = pixdim[1]·i, y = pixdim[2]·j, z = pixdim[3]·k. */
export function pixdimAffine(pixdimMm: Vec3): Mat4 {
  return Float64Array.of(pixdimMm[0], 0, 0, 0, 0, pixdimMm[1], 0, 0, 0, 0, pixdimMm[2], 0, 0, 0, 0, 1);
}

/** Largest distance (mm) between the points two affines give to the corners of a grid. */
export function maxCornerDisagreementMm(a: Mat4, b: Mat4, dims: readonly [number, number, number]): number {
  let worst = 0;
  for (let corner = 0; corner < 8; corner++) {
    const p = [corner & 1 ? dims[0] - 1 : 0, corner & 2 ? dims[1] - 1 : 0, corner & 4 ? dims[2] - 1 : 0];
    let d2 = 0;
    for (let r = 0; r < 3; r++) {
      let diff = 0;
      for (let c = 0; c < 3; c++) diff += (a[r * 4 + c]! - b[r * 4 + c]!) * p[c]!;
      diff += a[r * 4 + 3]! - b[r * 4 + 3]!;
      d2 += diff * diff;
    }
    worst = Math.max(worst, Math.sqrt(d2));
  }
  return worst;
}

export interface LpsGeometry {
  spacingMm: [number, number, number];
  originLps: Vec3;
  directionLps: Mat3;
  /** Largest deviation from 90° between two index axes, in degrees (0 for an orthogonal grid). */
  shearDeg: number;
}

/**
 * Volume geometry from an ijk → RAS affine: LPS = diag(−1, −1, 1)·RAS; the direction columns are
 * the affine's columns normalised (a shear is kept exactly); spacing = the column lengths.
 * Returns a reason string when the affine cannot describe a grid.
 */
export function lpsGeometryFromRasAffine(ras: Mat4): LpsGeometry | string {
  const flip = [-1, -1, 1];
  const cols: Vec3[] = [];
  const spacingMm: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const col: Vec3 = [flip[0]! * ras[c]!, flip[1]! * ras[4 + c]!, flip[2]! * ras[8 + c]!];
    const n = Math.hypot(col[0], col[1], col[2]);
    if (!(n > 0) || !Number.isFinite(n))
      return `the voxel-to-world transform has a zero or invalid column ${c}`;
    spacingMm[c] = n;
    cols.push([col[0] / n, col[1] / n, col[2] / n]);
  }
  const [ci, cj, ck] = cols as [Vec3, Vec3, Vec3];
  const det =
    ci[0] * (cj[1] * ck[2] - cj[2] * ck[1]) -
    cj[0] * (ci[1] * ck[2] - ci[2] * ck[1]) +
    ck[0] * (ci[1] * cj[2] - ci[2] * cj[1]);
  if (!(Math.abs(det) > 1e-6)) return 'the voxel-to-world transform is singular (its axes are coplanar)';
  const originLps: Vec3 = [-ras[3]!, -ras[7]!, ras[11]!];
  if (!originLps.every(Number.isFinite)) return 'the voxel-to-world transform has an invalid offset';
  let maxCos = 0;
  for (const [p, q] of [
    [ci, cj],
    [ci, ck],
    [cj, ck],
  ] as const)
    maxCos = Math.max(maxCos, Math.abs(p[0] * q[0] + p[1] * q[1] + p[2] * q[2]));
  const shearDeg = 90 - (Math.acos(Math.min(1, maxCos)) * 180) / Math.PI;
  return { spacingMm, originLps, directionLps: mat3FromColumns(ci, cj, ck), shearDeg };
}
