/**
 * `neuroplan inspect` on files it has never seen: pydicom's own test corpus (Debian python3-pydicom,
 * MIT), a mixed bag of CT/MR/CR/RT/SEG images in every encoding, colour images, structured reports,
 * plans, waveforms, DICOMDIRs, text and gzip files, and deliberately malformed files.
 *
 * The whole folder is copied to a temporary directory (so that no message depends on the system path)
 * and inspected in one run of the CLI, as a user would. Expected volumes come from
 * tests/oracles/corpus_oracle.py (pydicom 2.3 + numpy, no NeuroPlan code), which groups the files by the
 * documented rules and computes geometry and min/max/mean itself. Statistics are compared wherever pydicom
 * decodes the pixels without plugins (native, deflated and RLE transfer syntaxes); JPEG-family files are
 * compared on geometry only. Single images without plane geometry follow the documented convention:
 * origin 0, identity directions and 1 mm voxels, for geometry only (their values are compared as usual).
 *
 * Skipped (with a message) only when the corpus is not installed and CI is unset; under CI it must run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VolumeJson } from './inspectContract.ts';

const CORPUS = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const root = join(import.meta.dirname, '..');
const cli = join(root, 'apps', 'cli', 'bin', 'neuroplan.mjs');
const oracleScript = join(import.meta.dirname, 'oracles', 'corpus_oracle.py');

const present = existsSync(CORPUS);
if (!present && !process.env.CI)
  console.warn(`pydicom-corpus.test.ts skipped: ${CORPUS} is absent (apt-get install python3-pydicom)`);

/**
 * The folder walk's rules, restated from packages/imaging/src/node/files.ts: inside folders, dotfiles,
 * files named DICOMDIR (an index) and files with these extensions are skipped silently.
 */
const NOT_IMAGING = new Set(
  '.json .txt .md .csv .xml .html .htm .png .jpg .jpeg .gif .pdf .zip .py .sh .js .ts .mcap .stl .obj .ply .log .ini .yaml .yml'.split(
    ' ',
  ),
);
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (
      entry.isFile() &&
      !entry.name.startsWith('.') &&
      entry.name.toUpperCase() !== 'DICOMDIR' &&
      !NOT_IMAGING.has(extname(entry.name).toLowerCase())
    )
      out.push(full);
  }
  return out.sort();
}

interface OracleVolume {
  seriesInstanceUid: string | null;
  files: string[];
  dimensions: number[];
  spacingMm: number[];
  originLps: number[];
  directionLps: number[];
  stats: { min: number; max: number; mean: number } | null;
  statsSkipped: string | null;
}
interface Oracle {
  volumes: OracleVolume[];
  dropped: string[];
  skipped: { file: string; reason: string }[];
}

const near = (a: number, b: number, tolerance: number) =>
  Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));
const sameGeometry = (v: VolumeJson, o: OracleVolume) =>
  v.seriesInstanceUid === o.seriesInstanceUid &&
  v.dimensions.join() === o.dimensions.join() &&
  v.originLps.every((x, a) => near(x, o.originLps[a]!, 1e-6)) &&
  v.spacingMm.every((x, a) => near(x, o.spacingMm[a]!, 1e-6)) &&
  v.directionLps.every((x, c) => Math.abs(x - o.directionLps[c]!) <= 1e-9);

describe.skipIf(!present && !process.env.CI)('neuroplan inspect on the pydicom test corpus', () => {
  let dir = '';
  let copy = '';
  let files: string[] = [];
  let run: { status: number | null; stdout: string; stderr: string };
  let report: { volumes: VolumeJson[]; errors: { file: string; reason: string }[] };
  let oracle: Oracle;
  const rel = (file: string) => relative(copy, file);

  beforeAll(() => {
    if (!present) throw new Error(`${CORPUS} is absent: CI must install python3-pydicom`);
    dir = mkdtempSync(join(tmpdir(), 'np-corpus-'));
    copy = join(dir, 'pydicom-corpus');
    cpSync(CORPUS, copy, { recursive: true });
    files = walk(copy);
    const r = spawnSync(process.execPath, [cli, 'inspect', copy, '--json'], {
      encoding: 'utf8',
      timeout: 300_000,
      maxBuffer: 64 << 20,
    });
    run = { status: r.status, stdout: r.stdout, stderr: r.stderr };
    oracle = JSON.parse(
      execFileSync('/usr/bin/python3', [oracleScript, copy, ...files], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      }),
    ) as Oracle;
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 with exactly one JSON object on stdout and no stack trace on stderr', () => {
    expect(run.stderr).not.toMatch(/\n\s+at |^\s+at /m);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    report = JSON.parse(run.stdout) as typeof report;
    expect(Object.keys(report).sort()).toEqual(['errors', 'volumes']);
    expect(run.status).toBe(0);
  });

  it('accounts for every file: a volume source, or an error with a reason (dropped duplicates also named in a warning)', () => {
    report ??= JSON.parse(run.stdout) as typeof report;
    // The walk skips README.txt files, *.json files and the DICOMDIR indexes; everything else is read.
    for (const skipped of [
      'README.txt',
      'test1.json',
      'dicomdirtests/DICOMDIR',
      'dicomdirtests/TINY_ALPHA/DICOMDIR',
    ])
      expect(files.map(rel)).not.toContain(skipped);
    expect(files.map(rel)).toContain('dicomdirtests/DICOMDIR-implicit'); // not named DICOMDIR: read, and refused

    const used = oracle.volumes.flatMap((v) => v.files);
    const errorFiles = report.errors.map((e) => rel(e.file));
    expect(new Set(errorFiles).size).toBe(errorFiles.length);
    // Every file is exactly one of: a volume source or an error (dropped duplicates are errors too,
    // and are also named in their volume's warning).
    expect(report.volumes.reduce((n, v) => n + v.sourceFiles, 0) + errorFiles.length).toBe(files.length);
    expect(new Set([...used, ...errorFiles]).size).toBe(files.length);
    expect(errorFiles.sort()).toEqual(
      files
        .map(rel)
        .filter((f) => !used.includes(f))
        .sort(),
    );
    const duplicateErrors = report.errors
      .filter((e) => e.reason.startsWith('duplicate:'))
      .map((e) => rel(e.file));
    expect(duplicateErrors.sort()).toEqual([...oracle.dropped].sort());
    const warnings = report.volumes.flatMap((v) => v.warnings).join('\n');
    for (const f of oracle.dropped) expect(warnings, f).toContain(`${basename(f)} `);
    for (const e of report.errors) {
      expect(e.reason.length, rel(e.file)).toBeGreaterThan(20);
      expect(e.reason).not.toMatch(/undefined|\[object |NaN|cut short, or not an image|^Error\b/);
      expect(e.reason).not.toContain(copy); // the file is named once, in `file`
    }
  });

  it('loads every volume the oracle expects, with its geometry, and its statistics where pydicom decodes the pixels', () => {
    report ??= JSON.parse(run.stdout) as typeof report;
    expect(report.volumes).toHaveLength(oracle.volumes.length);
    let compared = 0;
    for (const o of oracle.volumes) {
      const matches = report.volumes.filter((v) => sameGeometry(v, o));
      expect(matches, `volume of ${o.files.join(', ')}`).toHaveLength(1);
      const v = matches[0]!;
      expect(v.sourceFiles, o.files.join(', ')).toBe(o.files.length);
      if (!o.stats) continue;
      compared++;
      // Float volumes (RT dose, fractional slopes) hold float32 voxels: relative 1e-6.
      expect(near(v.min, o.stats.min, 1e-6), `${o.files[0]} min ${v.min} vs ${o.stats.min}`).toBe(true);
      expect(near(v.max, o.stats.max, 1e-6), `${o.files[0]} max ${v.max} vs ${o.stats.max}`).toBe(true);
      expect(near(v.mean, o.stats.mean, 1e-6), `${o.files[0]} mean ${v.mean} vs ${o.stats.mean}`).toBe(true);
    }
    expect(compared).toBeGreaterThan(25);
    // The one-frame Segmentation with 3 per-frame items loads from its first item, and says so.
    const liver = oracle.volumes.find((o) => o.files.includes('liver_1frame.dcm'))!;
    expect(liver.stats).not.toBeNull();
    expect(report.volumes.find((v) => sameGeometry(v, liver))!.warnings.join(' ')).toMatch(
      /liver_1frame\.dcm: PerFrameFunctionalGroupsSequence \(5200,9230\) has 3 items for 1 frame/,
    );
  });

  it('loads each file that was dropped as a duplicate on its own, as the oracle expects', () => {
    // MR_small in every encoding, the RT doses, the big-endian Segmentation: alone, each is a volume.
    expect(oracle.dropped.length).toBeGreaterThan(10);
    for (const f of oracle.dropped) {
      const file = join(copy, f);
      const alone = spawnSync(process.execPath, [cli, 'inspect', file, '--json'], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(alone.stderr, f).not.toMatch(/^\s+at /m);
      const result = JSON.parse(alone.stdout) as typeof report;
      const [expected, ...more] = (
        JSON.parse(
          execFileSync('/usr/bin/python3', [oracleScript, copy, file], { encoding: 'utf8' }),
        ) as Oracle
      ).volumes;
      expect(more, f).toEqual([]);
      if (expected!.statsSkipped?.startsWith('pydicom cannot decode')) {
        // MR_truncated.dcm: pixel data cut short, which pydicom refuses too.
        expect(result.volumes, f).toEqual([]);
        expect(result.errors[0]?.reason, f).toMatch(/pixel data holds \d+ bytes, frame 0 needs \d+/);
        continue;
      }
      expect(result.errors, f).toEqual([]);
      expect(
        result.volumes.filter((v) => sameGeometry(v, expected!)),
        f,
      ).toHaveLength(1);
      const v = result.volumes[0]!;
      if (expected!.stats)
        for (const k of ['min', 'max', 'mean'] as const)
          expect(near(v[k], expected!.stats[k], 1e-6), `${f} ${k} ${v[k]} vs ${expected!.stats[k]}`).toBe(
            true,
          );
    }
  });

  it('says plainly what each refused file is', () => {
    report ??= JSON.parse(run.stdout) as typeof report;
    const reason = new Map(report.errors.map((e) => [rel(e.file), e.reason]));
    const expectReason = (file: string, pattern: RegExp) => expect(reason.get(file), file).toMatch(pattern);
    expectReason(
      'rtplan.dcm',
      /^not an image: RT Plan Storage \(1\.2\.840\.10008\.5\.1\.4\.1\.1\.481\.5\) has no pixel data$/,
    );
    expectReason('rtplan_truncated.dcm', /^not an image: RT Plan Storage/);
    expectReason('rtstruct.dcm', /^not an image: RT Structure Set Storage /);
    expectReason('ExplVR_LitEndNoMeta.dcm', /^not an image: RT Ion Plan Storage /);
    expectReason('ExplVR_BigEndNoMeta.dcm', /^not an image: RT Ion Plan Storage /);
    expectReason('test-SR.dcm', /^not an image: Comprehensive SR Storage /);
    expectReason('reportsi.dcm', /^not an image: Basic Text SR Storage /);
    // 291 kB: more than the loader's first read, so this is the answer after re-reading the whole file.
    expectReason('waveform_ecg.dcm', /^not an image: 12-lead ECG Waveform Storage /);
    for (const name of ['DICOMDIR-implicit', 'DICOMDIR-bigEnd', 'DICOMDIR-nooffset', 'DICOMDIR-empty.dcm'])
      expectReason(`dicomdirtests/${name}`, /^not an image: Media Storage Directory Storage /);
    expectReason(
      'dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000000',
      /^not an image: CT Image Storage /,
    );
    expectReason(
      'empty_charset_LEI.dcm',
      /^not an image: the data set has no SOP Class UID and no pixel data$/,
    );
    // Its meta says explicit VR, its data set is implicit (pydicom falls back too): read, then refused as colour.
    expectReason('SC_rgb_jpeg.dcm', /^colour image \(RGB, 3 samples per pixel\)/);
    expectReason('meta_missing_tsyntax.dcm', /^pixel data without a usable image size/);
    expectReason('zipMR.gz', /DICOM file .* compressed with gzip; decompress it/);
    expectReason('badVR.dcm', /NumberOfFrames \(0028,0008\) "1A" is not a positive integer/);
    // Colour images are refused by design, all of them with the same words.
    for (const s of oracle.skipped.filter((x) => x.reason.endsWith('colour')))
      expectReason(s.file, /colour images are not loaded as volumes$/);
  });
});
