/**
 * Multi-frame objects into volumes: enhanced MR (shared and per-frame functional groups, per-frame
 * rescale, two temporal positions), RT Dose (relative and absolute GridFrameOffsetVector,
 * DoseGridScaling) and Siemens mosaics (count from (0019,100A) or from a CSA header whose slice normal
 * reverses the tile order).
 *
 * Expected numbers come at test time from fixtures/anomalies/oracle_volumes.py: pydicom 2.3 + numpy
 * read the functional groups / dose grid themselves; mosaics are unpacked and positioned by nibabel 5's
 * MosaicWrapper (its IPP correction), with the tile order along the CSA SliceNormalVector, or row × column
 * without one (the dcm2niix convention). Fixtures: fixtures/anomalies/make_anomalies.py.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDicomFile } from '../src/dicom/parse.ts';
import { readPixelFormat } from '../src/dicom/pixelFormat.ts';
import { decodeFrame } from '../src/dicom/decode.ts';
import { readDicomHeader } from '../src/dicom/header.ts';
import { parseCsaHeader } from '../src/dicom/multiframe.ts';
import { elementBytes } from '../src/dicom/headerValues.ts';
import { planVolumes } from '../src/dicom/series.ts';
import { assembleVolume } from '../src/dicom/assemble.ts';
import type { Volume } from '../src/volume.ts';

const anomalies = join(import.meta.dirname, 'fixtures', 'anomalies');

interface OracleVolume {
  dimensions: [number, number, number];
  spacingMm: [number, number, number];
  originLps: [number, number, number];
  directionLps: number[];
  stats: { min: number; max: number; mean: number };
  values: number[];
  timePoints?: number;
  tilePositionsLps?: [number, number, number][];
}

function oracle(mode: string, file: string): OracleVolume {
  const out = execFileSync('/usr/bin/python3', [join(anomalies, 'oracle_volumes.py'), mode, file], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out) as OracleVolume;
}

const parse = (file: string) => parseDicomFile(new Uint8Array(readFileSync(file)), file);

async function loadOne(file: string) {
  const parsed = parse(file);
  const header = readDicomHeader(parsed);
  const { plans, errors } = planVolumes([header]);
  expect(errors).toEqual([]);
  expect(plans).toHaveLength(1);
  const volume = await assembleVolume(plans[0]!, (src) =>
    decodeFrame(parsed, readPixelFormat(parsed), src.frame.frameIndex),
  );
  return { header, plan: plans[0]!, volume };
}

function expectVolume(volume: Volume, expected: OracleVolume, valueTolerance: number): void {
  expect(volume.dimensions).toEqual(expected.dimensions);
  for (let a = 0; a < 3; a++) {
    expect(Math.abs(volume.spacingMm[a]! - expected.spacingMm[a]!)).toBeLessThan(1e-6);
    expect(Math.abs(volume.originLps[a]! - expected.originLps[a]!)).toBeLessThan(1e-6);
  }
  for (let c = 0; c < 9; c++)
    expect(Math.abs(volume.directionLps[c]! - expected.directionLps[c]!)).toBeLessThan(1e-9);
  let worst = 0;
  let sum = 0;
  for (let i = 0; i < expected.values.length; i++) {
    worst = Math.max(worst, Math.abs(volume.scalars[i]! - expected.values[i]!));
    sum += volume.scalars[i]!;
  }
  expect(worst).toBeLessThanOrEqual(valueTolerance);
  expect(sum / volume.scalars.length).toBeCloseTo(expected.stats.mean, 4);
}

describe('enhanced MR multi-frame', () => {
  it('places every frame from the functional groups, applies per-frame rescale, keeps the first time point', async () => {
    const file = join(anomalies, 'enhanced-mr.dcm');
    const { header, plan, volume } = await loadOne(file);
    expect(header.numberOfFrames).toBe(10);
    expect(header.frames.map((f) => f.temporalIndex)).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    expect(new Set(header.frames.map((f) => f.rescaleSlope)).size).toBe(10); // per-frame, not shared
    expect(plan.voxelType).toBe('float32');
    expect(plan.reconstruction.kind).toBe('direct');
    const expected = oracle('enhanced', file);
    expect(volume.metadata.timePoints).toBe(expected.timePoints);
    expect(volume.warnings.join(' ')).toMatch(/4D data: up to 2 time points .* only the first time point/);
    // Frames are stored in descending position: the stack must be the reverse of the file order.
    expect(plan.sources.map((s) => s.frame.frameIndex)).toEqual([4, 3, 2, 1, 0]);
    expectVolume(volume, expected, 1e-4);
  });
});

describe('RT Dose', () => {
  for (const name of ['rtdose-relative.dcm', 'rtdose-absolute.dcm'])
    it(`stacks ${name} by GridFrameOffsetVector and scales by DoseGridScaling into Gy`, async () => {
      const file = join(anomalies, name);
      const { plan, volume } = await loadOne(file);
      expect(plan.voxelType).toBe('float32');
      expect(volume.metadata.valueUnit).toBe('Gy');
      // Offsets decrease from the first frame: the stack runs from the last frame up.
      expect(plan.sources.map((s) => s.frame.frameIndex)).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
      expectVolume(volume, oracle('rtdose', file), 1e-5);
    });
});

describe('Siemens mosaic', () => {
  it('unpacks a mosaic whose count is in (0019,100A), with tile positions from the mosaic IPP correction', async () => {
    const file = join(anomalies, 'mosaic.dcm');
    const { header, plan, volume } = await loadOne(file);
    const expected = oracle('mosaic', file);
    expect(header.frames).toHaveLength(7);
    header.frames.forEach((f, s) => {
      const p = f.geometry!.imagePositionLps;
      for (let a = 0; a < 3; a++)
        expect(Math.abs(p[a]! - expected.tilePositionsLps![s]![a]!)).toBeLessThan(1e-6);
      expect(f.tile).toEqual({
        rowOffset: Math.floor(s / 3) * 16,
        columnOffset: (s % 3) * 16,
        rows: 16,
        columns: 16,
      });
    });
    expect(plan.pixel.columns).toBe(48);
    expectVolume(volume, expected, 0);
  });

  it('reverses the tile order when the CSA SliceNormalVector points against row × column', async () => {
    const file = join(anomalies, 'mosaic-csa-reversed.dcm');
    const csa = parseCsaHeader(elementBytes(parse(file).dataSet, 'x00291010')!);
    expect(csa.get('NumberOfImagesInMosaic')).toEqual(['7']);
    const { plan, volume } = await loadOne(file);
    const expected = oracle('mosaic', file);
    // Tile s sits at grid row ⌊s/3⌋, column s mod 3; along +n the stack starts from the last tile.
    const tileIndex = (t: { rowOffset: number; columnOffset: number }) =>
      (t.rowOffset / 16) * 3 + t.columnOffset / 16;
    expect(plan.sources.map((s) => tileIndex(s.frame.tile!))).toEqual([6, 5, 4, 3, 2, 1, 0]);
    expectVolume(volume, expected, 0);
  });

  it('refuses a mosaic without a number of images, saying why', () => {
    const file = join(anomalies, 'mosaic-no-count.dcm');
    expect(() => readDicomHeader(parse(file))).toThrow(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Siemens mosaic .*NumberOfImagesInMosaic.*cannot be unpacked`,
      ),
    );
  });
});

/**
 * pydicom's single-frame cut-downs of multi-frame objects (fixtures/corpus/README.md) keep the per-frame
 * data of the original: 3 per-frame functional group items (liver_1frame.dcm, a Segmentation) or 15 grid
 * frame offsets (rtdose_*1frame.dcm) for one frame of pixel data. Expected volumes: tests/oracles/
 * corpus_oracle.py (pydicom 2.3 + numpy: frame f takes per-frame item / offset f, as pydicom's own
 * pixel_array of these files holds just that frame).
 */
describe('more per-frame values than frames (pydicom corpus)', () => {
  const corpus = join(import.meta.dirname, 'fixtures', 'corpus');
  const corpusOracle = (file: string) =>
    (
      JSON.parse(
        execFileSync(
          '/usr/bin/python3',
          [join(import.meta.dirname, '..', '..', '..', 'tests', 'oracles', 'corpus_oracle.py'), corpus, file],
          { encoding: 'utf8' },
        ),
      ) as { volumes: (Omit<OracleVolume, 'values'> & { stats: OracleVolume['stats'] })[] }
    ).volumes;

  function expectGeometryAndStats(volume: Volume, expected: ReturnType<typeof corpusOracle>[number]) {
    expect(volume.dimensions).toEqual(expected.dimensions);
    for (let a = 0; a < 3; a++) {
      expect(Math.abs(volume.spacingMm[a]! - expected.spacingMm[a]!)).toBeLessThan(1e-6);
      expect(Math.abs(volume.originLps[a]! - expected.originLps[a]!)).toBeLessThan(1e-6);
    }
    for (let c = 0; c < 9; c++)
      expect(Math.abs(volume.directionLps[c]! - expected.directionLps[c]!)).toBeLessThan(1e-9);
    let [min, max, sum] = [Infinity, -Infinity, 0];
    for (const v of volume.scalars) [min, max, sum] = [Math.min(min, v), Math.max(max, v), sum + v];
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
    expect(close(min, expected.stats.min) && close(max, expected.stats.max), `${min}..${max}`).toBe(true);
    expect(close(sum / volume.scalars.length, expected.stats.mean)).toBe(true);
  }

  it('uses the first PerFrameFunctionalGroupsSequence item of a one-frame Segmentation, with a warning', async () => {
    const file = join(corpus, 'liver_1frame.dcm');
    const { header, volume } = await loadOne(file);
    expect(header.numberOfFrames).toBe(1);
    expect(header.frames).toHaveLength(1);
    expect(header.notes).toEqual([
      'PerFrameFunctionalGroupsSequence (5200,9230) has 3 items for 1 frame: only the first was used, the rest ignored',
    ]);
    expect(volume.warnings).toContain(
      'liver_1frame.dcm: PerFrameFunctionalGroupsSequence (5200,9230) has 3 items for 1 frame: only the first was used, the rest ignored.',
    );
    const [expected] = corpusOracle(file);
    expectGeometryAndStats(volume, expected!);
  });

  it('uses the first GridFrameOffsetVector value of a one-frame RT Dose (native and RLE), with a warning', async () => {
    for (const name of ['rtdose_1frame.dcm', 'rtdose_rle_1frame.dcm']) {
      const file = join(corpus, name);
      const { header, volume } = await loadOne(file);
      expect(header.frames).toHaveLength(1);
      expect(volume.warnings.join(' ')).toContain(
        `${name}: GridFrameOffsetVector (3004,000C) has 15 values for 1 frame: only the first was used`,
      );
      const [expected] = corpusOracle(file);
      expectGeometryAndStats(volume, expected!);
    }
  });

  it('still refuses fewer per-frame items or offsets than frames', () => {
    const withFrames = (file: string, frames: string) => {
      const bytes = new Uint8Array(readFileSync(file));
      const el = parse(file).dataSet.elements['x00280008']!;
      expect(frames.length).toBeLessThanOrEqual(el.length);
      bytes.set(new TextEncoder().encode(frames.padEnd(el.length, ' ')), el.dataOffset);
      return parseDicomFile(bytes, 'edited.dcm');
    };
    expect(() => readDicomHeader(withFrames(join(anomalies, 'enhanced-mr.dcm'), '11'))).toThrow(
      /^edited\.dcm: PerFrameFunctionalGroupsSequence \(5200,9230\) has 10 items for 11 frames$/,
    );
    expect(() => readDicomHeader(withFrames(join(anomalies, 'rtdose-relative.dcm'), '9'))).toThrow(
      /^edited\.dcm: GridFrameOffsetVector \(3004,000C\) has 8 values for 9 frames$/,
    );
  });
});
