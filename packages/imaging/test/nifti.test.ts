/**
 * readNifti / isNifti against nibabel.
 *
 * Expected numbers come from an oracle run AT TEST TIME: /usr/bin/python3 with nibabel 5 and numpy
 * (the script is ORACLE below). It loads each file with nibabel, takes `img.affine` (nibabel picks
 * sform, then qform, as the standard says), flips it to LPS with diag(-1,-1,1,1), and reports the
 * direction columns (affine[:3,:3] columns / norms), spacing (the norms), origin (affine[:3,3]),
 * the on-disk dtype and scaling, and voxel values from `get_fdata()` in i-fastest order.
 * Two documented exceptions where nibabel does not follow what we must do:
 *  - no sform/qform: nibabel's base affine centres the grid; the NIfTI standard (method 1), which we
 *    follow, is diag(pixdim) with zero offset, so the oracle builds that from `header['pixdim']`;
 *  - nibabel ignores xyzt_units; the oracle converts µm / m to mm itself.
 * The variant files are made by fixtures/nifti-variants/make_variants.py (nibabel; see its README).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isNifti, readNifti } from '../src/nifti/readNifti.ts';
import { volumeStats, type Volume } from '../src/volume.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const VARIANTS = join(FIXTURES, 'nifti-variants');
const REAL = ['nifti/brain-t1.nii.gz', 'nifti/brain-t1-skullstrip-mask.nii.gz'];

const ORACLE = String.raw`
import json, sys
import nibabel as nib
import numpy as np

def geometry(aff):
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ aff
    norms = np.linalg.norm(lps[:3, :3], axis=0)
    return {
        'spacing': norms.tolist(),
        'direction': (lps[:3, :3] / norms).ravel().tolist(),  # row-major
        'origin': lps[:3, 3].tolist(),
    }

out = {}
for path in sys.argv[1:]:
    img = nib.load(path)
    hdr = img.header
    if int(hdr['sform_code']) > 0 or int(hdr['qform_code']) > 0:
        aff = img.affine.copy()
    else:  # NIfTI method 1 (not nibabel's centred base affine)
        aff = np.diag(list(hdr['pixdim'][1:4]) + [1.0])
    unit = hdr.get_xyzt_units()[0]
    aff[:3, :] *= {'meter': 1000.0, 'micron': 0.001}.get(unit, 1.0)
    slope = float(img.dataobj.slope)
    inter = float(img.dataobj.inter)
    data = img.get_fdata()  # float64, scaling applied
    vols = [data] if data.ndim == 3 else [data[..., t] for t in range(data.shape[3])]
    entry = {
        'shape': list(img.shape),
        'dtype': hdr.get_data_dtype().newbyteorder('=').name,
        'scaled': not (slope == 1.0 and inter == 0.0),
        'geometry': geometry(aff),
        'stats': [{'min': float(v.min()), 'max': float(v.max()), 'mean': float(v.mean())} for v in vols],
        'description': hdr['descrip'].item().decode('latin-1'),
    }
    if data.size <= 5000:
        entry['values'] = [v.ravel(order='F').tolist() for v in vols]
    else:  # a fixed sample of voxels, to check the voxel order of big volumes
        rng = np.random.default_rng(7)
        ijk = [rng.integers(0, n, 40) for n in data.shape[:3]]
        entry['probes'] = [[int(i), int(j), int(k), float(data[i, j, k])] for i, j, k in zip(*ijk)]
    out[path] = entry
print(json.dumps(out))
`;

interface OracleEntry {
  shape: number[];
  dtype: string;
  scaled: boolean;
  geometry: { spacing: number[]; direction: number[]; origin: number[] };
  stats: { min: number; max: number; mean: number }[];
  description: string;
  values?: number[][];
  probes?: [number, number, number, number][];
}

function runOracle(paths: string[]): Record<string, OracleEntry> {
  const json = execFileSync('/usr/bin/python3', ['-c', ORACLE, ...paths], { encoding: 'utf8' });
  return JSON.parse(json) as Record<string, OracleEntry>;
}

const load = (path: string, timeIndex?: number): Volume =>
  readNifti(
    new Uint8Array(readFileSync(path)),
    path.split('/').pop()!,
    timeIndex === undefined ? {} : { timeIndex },
  );

const ARRAY_FOR_DTYPE: Record<string, string> = {
  uint8: 'Uint8Array',
  int8: 'Int8Array',
  int16: 'Int16Array',
  uint16: 'Uint16Array',
  int32: 'Int32Array',
  uint32: 'Uint32Array',
  float32: 'Float32Array',
  float64: 'Float64Array',
};

/** Our rule: the native type when unscaled; float32 when scaled (float64 stays float64). */
const expectedArray = (o: OracleEntry): string =>
  o.scaled && o.dtype !== 'float64' ? 'Float32Array' : ARRAY_FOR_DTYPE[o.dtype]!;

function expectGeometry(v: Volume, o: OracleEntry, tol = 1e-6): void {
  expect([...v.dimensions]).toEqual(o.shape.slice(0, 3));
  for (let a = 0; a < 3; a++) {
    expect(v.spacingMm[a]).toBeCloseTo(o.geometry.spacing[a]!, -Math.log10(tol));
    expect(Math.abs(v.originLps[a]! - o.geometry.origin[a]!)).toBeLessThan(
      tol * Math.max(1, Math.abs(o.geometry.origin[a]!)),
    );
  }
  for (let e = 0; e < 9; e++)
    expect(Math.abs(v.directionLps[e]! - o.geometry.direction[e]!)).toBeLessThan(tol);
}

function expectValues(v: Volume, expected: number[], relTol = 0): void {
  expect(v.scalars.length).toBe(expected.length);
  let worst = 0;
  for (let n = 0; n < expected.length; n++) {
    const e = expected[n]!;
    worst = Math.max(worst, Math.abs(v.scalars[n]! - e) / Math.max(1, Math.abs(e)));
  }
  expect(worst).toBeLessThanOrEqual(relTol);
}

describe('readNifti on the real brain fixtures (oracle: nibabel at test time)', () => {
  const oracle = runOracle(REAL.map((f) => join(FIXTURES, f)));

  for (const f of REAL) {
    it(`${f}: dimensions, spacing, LPS origin and direction, values`, () => {
      const path = join(FIXTURES, f);
      const o = oracle[path]!;
      const v = load(path);
      expectGeometry(v, o, 1e-6);
      expect(v.scalars.constructor.name).toBe(expectedArray(o));
      const s = volumeStats(v);
      expect(s.min).toBe(o.stats[0]!.min);
      expect(s.max).toBe(o.stats[0]!.max);
      expect(s.mean).toBeCloseTo(o.stats[0]!.mean, 9);
      const [ni, nj] = v.dimensions;
      for (const [i, j, k, value] of o.probes!) expect(v.scalars[i + j * ni + k * ni * nj]).toBe(value);
      expect(v.metadata.source).toBe('nifti');
      expect(v.modality).toBe('MR');
      // Both transforms are set. The qform quaternion (0, 0.7071068, 0.7071068) has |(b,c,d)| = 1 in
      // float32, so a = 0 as nifti1_io.c decides (nibabel takes a = sqrt(6e-8) and rotates 0.03°):
      // the qform then equals the sform and nothing is reported.
      expect(v.warnings).toEqual([]);
    });
  }
});

describe('readNifti on generated variants (oracle: nibabel at test time)', () => {
  const names = [
    'plain-uint8.nii',
    'dtype-int8.nii',
    'dtype-uint16.nii',
    'dtype-int32.nii',
    'dtype-uint32.nii',
    'nifti2-int16.nii.gz',
    'nifti2-big-endian-float32.nii',
    'qform-only.nii.gz',
    'sform-only.nii.gz',
    'sform-qform-disagree.nii.gz',
    'shear.nii.gz',
    'no-xform.nii',
    'oblique-float64.nii.gz',
    'scaled-int16.nii',
    '4d-float32.nii.gz',
    'big-endian-int16.nii',
    'units-micron.nii.gz',
    'label-extension.nii.gz',
  ];
  const oracle = runOracle(names.map((n) => join(VARIANTS, n)));
  const entry = (n: string) => oracle[join(VARIANTS, n)]!;

  for (const name of names) {
    it(`${name}: geometry, array type and every voxel match nibabel`, () => {
      const o = entry(name);
      const v = load(join(VARIANTS, name));
      expectGeometry(v, o, 1e-6);
      expect(v.scalars.constructor.name).toBe(expectedArray(o));
      // Float32 output of scaled integers rounds once; everything else is exact.
      expectValues(v, o.values![0]!, o.scaled ? 1e-6 : 0);
      expect(v.metadata.source).toBe('nifti');
    });
  }

  it('plain-uint8.nii: description, no warnings when sform and qform agree', () => {
    const v = load(join(VARIANTS, 'plain-uint8.nii'));
    expect(v.metadata.seriesDescription).toBe(entry('plain-uint8.nii').description);
    expect(v.metadata.seriesDescription).toBe('plain uint8 test volume');
    expect(v.warnings).toEqual([]);
  });

  it('sform-qform-disagree.nii.gz: the sform wins and the disagreement is reported', () => {
    const v = load(join(VARIANTS, 'sform-qform-disagree.nii.gz'));
    // The script's sform puts voxel 0 at RAS (15, 10, 10); its qform would say (10, 10, 10).
    expect(v.originLps).toEqual([-15, -10, 10]);
    expect(v.warnings.join('\n')).toMatch(/sform and qform disagree .*using the sform/);
  });

  it('qform-only.nii.gz: the quaternion with qfac = -1 gives an improper (left-handed) grid', () => {
    const d = load(join(VARIANTS, 'qform-only.nii.gz')).directionLps;
    const det =
      d[0]! * (d[4]! * d[8]! - d[5]! * d[7]!) -
      d[1]! * (d[3]! * d[8]! - d[5]! * d[6]!) +
      d[2]! * (d[3]! * d[7]! - d[4]! * d[6]!);
    // RAS grid det < 0 (script: diag(-1,1,1) then a rotation); LPS flips two axes, keeping the sign.
    expect(det).toBeCloseTo(-1, 6);
  });

  it('shear.nii.gz: a sheared sform is kept exactly, with a warning', () => {
    const v = load(join(VARIANTS, 'shear.nii.gz'));
    expect(v.warnings.join('\n')).toMatch(/not orthogonal \(shear/);
    // The script's sform: x = i + 0.3 j, y = j, z = 2 k; so in LPS the j column is (-0.3, -1, 0).
    expect(v.ijkToLps[1]).toBeCloseTo(-0.3, 6);
    expect(v.ijkToLps[5]).toBeCloseTo(-1, 6);
  });

  it('no-xform.nii: ANALYZE fallback with a warning', () => {
    const v = load(join(VARIANTS, 'no-xform.nii'));
    expect(v.warnings.join('\n')).toMatch(/no sform or qform/);
  });

  it('units-micron.nii.gz: micrometres become millimetres', () => {
    const v = load(join(VARIANTS, 'units-micron.nii.gz'));
    expect(v.spacingMm).toEqual([0.5, 0.5, 1]);
    expect(v.warnings.join('\n')).toMatch(/micrometres/);
  });

  it('4d-float32.nii.gz: first volume by default, timeIndex picks others', () => {
    const o = entry('4d-float32.nii.gz');
    expect(o.shape[3]).toBe(3);
    for (const t of [undefined, 0, 1, 2]) {
      const v = load(join(VARIANTS, '4d-float32.nii.gz'), t);
      expectValues(v, o.values![t ?? 0]!);
      expectGeometry(v, o);
      expect(v.metadata.timePoints).toBe(3);
      expect(v.warnings.join('\n')).toMatch(/4D file with 3 volumes; loaded volume/);
    }
    expect(() => load(join(VARIANTS, '4d-float32.nii.gz'), 3)).toThrow(
      /4d-float32\.nii\.gz: time index 3 .*holds 3 volume/,
    );
  });

  it('a 4D .nii.gz holding only its first volume: volume 0 loads, volume 2 is reported missing', () => {
    // Made here with node:zlib: the 4D file's bytes cut 100 bytes into volume 1, then gzipped whole.
    const raw = gunzipSync(readFileSync(join(VARIANTS, '4d-float32.nii.gz')));
    const volumeBytes = 8 * 7 * 6 * 4;
    const cut = new Uint8Array(gzipSync(raw.subarray(0, 352 + volumeBytes + 100)));
    expectValues(readNifti(cut, 'cut.nii.gz'), entry('4d-float32.nii.gz').values![0]!);
    expect(() => readNifti(cut, 'cut.nii.gz', { timeIndex: 2 })).toThrow(
      /^cut\.nii\.gz: truncated: header says 4032 bytes of voxels \(8×7×6×3 float32\), file holds 1444$/,
    );
  });

  it('a .nii.gz missing only its gzip trailer loads, with a warning', () => {
    const gz = readFileSync(join(VARIANTS, 'nifti2-int16.nii.gz'));
    const v = readNifti(new Uint8Array(gz.subarray(0, gz.length - 8)), 'notrailer.nii.gz');
    expectValues(v, entry('nifti2-int16.nii.gz').values![0]!);
    expect(v.warnings.join('\n')).toMatch(/compressed stream ends early .*after the voxels that were loaded/);
  });

  it('accepts a Node Buffer at an odd byte offset, and leaves it unchanged', () => {
    for (const name of ['big-endian-int16.nii', 'dtype-int32.nii']) {
      const file = readFileSync(join(VARIANTS, name));
      const buffer = Buffer.concat([Buffer.alloc(3), file]).subarray(3);
      const before = Buffer.from(buffer);
      expectValues(readNifti(buffer, name), entry(name).values![0]!);
      expect(buffer.equals(before)).toBe(true);
    }
  });

  it('scl_slope 0 means no scaling: the stored int16 values come back as Int16Array', () => {
    const b = new Uint8Array(readFileSync(join(VARIANTS, 'scaled-int16.nii')));
    new DataView(b.buffer).setFloat32(112, 0, true); // scl_slope
    const v = readNifti(b, 'slope0.nii');
    expect(v.scalars).toBeInstanceOf(Int16Array);
    // nibabel's scaled values were stored·0.5 − 10, so stored = (value + 10) / 0.5.
    expectValues(
      v,
      entry('scaled-int16.nii').values![0]!.map((x) => (x + 10) / 0.5),
    );
  });

  it('reports a pixdim that disagrees with the sform, and keeps the sform', () => {
    const b = new Uint8Array(readFileSync(join(VARIANTS, 'plain-uint8.nii')));
    new DataView(b.buffer).setFloat32(80, 9, true); // pixdim[1]: the sform says 1.5
    const v = readNifti(b, 'pixdim.nii');
    expect(v.spacingMm[0]).toBeCloseTo(entry('plain-uint8.nii').geometry.spacing[0]!, 9);
    expect(v.warnings.join('\n')).toMatch(/pixdim\[1\] says 9 but the sform gives 1\.5/);
  });

  it('label-extension.nii.gz: label intent gives modality OT; the extension is skipped', () => {
    const v = load(join(VARIANTS, 'label-extension.nii.gz'));
    expect(v.modality).toBe('OT');
  });
});

describe('readNifti errors name the file and the reason', () => {
  const cases: [string, RegExp][] = [
    ['bad-magic.nii', /^bad-magic\.nii: not a NIfTI file/],
    ['truncated.nii', /^truncated\.nii: truncated: header says 336 bytes of voxels .*file holds 200$/],
    [
      'truncated.nii.gz',
      /^truncated\.nii\.gz: the compressed stream ends early .*header says 336 bytes of voxels/,
    ],
    ['corrupt-deflate.nii.gz', /^corrupt-deflate\.nii\.gz: corrupt gzip data \(invalid block type\)/],
    ['corrupt-crc.nii.gz', /^corrupt-crc\.nii\.gz: corrupt gzip data \(incorrect data check\)/],
    ['absurd-dims.nii', /^absurd-dims\.nii: absurd dimensions 30000×30000×30000/],
    ['negative-dim.nii', /^negative-dim\.nii: invalid header: dim\[2\] = -7/],
    ['rgb24.nii', /^rgb24\.nii: RGB24 colour voxels \(NIfTI datatype 128\) are not supported/],
    ['complex64.nii', /^complex64\.nii: complex64 voxels .*not supported/],
  ];
  for (const [name, message] of cases)
    it(name, () => expect(() => load(join(VARIANTS, name))).toThrow(message));

  const plain = new Uint8Array(readFileSync(join(VARIANTS, 'plain-uint8.nii')));
  const patched = (edit: (b: Uint8Array, view: DataView) => void): Uint8Array => {
    const b = plain.slice();
    edit(b, new DataView(b.buffer));
    return b;
  };

  it('empty and tiny inputs', () => {
    expect(() => readNifti(new Uint8Array(0), 'empty.nii')).toThrow(
      /^empty\.nii: not a NIfTI file \(only 0 bytes/,
    );
    expect(() => readNifti(plain.subarray(0, 300), 'short.nii')).toThrow(/^short\.nii: not a NIfTI file/);
  });

  it('a .hdr/.img pair header', () => {
    const b = patched((b) => b.set([0x6e, 0x69, 0x31, 0], 344)); // 'ni1\0'
    expect(() => readNifti(b, 'pair.hdr')).toThrow(/^pair\.hdr: .*\.hdr\/\.img pair/);
  });

  it('dim[0] out of range', () => {
    const b = patched((_, v) => v.setInt16(40, 9, true));
    expect(() => readNifti(b, 'dim0.nii')).toThrow(/^dim0\.nii: invalid header: dim\[0\] = 9/);
  });

  it('unknown datatype code', () => {
    const b = patched((_, v) => v.setInt16(70, 99, true));
    expect(() => readNifti(b, 'dt.nii')).toThrow(/^dt\.nii: unknown NIfTI datatype code 99/);
  });

  it('singular transform', () => {
    const b = patched((_, v) => {
      for (let c = 0; c < 4; c++) v.setFloat32(296 + c * 4, 0, true); // srow_y = 0 0 0 0
      for (let c = 0; c < 4; c++) v.setFloat32(312 + c * 4, 0, true); // srow_z = 0 0 0 0
    });
    expect(() => readNifti(b, 'flat.nii')).toThrow(/^flat\.nii: the voxel-to-world transform/);
  });

  it('a negative time index', () => {
    expect(() => readNifti(plain, 'p.nii', { timeIndex: -1 })).toThrow(/^p\.nii: invalid time index -1/);
  });
});

describe('isNifti', () => {
  const bytes = (p: string) => new Uint8Array(readFileSync(p));
  it('recognises NIfTI-1 and NIfTI-2, compressed or not', () => {
    for (const n of [
      'plain-uint8.nii',
      'nifti2-int16.nii.gz',
      'nifti2-big-endian-float32.nii',
      'big-endian-int16.nii',
      '4d-float32.nii.gz',
    ])
      expect(isNifti(bytes(join(VARIANTS, n))), n).toBe(true);
    expect(isNifti(bytes(join(FIXTURES, REAL[0]!)))).toBe(true);
  });
  it('rejects other data', () => {
    expect(isNifti(bytes(join(VARIANTS, 'bad-magic.nii')))).toBe(false);
    expect(isNifti(bytes(join(VARIANTS, 'corrupt-deflate.nii.gz')))).toBe(false);
    expect(isNifti(bytes(join(FIXTURES, 'dicom/CT_small.dcm')))).toBe(false);
    expect(isNifti(new Uint8Array(0))).toBe(false);
    expect(isNifti(Uint8Array.of(0x1f, 0x8b))).toBe(false);
  });
});
