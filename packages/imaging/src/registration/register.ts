/**
 * Rigid (6-DOF) registration of two volumes by Mattes mutual information, coarse to fine.
 *
 * Conventions. The result `movingToFixedLps` (row-major 4×4) maps a point of the MOVING image's LPS
 * space to the point of the FIXED image's LPS space that shows the same anatomy: fixed(T·p) ≈ moving(p).
 * To show the moving image on the fixed grid, sample it at T⁻¹·q for each fixed point q:
 *   resampleVolume(moving, fixedGrid, { targetLpsToSourceLps: result.fixedToMovingLps })
 * Internally (as ITK/elastix do) the optimised transform is fixed → moving, y = R·(x − c) + c + t
 * (rigid.ts), c the fixed image's centre of mass.
 *
 * Steps: foreground thresholds and centres of mass (optionally principal axes, the sign ambiguity
 * settled by the metric); then per pyramid level (pyramid.ts; the finest level is the images as
 * they are): a seeded random set of fixed samples inside the fixed foreground and inside the moving
 * image (jittered within their voxel), and L-BFGS (or regular step gradient descent) on −MI
 * (mattesMi.ts, optimizer.ts), rotations scaled by the samples' RMS radius so every parameter moves
 * points by about a millimetre per unit.
 */
import { linearAtIndex } from '../sampling.ts';
import { mat4Multiply, type Mat4, type Vec3 } from '../math.ts';
import { checkCancelled, type TaskControl } from '../task.ts';
import type { Volume } from '../volume.ts';
import { foregroundMoments, foregroundThreshold, principalAxesRotations } from './initialize.ts';
import { MattesMutualInformation } from './mattesMi.ts';
import { lbfgs, regularStepGradientDescent } from './optimizer.ts';
import { pyramidLevel } from './pyramid.ts';
import { eulerAnglesOf, eulerFromMatrix, eulerToMatrix, invertRigidMatrix } from './rigid.ts';
import { mulberry32 } from '../random.ts';

export type RigidInitialization = 'centers-of-mass' | 'principal-axes' | 'identity';

export interface RigidRegistrationOptions {
  /** Pyramid levels, 1..6 (default 4; fewer when the images are too small to shrink). */
  levels?: number;
  /** Histogram bins of the Mattes metric (default 32). */
  bins?: number;
  /** Fixed samples per level (default 20 000). */
  samples?: number;
  /** Optimiser iterations per level at most (default 200). */
  maxIterationsPerLevel?: number;
  /** Default 'centers-of-mass'; ignored when `initialMovingToFixedLps` is given. */
  initialization?: RigidInitialization;
  /** A starting transform (moving LPS → fixed LPS, rigid). */
  initialMovingToFixedLps?: ArrayLike<number>;
  /** Fixed values at or below this are background, never sampled (default: foregroundThreshold). */
  fixedThreshold?: number;
  /** Moving background level for the centre of mass (default: foregroundThreshold). */
  movingThreshold?: number;
  /** 'lbfgs' (default) or 'regular-step' (ITK's regular step gradient descent). */
  optimizer?: 'lbfgs' | 'regular-step';
  /** Seed of the sample positions (default 1): the same inputs and seed give the same result. */
  seed?: number;
  control?: TaskControl;
}

export interface RigidLevelReport {
  /** Voxel size the level aimed at (mm). */
  targetSpacingMm: number;
  samples: number;
  iterations: number;
  /** −MI at the end of the level (that level's images). */
  metric: number;
  stop: string;
}

export interface RigidRegistrationResult {
  /** Moving LPS → fixed LPS (row-major 4×4). */
  movingToFixedLps: Mat4;
  /** Its inverse: fixed LPS → moving LPS (what resampling the moving image onto the fixed grid needs). */
  fixedToMovingLps: Mat4;
  /** −MI (Mattes) at the result on the finest level; lower is better. */
  metric: number;
  /** −MI at the starting transform on the finest level. */
  initialMetric: number;
  /** Optimiser iterations over all levels. */
  iterations: number;
  seconds: number;
  /** Euler parameters of fixedToMovingLps (rigid.ts) about `centerLps`. */
  anglesRad: Vec3;
  translationMm: Vec3;
  centerLps: Vec3;
  levels: RigidLevelReport[];
  initialization: RigidInitialization | 'given';
}

function checkInteger(name: string, value: number, lo: number, hi: number): number {
  if (!Number.isInteger(value) || value < lo || value > hi)
    throw new Error(`registration: ${name} must be an integer from ${lo} to ${hi}, got ${String(value)}`);
  return value;
}

/**
 * Random foreground samples of a fixed pyramid level, positions relative to `centerLps`. Only voxels
 * that the current transform `fixedToMovingLps` maps inside the moving image, `marginMm` away from its
 * faces, are drawn: samples then stay inside while the transform is refined, and the metric is not
 * pulled by samples entering or leaving the overlap (a field of view smaller than the head).
 */
function drawSamples(
  fixed: Volume,
  threshold: number,
  count: number,
  centerLps: Vec3,
  random: () => number,
  moving: Volume,
  fixedToMovingLps: Mat4,
  marginMm: number,
): { fixedValues: Float32Array; offsetsLps: Float64Array } {
  const s = fixed.scalars;
  const [ni, nj, nk] = fixed.dimensions;
  // Fixed index → moving index, and the margin in moving voxels per axis.
  const toMoving = mat4Multiply(moving.lpsToIjk, mat4Multiply(fixedToMovingLps, fixed.ijkToLps));
  const lo = moving.spacingMm.map((sp) => marginMm / sp);
  const hi = moving.dimensions.map((n, a) => n - 1 - lo[a]!);
  const candidates = new Int32Array(s.length);
  let inside = 0;
  let n = 0;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++, n++) {
        if (!(s[n]! > threshold)) continue;
        let ok = true;
        for (let a = 0; a < 3 && ok; a++) {
          const x =
            toMoving[a * 4]! * i + toMoving[a * 4 + 1]! * j + toMoving[a * 4 + 2]! * k + toMoving[a * 4 + 3]!;
          ok = x >= lo[a]! && x <= hi[a]!;
        }
        if (ok) candidates[inside++] = n;
      }
  if (inside < 64)
    throw new Error(
      `registration: only ${inside} voxels of the fixed image are above its background level (${threshold}) and inside the moving image; the images do not overlap enough`,
    );
  const fixedValues = new Float32Array(count);
  const offsetsLps = new Float64Array(3 * count);
  const m = fixed.ijkToLps;
  const clamp = (x: number, hi: number) => (x < 0 ? 0 : x > hi ? hi : x);
  for (let q = 0; q < count; q++) {
    const n = candidates[Math.floor(random() * inside)]!;
    const i = clamp((n % ni) + random() - 0.5, ni - 1);
    const j = clamp((Math.floor(n / ni) % nj) + random() - 0.5, nj - 1);
    const k = clamp(Math.floor(n / (ni * nj)) + random() - 0.5, nk - 1);
    fixedValues[q] = linearAtIndex(s, ni, nj, nk, i, j, k, 0);
    for (let r = 0; r < 3; r++)
      offsetsLps[3 * q + r] =
        m[r * 4]! * i + m[r * 4 + 1]! * j + m[r * 4 + 2]! * k + m[r * 4 + 3]! - centerLps[r]!;
  }
  return { fixedValues, offsetsLps };
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Rigidly registers `moving` to `fixed`; see the module note for the conventions. */
export function registerRigid(
  fixed: Volume,
  moving: Volume,
  options: RigidRegistrationOptions = {},
): RigidRegistrationResult {
  const started = now();
  const control = options.control;
  let levels = checkInteger('levels', options.levels ?? 4, 1, 6);
  const bins = checkInteger('bins', options.bins ?? 32, 8, 512);
  const sampleCount = checkInteger('samples', options.samples ?? 20000, 500, 5_000_000);
  const maxIterations = checkInteger(
    'maxIterationsPerLevel',
    options.maxIterationsPerLevel ?? 200,
    1,
    100_000,
  );
  const random = mulberry32(options.seed ?? 1);
  for (const [name, v] of [
    ['fixed', fixed],
    ['moving', moving],
  ] as const)
    if (v.dimensions.some((n) => n < 4))
      throw new Error(
        `registration: the ${name} image (${v.dimensions.join('×')}) needs at least 4 voxels along each axis`,
      );

  control?.onProgress?.(0, 'initialising');
  const fixedThreshold = options.fixedThreshold ?? foregroundThreshold(fixed.scalars);
  const movingThreshold = options.movingThreshold ?? foregroundThreshold(moving.scalars);
  const fm = foregroundMoments(fixed, fixedThreshold, control);
  const mm = foregroundMoments(moving, movingThreshold, control);
  if (!(fm.weight > 0))
    throw new Error('registration: the fixed image has no voxel above its background level');
  if (!(mm.weight > 0))
    throw new Error('registration: the moving image has no voxel above its background level');
  const center = fm.centerLps;

  let params: Float64Array;
  let initialization: RigidRegistrationResult['initialization'];
  if (options.initialMovingToFixedLps) {
    const given = options.initialMovingToFixedLps;
    if (given.length !== 16 || !Array.prototype.every.call(given, Number.isFinite))
      throw new Error('registration: initialMovingToFixedLps must be 16 finite numbers');
    params = eulerFromMatrix(invertRigidMatrix(given), center);
    initialization = 'given';
  } else {
    initialization = options.initialization ?? 'centers-of-mass';
    params = new Float64Array(6);
    if (initialization !== 'identity')
      for (let r = 0; r < 3; r++) params[3 + r] = mm.centerLps[r]! - fm.centerLps[r]!;
  }
  const initialParams = Float64Array.from(params);

  // Level voxel sizes: the finest is the coarser of the two images' finest spacings; each level doubles it.
  const finestMm = Math.max(Math.min(...fixed.spacingMm), Math.min(...moving.spacingMm));
  const extentMm = Math.min(
    ...fixed.dimensions.map((n, a) => n * fixed.spacingMm[a]!),
    ...moving.dimensions.map((n, a) => n * moving.spacingMm[a]!),
  );
  while (levels > 1 && extentMm / (finestMm * 2 ** (levels - 1)) < 8) levels--;

  const reports: RigidLevelReport[] = [];
  let iterations = 0;
  let initialMetric = NaN;
  let finalMetric = NaN;
  for (let level = levels - 1; level >= 0; level--) {
    const done = levels - 1 - level;
    const targetMm = finestMm * 2 ** level;
    control?.onProgress?.(done / levels, `level ${done + 1}/${levels}: pyramid`);
    // The finest level uses the images as they are.
    const fixedLevel = level === 0 ? fixed : pyramidLevel(fixed, targetMm, control);
    const movingLevel = level === 0 ? moving : pyramidLevel(moving, targetMm, control);
    checkCancelled(control, 'registration');
    const marginMm = Math.max(2 * targetMm, 5);
    const samples = drawSamples(
      fixedLevel,
      fixedThreshold,
      sampleCount,
      center,
      random,
      movingLevel,
      eulerToMatrix(params, center),
      marginMm,
    );
    const metric = new MattesMutualInformation(samples, movingLevel, center, bins);
    let radius2 = 0;
    for (let n = 0; n < samples.offsetsLps.length; n++) radius2 += samples.offsetsLps[n]! ** 2;
    const radius = Math.max(1, Math.sqrt(radius2 / sampleCount));
    const minValid = Math.max(100, Math.floor(0.05 * sampleCount));
    const evaluate = (p: Float64Array, gradient?: Float64Array) => {
      const value = metric.evaluate(p, gradient);
      if (!(metric.validCount >= minValid))
        throw new Error(
          `registration: only ${metric.validCount} of ${sampleCount} fixed samples fall inside the moving image; the images do not overlap enough (try another initialisation)`,
        );
      return value;
    };

    if (done === 0 && initialization === 'principal-axes') {
      // Try the identity and the four axis-matching rotations; keep the one with the best metric.
      let best = evaluate(params);
      const base = Float64Array.from(params);
      for (const r of principalAxesRotations(fm.covarianceLps, mm.covarianceLps)) {
        const candidate = Float64Array.from(base);
        candidate.set(eulerAnglesOf(r));
        let value: number;
        try {
          value = evaluate(candidate);
        } catch {
          continue;
        }
        if (value < best) {
          best = value;
          params = candidate;
        }
      }
      initialParams.set(params);
    }
    if (level === 0) initialMetric = evaluate(initialParams);

    const optimizer = options.optimizer === 'regular-step' ? regularStepGradientDescent : lbfgs;
    // Steps in mm of point motion: half a level voxel at most, converged below 1% of one.
    const result = optimizer(evaluate, params, [radius, radius, radius, 1, 1, 1], {
      maxStep: targetMm / 2,
      minStep: targetMm / 100,
      maxIterations,
      control,
      onIteration: (n) => {
        if (n % 10 === 0)
          control?.onProgress?.((done + n / maxIterations) / levels, `level ${done + 1}/${levels}`);
      },
    });
    params = result.parameters;
    iterations += result.iterations;
    finalMetric = result.value;
    reports.push({
      targetSpacingMm: targetMm,
      samples: sampleCount,
      iterations: result.iterations,
      metric: result.value,
      stop: result.stop,
    });
  }
  control?.onProgress?.(1, 'done');
  const fixedToMovingLps = eulerToMatrix(params, center);
  return {
    movingToFixedLps: invertRigidMatrix(fixedToMovingLps),
    fixedToMovingLps,
    metric: finalMetric,
    initialMetric,
    iterations,
    seconds: (now() - started) / 1000,
    anglesRad: [params[0]!, params[1]!, params[2]!],
    translationMm: [params[3]!, params[4]!, params[5]!],
    centerLps: center,
    levels: reports,
    initialization,
  };
}
