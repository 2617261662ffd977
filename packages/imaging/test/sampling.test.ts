/**
 * sampleLinear / sampleNearest, resampleVolume and reslicePlane.
 *
 * On the real brain volume the expected values come from an oracle run AT TEST TIME:
 * /usr/bin/python3 with nibabel and scipy (script ORACLE below) maps each LPS point to RAS with
 * diag(-1,-1,1), to a voxel index with inv(img.affine), and interpolates `get_fdata()` with
 * `scipy.ndimage.map_coordinates` (order=1 trilinear, order=0 nearest).
 * The other checks use analytic volumes whose exact answers are known on paper: trilinear
 * interpolation reproduces a linear function exactly, so a linear ramp value = g·x + c (x in LPS)
 * must come back exactly at every in-grid point, through any plane or rigid transform.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cross, mat4Invert, transformPoint, type Mat4, type Vec3 } from '../src/math.ts';
import { readNifti } from '../src/nifti/readNifti.ts';
import { resampleVolume, type GridSpec } from '../src/resample.ts';
import { reslicePlane } from '../src/reslice.ts';
import { sampleLinear, sampleNearest } from '../src/sampling.ts';
import { mulberry32 } from '../src/random.ts';
import { createVolume, ijkToLpsPoint, type Volume } from '../src/volume.ts';

const BRAIN = join(import.meta.dirname, 'fixtures/nifti/brain-t1.nii.gz');

const ORACLE = String.raw`
import json, sys
import nibabel as nib
import numpy as np
from scipy.ndimage import map_coordinates

img = nib.load(sys.argv[1])
data = img.get_fdata()
lps = np.array(json.load(sys.stdin), dtype=float)           # N x 3
ras = lps * np.array([-1.0, -1.0, 1.0])
ijk = (np.linalg.inv(img.affine) @ np.c_[ras, np.ones(len(ras))].T)[:3]   # 3 x N
n = np.array(data.shape[:3])[:, None]
margin = 1e-6
inside = np.all((ijk >= margin) & (ijk <= n - 1 - margin), axis=0)
outside = np.any((ijk < -margin) | (ijk > n - 1 + margin), axis=0)
print(json.dumps({
    'ijk': ijk.T.tolist(),
    'inside': inside.tolist(),
    'outside': outside.tolist(),
    'linear': map_coordinates(data, ijk, order=1, mode='nearest').tolist(),
    'nearest': map_coordinates(data, ijk, order=0, mode='nearest').tolist(),
}))
`;

const brain = readNifti(new Uint8Array(readFileSync(BRAIN)), 'brain-t1.nii.gz');

function rotation(axis: Vec3, deg: number): number[] {
  const [x, y, z] = axis.map((c) => c / Math.hypot(...axis)) as Vec3;
  const t = (deg * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  const C = 1 - c;
  return [
    c + x * x * C,
    x * y * C - z * s,
    x * z * C + y * s,
    y * x * C + z * s,
    c + y * y * C,
    y * z * C - x * s,
    z * x * C - y * s,
    z * y * C + x * s,
    c + z * z * C,
  ];
}

/** Row-major 4×4 from a row-major 3×3 and a translation. */
const affine = (r: number[], t: Vec3): Mat4 =>
  Float64Array.of(
    r[0]!,
    r[1]!,
    r[2]!,
    t[0],
    r[3]!,
    r[4]!,
    r[5]!,
    t[1],
    r[6]!,
    r[7]!,
    r[8]!,
    t[2],
    0,
    0,
    0,
    1,
  );

/** A volume whose voxel values are f(LPS of the voxel centre), LPS computed here from the definition. */
function analyticVolume(
  dims: [number, number, number],
  spacingMm: [number, number, number],
  originLps: Vec3,
  directionLps: number[],
  f: (p: Vec3) => number,
): Volume {
  const scalars = new Float64Array(dims[0] * dims[1] * dims[2]);
  let n = 0;
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++, n++) {
        const idx = [i * spacingMm[0], j * spacingMm[1], k * spacingMm[2]];
        const p = [0, 1, 2].map(
          (r) =>
            originLps[r]! +
            directionLps[r * 3]! * idx[0]! +
            directionLps[r * 3 + 1]! * idx[1]! +
            directionLps[r * 3 + 2]! * idx[2]!,
        ) as Vec3;
        scalars[n] = f(p);
      }
  return createVolume({
    id: 'analytic',
    modality: 'OT',
    dimensions: dims,
    spacingMm,
    originLps,
    directionLps,
    scalars,
  });
}

const GRADIENT: Vec3 = [0.7, -1.3, 2.1];
const ramp = (p: Vec3) => GRADIENT[0] * p[0] + GRADIENT[1] * p[1] + GRADIENT[2] * p[2] + 5;
const OBLIQUE_DIR = rotation([1, 2, 3], 25);
const rampVolume = analyticVolume([40, 36, 30], [1, 1.2, 1.5], [-20, 15, -10], OBLIQUE_DIR, ramp);
const rampCentre = ijkToLpsPoint(rampVolume, [19.5, 17.5, 14.5]);

describe('sampleLinear / sampleNearest on the real brain (oracle: scipy map_coordinates at test time)', () => {
  const random = mulberry32(42);
  const [ni, nj, nk] = brain.dimensions;
  // Inputs: LPS points whose voxel index spans a little beyond the grid on every side.
  const points: Vec3[] = Array.from({ length: 600 }, () =>
    ijkToLpsPoint(brain, [random() * (ni + 2) - 1.5, random() * (nj + 2) - 1.5, random() * (nk + 2) - 1.5]),
  );
  const oracle = JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', ORACLE, BRAIN], {
      input: JSON.stringify(points),
      encoding: 'utf8',
    }),
  ) as { inside: boolean[]; outside: boolean[]; linear: number[]; nearest: number[] };

  it('trilinear matches order=1 inside the grid to 1e-4, and is NaN outside', () => {
    let inside = 0;
    let outside = 0;
    points.forEach((p, n) => {
      if (oracle.inside[n]) {
        inside++;
        expect(Math.abs(sampleLinear(brain, p) - oracle.linear[n]!)).toBeLessThan(1e-4);
      } else if (oracle.outside[n]) {
        outside++;
        expect(sampleLinear(brain, p)).toBeNaN();
        expect(sampleLinear(brain, p, -7)).toBe(-7);
      }
    });
    expect(inside).toBeGreaterThan(300);
    expect(outside).toBeGreaterThan(50);
  });

  it('nearest matches order=0 inside the grid', () => {
    points.forEach((p, n) => {
      if (oracle.inside[n]) expect(sampleNearest(brain, p)).toBe(oracle.nearest[n]);
      else if (oracle.outside[n]) expect(sampleNearest(brain, p)).toBeNaN();
    });
  });

  it('is exact at voxel centres, the grid corners included', () => {
    const r = mulberry32(7);
    const idx: Vec3[] = [
      [0, 0, 0],
      [ni - 1, nj - 1, nk - 1],
      [ni - 1, 0, nk - 1],
    ];
    for (let n = 0; n < 200; n++)
      idx.push([Math.floor(r() * ni), Math.floor(r() * nj), Math.floor(r() * nk)]);
    for (const [i, j, k] of idx) {
      const value = brain.scalars[i + j * ni + k * ni * nj]!;
      const p = ijkToLpsPoint(brain, [i, j, k]);
      expect(sampleLinear(brain, p)).toBeCloseTo(value, 9);
      expect(sampleNearest(brain, p)).toBe(value);
    }
  });

  it('treats [0, n-1] as inside and anything beyond as outside', () => {
    const at = (i: number, j: number, k: number) => ijkToLpsPoint(brain, [i, j, k]);
    expect(sampleLinear(brain, at(ni - 1, 10, 10))).not.toBeNaN();
    expect(sampleLinear(brain, at(ni - 1 + 0.01, 10, 10))).toBeNaN();
    expect(sampleLinear(brain, at(-0.01, 10, 10))).toBeNaN();
    expect(sampleNearest(brain, at(10, -0.4, 10))).toBeNaN();
    expect(sampleNearest(brain, at(10, 10, nk - 0.6))).toBeNaN();
    expect(sampleLinear(brain, [NaN, 0, 0])).toBeNaN();
  });
});

describe('resampleVolume', () => {
  const gridOf = (v: Volume): GridSpec => ({
    dimensions: [...v.dimensions],
    spacingMm: [...v.spacingMm],
    originLps: [...v.originLps],
    directionLps: v.directionLps,
  });

  it('the identity grid reproduces the volume (linear: Float32, nearest: source type)', () => {
    const lin = resampleVolume(brain, gridOf(brain));
    expect(lin.scalars).toBeInstanceOf(Float32Array);
    let worst = 0;
    for (let n = 0; n < brain.scalars.length; n++)
      worst = Math.max(worst, Math.abs(lin.scalars[n]! - brain.scalars[n]!));
    expect(worst).toBeLessThan(1e-4);
    const near = resampleVolume(brain, gridOf(brain), { interpolation: 'nearest', id: 'copy' });
    expect(near.scalars.constructor).toBe(brain.scalars.constructor);
    let differ = 0;
    for (let n = 0; n < brain.scalars.length; n++) if (near.scalars[n] !== brain.scalars[n]) differ++;
    expect(differ).toBe(0);
    expect(near.id).toBe('copy');
    expect(near.metadata.source).toBe('derived');
    expect([...near.ijkToLps]).toEqual([...brain.ijkToLps]);
  });

  it('a grid shifted by whole voxels shifts the data', () => {
    const [ni, nj, nk] = brain.dimensions;
    const shift = [3, -2, 1];
    const origin = ijkToLpsPoint(brain, shift as Vec3);
    const out = resampleVolume(
      brain,
      { ...gridOf(brain), originLps: origin },
      { interpolation: 'nearest', fill: 99 },
    );
    const lin = resampleVolume(brain, { ...gridOf(brain), originLps: origin }, { fill: -1 });
    let wrongNearest = 0;
    let worstLinear = 0;
    let wrongFill = 0;
    let filled = 0;
    for (let k = 0; k < nk; k++)
      for (let j = 0; j < nj; j++)
        for (let i = 0; i < ni; i++) {
          const [si, sj, sk] = [i + shift[0]!, j + shift[1]!, k + shift[2]!];
          const n = i + j * ni + k * ni * nj;
          if (si < ni && sj >= 0 && sk < nk) {
            const expected = brain.scalars[si + sj * ni + sk * ni * nj]!;
            if (out.scalars[n] !== expected) wrongNearest++;
            worstLinear = Math.max(worstLinear, Math.abs(lin.scalars[n]! - expected));
          } else {
            filled++;
            if (out.scalars[n] !== 99 || lin.scalars[n] !== -1) wrongFill++;
          }
        }
    expect(wrongNearest).toBe(0);
    expect(worstLinear).toBeLessThan(1e-4);
    expect(wrongFill).toBe(0);
    // Voxels whose source falls off the grid: 3 columns of i, 2 rows of j, 1 slice of k.
    expect(filled).toBe(ni * nj * nk - (ni - 3) * (nj - 2) * (nk - 1));
  });

  const T = affine(rotation([0.3, -1, 0.5], 12), [4.5, -3, 2]);
  const Tinv = mat4Invert(T);

  it('through a rigid transform: a linear ramp comes out exactly as f(T·p)', () => {
    const grid: GridSpec = {
      dimensions: [30, 28, 22],
      spacingMm: [0.9, 1.1, 1.3],
      originLps: ijkToLpsPoint(rampVolume, [6, 6, 6]),
      directionLps: rotation([0, 0, 1], 40),
    };
    const out = resampleVolume(rampVolume, grid, { targetLpsToSourceLps: T, fill: NaN });
    let inside = 0;
    for (let k = 0; k < 22; k++)
      for (let j = 0; j < 28; j++)
        for (let i = 0; i < 30; i++) {
          const value = out.scalars[i + j * 30 + k * 30 * 28]!;
          if (Number.isNaN(value)) continue;
          inside++;
          const p = ijkToLpsPoint(out, [i, j, k]);
          expect(value).toBeCloseTo(Math.fround(ramp(transformPoint(T, p))), 3);
        }
    expect(inside).toBeGreaterThan(30 * 28 * 22 * 0.5);
  });

  it('a smooth volume survives T then T⁻¹ (round trip) within interpolation error', () => {
    const blob = (p: Vec3) =>
      100 *
      Math.exp(
        -((p[0] - rampCentre[0]) ** 2 + (p[1] - rampCentre[1]) ** 2 + (p[2] - rampCentre[2]) ** 2) /
          (2 * 8 ** 2),
      );
    const src = analyticVolume([40, 36, 30], [1, 1.2, 1.5], [-20, 15, -10], OBLIQUE_DIR, blob);
    const grid = gridOf(src);
    const there = resampleVolume(src, grid, { targetLpsToSourceLps: T, fill: NaN });
    const back = resampleVolume(there, grid, { targetLpsToSourceLps: Tinv, fill: NaN });
    let compared = 0;
    let worst = 0;
    for (let n = 0; n < back.scalars.length; n++) {
      const value = back.scalars[n]!;
      if (Number.isNaN(value)) continue;
      compared++;
      worst = Math.max(worst, Math.abs(value - src.scalars[n]!));
    }
    expect(compared).toBeGreaterThan(back.scalars.length * 0.4);
    // Trilinear error ≤ Σ_axes h²/8 · max|f''| per pass (interpolation never amplifies earlier
    // error); a Gaussian of peak 100 and σ 8 mm has |f''| ≤ 100/σ² along any direction. Two passes:
    const bound = 2 * ((1 ** 2 + 1.2 ** 2 + 1.5 ** 2) / 8) * (100 / 8 ** 2);
    expect(worst).toBeLessThan(bound);
    expect(worst).toBeGreaterThan(0.01); // the analytic check is not vacuous
  });

  it('rejects bad grids and transforms', () => {
    const g = gridOf(brain);
    expect(() => resampleVolume(brain, { ...g, dimensions: [0, 2, 2] })).toThrow(/invalid target dimensions/);
    expect(() => resampleVolume(brain, { ...g, spacingMm: [1, -1, 1] })).toThrow(/invalid target spacing/);
    expect(() => resampleVolume(brain, { ...g, directionLps: [2, 0, 0, 0, 1, 0, 0, 0, 1] })).toThrow(
      /not a unit vector/,
    );
    expect(() => resampleVolume(brain, { ...g, dimensions: [100000, 100000, 100000] })).toThrow(/too large/);
    const projective = Float64Array.from(T);
    projective[14] = 0.1;
    expect(() => resampleVolume(brain, g, { targetLpsToSourceLps: projective })).toThrow(/must be affine/);
    expect(() => resampleVolume(brain, g, { interpolation: 'nearest', fill: 0.5 })).toThrow(
      /fill 0.5 cannot be stored/,
    );
  });
});

describe('reslicePlane', () => {
  const col = (v: Volume, c: number): Vec3 => [
    v.directionLps[c]!,
    v.directionLps[3 + c]!,
    v.directionLps[6 + c]!,
  ];

  it('an axis-aligned plane through voxel centres equals that slice of the volume', () => {
    const [ni, nj] = brain.dimensions;
    expect(brain.spacingMm[0]).toBe(brain.spacingMm[1]);
    for (const k of [0, 17, brain.dimensions[2] - 1]) {
      const spec = {
        centerLps: ijkToLpsPoint(brain, [(ni - 1) / 2, (nj - 1) / 2, k]),
        uAxisLps: col(brain, 0),
        vAxisLps: col(brain, 1),
        widthPx: ni,
        heightPx: nj,
        pixelSpacingMm: brain.spacingMm[0],
      };
      const near = reslicePlane(brain, { ...spec, interpolation: 'nearest' });
      const lin = reslicePlane(brain, spec);
      const slice = brain.scalars.subarray(k * ni * nj, (k + 1) * ni * nj);
      let differ = 0;
      let worst = 0;
      for (let n = 0; n < slice.length; n++) {
        if (near.pixels[n] !== slice[n]) differ++;
        worst = Math.max(worst, Math.abs(lin.pixels[n]! - slice[n]!));
      }
      expect(differ).toBe(0);
      expect(worst).toBeLessThan(1e-6);
      const o = ijkToLpsPoint(brain, [0, 0, k]);
      for (let a = 0; a < 3; a++) expect(lin.originLps[a]).toBeCloseTo(o[a]!, 9);
    }
  });

  // An oblique plane inside the ramp volume: 21×17 pixels at 0.7 mm spans < 15 mm around the centre.
  const u = rotation([2, -1, 1], 33).filter((_, n) => n % 3 === 0) as Vec3; // column 0 of a rotation
  const v = rotation([2, -1, 1], 33).filter((_, n) => n % 3 === 1) as Vec3; // column 1
  const obliqueSpec = {
    centerLps: rampCentre,
    uAxisLps: u,
    vAxisLps: v,
    widthPx: 21,
    heightPx: 17,
    pixelSpacingMm: 0.7,
  };

  it('an oblique plane of a linear ramp is exact everywhere, with consistent geometry', () => {
    const r = reslicePlane(rampVolume, obliqueSpec);
    expect(r.widthPx).toBe(21);
    expect(r.heightPx).toBe(17);
    const n = cross(u, v);
    for (let a = 0; a < 3; a++) {
      expect(r.normalLps[a]).toBeCloseTo(n[a]!, 12);
      // The centre pixel (10, 8) lies at centerLps.
      expect(r.originLps[a]! + 10 * 0.7 * r.uAxisLps[a]! + 8 * 0.7 * r.vAxisLps[a]!).toBeCloseTo(
        rampCentre[a]!,
        9,
      );
    }
    for (let b = 0; b < 17; b++)
      for (let a = 0; a < 21; a++) {
        const p = [0, 1, 2].map((c) => r.originLps[c]! + a * 0.7 * u[c]! + b * 0.7 * v[c]!) as Vec3;
        expect(r.pixels[a + b * 21]).toBeCloseTo(Math.fround(ramp(p)), 4);
      }
  });

  it('slab MIP and mean on a ramp: centre value ± |g·n|·slab/2, and the centre value', () => {
    const slabMm = 6;
    const plain = reslicePlane(rampVolume, obliqueSpec);
    const mip = reslicePlane(rampVolume, { ...obliqueSpec, slabMm, slabMode: 'mip' });
    const mean = reslicePlane(rampVolume, { ...obliqueSpec, slabMm, slabMode: 'mean' });
    const n = cross(u, v);
    const rise = Math.abs(GRADIENT[0] * n[0] + GRADIENT[1] * n[1] + GRADIENT[2] * n[2]) * (slabMm / 2);
    expect(rise).toBeGreaterThan(1);
    for (let p = 0; p < plain.pixels.length; p++) {
      expect(mip.pixels[p]).toBeCloseTo(plain.pixels[p]! + rise, 3);
      expect(mean.pixels[p]).toBeCloseTo(plain.pixels[p]!, 3);
    }
  });

  it('pixels off the volume get the fill value; a slab uses the samples that have data', () => {
    const far = reslicePlane(rampVolume, { ...obliqueSpec, centerLps: [500, 500, 500], fill: -5 });
    expect(Array.from(new Set(far.pixels))).toEqual([-5]);
    const dflt = reslicePlane(rampVolume, { ...obliqueSpec, centerLps: [500, 500, 500] });
    expect(Array.from(new Set(dflt.pixels))).toEqual([0]);
    // A plane through the corner voxel centre: some pixels inside, some not.
    const corner = reslicePlane(rampVolume, { ...obliqueSpec, centerLps: rampVolume.originLps, fill: NaN });
    const values = Array.from(corner.pixels);
    expect(values.some(Number.isNaN)).toBe(true);
    expect(values.some((x) => !Number.isNaN(x))).toBe(true);
  });

  it('orthonormalises a nearly orthogonal v, rejects parallel, skewed or non-unit axes', () => {
    const tilted: Vec3 = [v[0] + 2e-4 * u[0], v[1] + 2e-4 * u[1], v[2] + 2e-4 * u[2]];
    const r = reslicePlane(rampVolume, { ...obliqueSpec, vAxisLps: tilted });
    expect(
      Math.abs(r.uAxisLps[0] * r.vAxisLps[0] + r.uAxisLps[1] * r.vAxisLps[1] + r.uAxisLps[2] * r.vAxisLps[2]),
    ).toBeLessThan(1e-12);
    expect(Math.hypot(...r.vAxisLps)).toBeCloseTo(1, 12);
    expect(() => reslicePlane(rampVolume, { ...obliqueSpec, vAxisLps: u })).toThrow(/parallel/);
    const skew = [0, 1, 2].map((c) => (u[c]! + v[c]!) / Math.SQRT2) as Vec3;
    expect(() => reslicePlane(rampVolume, { ...obliqueSpec, vAxisLps: skew })).toThrow(
      /must be orthogonal \(they are 45\.000° apart\)/,
    );
    expect(() => reslicePlane(rampVolume, { ...obliqueSpec, uAxisLps: [2, 0, 0] })).toThrow(
      /uAxisLps must be a unit vector/,
    );
    expect(() => reslicePlane(rampVolume, { ...obliqueSpec, widthPx: 0 })).toThrow(/invalid image size/);
    expect(() => reslicePlane(rampVolume, { ...obliqueSpec, pixelSpacingMm: 0 })).toThrow(
      /invalid pixel spacing/,
    );
    expect(() => reslicePlane(rampVolume, { ...obliqueSpec, slabMm: -1 })).toThrow(/invalid slab thickness/);
  });
});
