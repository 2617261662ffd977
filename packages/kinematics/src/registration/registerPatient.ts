/**
 * Patient registration: the rigid transform from image LPS to the robot's base frame, from skull
 * fiducials located in the image and touched (or tracked) by the robot. Horn's paired-point fit
 * (planning's `fitRigid`), the fiducial registration error (FRE), and the target registration error (TRE)
 * predicted at each planned target by Fitzpatrick, West & Maurer (1998), so the planner can widen its
 * margin. A registration that is not good enough to operate with is refused with the reason in words.
 */
import { applyMatrix, fitRigid, invertRigid, rigidMatrix } from '@neuroplan/planning';
import type { Vec3 } from '../types.ts';
import {
  fiducialConfiguration,
  predictedTreCovarianceMm2,
  predictedTreRmsMm,
  type FiducialConfiguration,
} from './fiducialConfiguration.ts';
import { confidenceRadiusMm } from './errorRadius.ts';

export interface RegistrationFiducial {
  id: string;
  /** Where the fiducial is in the image (DICOM LPS, mm). */
  imageLps: Vec3;
  /** Where the robot touched or tracked it (base_link frame, mm). */
  robotMm: Vec3;
}

export interface RegistrationTarget {
  id: string;
  pointLps: Vec3;
}

export interface RegistrationOptions {
  /** Refuse when the FRE (RMS of the residuals) exceeds this (mm, default 1.0). */
  maxFreMm?: number;
  /** Refuse when the predicted RMS TRE at any target exceeds this (mm, default 2.0). */
  maxTreMm?: number;
  /**
   * 3D RMS fiducial localisation error (mm), image and robot together (√(FLE_image² + FLE_robot²)).
   * Default: estimated from the FRE, FLE² ≈ FRE² · N / (N − 2) (Fitzpatrick et al. 1998), which is noisy
   * for few fiducials and zero for a perfect fit: give the localisers' specification when known.
   */
  fleMm?: number;
  /** Planned targets at which to predict the TRE. */
  targetsLps?: RegistrationTarget[];
  /**
   * A fiducial is an outlier when the registration of the other fiducials places it farther than both
   * `outlierMinMm` (default: 1.5 × maxFreMm) and `outlierRatio` (default 4) times the RMS error expected
   * there (√(FLE² + TRE²), with FLE given or estimated from the others' FRE).
   */
  outlierMinMm?: number;
  outlierRatio?: number;
}

export interface FiducialResidual {
  id: string;
  /** |imageToRobot · imageLps − robotMm| (mm). */
  residualMm: number;
  /**
   * Leave-one-out: distance between where the other fiducials' registration puts this one and where it
   * was touched (mm), and the RMS value expected there (√(FLE² + TRE²)); null with fewer than 4 fiducials
   * or when the others are collinear.
   */
  leaveOneOutMm: number | null;
  expectedLeaveOneOutMm: number | null;
}

export interface TargetPrediction {
  id: string;
  pointLps: Vec3;
  pointRobotMm: Vec3;
  /** Predicted RMS TRE (mm). */
  treRmsMm: number;
  /** First-order covariance of the TRE vector in image LPS axes (mm², row-major 3×3); its trace is treRmsMm². */
  treCovarianceMm2: number[];
  /** Radius containing the error with 95 % probability, for a Gaussian of that covariance (mm). */
  tre95Mm: number;
}

export interface RegistrationFit {
  /** Row-major 4×4, mm: robot = imageToRobot · [LPS, 1]. */
  imageToRobot: number[];
  /** Row-major 4×4 inverse of imageToRobot. */
  robotToImage: number[];
  /** Fiducial registration error: RMS of the residuals (mm). */
  freMm: number;
  /** One per fiducial, in input order. */
  fiducials: FiducialResidual[];
  /** Principal axes of the fiducials in image LPS (the frame in which targets are given). */
  configuration: FiducialConfiguration;
  /** The FLE used for the TRE predictions (mm) and where it came from. */
  fleMm: number;
  fleSource: 'given' | 'estimated-from-fre';
  /** One per target, in input order. */
  targets: TargetPrediction[];
}

export interface PatientRegistration extends RegistrationFit {
  ok: true;
}

/** Refused before any fit: the input cannot give a registration. */
export interface InputRefusal {
  ok: false;
  code: 'invalid-input' | 'too-few-fiducials' | 'duplicate-id' | 'collinear';
  reason: string;
}

/** Refused after the fit, which is kept so that the user can see the residuals. */
export type FitRefusal = { ok: false; reason: string; fit: RegistrationFit } & (
  | { code: 'mirrored' | 'fre-too-high' }
  | { code: 'fiducial-outlier'; fiducialId: string; offMm: number }
  | { code: 'tre-too-high'; targetId: string; treRmsMm: number }
);

export type RegistrationRefusal = InputRefusal | FitRefusal;
export type RegistrationResult = PatientRegistration | RegistrationRefusal;

export const DEFAULT_MAX_FRE_MM = 1.0;
export const DEFAULT_MAX_TRE_MM = 2.0;
export const DEFAULT_OUTLIER_RATIO = 4;
export const DEFAULT_OUTLIER_MIN_TIMES_MAX_FRE = 1.5;
/** Fiducials whose RMS distance from their best-fit line is below this fraction of their RMS radius are near-collinear. */
export const NEAR_COLLINEAR_RATIO = 0.05;
/** A mirrored fit this much better than the proper one, with an FRE above MIRROR_MIN_FRE_MM, is refused. */
const MIRROR_RATIO = 0.25;
const MIRROR_MIN_FRE_MM = 0.5;

const mm = (x: number): string => `${x.toFixed(2)} mm`;
const isFiniteVec3 = (v: unknown): v is Vec3 =>
  Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
const isPositive = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;

const refuse = (code: InputRefusal['code'], reason: string): InputRefusal => ({ ok: false, code, reason });

/** Why a point set cannot determine a rotation, or null when it can. */
function degenerateReason(config: FiducialConfiguration, what: string): string | null {
  if (!(config.rmsRadiusMm > 0)) return `the ${config.count} ${what} positions coincide`;
  const ratio = config.rmsDistanceFromAxisMm[0] / config.rmsRadiusMm;
  if (ratio < NEAR_COLLINEAR_RATIO)
    return (
      `the ${config.count} ${what} positions lie ${ratio < 1e-9 ? 'on' : 'nearly on'} one line ` +
      `(RMS ${mm(config.rmsDistanceFromAxisMm[0])} from it over a spread of ${mm(config.rmsRadiusMm)}), ` +
      'so the rotation about that line is undetermined: add fiducials away from the line'
    );
  return null;
}

function validate(fiducials: unknown, options: RegistrationOptions): InputRefusal | null {
  if (!Array.isArray(fiducials)) return refuse('invalid-input', 'fiducials must be an array');
  for (const [i, f] of (fiducials as unknown[]).entries()) {
    const fid = f as Partial<RegistrationFiducial> | null;
    const name = typeof fid?.id === 'string' && fid.id !== '' ? `fiducial ${fid.id}` : `fiducial #${i + 1}`;
    if (typeof fid?.id !== 'string' || fid.id === '')
      return refuse('invalid-input', `${name}: id must be a non-empty string`);
    if (!isFiniteVec3(fid.imageLps))
      return refuse('invalid-input', `${name}: image position must be three finite numbers (LPS mm)`);
    if (!isFiniteVec3(fid.robotMm))
      return refuse('invalid-input', `${name}: robot position must be three finite numbers (mm)`);
  }
  for (const key of ['maxFreMm', 'maxTreMm', 'outlierMinMm', 'outlierRatio'] as const)
    if (options[key] !== undefined && !isPositive(options[key]))
      return refuse('invalid-input', `option ${key} must be a positive number, got ${String(options[key])}`);
  if (options.fleMm !== undefined && !(Number.isFinite(options.fleMm) && options.fleMm >= 0))
    return refuse('invalid-input', `option fleMm must be a finite number ≥ 0, got ${String(options.fleMm)}`);
  const targets: unknown = options.targetsLps ?? [];
  if (!Array.isArray(targets)) return refuse('invalid-input', 'targetsLps must be an array');
  const targetIds = new Set<string>();
  for (const [i, t] of (targets as unknown[]).entries()) {
    const tg = t as Partial<RegistrationTarget> | null;
    if (typeof tg?.id !== 'string' || tg.id === '')
      return refuse('invalid-input', `target #${i + 1}: id must be a non-empty string`);
    if (!isFiniteVec3(tg.pointLps))
      return refuse('invalid-input', `target ${tg.id}: position must be three finite numbers (LPS mm)`);
    if (targetIds.has(tg.id)) return refuse('invalid-input', `target id ${tg.id} appears twice`);
    targetIds.add(tg.id);
  }
  return null;
}

/** FLE² ≈ FRE² · N / (N − 2): the expected FRE² is (1 − 2/N) · FLE² (Fitzpatrick et al. 1998). */
const fleFromFre = (freMm: number, n: number): number => freMm * Math.sqrt(n / (n - 2));

/** Leave-one-out check of fiducial i: the others' fit, and the error expected at fiducial i. */
function leaveOneOut(
  image: Vec3[],
  robot: Vec3[],
  i: number,
  givenFleMm: number | undefined,
): { offMm: number; expectedMm: number } | null {
  const n = image.length;
  if (n < 4) return null;
  const img = image.filter((_, j) => j !== i);
  const rob = robot.filter((_, j) => j !== i);
  const config = fiducialConfiguration(img);
  if (degenerateReason(config, 'remaining') !== null) return null;
  const fit = fitRigid(img, rob);
  const m = rigidMatrix(fit.rotation, fit.translation);
  const p = applyMatrix(m, image[i]!);
  const q = robot[i]!;
  const offMm = Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
  const fle = givenFleMm ?? fleFromFre(fit.rmsMm, n - 1);
  const tre = predictedTreRmsMm(config, fle, image[i]!);
  return { offMm, expectedMm: Math.sqrt(fle * fle + tre * tre) };
}

/**
 * Registers image LPS to the robot from ≥ 3 non-collinear fiducial pairs, or refuses with a reason:
 * invalid input (non-finite coordinates, bad options), fewer than 3 fiducials, duplicate ids,
 * (near-)collinear fiducials, a fit that matches far better mirrored (a flipped image), a fiducial that
 * the others place far off (an outlier: re-touch it), an FRE over `maxFreMm`, or a predicted RMS TRE
 * over `maxTreMm` at some target. Checks run in that order; the first failing one is reported.
 */
export function registerPatient(
  fiducials: RegistrationFiducial[],
  opts: RegistrationOptions = {},
): RegistrationResult {
  const options = opts ?? {};
  const invalid = validate(fiducials, options);
  if (invalid) return invalid;
  const n = fiducials.length;
  if (n < 3)
    return refuse(
      'too-few-fiducials',
      `${n} fiducial${n === 1 ? '' : 's'} given: a rigid registration needs at least 3 non-collinear ones`,
    );
  const seen = new Set<string>();
  for (const f of fiducials) {
    if (seen.has(f.id)) return refuse('duplicate-id', `fiducial id ${f.id} appears twice`);
    seen.add(f.id);
  }
  const image = fiducials.map((f) => f.imageLps);
  const robot = fiducials.map((f) => f.robotMm);
  const configuration = fiducialConfiguration(image);
  const degenerate =
    degenerateReason(configuration, 'image fiducial') ??
    degenerateReason(fiducialConfiguration(robot), 'robot fiducial');
  if (degenerate) return refuse('collinear', degenerate);

  const maxFreMm = options.maxFreMm ?? DEFAULT_MAX_FRE_MM;
  const maxTreMm = options.maxTreMm ?? DEFAULT_MAX_TRE_MM;
  const outlierMinMm = options.outlierMinMm ?? DEFAULT_OUTLIER_MIN_TIMES_MAX_FRE * maxFreMm;
  const outlierRatio = options.outlierRatio ?? DEFAULT_OUTLIER_RATIO;

  const fitted = fitRigid(image, robot);
  const imageToRobot = rigidMatrix(fitted.rotation, fitted.translation);
  const freMm = fitted.rmsMm;
  const fleSource = options.fleMm === undefined ? 'estimated-from-fre' : 'given';
  const fleMm = options.fleMm ?? fleFromFre(freMm, n);
  const loo = fiducials.map((_, i) => leaveOneOut(image, robot, i, options.fleMm));
  const fit: RegistrationFit = {
    imageToRobot,
    robotToImage: invertRigid(imageToRobot),
    freMm,
    fiducials: fiducials.map((f, i) => ({
      id: f.id,
      residualMm: fitted.residualsMm[i]!,
      leaveOneOutMm: loo[i]?.offMm ?? null,
      expectedLeaveOneOutMm: loo[i]?.expectedMm ?? null,
    })),
    configuration,
    fleMm,
    fleSource,
    targets: (options.targetsLps ?? []).map((t) => {
      const treCovarianceMm2 = predictedTreCovarianceMm2(configuration, fleMm, t.pointLps);
      return {
        id: t.id,
        pointLps: t.pointLps,
        pointRobotMm: applyMatrix(imageToRobot, t.pointLps),
        treRmsMm: predictedTreRmsMm(configuration, fleMm, t.pointLps),
        treCovarianceMm2,
        tre95Mm: confidenceRadiusMm(treCovarianceMm2, 0.95),
      };
    }),
  };

  if (freMm > MIRROR_MIN_FRE_MM) {
    const mirrored = fitRigid(
      image.map((p): Vec3 => [-p[0], p[1], p[2]]),
      robot,
    );
    if (mirrored.rmsMm < MIRROR_RATIO * freMm)
      return {
        ok: false,
        code: 'mirrored',
        fit,
        reason:
          `the fiducials match the robot's only mirrored (FRE ${mm(freMm)} rigid, ${mm(mirrored.rmsMm)} mirrored): ` +
          'is the image flipped left–right, or were two fiducials swapped?',
      };
  }

  // The worst outlier relative to what the others predict; the fit is pulled towards it, so its
  // leave-one-out error says better than its residual how far off it was touched.
  let worst = -1;
  let worstRatio = 0;
  loo.forEach((l, i) => {
    if (!l || !(l.offMm > outlierMinMm)) return;
    const ratio = l.expectedMm > 0 ? l.offMm / l.expectedMm : Infinity;
    if (ratio > outlierRatio && ratio > worstRatio) {
      worst = i;
      worstRatio = ratio;
    }
  });
  if (worst >= 0) {
    const l = loo[worst]!;
    const id = fiducials[worst]!.id;
    return {
      ok: false,
      code: 'fiducial-outlier',
      fiducialId: id,
      offMm: l.offMm,
      fit,
      reason:
        `fiducial ${id} is ${mm(l.offMm)} off where the other ${n - 1} fiducials place it ` +
        `(about ${mm(l.expectedMm)} expected; residual ${mm(fitted.residualsMm[worst]!)} after registration): ` +
        're-touch it, or re-localise it in the image',
    };
  }

  if (freMm > maxFreMm) {
    let w = 0;
    fitted.residualsMm.forEach((r, i) => {
      if (r > fitted.residualsMm[w]!) w = i;
    });
    return {
      ok: false,
      code: 'fre-too-high',
      fit,
      reason:
        `the fiducial registration error is ${mm(freMm)}, over the ${mm(maxFreMm)} limit ` +
        `(largest residual ${mm(fitted.residualsMm[w]!)} at fiducial ${fiducials[w]!.id}): ` +
        're-touch the fiducials or re-localise them in the image',
    };
  }

  let worstTarget: TargetPrediction | undefined;
  for (const t of fit.targets) if (!worstTarget || t.treRmsMm > worstTarget.treRmsMm) worstTarget = t;
  if (worstTarget && worstTarget.treRmsMm > maxTreMm)
    return {
      ok: false,
      code: 'tre-too-high',
      targetId: worstTarget.id,
      treRmsMm: worstTarget.treRmsMm,
      fit,
      reason:
        `the predicted target registration error at target ${worstTarget.id} is ${mm(worstTarget.treRmsMm)} RMS ` +
        `(95 %: ${mm(worstTarget.tre95Mm)}), over the ${mm(maxTreMm)} limit, for a fiducial localisation ` +
        `error of ${mm(fleMm)}: add fiducials around the target or spread them wider`,
    };

  return { ok: true, ...fit };
}

/**
 * The margin (mm) the planner should add to its clearances for `targetId` (planning's
 * `targetingErrorMm`): the radius that contains the predicted TRE with probability `confidence`, for a
 * Gaussian error of the predicted (anisotropic) covariance. Throws for an unknown target or a confidence outside (0, 1).
 */
export function targetingMarginMm(
  registration: PatientRegistration,
  targetId: string,
  confidence = 0.95,
): number {
  const target = registration.targets.find((t) => t.id === targetId);
  if (!target)
    throw new Error(
      `registration/registerPatient: no target ${targetId} in this registration ` +
        `(targets: ${registration.targets.map((t) => t.id).join(', ') || 'none'})`,
    );
  return confidence === 0.95 ? target.tre95Mm : confidenceRadiusMm(target.treCovarianceMm2, confidence);
}
