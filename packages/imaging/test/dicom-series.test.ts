/**
 * Series planning and assembly with exact geometry: readDicomHeader → planVolumes → assembleVolume.
 *
 * Expected numbers are computed independently at test time by
 * fixtures/anomalies/oracle_volumes.py (pydicom 2.3 + numpy): it sorts slices by IPP · (row × col),
 * takes the origin, spacing and direction from the headers, applies pydicom's modality LUT to the pixels
 * and, for resampled stacks, evaluates the LPS ramp that make_anomalies.py wrote into the slices
 * (coefficients in fixtures/anomalies/patterns.json) at every grid voxel. Real series come from pydicom's
 * test data (fixtures/ATTRIBUTION.md); synthetic ones from fixtures/anomalies/make_anomalies.py.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDicomFile, type ParsedDicom } from '../src/dicom/parse.ts';
import { readPixelFormat } from '../src/dicom/pixelFormat.ts';
import { decodeFrame } from '../src/dicom/decode.ts';
import { readDicomHeader } from '../src/dicom/header.ts';
import { planVolumes } from '../src/dicom/series.ts';
import { allocateScalars, assembleVolume, finishVolume, writeSlice } from '../src/dicom/assemble.ts';
import type { DicomHeader, VolumePlan } from '../src/dicom/types.ts';
import type { Volume } from '../src/volume.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const anomalies = join(fixtures, 'anomalies');
const realSeries = (name: string) => join(fixtures, 'dicom', name);
const filesIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((f) => join(dir, f));

interface OracleVolume {
  dimensions: [number, number, number];
  spacingMm: [number, number, number];
  originLps: [number, number, number];
  directionLps: number[];
  stats: { min: number; max: number; mean: number };
  values: number[];
  order?: string[];
}
interface OracleResample {
  dimensions: [number, number, number];
  spacingMm: [number, number, number];
  originLps: [number, number, number];
  directionLps: number[];
  fill: number;
  expected: (number | null | 'skip')[];
}

function oracle<T>(mode: string, ...args: string[]): T {
  const out = execFileSync('/usr/bin/python3', [join(anomalies, 'oracle_volumes.py'), mode, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return JSON.parse(out) as T;
}

async function load(files: string[]) {
  const parsed = new Map<string, ParsedDicom>(
    files.map((f) => [f, parseDicomFile(new Uint8Array(readFileSync(f)), f)]),
  );
  const { plans, errors } = planVolumes([...parsed.values()].map((p) => readDicomHeader(p)));
  const volumes = await Promise.all(
    plans.map((plan) =>
      assembleVolume(plan, (src) => {
        const p = parsed.get(src.file)!;
        return decodeFrame(p, readPixelFormat(p), src.frame.frameIndex);
      }),
    ),
  );
  return { plans, errors, volumes };
}

function expectGeometry(volume: Volume, expected: Omit<OracleResample, 'fill' | 'expected'>): void {
  expect(volume.dimensions).toEqual(expected.dimensions);
  for (let a = 0; a < 3; a++) {
    expect(volume.spacingMm[a]).toBeCloseTo(expected.spacingMm[a]!, 6);
    expect(Math.abs(volume.originLps[a]! - expected.originLps[a]!)).toBeLessThan(1e-6);
  }
  for (let c = 0; c < 9; c++)
    expect(Math.abs(volume.directionLps[c]! - expected.directionLps[c]!)).toBeLessThan(1e-9);
}

function expectValues(volume: Volume, expected: OracleVolume, tolerance = 0): void {
  expect(volume.scalars.length).toBe(expected.values.length);
  let worst = 0;
  for (let i = 0; i < expected.values.length; i++)
    worst = Math.max(worst, Math.abs(volume.scalars[i]! - expected.values[i]!));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

/** Resampled volumes: every voxel inside the data matches the ramp; every voxel outside is the fill value. */
function expectResampled(volume: Volume, expected: OracleResample): void {
  expectGeometry(volume, expected);
  let inside = 0;
  let worst = 0;
  for (let i = 0; i < expected.expected.length; i++) {
    const e = expected.expected[i]!;
    if (e === 'skip') continue;
    if (e === null) expect(volume.scalars[i]).toBe(expected.fill);
    else {
      inside++;
      worst = Math.max(worst, Math.abs(volume.scalars[i]! - e));
    }
  }
  expect(inside).toBeGreaterThan(expected.expected.length / 2);
  // Stored pixels are the ramp rounded to integers and the int16 output is rounded again: ≤ 1.
  expect(worst).toBeLessThanOrEqual(1 + 1e-9);
}

const sourceNames = (plan: VolumePlan) => plan.sources.map((s) => basename(s.file));

describe('real series (pydicom test data)', () => {
  it('sorts a descending CT series by position along the normal, not by InstanceNumber', async () => {
    const files = filesIn(realSeries('series-ct-descending'));
    const { plans, errors, volumes } = await load(files);
    expect(errors).toEqual([]);
    expect(plans).toHaveLength(1);
    const expected = oracle<OracleVolume>('stack', ...files);
    expect(sourceNames(plans[0]!)).toEqual(expected.order);
    expect(plans[0]!.reconstruction.kind).toBe('direct');
    // Signed 16-bit stored values with intercept -1024 span -33792..31743: int32 is the smallest type.
    expect(plans[0]!.voxelType).toBe('int32');
    expectGeometry(volumes[0]!, expected);
    expectValues(volumes[0]!, expected);
    expect(volumes[0]!.metadata).toMatchObject({ source: 'dicom', valueUnit: 'HU' });
    expect(volumes[0]!.warnings).toEqual([]);
  });

  it('splits a CT series at a 200 mm gap and says so', async () => {
    const files = filesIn(realSeries('series-ct-gap'));
    const { plans, volumes } = await load(files);
    expect(plans).toHaveLength(2);
    const bySize = [...volumes].sort((a, b) => a.dimensions[2] - b.dimensions[2]);
    const single = bySize[0]!;
    const triple = bySize[1]!;
    expect(single.dimensions[2]).toBe(1);
    expect(triple.dimensions[2]).toBe(3);
    for (const v of volumes) expect(v.warnings.join(' ')).toMatch(/gap of 202\.50 mm.*split into 2 volumes/);
    const planOf = (v: Volume) => plans.find((p) => p.id === v.id)!;
    const e1 = oracle<OracleVolume>('stack', ...planOf(single).sources.map((s) => s.file));
    const e3 = oracle<OracleVolume>('stack', ...planOf(triple).sources.map((s) => s.file));
    expect(sourceNames(planOf(single))).toEqual(['17106']);
    expectGeometry(single, e1);
    expectValues(single, e1);
    expectGeometry(triple, e3);
    expectValues(triple, e3);
    expect(new Set(volumes.map((v) => v.id)).size).toBe(2);
  });

  it('splits MR localizers by orientation: three orientations in one series become three volumes', async () => {
    const files = filesIn(realSeries('series-mr-mixed-orientation'));
    const { plans, volumes } = await load(files);
    // Three series: one with a single slice, two with one slice in each of three orientations.
    expect(plans).toHaveLength(7);
    const bySeries = new Map<string, VolumePlan[]>();
    for (const p of plans)
      bySeries.set(p.metadata.seriesInstanceUid!, [
        ...(bySeries.get(p.metadata.seriesInstanceUid!) ?? []),
        p,
      ]);
    expect([...bySeries.values()].map((p) => p.length).sort()).toEqual([1, 3, 3]);
    for (const group of bySeries.values())
      if (group.length === 3)
        for (const p of group) expect(p.warnings.join(' ')).toMatch(/split into 3 volumes.*3 orientations/);
    for (const v of volumes) {
      const plan = plans.find((p) => p.id === v.id)!;
      const expected = oracle<OracleVolume>('stack', plan.sources[0]!.file);
      expectGeometry(v, expected);
      expectValues(v, expected);
    }
  });
});

describe('synthetic anomalies (make_anomalies.py)', () => {
  it('stacks an oblique series with shuffled InstanceNumbers in position order, exactly', async () => {
    const files = filesIn(join(anomalies, 'oblique-shuffled'));
    const { plans, errors, volumes } = await load(files);
    expect(errors).toEqual([]);
    expect(plans).toHaveLength(1);
    const expected = oracle<OracleVolume>('stack', ...files);
    const byInstance = [...plans[0]!.sources].sort((a, b) => readInstance(a.file) - readInstance(b.file));
    expect(sourceNames(plans[0]!)).toEqual(expected.order);
    expect(byInstance.map((s) => basename(s.file))).not.toEqual(expected.order); // the test means something
    expect(plans[0]!.voxelType).toBe('int16'); // 12-bit unsigned, intercept -1024
    expectGeometry(volumes[0]!, expected);
    expectValues(volumes[0]!, expected);
    expect(volumes[0]!.warnings).toEqual([]);
  });

  it('keeps one image per duplicated position and names the dropped files', async () => {
    const files = filesIn(join(anomalies, 'duplicates'));
    const { plans, volumes } = await load(files);
    expect(plans).toHaveLength(1);
    const warning = plans[0]!.warnings.join(' ');
    expect(warning).toMatch(/2 image\(s\) at an already occupied slice position were dropped/);
    expect(warning).toContain('dup-of-slice02.dcm at 10.00 mm (kept slice02.dcm');
    expect(warning).toContain('dup-of-slice04.dcm at 15.00 mm (kept slice04.dcm');
    const expected = oracle<OracleVolume>('stack', ...files.filter((f) => !basename(f).startsWith('dup')));
    expectGeometry(volumes[0]!, expected);
    expectValues(volumes[0]!, expected);
  });

  it('splits two acquisitions at the same positions into two volumes', async () => {
    const files = filesIn(join(anomalies, 'acquisitions'));
    const { plans, volumes } = await load(files);
    expect(plans).toHaveLength(2);
    expect(new Set(plans.map((p) => p.id)).size).toBe(2);
    for (const [a, plan] of plans.entries()) {
      expect(plan.warnings.join(' ')).toMatch(new RegExp(`2 acquisitions .* acquisition ${a + 1}\\.`));
      const expected = oracle<OracleVolume>('stack', ...files.slice(4 * a, 4 * a + 4));
      expectGeometry(volumes[a]!, expected);
      expectValues(volumes[a]!, expected);
    }
  });

  it('fills one missing slice by interpolation onto the uniform grid and says where it was', async () => {
    const files = filesIn(join(anomalies, 'missing-slice'));
    const { plans, volumes } = await load(files);
    expect(plans).toHaveLength(1);
    expect(plans[0]!.reconstruction.kind).toBe('resample');
    expect(plans[0]!.warnings.join(' ')).toMatch(
      /1 slice is missing along the normal: 1 between [-\d.]+ mm and [-\d.]+ mm \(a 5\.00 mm gap\).*uniform 2\.500 mm grid of 10 slices.*fills the missing/,
    );
    expectResampled(volumes[0]!, oracle<OracleResample>('resample', 'missing-slice', ...files));
  });

  it('resamples non-uniform spacing onto a uniform grid at the dominant spacing', async () => {
    const files = filesIn(join(anomalies, 'nonuniform'));
    const { plans, volumes } = await load(files);
    expect(plans).toHaveLength(1);
    expect(plans[0]!.warnings.join(' ')).toMatch(
      /slice spacing is not uniform: 2\.50 mm between .*1\.50 mm between .*2\.000 mm grid/,
    );
    const expected = oracle<OracleResample>('resample', 'nonuniform', ...files);
    expect(expected.dimensions[2]).toBe(9);
    expectResampled(volumes[0]!, expected);
  });

  it('corrects a 15° gantry tilt onto an orthogonal grid covering the data; values follow the LPS ramp', async () => {
    const files = filesIn(join(anomalies, 'gantry-tilt'));
    const { plans, volumes } = await load(files);
    expect(plans).toHaveLength(1);
    const plan = plans[0]!;
    expect(plan.reconstruction.kind).toBe('resample');
    expect(plan.warnings.join(' ')).toMatch(
      /Gantry tilt of 15\.00° \(the header's Gantry\/Detector Tilt \(0018,1120\) of 15\.00° agrees\)/,
    );
    const expected = oracle<OracleResample>('resample', 'gantry-tilt', ...files);
    expect(expected.dimensions[1]).toBeGreaterThan(24); // the grid grew to cover the shear
    expectResampled(volumes[0]!, expected);
    // k is the slice normal, so the grid is orthogonal.
    const d = volumes[0]!.directionLps;
    for (let a = 0; a < 3; a++)
      for (let b = a + 1; b < 3; b++)
        expect(Math.abs(d[a]! * d[b]! + d[3 + a]! * d[3 + b]! + d[6 + a]! * d[6 + b]!)).toBeLessThan(1e-9);
  });

  it('never stacks non-parallel (radial) slices: each is its own volume, with words', async () => {
    const files = filesIn(join(anomalies, 'radial'));
    const { plans, volumes } = await load(files);
    expect(plans).toHaveLength(6);
    for (const v of volumes) {
      expect(v.dimensions[2]).toBe(1);
      expect(v.warnings.join(' ')).toMatch(
        /split into 6 volumes .* 6 orientations \(slices that are not parallel/,
      );
      const plan = plans.find((p) => p.id === v.id)!;
      const expected = oracle<OracleVolume>('stack', plan.sources[0]!.file);
      expectGeometry(v, expected);
      expectValues(v, expected);
    }
  });

  it('reads slopes and intercepts written as unusual decimal strings; per-slice intercepts give float32', async () => {
    const files = filesIn(join(anomalies, 'rescale-float'));
    const { plans, volumes } = await load(files);
    expect(plans).toHaveLength(1);
    expect(plans[0]!.voxelType).toBe('float32');
    const expected = oracle<OracleVolume>('stack', ...files);
    expectGeometry(volumes[0]!, expected);
    expectValues(volumes[0]!, expected, 1e-3); // float32 of values up to ±16384
    expect(volumes[0]!.metadata.valueUnit).toBe('HU');
  });

  it('treats images without geometry as documented: one unplaced slice, refusal for several, colour refused', async () => {
    const dir = join(anomalies, 'no-geometry');
    const sc = join(dir, 'sc-single.dcm');
    const one = await load([sc]);
    expect(one.errors).toEqual([]);
    expect(one.volumes).toHaveLength(1);
    const v = one.volumes[0]!;
    expect(v.dimensions).toEqual([16, 16, 1]);
    expect(Array.from(v.directionLps)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(v.metadata.displayInverted).toBe(true);
    expect(v.warnings.join(' ')).toMatch(/no patient geometry/);
    expect(Array.from(v.scalars)).toEqual(oracle<{ values: number[] }>('frame', sc, '0').values);

    const pair = await load([join(dir, 'sc-pair-0.dcm'), join(dir, 'sc-pair-1.dcm')]);
    expect(pair.plans).toEqual([]);
    expect(pair.errors.map((e) => basename(e.file)).sort()).toEqual(['sc-pair-0.dcm', 'sc-pair-1.dcm']);
    for (const e of pair.errors) expect(e.reason).toMatch(/cannot be stacked into a volume/);

    const rgb = await load([join(dir, 'rgb.dcm')]);
    expect(rgb.plans).toEqual([]);
    expect(rgb.errors[0]!.reason).toMatch(/colour images are not loaded as volumes/);

    const cine = join(dir, 'cine.dcm');
    const c = await load([cine]);
    expect(c.volumes).toHaveLength(1);
    expect(c.volumes[0]!.metadata.timePoints).toBe(4);
    expect(Array.from(c.volumes[0]!.scalars)).toEqual(
      oracle<{ values: number[] }>('frame', cine, '0').values,
    );
  });

  it('fills a SharedArrayBuffer stack slice by slice (the worker path) to the same volume', async () => {
    const files = filesIn(join(anomalies, 'missing-slice'));
    const { plans, volumes } = await load(files);
    const plan = plans[0]!;
    const stack = allocateScalars(plan, true);
    expect(stack.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Write in reverse order, as parallel workers might.
    for (let s = plan.sources.length - 1; s >= 0; s--) {
      const src = plan.sources[s]!;
      const p = parseDicomFile(new Uint8Array(readFileSync(src.file)), src.file);
      writeSlice(stack, plan, s, await decodeFrame(p, readPixelFormat(p), src.frame.frameIndex), src.frame);
    }
    expect(Array.from(finishVolume(plan, stack).scalars)).toEqual(Array.from(volumes[0]!.scalars));
  });
});

describe('readDicomHeader values', () => {
  it('parses decimal strings with exponents and spaces exactly and rejects malformed ones', () => {
    const file = join(anomalies, 'rescale-float', 'slice0.dcm');
    const header = readDicomHeader(parseDicomFile(new Uint8Array(readFileSync(file)), file));
    // make_anomalies.py wrote RescaleSlope "0.5", RescaleIntercept "-1.0E+01" and IPP " -8 \-8.0E+00\ -6".
    expect(header.frames[0]!.rescaleSlope).toBe(0.5);
    expect(header.frames[0]!.rescaleIntercept).toBe(-10);
    expect(header.frames[0]!.geometry!.imagePositionLps).toEqual([-8, -8, -6]);

    const bytes = new Uint8Array(readFileSync(file));
    const at = Buffer.from(bytes).indexOf(Buffer.from('-1.0E+01'));
    bytes.set(Buffer.from('-1.0mm01'), at);
    expect(() => readDicomHeader(parseDicomFile(bytes, 'bad.dcm'))).toThrow(
      /^bad\.dcm: RescaleIntercept \(0028,1052\) "-1\.0mm01" is not a list of numbers$/,
    );
  });
});

/** A hand-made header for rule checks that need no pixels. */
function fakeHeader(
  file: string,
  z: number | undefined,
  o: Partial<{
    bitsStored: number;
    signed: boolean;
    slope: number;
    intercept: number;
    modality: string;
    thickness: number;
    series: string;
  }> = {},
): DicomHeader {
  const bitsStored = o.bitsStored ?? 16;
  return {
    file,
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUid: `1.2.3.${file}`,
    studyInstanceUid: '1.2.3',
    seriesInstanceUid: o.series ?? '1.2.3.4',
    modality: o.modality ?? 'CT',
    valueUnit: '',
    pixel: {
      rows: 4,
      columns: 4,
      samplesPerPixel: 1,
      bitsAllocated: bitsStored > 16 ? 32 : bitsStored > 8 ? 16 : 8,
      bitsStored,
      highBit: bitsStored - 1,
      pixelRepresentation: o.signed ? 1 : 0,
      photometricInterpretation: 'MONOCHROME2',
      planarConfiguration: 0,
      transferSyntaxUid: '1.2.840.10008.1.2.1',
    },
    numberOfFrames: 1,
    frames: [
      {
        frameIndex: 0,
        geometry:
          z === undefined
            ? undefined
            : {
                imagePositionLps: [0, 0, z],
                rowDirectionLps: [1, 0, 0],
                columnDirectionLps: [0, 1, 0],
                pixelSpacingMm: [1, 1],
                ...(o.thickness !== undefined ? { sliceThicknessMm: o.thickness } : {}),
              },
        rescaleSlope: o.slope ?? 1,
        rescaleIntercept: o.intercept ?? 0,
      },
    ],
  };
}

describe('planVolumes rules (hand-made headers)', () => {
  const typeOf = (o: Parameters<typeof fakeHeader>[2]) =>
    planVolumes([0, 1, 2].map((z) => fakeHeader(`f${z}`, z, o))).plans[0]!.voxelType;

  it('picks the smallest integer type that holds the rescaled stored range, else float32', () => {
    expect(typeOf({ bitsStored: 12, intercept: -1024 })).toBe('int16'); // -1024..3071
    expect(typeOf({ bitsStored: 16 })).toBe('uint16'); // 0..65535
    expect(typeOf({ bitsStored: 8 })).toBe('uint8');
    expect(typeOf({ bitsStored: 16, signed: true, intercept: -1024 })).toBe('int32'); // -33792..31743
    expect(typeOf({ bitsStored: 16, slope: 2 })).toBe('int32'); // 0..131070
    expect(typeOf({ bitsStored: 12, slope: 0.5 })).toBe('float32');
    expect(typeOf({ bitsStored: 12, intercept: 0.5 })).toBe('float32');
    expect(typeOf({ bitsStored: 16, modality: 'RTDOSE' })).toBe('float32');
  });

  it('splits two parallel slices much farther apart than their thickness', () => {
    const { plans } = planVolumes([
      fakeHeader('a', 0, { thickness: 2 }),
      fakeHeader('b', 100, { thickness: 2 }),
    ]);
    expect(plans.map((p) => p.grid.dimensions[2])).toEqual([1, 1]);
    expect(plans[0]!.warnings.join(' ')).toMatch(/gap of 100\.00 mm .* split into 2 volumes/);
    const close = planVolumes([fakeHeader('a', 0, { thickness: 2 }), fakeHeader('b', 3, { thickness: 2 })]);
    expect(close.plans.map((p) => p.grid.dimensions[2])).toEqual([2]);
  });

  it('accepts positions rounded to 0.01 mm as uniform, but not positions that drift', () => {
    const rounded = [0, 0.63, 1.25, 1.88, 2.5, 3.13, 3.75].map((z, i) => fakeHeader(`r${i}`, z));
    const even = planVolumes(rounded).plans[0]!;
    expect(even.reconstruction.kind).toBe('direct');
    expect(even.grid.spacingMm[2]).toBeCloseTo(0.625, 12);
    // Each gap within 1% of the usual 1 mm, yet the middle slice lies 0.2 mm off an even spacing.
    const zs = [0];
    for (let i = 1; i <= 100; i++) zs.push(zs[i - 1]! + (i <= 50 ? 1.004 : 0.996));
    const drifting = planVolumes(zs.map((z, i) => fakeHeader(`d${i}`, z))).plans[0]!;
    expect(drifting.reconstruction.kind).toBe('resample');
    expect(drifting.warnings.join(' ')).toMatch(/slice positions drift up to 0\.200 mm from an even spacing/);
  });

  it('gives a lone slice without thickness 1 mm along k and says so', () => {
    const { plans } = planVolumes([fakeHeader('a', 5)]);
    expect(plans[0]!.grid.spacingMm[2]).toBe(1);
    expect(plans[0]!.warnings.join(' ')).toMatch(/without SliceThickness/);
  });

  it('leaves out, with an error, a file without geometry in a series that has it', () => {
    const { plans, errors } = planVolumes([
      fakeHeader('a', 0),
      fakeHeader('b', 1),
      fakeHeader('c', undefined),
    ]);
    expect(plans.map((p) => p.sources.length)).toEqual([2]);
    expect(errors).toEqual([{ file: 'c', reason: expect.stringMatching(/no patient geometry .* left out/) }]);
  });
});

function readInstance(file: string): number {
  const header = readDicomHeader(parseDicomFile(new Uint8Array(readFileSync(file)), file));
  return header.instanceNumber!;
}

describe('planVolumes: what files tolerated, and which files lost images (hand-made headers)', () => {
  it("makes each file's notes warnings of the volume it is in, once per note, naming the files", () => {
    const note = 'the transfer syntax says explicit VR, but the data set is encoded in implicit VR';
    const headers = [0, 1, 2, 3].map((z) => fakeHeader(`dir/f${z}.dcm`, z));
    headers[1]!.notes = [note];
    headers[3]!.notes = [note, 'another note'];
    const other = fakeHeader('dir/other.dcm', 0, { series: '9.9' });
    other.notes = ['only here'];
    const { plans } = planVolumes([...headers, other]);
    expect(plans).toHaveLength(2);
    const main = plans.find((p) => p.sources.length === 4)!;
    expect(main.warnings).toEqual([`2 files (f1.dcm, f3.dcm): ${note}.`, 'f3.dcm: another note.']);
    expect(plans.find((p) => p.sources.length === 1)!.warnings).toContain('other.dcm: only here.');
  });

  it('names the files of dropped duplicate images beyond the 12 it describes', () => {
    // Copies c1..cN of a 2-slice series at the same positions: copy c0 is kept, the others dropped.
    const copies = (n: number) =>
      [0, 1].flatMap((z) =>
        Array.from({ length: n }, (_, c) => fakeHeader(`c${String(c).padStart(2, '0')}_s${z}.dcm`, z)),
      );
    const { plans } = planVolumes(copies(8));
    expect(plans.map((p) => p.sources.map((s) => s.file))).toEqual([['c00_s0.dcm', 'c00_s1.dcm']]);
    const warning = plans[0]!.warnings.find((w) => w.includes('already occupied'))!;
    expect(warning).toMatch(
      /^14 image\(s\) at an already occupied slice position were dropped: c01_s0\.dcm at 0\.00 mm \(kept c00_s0\.dcm/,
    );
    expect(warning).toMatch(/; and 2 more, of c06_s1\.dcm, c07_s1\.dcm\.$/);
    for (let c = 1; c < 8; c++) for (const z of [0, 1]) expect(warning).toContain(`c0${c}_s${z}.dcm`);
    // Many more: 12 images described, then the first 12 other files named and the rest counted.
    const many = planVolumes(copies(31)).plans[0]!.warnings.find((w) => w.includes('already occupied'))!;
    expect(many).toMatch(
      /^60 image\(s\) .*; and 48 more, of c13_s0\.dcm, .*, c24_s0\.dcm and 36 other files\.$/,
    );
  });
});
