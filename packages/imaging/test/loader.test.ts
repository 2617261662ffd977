/**
 * The Node loader: worker-thread decoding into shared memory, progress, time limits, and what happens
 * when one file of a series is bad. Geometry/statistics against oracles live in the DICOM/NIfTI tests
 * and in tests/cli.test.ts; here the loader is checked against the single-threaded assembly path.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPaths, type LoadProgress } from '../src/node/index.ts';
import { parseDicomFile } from '../src/dicom/parse.ts';
import { readDicomHeader } from '../src/dicom/header.ts';
import { planVolumes } from '../src/dicom/series.ts';
import { assembleVolume } from '../src/dicom/assemble.ts';
import { readPixelFormat } from '../src/dicom/pixelFormat.ts';
import { decodeFrame } from '../src/dicom/decode.ts';
import { writePhantomCase } from '../src/node/writePhantom.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const series = join(fixtures, 'dicom', 'series-ct-descending');
const seriesFiles = () => readdirSync(series).map((f) => join(series, f));

async function singleThreaded(files: string[]) {
  const parsed = new Map(files.map((f) => [f, parseDicomFile(new Uint8Array(readFileSync(f)), f)]));
  const { plans } = planVolumes([...parsed.values()].map(readDicomHeader));
  return Promise.all(
    plans.map((plan) =>
      assembleVolume(plan, async (src) => {
        const p = parsed.get(src.file)!;
        return decodeFrame(p, readPixelFormat(p), src.frame.frameIndex);
      }),
    ),
  );
}

describe('loadPaths', () => {
  it('decodes in worker threads into the same voxels as the single-threaded path, reporting progress', async () => {
    const events: LoadProgress[] = [];
    const { volumes, errors } = await loadPaths([series], {
      workers: 2,
      onProgress: (p) => events.push({ ...p }),
    });
    expect(errors).toEqual([]);
    expect(volumes).toHaveLength(1);
    const [reference] = await singleThreaded(seriesFiles());
    expect(Array.from(volumes[0]!.scalars)).toEqual(Array.from(reference!.scalars));
    expect(volumes[0]!.dimensions).toEqual(reference!.dimensions);
    expect(volumes[0]!.metadata.sourceFileCount).toBe(5);
    const pixels = events.filter((e) => e.phase === 'pixels');
    expect(pixels.at(-1)).toEqual({ phase: 'pixels', done: 5, total: 5 });
    expect(events.filter((e) => e.phase === 'headers').at(-1)).toEqual({
      phase: 'headers',
      done: 5,
      total: 5,
    });
    for (let i = 1; i < pixels.length; i++)
      expect(pixels[i]!.done).toBeGreaterThanOrEqual(pixels[i - 1]!.done);
  });

  it('gives up on a file whose decoding exceeds the time limit instead of hanging, and says so', async () => {
    const { volumes, errors } = await loadPaths([series], { workers: 1, fileTimeoutS: 0.000001 });
    expect(volumes).toEqual([]);
    expect(errors).toHaveLength(5);
    for (const e of errors) expect(e.reason).toMatch(/longer than/);
  });

  it('drops a slice whose pixel data is broken, keeps the rest of the series and names the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-loader-'));
    const files = seriesFiles();
    for (const f of files) copyFileSync(f, join(dir, f.split('/').at(-1)!));
    const victim = join(dir, files[2]!.split('/').at(-1)!);
    const bytes = readFileSync(victim);
    writeFileSync(victim, bytes.subarray(0, bytes.length - 100)); // header intact, pixels cut short
    const { volumes, errors } = await loadPaths([dir], { workers: 2 });
    expect(errors.map((e) => e.file)).toEqual([victim]);
    expect(errors[0]!.reason.length).toBeGreaterThan(8);
    expect(volumes).toHaveLength(1);
    expect(volumes[0]!.metadata.sourceFileCount).toBe(4);
  });

  it('reports missing paths and non-image files named explicitly, and loads NIfTI beside DICOM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-loader-'));
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const nii = join(fixtures, 'nifti', 'brain-t1.nii.gz');
    const { volumes, errors } = await loadPaths([nii, join(dir, 'notes.txt'), join(dir, 'missing.nii'), dir]);
    expect(volumes).toHaveLength(1);
    expect(errors.map((e) => e.file).sort()).toEqual(
      [join(dir, 'missing.nii'), join(dir, 'notes.txt')].sort(),
    );
    expect(errors.find((e) => e.file.endsWith('missing.nii'))!.reason).toMatch(/no such file/);
  });

  it('masks bits above HighBit in unsigned data on the fused fast path (values = stored & (2^BitsStored - 1), rescaled)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-loader-'));
    await writePhantomCase(dir, { size: 24, slices: 6, seed: 3 });
    const ctDir = join(dir, 'ct');
    const clean = await loadPaths([ctDir], { workers: 2 });
    const files = readdirSync(ctDir).map((f) => join(ctDir, f));
    // The phantom CT stores 12 of 16 bits, unsigned, pixel data last: set junk bits 12..15 in every 7th pixel.
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(f));
      const pixels = new Uint16Array(bytes.buffer, bytes.length - 24 * 24 * 2, 24 * 24);
      for (let i = 0; i < pixels.length; i += 7) pixels[i] = pixels[i]! | 0xa000;
      writeFileSync(f, bytes);
    }
    const dirty = await loadPaths([ctDir], { workers: 2 });
    expect(dirty.errors).toEqual([]);
    expect(Array.from(dirty.volumes[0]!.scalars)).toEqual(Array.from(clean.volumes[0]!.scalars));
  });
});
