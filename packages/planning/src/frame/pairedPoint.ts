/**
 * Paired-point rigid registration of a stereotactic frame to an image: the rotation R and translation t
 * that minimise Σ|R·frameᵢ + t − imageᵢ|², by Horn's closed-form unit-quaternion method (B. K. P. Horn,
 * "Closed-form solution of absolute orientation using unit quaternions", JOSA A 4(4):629–642, 1987).
 * A unit quaternion always gives a proper rotation (det R = +1), so a mirrored point set can never be
 * "fitted" by a reflection; instead we say so in an error (see `registerFrame`).
 */
import { symmetricEigen } from './eigen.ts';
import { isFiniteVec3, type Vec3 } from '../vec.ts';

/** One fiducial seen in both spaces: its Leksell frame position (mm) and its image position (LPS mm). */
export interface FramePair {
  frameXyz: Vec3;
  imageLps: Vec3;
}

export interface FrameRegistration {
  /** Row-major 4×4: LPS = frameToLps · [x, y, z, 1] with (x, y, z) Leksell frame coordinates (mm). */
  frameToLps: number[];
  /** Row-major 4×4 inverse of frameToLps. */
  lpsToFrame: number[];
  /** Fiducial registration error: RMS of residualsMm. */
  freMm: number;
  /** |frameToLps · frameXyz − imageLps| for each pair, in input order (mm). */
  residualsMm: number[];
}

export interface RigidFit {
  /** Row-major 3×3 proper rotation. */
  rotation: number[];
  translation: Vec3;
  residualsMm: number[];
  rmsMm: number;
}

type Nine = [number, number, number, number, number, number, number, number, number];

const FILE = 'frame/pairedPoint';
/** Points closer to a line than this fraction of their spread count as collinear. */
const COLLINEAR_RELATIVE = 1e-6;
/** A mirrored fit this much better than the proper one, with a proper FRE above MIRROR_MIN_FRE_MM, is an error. */
const MIRROR_RATIO = 0.25;
const MIRROR_MIN_FRE_MM = 0.5;

const centroid = (pts: Vec3[]): Vec3 => {
  const c: Vec3 = [0, 0, 0];
  for (const p of pts) for (let k = 0; k < 3; k++) c[k]! += p[k]! / pts.length;
  return c;
};

/** Spread of a point set: eigenvalues (largest first) of its scatter matrix Σ(p − c)(p − c)ᵀ. */
function scatterEigenvalues(pts: Vec3[]): number[] {
  const c = centroid(pts);
  const s = new Array<number>(9).fill(0);
  for (const p of pts)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) s[i * 3 + j]! += (p[i]! - c[i]!) * (p[j]! - c[j]!);
  return symmetricEigen(s, 3).values;
}

/** Throws unless the points span at least a plane (≥ 3 points, not all on one line). */
export function checkNonCollinear(pts: Vec3[], what: string): void {
  if (pts.length < 3)
    throw new Error(`${FILE}: ${what}: need at least 3 points for a rigid registration, got ${pts.length}`);
  const [l1, l2] = scatterEigenvalues(pts) as [number, number, number];
  if (!(l1 > 0)) throw new Error(`${FILE}: ${what}: all ${pts.length} points coincide`);
  if (!(l2 > COLLINEAR_RELATIVE ** 2 * l1))
    throw new Error(
      `${FILE}: ${what}: the ${pts.length} points lie on one line, so the rotation about it is undetermined; ` +
        'give at least 3 non-collinear points (e.g. the fiducials of two or more plates)',
    );
}

const applyRotation = (r: number[], p: Vec3): Vec3 => [
  r[0]! * p[0] + r[1]! * p[1] + r[2]! * p[2],
  r[3]! * p[0] + r[4]! * p[1] + r[5]! * p[2],
  r[6]! * p[0] + r[7]! * p[1] + r[8]! * p[2],
];

/** Horn's method: the proper rigid transform taking `source[i]` onto `target[i]` in the least-squares sense. */
export function fitRigid(source: Vec3[], target: Vec3[]): RigidFit {
  if (source.length !== target.length)
    throw new Error(`${FILE}: ${source.length} source points but ${target.length} target points`);
  const cs = centroid(source);
  const ct = centroid(target);
  // S[a][b] = Σ (source − cs)_a (target − ct)_b
  const s = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < source.length; i++) {
    const a = source[i]!;
    const b = target[i]!;
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 3; k++) s[j * 3 + k]! += (a[j]! - cs[j]!) * (b[k]! - ct[k]!);
  }
  const [sxx, sxy, sxz, syx, syy, syz, szx, szy, szz] = s as Nine;
  // prettier-ignore
  const n = [
    sxx + syy + szz, syz - szy,        szx - sxz,        sxy - syx,
    syz - szy,       sxx - syy - szz,  sxy + syx,        szx + sxz,
    szx - sxz,       sxy + syx,        -sxx + syy - szz, syz + szy,
    sxy - syx,       szx + sxz,        syz + szy,        -sxx - syy + szz,
  ];
  const [q0, qx, qy, qz] = symmetricEigen(n, 4).vectors[0]! as [number, number, number, number];
  // prettier-ignore
  const rotation = [
    q0 * q0 + qx * qx - qy * qy - qz * qz, 2 * (qx * qy - q0 * qz),               2 * (qx * qz + q0 * qy),
    2 * (qy * qx + q0 * qz),               q0 * q0 - qx * qx + qy * qy - qz * qz, 2 * (qy * qz - q0 * qx),
    2 * (qz * qx - q0 * qy),               2 * (qz * qy + q0 * qx),               q0 * q0 - qx * qx - qy * qy + qz * qz,
  ];
  const rc = applyRotation(rotation, cs);
  const translation: Vec3 = [ct[0] - rc[0], ct[1] - rc[1], ct[2] - rc[2]];
  const residualsMm = source.map((p, i) => {
    const q = applyRotation(rotation, p);
    const t = target[i]!;
    return Math.hypot(
      q[0] + translation[0] - t[0],
      q[1] + translation[1] - t[1],
      q[2] + translation[2] - t[2],
    );
  });
  const rmsMm = Math.sqrt(residualsMm.reduce((acc, r) => acc + r * r, 0) / residualsMm.length);
  return { rotation, translation, residualsMm, rmsMm };
}

/** Row-major 4×4 from a row-major 3×3 rotation and a translation. */
// prettier-ignore
export const rigidMatrix = (r: number[], t: Vec3): number[] => [
  r[0]!, r[1]!, r[2]!, t[0],
  r[3]!, r[4]!, r[5]!, t[1],
  r[6]!, r[7]!, r[8]!, t[2],
  0, 0, 0, 1,
];

/** Inverse of a rigid row-major 4×4 (Rᵀ, −Rᵀt). */
export function invertRigid(m: number[]): number[] {
  const rt = [m[0]!, m[4]!, m[8]!, m[1]!, m[5]!, m[9]!, m[2]!, m[6]!, m[10]!];
  const t = applyRotation(rt, [m[3]!, m[7]!, m[11]!]);
  return rigidMatrix(rt, [-t[0], -t[1], -t[2]]);
}

/** Applies a row-major 4×4 affine to a point. */
export const applyMatrix = (m: number[], p: Vec3): Vec3 => [
  m[0]! * p[0] + m[1]! * p[1] + m[2]! * p[2] + m[3]!,
  m[4]! * p[0] + m[5]! * p[1] + m[6]! * p[2] + m[7]!,
  m[8]! * p[0] + m[9]! * p[1] + m[10]! * p[2] + m[11]!,
];

/** Applies the rotation part of a row-major 4×4 to a direction. */
export const applyMatrixToDirection = (m: number[], d: Vec3): Vec3 => [
  m[0]! * d[0] + m[1]! * d[1] + m[2]! * d[2],
  m[4]! * d[0] + m[5]! * d[1] + m[6]! * d[2],
  m[8]! * d[0] + m[9]! * d[1] + m[10]! * d[2],
];

/**
 * Rigid registration of the frame to the image from ≥ 3 non-collinear fiducial pairs (e.g. the output of
 * `nLocalizerPoints` over a few slices). Throws a named error for too few, coincident or collinear points,
 * non-finite coordinates, or point sets that match far better mirrored (a left/right mix-up or a flipped
 * image), which no rigid motion can fix.
 */
export function registerFrame(pairs: FramePair[]): FrameRegistration {
  if (!Array.isArray(pairs)) throw new Error(`${FILE}: pairs must be an array`);
  pairs.forEach((p, i) => {
    if (!isFiniteVec3(p?.frameXyz))
      throw new Error(`${FILE}: pair ${i}: frameXyz must be three finite numbers (mm)`);
    if (!isFiniteVec3(p.imageLps))
      throw new Error(`${FILE}: pair ${i}: imageLps must be three finite numbers (mm)`);
  });
  const frame = pairs.map((p) => p.frameXyz);
  const image = pairs.map((p) => p.imageLps);
  checkNonCollinear(frame, 'frame points');
  checkNonCollinear(image, 'image points');
  const fit = fitRigid(frame, image);
  if (fit.rmsMm > MIRROR_MIN_FRE_MM) {
    const mirrored = fitRigid(
      frame.map((p): Vec3 => [-p[0], p[1], p[2]]),
      image,
    );
    if (mirrored.rmsMm < MIRROR_RATIO * fit.rmsMm)
      throw new Error(
        `${FILE}: the fiducials match their image positions only mirrored (FRE ${fit.rmsMm.toFixed(2)} mm rigid, ` +
          `${mirrored.rmsMm.toFixed(2)} mm mirrored): left and right plates swapped, or a flipped image?`,
      );
  }
  const frameToLps = rigidMatrix(fit.rotation, fit.translation);
  return {
    frameToLps,
    lpsToFrame: invertRigid(frameToLps),
    freMm: fit.rmsMm,
    residualsMm: fit.residualsMm,
  };
}
