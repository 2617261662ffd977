/**
 * Rigid registration by Mattes mutual information. Every expected transform is KNOWN in advance, never
 * taken from our output:
 *  - the real brain T1 fixture against a copy moved by a seeded random rigid transform, made by
 *    test/registration-oracle.py (numpy/scipy/nibabel: draws the transform, resamples with
 *    scipy.ndimage.affine_transform, prints the true movingToFixedLps and the brain-mask box corners);
 *  - the synthetic phantom: CT (fixed) and T1 MR (moving), truth = inverse(ctToMrLps) of ground-truth.json;
 *    and the phantom CT against itself moved by a chosen rigid transform.
 * Errors: target registration error |T_est·p − T_true·p| over points of the brain, and the angle of
 * R_est·R_trueᵀ.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mat4Invert, mat4Multiply, transformPoint, type Mat4, type Vec3 } from '../src/math.ts';
import { readNifti } from '../src/nifti/readNifti.ts';
import { loadPaths } from '../src/node/loadPaths.ts';
import { writePhantomCase } from '../src/node/writePhantom.ts';
import { MattesMutualInformation } from '../src/registration/mattesMi.ts';
import { principalAxesRotations, symmetricEigenvectors } from '../src/registration/initialize.ts';
import { registerRigid } from '../src/registration/register.ts';
import { eulerFromMatrix, eulerToMatrix } from '../src/registration/rigid.ts';
import { resampleVolume } from '../src/resample.ts';
import { CancelledError } from '../src/task.ts';
import type { Volume } from '../src/volume.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures', 'nifti');
const work = mkdtempSync(join(tmpdir(), 'np-registration-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const readNii = (path: string) => readNifti(new Uint8Array(readFileSync(path)), path);

/** Max TRE (mm) over FIXED-space points q (moving point p = truth⁻¹·q). */
function maxTre(estimate: Mat4, truth: Mat4, pointsLps: Vec3[]): number {
  const inverse = mat4Invert(truth);
  let max = 0;
  for (const q of pointsLps) {
    const e = transformPoint(estimate, transformPoint(inverse, q));
    max = Math.max(max, Math.hypot(e[0] - q[0], e[1] - q[1], e[2] - q[2]));
  }
  return max;
}

/** Angle (°) of R_a·R_bᵀ, written out here rather than taken from the code under test. */
function rotationErrorDeg(a: Mat4, b: Mat4): number {
  let trace = 0;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) trace += a[r * 4 + c]! * b[r * 4 + c]!;
  return (Math.acos(Math.min(1, Math.max(-1, (trace - 1) / 2))) * 180) / Math.PI;
}

function movedBrain(seed: number): { fixed: Volume; moving: Volume; truth: Mat4; pointsLps: Vec3[] } {
  const out = join(work, `brain-moved-${seed}.nii.gz`);
  const oracle = JSON.parse(
    execFileSync(
      '/usr/bin/python3',
      [
        join(here, 'registration-oracle.py'),
        'move',
        join(fixtures, 'brain-t1.nii.gz'),
        out,
        String(seed),
        join(fixtures, 'brain-t1-skullstrip-mask.nii.gz'),
      ],
      { encoding: 'utf8' },
    ),
  ) as { movingToFixedLps: number[]; pointsLps: Vec3[] };
  return {
    fixed: readNii(join(fixtures, 'brain-t1.nii.gz')),
    moving: readNii(out),
    truth: Float64Array.from(oracle.movingToFixedLps),
    pointsLps: oracle.pointsLps,
  };
}

describe('registerRigid on the real brain T1 against a copy moved by a known rigid transform', () => {
  for (const [seed, initialization] of [
    [1, 'centers-of-mass'],
    [2, 'centers-of-mass'],
    [3, 'principal-axes'],
  ] as const)
    it(`recovers the transform within 0.5 mm and 0.5° (seed ${seed}, ${initialization})`, () => {
      const { fixed, moving, truth, pointsLps } = movedBrain(seed);
      // The oracle's transforms are far from identity: the test is not passed by doing nothing.
      expect(
        rotationErrorDeg(truth, Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)),
      ).toBeGreaterThan(3);
      const progress: number[] = [];
      const r = registerRigid(fixed, moving, {
        initialization,
        control: { onProgress: (f) => progress.push(f) },
      });
      expect(maxTre(r.movingToFixedLps, truth, pointsLps)).toBeLessThanOrEqual(0.5);
      expect(rotationErrorDeg(r.movingToFixedLps, truth)).toBeLessThanOrEqual(0.5);
      // Lower −MI is better: the optimiser improved on its start.
      expect(r.metric).toBeLessThan(r.initialMetric);
      expect(r.iterations).toBeGreaterThan(0);
      expect(r.levels.length).toBeGreaterThanOrEqual(3);
      // fixedToMovingLps is the exact inverse, and the result is rigid.
      const product = mat4Multiply(r.movingToFixedLps, r.fixedToMovingLps);
      product.forEach((x, n) =>
        expect(x).toBeCloseTo([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1][n]!, 9),
      );
      expect(progress.at(-1)).toBe(1);
      expect(progress.every((f, n) => n === 0 || f >= progress[n - 1]!)).toBe(true);
    });

  it('resampling the moving image through fixedToMovingLps lines it up with the fixed image', () => {
    const { fixed, moving } = movedBrain(1);
    const r = registerRigid(fixed, moving);
    const grid = {
      dimensions: [...fixed.dimensions] as [number, number, number],
      spacingMm: [...fixed.spacingMm] as [number, number, number],
      originLps: fixed.originLps,
      directionLps: fixed.directionLps,
    };
    const back = resampleVolume(moving, grid, { targetLpsToSourceLps: r.fixedToMovingLps }).scalars;
    const before = resampleVolume(moving, grid).scalars;
    // Mean absolute difference over the voxels the moved copy still covers (back > 0).
    const mad = (s: ArrayLike<number>) => {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < s.length; i++)
        if (back[i]! > 0) {
          sum += Math.abs(s[i]! - fixed.scalars[i]!);
          n++;
        }
      return sum / n;
    };
    expect(mad(back)).toBeLessThan(0.25 * mad(before));
  });
});

describe('registerRigid on the phantom', () => {
  let ct: Volume;
  let t1: Volume;
  let truth: { ctToMrLps: number[]; brainCenterLps: Vec3; fiducialsLps: Vec3[] };
  beforeAll(async () => {
    const dir = join(work, 'phantom');
    const written = await writePhantomCase(dir, { size: 96, seed: 3 });
    truth = JSON.parse(readFileSync(written.groundTruthPath, 'utf8')) as typeof truth;
    const { volumes, errors } = await loadPaths([join(dir, 'ct'), join(dir, 'mr-t1')]);
    expect(errors).toEqual([]);
    ct = volumes.find((v) => v.modality === 'CT')!;
    t1 = volumes.find((v) => v.modality === 'MR')!;
  }, 60_000);

  it('CT (fixed) against the T1 MR (moving): the brain lines up within 0.5 mm', () => {
    const r = registerRigid(ct, t1);
    const expected = mat4Invert(Float64Array.from(truth.ctToMrLps));
    // The brain centre (and so every point near it) is where MI is well determined.
    expect(maxTre(r.movingToFixedLps, expected, [truth.brainCenterLps])).toBeLessThanOrEqual(0.5);
    // KNOWN LIMITATION (see the report): at this test size the T1 voxels are 5 mm, and started from the
    // centres of mass the optimiser stops 0.25–0.55° short of the truth for seeds 1–3 (started at the truth
    // it stays within 0.15°); from size 192 (2.5 mm T1 voxels) it meets the 0.5 mm / 0.5° there.
    // The truth rotates by up to ~9°; we require the error well below that, not the 0.5°.
    expect(rotationErrorDeg(r.movingToFixedLps, expected)).toBeLessThanOrEqual(3);
    expect(r.metric).toBeLessThan(r.initialMetric);
  });

  it('phantom CT against itself moved by a known rigid transform: within 0.5 mm and 0.5°', () => {
    const c = truth.brainCenterLps;
    // moving(p) = ct(T·p): T is movingToFixed. 6°, −5°, 4° and (7, −9, 6) mm about the brain centre.
    const known = eulerToMatrix([0.105, -0.087, 0.07, 7, -9, 6], c);
    const moving = resampleVolume(
      ct,
      {
        dimensions: [...ct.dimensions] as [number, number, number],
        spacingMm: [...ct.spacingMm] as [number, number, number],
        originLps: ct.originLps,
        directionLps: ct.directionLps,
      },
      { targetLpsToSourceLps: known, fill: -1024 },
    );
    const r = registerRigid(ct, moving);
    expect(maxTre(r.movingToFixedLps, known, [...truth.fiducialsLps, c])).toBeLessThanOrEqual(0.5);
    expect(rotationErrorDeg(r.movingToFixedLps, known)).toBeLessThanOrEqual(0.5);
  });
});

type PhantomTruth = { ctToMrLps: number[]; brainCenterLps: Vec3; fiducialsLps: Vec3[] };

describe("registerRigid on the phantom at 2.5 mm T1 voxels (size 192): the issue's bounds", () => {
  for (const seed of [1, 2]) {
    it(`seed ${seed}: CT (fixed) against T1 (moving) within 0.5 mm at the fiducials and brain centre, and 0.5°`, async () => {
      const dir = join(work, `phantom192-${seed}`);
      const written = await writePhantomCase(dir, { size: 192, seed });
      const gt = JSON.parse(readFileSync(written.groundTruthPath, 'utf8')) as PhantomTruth;
      const { volumes, errors } = await loadPaths([join(dir, 'ct'), join(dir, 'mr-t1')]);
      expect(errors).toEqual([]);
      const fixed = volumes.find((v) => v.modality === 'CT')!;
      const moving = volumes.find((v) => v.modality === 'MR')!;
      const r = registerRigid(fixed, moving);
      const expected = mat4Invert(Float64Array.from(gt.ctToMrLps));
      expect(
        maxTre(r.movingToFixedLps, expected, [...gt.fiducialsLps, gt.brainCenterLps]),
      ).toBeLessThanOrEqual(0.5);
      expect(rotationErrorDeg(r.movingToFixedLps, expected)).toBeLessThanOrEqual(0.5);
    }, 120_000);
  }
});

describe('registration building blocks', () => {
  it('the analytic metric gradient matches central finite differences', () => {
    const { fixed, moving } = movedBrain(4);
    const c: Vec3 = transformPoint(fixed.ijkToLps, [64, 64, 31]);
    // Samples at every 3rd foreground voxel, off the voxel centres.
    const values: number[] = [];
    const offsets: number[] = [];
    const [ni, nj] = fixed.dimensions;
    for (let n = 0; n < fixed.scalars.length; n += 3) {
      if (!(fixed.scalars[n]! > 30)) continue;
      const p = transformPoint(fixed.ijkToLps, [
        (n % ni) + 0.3,
        (Math.floor(n / ni) % nj) + 0.2,
        Math.floor(n / (ni * nj)),
      ]);
      values.push(fixed.scalars[n]!);
      offsets.push(p[0] - c[0], p[1] - c[1], p[2] - c[2]);
    }
    const mi = new MattesMutualInformation(
      { fixedValues: Float32Array.from(values), offsetsLps: Float64Array.from(offsets) },
      moving,
      c,
      32,
    );
    const p = Float64Array.of(0.05, -0.03, 0.04, 2, -3, 1.5);
    const g = new Float64Array(6);
    mi.evaluate(p, g);
    for (let k = 0; k < 6; k++) {
      const h = k < 3 ? 1e-5 : 1e-3;
      const a = Float64Array.from(p);
      const b = Float64Array.from(p);
      a[k]! += h;
      b[k]! -= h;
      const fd = (mi.evaluate(a) - mi.evaluate(b)) / (2 * h);
      expect(Math.abs(g[k]! - fd)).toBeLessThanOrEqual(0.05 * Math.abs(fd) + 1e-4);
    }
  });

  it('Euler parameters round-trip through a 4×4 about any centre', () => {
    const c: Vec3 = [10, -20, 30];
    const p = [0.2, -0.1, 0.3, 5, 6, -7];
    const m = eulerToMatrix(p, c);
    // The centre maps to c + t.
    const mc = transformPoint(m, c);
    [15, -14, 23].forEach((x, i) => expect(mc[i]).toBeCloseTo(x, 9));
    Array.from(eulerFromMatrix(m, c)).forEach((x, i) => expect(x).toBeCloseTo(p[i]!, 9));
  });

  it('principal axes: eigenvectors of a known covariance, and the rotations that map one onto another', () => {
    // Covariance with axes along (1,1,0)/√2 (variance 9), (−1,1,0)/√2 (4), z (1).
    const cov = [6.5, 2.5, 0, 2.5, 6.5, 0, 0, 0, 1];
    const { vectors, values } = symmetricEigenvectors(cov);
    [9, 4, 1].forEach((x, i) => expect(values[i]).toBeCloseTo(x, 9));
    expect(Math.abs(vectors[0]! * vectors[3]!)).toBeCloseTo(0.5, 9);
    // Rotate the covariance by a known R: one of the four candidates is R itself.
    const r = eulerToMatrix([0.3, -0.2, 0.4, 0, 0, 0], [0, 0, 0]);
    const r3 = [r[0]!, r[1]!, r[2]!, r[4]!, r[5]!, r[6]!, r[8]!, r[9]!, r[10]!];
    const rotated = new Float64Array(9);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 3; k++)
          for (let l = 0; l < 3; l++)
            rotated[i * 3 + j]! += r3[i * 3 + k]! * cov[k * 3 + l]! * r3[j * 3 + l]!;
    const best = Math.min(
      ...principalAxesRotations(cov, rotated).map((q) => Math.max(...q.map((x, n) => Math.abs(x - r3[n]!)))),
    );
    expect(best).toBeLessThan(1e-9);
  });
});

describe('registerRigid: cancellation and bad input', () => {
  it('an already-aborted signal throws CancelledError', () => {
    const fixed = readNii(join(fixtures, 'brain-t1.nii.gz'));
    const controller = new AbortController();
    controller.abort();
    expect(() => registerRigid(fixed, fixed, { control: { signal: controller.signal } })).toThrow(
      CancelledError,
    );
  });

  it('cancelling during the run stops it', () => {
    const fixed = readNii(join(fixtures, 'brain-t1.nii.gz'));
    const controller = new AbortController();
    const onProgress = (f: number) => {
      if (f > 0.3) controller.abort();
    };
    expect(() => registerRigid(fixed, fixed, { control: { signal: controller.signal, onProgress } })).toThrow(
      CancelledError,
    );
  });

  it('images that do not overlap give a clear error', () => {
    const fixed = readNii(join(fixtures, 'brain-t1.nii.gz'));
    const far = Float64Array.of(1, 0, 0, 5000, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
    expect(() => registerRigid(fixed, fixed, { initialMovingToFixedLps: far })).toThrow(/do not overlap/);
  });

  it('bad options and tiny images are refused with a reason', () => {
    const fixed = readNii(join(fixtures, 'brain-t1.nii.gz'));
    expect(() => registerRigid(fixed, fixed, { bins: 3 })).toThrow(/bins must be an integer/);
    const tiny = resampleVolume(fixed, {
      dimensions: [3, 40, 40],
      spacingMm: [2, 2, 2],
      originLps: fixed.originLps,
      directionLps: fixed.directionLps,
    });
    expect(() => registerRigid(tiny, fixed)).toThrow(/at least 4 voxels/);
  });
});
