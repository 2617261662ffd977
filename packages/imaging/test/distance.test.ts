/**
 * distanceTransform against scipy.ndimage.distance_transform_edt.
 *
 * Expected maps come from an oracle run AT TEST TIME: /usr/bin/python3 with numpy, scipy and nibabel
 * (the script is ORACLE below). For the real NIfTI fixtures it loads the file with nibabel itself,
 * builds the mask from the raw voxels (value > 0, value == 5, or T1 > 60), takes the spacing from the
 * header zooms and computes, with sampling = spacing,
 *   toForeground = edt(~mask), toBackground = edt(mask), signed = edt(~mask) − edt(mask)
 * writing float64 in i-fastest (Fortran) order. Synthetic masks are handed to the same script as raw
 * bytes. Empty and full masks are compared with the documented convention (+/−Infinity, 0), because
 * scipy has no defined answer there; the single-voxel case is also checked against the closed form.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { distanceMapMm, distanceTransform, type DistanceKind } from '../src/distance/distanceTransform.ts';
import { readNifti } from '../src/nifti/readNifti.ts';
import { CancelledError } from '../src/task.ts';
import { createVolume, type Volume } from '../src/volume.ts';

const NIFTI = join(import.meta.dirname, 'fixtures', 'nifti');
const KINDS: DistanceKind[] = ['toForeground', 'toBackground', 'signed'];
const TOLERANCE_MM = 1e-6;
const work = mkdtempSync(join(tmpdir(), 'np-distance-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ORACLE = String.raw`
import sys
import numpy as np
from scipy.ndimage import distance_transform_edt as edt

source, rule, out_prefix = sys.argv[1], sys.argv[2], sys.argv[3]
if source == 'raw':
    dims = [int(x) for x in sys.argv[4].split(',')]
    spacing = [float(x) for x in sys.argv[5].split(',')]
    # raw bytes are i fastest: Fortran order with shape (ni, nj, nk)
    data = np.fromfile(sys.argv[6], dtype=np.uint8).reshape(dims, order='F')
else:
    import nibabel as nib
    img = nib.load(source)
    data = np.asanyarray(img.dataobj)
    spacing = [float(z) for z in img.header.get_zooms()[:3]]
mask = {'nonzero': data != 0, 'label5': data == 5, 'gt60': data > 60}[rule]
to_fg = edt(~mask, sampling=spacing)
to_bg = edt(mask, sampling=spacing)
for name, arr in (('toForeground', to_fg), ('toBackground', to_bg), ('signed', to_fg - to_bg)):
    np.asarray(arr, dtype='<f8').ravel(order='F').tofile(out_prefix + '.' + name)
print(','.join(repr(s) for s in spacing))
`;

let run = 0;
/** Runs the oracle; returns scipy's three maps and the spacing it used. */
function oracle(
  source: string,
  rule: 'nonzero' | 'label5' | 'gt60',
  raw?: { dims: readonly number[]; spacing: readonly number[]; bytes: Uint8Array },
): { spacing: number[]; maps: Record<DistanceKind, Float64Array> } {
  const prefix = join(work, `case${run++}`);
  const args = ['-c', ORACLE, source, rule, prefix];
  if (raw) {
    writeFileSync(prefix + '.mask', raw.bytes);
    args.push(raw.dims.join(','), raw.spacing.join(','), prefix + '.mask');
  }
  const spacing = execFileSync('/usr/bin/python3', args, { encoding: 'utf8' }).trim().split(',').map(Number);
  const load = (kind: DistanceKind): Float64Array => {
    const b = readFileSync(`${prefix}.${kind}`);
    return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  return {
    spacing,
    maps: { toForeground: load('toForeground'), toBackground: load('toBackground'), signed: load('signed') },
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let x = 0; x < a.length; x++) {
    const d = Math.abs(a[x]! - b[x]!);
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}

const gridOf = (
  dims: readonly [number, number, number],
  spacingMm: readonly [number, number, number],
  scalars: Uint8Array,
) => ({
  id: 'synthetic',
  dimensions: dims,
  spacingMm,
  scalars,
});

describe('distanceTransform on real masks (scipy oracle, 1e-6 mm)', () => {
  const cases = [
    { file: 'brain-t1-skullstrip-mask.nii.gz', rule: 'nonzero', inside: undefined },
    { file: 'brain-t1-skullstrip-mask.nii.gz', rule: 'label5', inside: (v: number) => v === 5 },
    { file: 'brain-t1.nii.gz', rule: 'gt60', inside: (v: number) => v > 60 },
  ] as const;
  for (const c of cases) {
    it(`${c.file} ${c.rule}: all three kinds match scipy`, () => {
      const path = join(NIFTI, c.file);
      const volume = readNifti(readFileSync(path), c.file);
      const expected = oracle(path, c.rule);
      expect([...volume.spacingMm]).toEqual(expected.spacing);
      expect(new Set(expected.spacing).size).toBeGreaterThan(1); // really anisotropic (2×2×3 mm)
      for (const kind of KINDS) {
        const result = distanceTransform(volume, { kind, ...(c.inside && { inside: c.inside }) });
        expect(result.scalars).toBeInstanceOf(Float64Array);
        const diff = maxAbsDiff(result.scalars, expected.maps[kind]);
        expect(diff, `${kind} max |ours − scipy| mm`).toBeLessThanOrEqual(TOLERANCE_MM);
      }
    });
  }

  it('keeps the mask geometry and labels the result', () => {
    const volume = readNifti(readFileSync(join(NIFTI, 'brain-t1-skullstrip-mask.nii.gz')), 'mask.nii.gz');
    const result = distanceTransform(volume, { kind: 'signed' });
    expect(result.dimensions).toEqual(volume.dimensions);
    expect(result.spacingMm).toEqual(volume.spacingMm);
    expect(result.originLps).toEqual(volume.originLps);
    expect([...result.directionLps]).toEqual([...volume.directionLps]);
    expect([...result.ijkToLps]).toEqual([...volume.ijkToLps]);
    expect(result.id).toBe(`${volume.id}:distance-signed`);
    expect(result.metadata.valueUnit).toBe('mm');
  });

  it('float32 output stays within its documented relative error (2^-24)', () => {
    const path = join(NIFTI, 'brain-t1-skullstrip-mask.nii.gz');
    const volume = readNifti(readFileSync(path), 'mask.nii.gz');
    const expected = oracle(path, 'nonzero').maps.toForeground;
    const got = distanceMapMm(volume, { precision: 'float32' });
    expect(got).toBeInstanceOf(Float32Array);
    let worst = 0;
    for (let x = 0; x < got.length; x++)
      worst = Math.max(worst, Math.abs(got[x]! - expected[x]!) / Math.max(expected[x]!, 1e-30));
    expect(worst).toBeLessThanOrEqual(2 ** -24);
  });
});

describe('distanceTransform on synthetic masks (scipy oracle)', () => {
  /** Deterministic sparse-ish random mask. */
  function randomMask(n: number, seed: number, density: number): Uint8Array {
    const m = new Uint8Array(n);
    let s = seed >>> 0;
    for (let x = 0; x < n; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      m[x] = s / 2 ** 32 < density ? 1 : 0;
    }
    return m;
  }
  const cases: {
    label: string;
    dims: [number, number, number];
    spacing: [number, number, number];
    density: number;
  }[] = [
    { label: 'non-integer spacing, sparse', dims: [23, 17, 11], spacing: [0.7, 1.3, 2.1], density: 0.01 },
    { label: 'dense', dims: [20, 24, 9], spacing: [0.9375, 0.9375, 1.25], density: 0.6 },
    { label: 'one voxel thick in i', dims: [1, 30, 20], spacing: [1.5, 0.5, 2.5], density: 0.02 },
    { label: 'one voxel thick in k', dims: [31, 19, 1], spacing: [0.8, 1.1, 5], density: 0.02 },
    { label: 'a single line along k', dims: [1, 1, 40], spacing: [1, 1, 0.33], density: 0.05 },
  ];
  for (const c of cases) {
    it(`${c.label} ${c.dims.join('×')}`, () => {
      const n = c.dims[0] * c.dims[1] * c.dims[2];
      const bytes = randomMask(n, 7 + n, c.density);
      if (bytes.every((b) => b === 0)) bytes[n >> 1] = 1;
      if (bytes.every((b) => b === 1)) bytes[n >> 1] = 0;
      const expected = oracle('raw', 'nonzero', { dims: c.dims, spacing: c.spacing, bytes });
      for (const kind of KINDS) {
        const got = distanceMapMm(gridOf(c.dims, c.spacing, bytes), { kind });
        expect(maxAbsDiff(got, expected.maps[kind]), kind).toBeLessThanOrEqual(TOLERANCE_MM);
      }
    });
  }

  it('single voxel: scipy and the closed form sqrt(Σ (Δ·spacing)²)', () => {
    const dims: [number, number, number] = [9, 7, 5];
    const spacing: [number, number, number] = [0.6, 1.7, 3.2];
    const bytes = new Uint8Array(9 * 7 * 5);
    const at = [2, 5, 3] as const;
    bytes[at[0] + at[1] * 9 + at[2] * 63] = 1;
    const expected = oracle('raw', 'nonzero', { dims, spacing, bytes });
    for (const kind of KINDS) {
      const got = distanceMapMm(gridOf(dims, spacing, bytes), { kind });
      expect(maxAbsDiff(got, expected.maps[kind]), kind).toBeLessThanOrEqual(TOLERANCE_MM);
    }
    const got = distanceMapMm(gridOf(dims, spacing, bytes));
    for (let k = 0; k < 5; k++)
      for (let j = 0; j < 7; j++)
        for (let i = 0; i < 9; i++) {
          const want = Math.hypot(
            (i - at[0]) * spacing[0],
            (j - at[1]) * spacing[1],
            (k - at[2]) * spacing[2],
          );
          expect(got[i + j * 9 + k * 63]).toBeCloseTo(want, 9);
        }
  });
});

describe('distanceTransform edge cases and errors', () => {
  const dims: [number, number, number] = [6, 5, 4];
  const spacing: [number, number, number] = [1, 2, 3];

  it('empty mask: +Infinity to foreground, 0 to background, +Infinity signed', () => {
    const empty = gridOf(dims, spacing, new Uint8Array(120));
    expect([...distanceMapMm(empty)].every((v) => v === Infinity)).toBe(true);
    expect([...distanceMapMm(empty, { kind: 'toBackground' })].every((v) => v === 0)).toBe(true);
    expect([...distanceMapMm(empty, { kind: 'signed' })].every((v) => v === Infinity)).toBe(true);
  });

  it('full mask: 0 to foreground, +Infinity to background, −Infinity signed', () => {
    const full = gridOf(dims, spacing, new Uint8Array(120).fill(1));
    expect([...distanceMapMm(full)].every((v) => v === 0)).toBe(true);
    expect([...distanceMapMm(full, { kind: 'toBackground' })].every((v) => v === Infinity)).toBe(true);
    expect([...distanceMapMm(full, { kind: 'signed' })].every((v) => v === -Infinity)).toBe(true);
  });

  it('a 1×1×1 grid', () => {
    const one = (v: number) => gridOf([1, 1, 1], spacing, Uint8Array.of(v));
    expect([...distanceMapMm(one(1), { kind: 'signed' })]).toEqual([-Infinity]);
    expect([...distanceMapMm(one(0), { kind: 'signed' })]).toEqual([Infinity]);
  });

  it('an already-aborted signal throws CancelledError', () => {
    const controller = new AbortController();
    controller.abort();
    const grid = gridOf(dims, spacing, new Uint8Array(120));
    expect(() => distanceMapMm(grid, { control: { signal: controller.signal } })).toThrow(CancelledError);
  });

  it('aborting during the run throws CancelledError; progress rises to 1 otherwise', () => {
    const bigDims: [number, number, number] = [32, 32, 64];
    const bytes = new Uint8Array(32 * 32 * 64);
    bytes[5000] = 1;
    const controller = new AbortController();
    const grid = gridOf(bigDims, spacing, bytes);
    expect(() =>
      distanceMapMm(grid, {
        kind: 'signed',
        control: { signal: controller.signal, onProgress: (f) => f >= 0.3 && controller.abort() },
      }),
    ).toThrow(CancelledError);
    const seen: number[] = [];
    distanceMapMm(grid, { kind: 'signed', control: { onProgress: (f) => seen.push(f) } });
    expect(seen.length).toBeGreaterThan(4);
    for (let x = 1; x < seen.length; x++) expect(seen[x]!).toBeGreaterThanOrEqual(seen[x - 1]!);
    expect(seen.at(-1)).toBe(1);
  });

  it('refuses a sheared grid and inconsistent input with the mask named', () => {
    const tilt = (15 * Math.PI) / 180;
    const sheared: Volume = createVolume({
      id: 'tilted-ct',
      modality: 'CT',
      dimensions: dims,
      spacingMm: spacing,
      originLps: [0, 0, 0],
      // k axis tilted towards j: columns are unit but not orthogonal (gantry tilt)
      directionLps: [1, 0, 0, 0, 1, Math.sin(tilt), 0, 0, Math.cos(tilt)],
      scalars: new Uint8Array(120),
    });
    expect(() => distanceTransform(sheared)).toThrow(/^tilted-ct: the j and k axes are at 75\.0000°/);
    expect(() => distanceMapMm(gridOf(dims, spacing, new Uint8Array(119)))).toThrow(
      /^synthetic: holds 119 values/,
    );
    expect(() => distanceMapMm(gridOf(dims, [1, 0, 3], new Uint8Array(120)))).toThrow(
      /^synthetic: invalid voxel spacing/,
    );
    expect(() => distanceMapMm(gridOf([6, 5, 0], spacing, new Uint8Array(0)))).toThrow(
      /^synthetic: invalid grid dimensions/,
    );
  });

  it('a rotated (orthogonal, oblique) grid is accepted and gives the same distances', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const bytes = new Uint8Array(120);
    bytes[7] = 1;
    const rotated = createVolume({
      id: 'oblique',
      modality: 'MR',
      dimensions: dims,
      spacingMm: spacing,
      originLps: [1, 2, 3],
      directionLps: [c, -s, 0, s, c, 0, 0, 0, 1],
      scalars: bytes,
    });
    expect([...distanceTransform(rotated).scalars]).toEqual([...distanceMapMm(gridOf(dims, spacing, bytes))]);
  });
});
