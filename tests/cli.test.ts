/**
 * The `neuroplan` command-line contract, run as a user runs it (a child process), on real files.
 * Expected geometry and statistics come from tests/oracles/expected_volume.py (pydicom / nibabel /
 * numpy), never from our own code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InspectJson, VolumeJson } from './inspectContract.ts';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'apps', 'cli', 'bin', 'neuroplan.mjs');
const fixtures = join(root, 'packages', 'imaging', 'test', 'fixtures');

function neuroplan(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function inspect(paths: string[]) {
  const r = neuroplan(['inspect', ...paths, '--json']);
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  const report = JSON.parse(r.stdout) as InspectJson; // exactly one JSON object, nothing else on stdout
  return { ...r, report };
}

function oracle(kind: 'dicom' | 'nifti', files: string | string[]) {
  return JSON.parse(
    execFileSync(
      '/usr/bin/python3',
      [join(import.meta.dirname, 'oracles', 'expected_volume.py'), kind, ...[files].flat()],
      { encoding: 'utf8' },
    ),
  ) as Omit<VolumeJson, 'id' | 'modality' | 'warnings' | 'sourceFiles'>;
}

function expectGeometry(v: VolumeJson, expected: ReturnType<typeof oracle>) {
  expect(v.dimensions).toEqual(expected.dimensions);
  v.spacingMm.forEach((x, i) => expect(x).toBeCloseTo(expected.spacingMm[i]!, 6));
  v.originLps.forEach((x, i) => expect(x).toBeCloseTo(expected.originLps[i]!, 6));
  v.directionLps.forEach((x, i) => expect(x).toBeCloseTo(expected.directionLps[i]!, 9));
  expect(v.min).toBeCloseTo(expected.min, 6);
  expect(v.max).toBeCloseTo(expected.max, 6);
  expect(v.mean).toBeCloseTo(expected.mean, 4);
}

describe('neuroplan inspect', () => {
  it('reads a CT slice, an MR slice, a sorted series and a NIfTI file; geometry and statistics match pydicom/nibabel', () => {
    const ct = join(fixtures, 'dicom', 'CT_small.dcm');
    const mr = join(fixtures, 'dicom', 'MR_small.dcm');
    const series = join(fixtures, 'dicom', 'series-ct-descending');
    const nii = join(fixtures, 'nifti', 'brain-t1.nii.gz');
    const { status, report } = inspect([ct, mr, series, nii]);
    expect(status).toBe(0);
    expect(report.errors).toEqual([]);
    expect(report.volumes).toHaveLength(4);
    const bySourceCount = (n: number) => report.volumes.filter((v) => v.sourceFiles === n);
    expect(bySourceCount(5)).toHaveLength(1);
    expectGeometry(
      bySourceCount(5)[0]!,
      oracle(
        'dicom',
        readdirSync(series).map((f) => join(series, f)),
      ),
    );
    const ctV = report.volumes.find((v) => v.modality === 'CT' && v.sourceFiles === 1)!;
    expectGeometry(
      { ...ctV, spacingMm: ctV.spacingMm.slice(0, 2) },
      { ...oracle('dicom', [ct]), spacingMm: oracle('dicom', [ct]).spacingMm.slice(0, 2) },
    );
    const mrV = report.volumes.find((v) => v.modality === 'MR' && v.dimensions[0] === 64)!;
    expectGeometry(
      { ...mrV, spacingMm: mrV.spacingMm.slice(0, 2) },
      { ...oracle('dicom', [mr]), spacingMm: oracle('dicom', [mr]).spacingMm.slice(0, 2) },
    );
    const niiV = report.volumes.find((v) => v.dimensions[0] === 128 && v.dimensions[2] === 62)!;
    expectGeometry(niiV, oracle('nifti', nii));
  });

  it('keeps the good files when bad ones sit beside them, and says why each bad one failed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-cli-'));
    const series = join(fixtures, 'dicom', 'series-ct-descending');
    for (const f of readdirSync(series)) copyFileSync(join(series, f), join(dir, f));
    copyFileSync(join(fixtures, 'dicom', 'MR_truncated.dcm'), join(dir, 'truncated.dcm'));
    writeFileSync(join(dir, 'garbage.dcm'), 'this is not a DICOM file at all'.repeat(20));
    const head = readFileSync(join(series, readdirSync(series)[0]!));
    writeFileSync(join(dir, 'cut-header.dcm'), head.subarray(0, 300));
    const { status, report } = inspect([dir, join(dir, 'no-such-file.dcm')]);
    expect(status).toBe(0);
    expect(report.volumes).toHaveLength(1);
    expect(report.volumes[0]!.sourceFiles).toBe(5);
    const failed = new Map(report.errors.map((e) => [e.file, e.reason]));
    for (const name of ['truncated.dcm', 'garbage.dcm', 'cut-header.dcm', 'no-such-file.dcm']) {
      const reason = failed.get(join(dir, name));
      expect(reason, name).toBeTruthy();
      expect(reason!.length).toBeGreaterThan(8);
    }
  });

  it('exits 1 when nothing loads and 2 on a usage error, with no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-cli-'));
    writeFileSync(join(dir, 'x.dcm'), new Uint8Array(1000));
    const none = inspect([join(dir, 'x.dcm')]);
    expect(none.status).toBe(1);
    expect(none.report.volumes).toEqual([]);
    expect(none.report.errors).toHaveLength(1);
    for (const args of [
      [],
      ['inspect'],
      ['frobnicate'],
      ['inspect', dir, '--bogus-flag'],
      ['phantom'],
      ['phantom', '--out', dir, '--size', 'big'],
    ]) {
      const r = neuroplan(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
  });

  it('loads the asked volume of a 4D NIfTI with --time-index (nibabel oracle)', () => {
    const nii = join(fixtures, 'nifti-variants', '4d-float32.nii.gz');
    for (const t of [0, 2]) {
      const r = neuroplan(['inspect', nii, '--json', '--time-index', String(t)]);
      expect(r.status).toBe(0);
      const v = (JSON.parse(r.stdout) as InspectJson).volumes[0]!;
      const expected = JSON.parse(
        execFileSync(
          '/usr/bin/python3',
          [join(import.meta.dirname, 'oracles', 'expected_volume.py'), 'nifti', nii, String(t)],
          {
            encoding: 'utf8',
          },
        ),
      );
      expectGeometry(v, expected);
    }
  });

  it('prints a readable table without --json', () => {
    const r = neuroplan(['inspect', join(fixtures, 'dicom', 'CT_small.dcm')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/1 volume\(s\), 0 error\(s\)/);
    expect(r.stdout).toMatch(/spacing\s+[\d.]+ × [\d.]+ × [\d.]+ mm/);
  });
});

describe('neuroplan phantom -> inspect (a case the loader has never seen)', () => {
  it('writes CT, MR and angiography whose geometry the loader reads back exactly (pydicom oracle)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'np-phantom-')), 'case');
    mkdirSync(out, { recursive: true });
    const seed = 1 + Math.floor(Math.random() * 1e6); // any seed must work; printed to reproduce a failure
    console.log(`phantom seed ${seed}`);
    const w = neuroplan(['phantom', '--out', out, '--size', '40', '--seed', String(seed)]);
    expect(w.status, w.stderr).toBe(0);
    const truth = JSON.parse(readFileSync(join(out, 'ground-truth.json'), 'utf8'));
    for (const key of ['vessels', 'fiducialsLps', 'ctToMrLps', 'brainCenterLps', 'labels'])
      expect(truth).toHaveProperty(key);
    const { status, report } = inspect([out]);
    expect(status).toBe(0);
    expect(report.errors).toEqual([]);
    expect(report.volumes.length).toBeGreaterThanOrEqual(3);
    for (const sub of readdirSync(out, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      const files = readdirSync(join(out, sub.name)).map((f) => join(out, sub.name, f));
      const expected = oracle('dicom', files);
      const v = report.volumes.find((x) => x.seriesInstanceUid === expected.seriesInstanceUid);
      expect(v, sub.name).toBeDefined();
      expectGeometry(v!, expected);
      expect(v!.warnings, sub.name).toEqual([]);
    }
  });
});
