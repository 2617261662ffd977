/**
 * The synthetic head phantom. Image content and geometry are checked by an independent reader,
 * test/phantom-oracle.py (pydicom + numpy + scipy, no NeuroPlan code): it parses every file, rebuilds
 * the LPS geometry from IPP/IOP/PixelSpacing and compares the images with ground-truth.json. Its
 * expected values come from the phantom's specification (e.g. fiducials > 1000 HU, vessels ≥ 800 in the
 * TOF whose tissue stays below ~500, brain tissue 10..50 HU), never from running our code.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhantomCase } from '../src/node/writePhantom.ts';
import {
  buildPhantomModel,
  phantomFileCount,
  phantomFiles,
  phantomGroundTruth,
  type PhantomGroundTruth,
} from '../src/phantom/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'neuroplan-phantom-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** sha256 of every file of the case, keyed by relative path. */
function digests(options: { size: number; seed: number }): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of phantomFiles(buildPhantomModel(options)))
    out.set(f.relativePath, createHash('sha256').update(f.bytes).digest('hex'));
  return out;
}

describe('phantom determinism', () => {
  it('gives byte-identical files for the same seed', () => {
    const a = digests({ size: 48, seed: 3 });
    const b = digests({ size: 48, seed: 3 });
    expect(a.size).toBeGreaterThan(40);
    expect([...b.entries()]).toEqual([...a.entries()]);
  });

  it('gives different vessels, transform and files for another seed', () => {
    const a = phantomGroundTruth(buildPhantomModel({ size: 48, seed: 3 }));
    const b = phantomGroundTruth(buildPhantomModel({ size: 48, seed: 4 }));
    expect(b.vessels[0]!.pointsLps).not.toEqual(a.vessels[0]!.pointsLps);
    expect(b.ctToMrLps).not.toEqual(a.ctToMrLps);
    const da = digests({ size: 48, seed: 3 });
    const db = digests({ size: 48, seed: 4 });
    expect(db.get('ct/IM0020.dcm')).not.toEqual(da.get('ct/IM0020.dcm'));
  });

  it('rejects bad options with a message naming the option', () => {
    expect(() => buildPhantomModel({ size: 8 })).toThrow(/size must be an integer from 16 to 2048, got 8/);
    expect(() => buildPhantomModel({ size: 64.5 })).toThrow(/size must be an integer/);
    expect(() => buildPhantomModel({ slices: 1 })).toThrow(/slices must be an integer/);
    expect(() => buildPhantomModel({ seed: -1 })).toThrow(/seed must be an integer/);
    expect(() => buildPhantomModel({ seed: Number.NaN })).toThrow(/seed must be an integer/);
  });
});

describe('phantom case on disk (size 128), read back by pydicom', () => {
  const dir = join(work, 'case128');
  let written: Awaited<ReturnType<typeof writePhantomCase>>;
  let gt: PhantomGroundTruth;
  let oracle: {
    checks: { group: string; name: string; ok: boolean; detail: string }[];
    stats: Record<string, unknown>;
  };
  const progress: [number, number][] = [];

  beforeAll(async () => {
    written = await writePhantomCase(dir, {
      size: 128,
      seed: 7,
      onProgress: (d, t) => progress.push([d, t]),
    });
    gt = JSON.parse(readFileSync(written.groundTruthPath, 'utf8')) as PhantomGroundTruth;
    const out = execFileSync('/usr/bin/python3', [join(here, 'phantom-oracle.py'), dir], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    oracle = JSON.parse(out) as typeof oracle;
  });

  it('writes ct/, mr-t1/, angio/ and ground-truth.json with the reported counts', () => {
    expect(written.series.map((s) => s.name)).toEqual(['ct', 'mr-t1', 'angio']);
    let files = 0;
    for (const s of written.series) {
      const names = readdirSync(s.dir).sort();
      expect(names.length).toBe(s.dimensions[2]);
      expect(names[0]).toBe('IM0001.dcm');
      files += names.length;
    }
    expect(files).toBe(written.files);
    expect(written.series[0]!.dimensions).toEqual([128, 128, 100]); // 128 · 400 / 512 slices by default
    expect(existsSync(written.groundTruthPath)).toBe(true);
    expect(progress.length).toBe(written.files);
    expect(progress.at(-1)).toEqual([written.files, written.files]);
  });

  it('ground-truth.json has the required keys and shapes', () => {
    const isPoint = (p: unknown) => Array.isArray(p) && p.length === 3 && p.every((x) => Number.isFinite(x));
    expect(gt.vessels.length).toBeGreaterThanOrEqual(8);
    for (const v of gt.vessels) {
      expect(v.pointsLps.length).toBe(v.radiiMm.length);
      expect(v.pointsLps.length).toBeGreaterThanOrEqual(6);
      expect(v.pointsLps.every(isPoint)).toBe(true);
      for (const r of v.radiiMm) expect(r >= 0.5 && r <= 2.5).toBe(true);
      // Sampled every 0.5 mm along the centreline (coordinates are rounded to 0.1 µm).
      for (let i = 1; i < v.pointsLps.length; i++) {
        const [a, b] = [v.pointsLps[i - 1]!, v.pointsLps[i]!];
        expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])).toBeCloseTo(0.5, 3);
      }
      if (v.parentIndex >= 0) {
        const parent = gt.vessels[v.parentIndex]!;
        expect(v.level).toBe(parent.level + 1);
        expect(parent.pointsLps).toContainEqual(v.pointsLps[0]);
      }
    }
    expect(gt.vessels.filter((v) => v.level === 0).length).toBe(4);
    expect(Math.max(...gt.vessels.map((v) => v.level))).toBeGreaterThanOrEqual(2);
    expect(gt.fiducialsLps.length >= 4 && gt.fiducialsLps.length <= 6).toBe(true);
    expect(gt.fiducialsLps.every(isPoint)).toBe(true);
    expect(gt.ctToMrLps).toHaveLength(16);
    expect(isPoint(gt.brainCenterLps)).toBe(true);
    expect(Object.values(gt.labels).every((x) => Number.isInteger(x))).toBe(true);
    expect(gt.labels).toMatchObject({
      air: 0,
      boneCortical: expect.any(Number),
      whiteMatter: expect.any(Number),
    });
    expect(gt.vesselsMrLps.map((v) => v.pointsLps.length)).toEqual(gt.vessels.map((v) => v.pointsLps.length));
    expect(gt.series.map((s) => s.seriesInstanceUid)).toEqual(written.series.map((s) => s.seriesInstanceUid));
  });

  it('ctToMrLps is a proper rigid transform', () => {
    const m = gt.ctToMrLps;
    const r = (i: number, j: number) => m[i * 4 + j]!;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += r(k, i) * r(k, j);
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    const det =
      r(0, 0) * (r(1, 1) * r(2, 2) - r(1, 2) * r(2, 1)) -
      r(0, 1) * (r(1, 0) * r(2, 2) - r(1, 2) * r(2, 0)) +
      r(0, 2) * (r(1, 0) * r(2, 1) - r(1, 1) * r(2, 0));
    expect(det).toBeCloseTo(1, 12);
    expect(m.slice(12)).toEqual([0, 0, 0, 1]);
  });

  it('keeps vessels inside the skull and fiducials on it', () => {
    const shells = gt.anatomy.shells;
    const rho = (name: string, p: number[]) => {
      const e = shells[name]!;
      const d = [0, 1, 2].map((a) => p[a]! - e.centerLps[a]!);
      // local coordinate m = column m of axesLps · d
      return Math.hypot(
        ...[0, 1, 2].map(
          (m) =>
            (e.axesLps[m]! * d[0]! + e.axesLps[3 + m]! * d[1]! + e.axesLps[6 + m]! * d[2]!) /
            e.semiAxesMm[m]!,
        ),
      );
    };
    // Above the flat skull base too: own z (third column of axesLps) at least −floorMm, with the radius.
    const aboveFloor = (name: string, p: number[]) => {
      const e = shells[name]!;
      const z = [0, 1, 2].reduce((sum, a) => sum + (p[a]! - e.centerLps[a]!) * e.axesLps[a * 3 + 2]!, 0);
      return z + (e.floorMm ?? Infinity);
    };
    expect(shells['skullInner']!.floorMm).toBeGreaterThan(0);
    for (const v of gt.vessels)
      v.pointsLps.forEach((p, m) => {
        expect(rho('skullInner', p)).toBeLessThan(1);
        expect(aboveFloor('skullInner', p)).toBeGreaterThan(v.radiiMm[m]!);
      });
    for (const f of gt.fiducialsLps) {
      expect(rho('skullOuter', f)).toBeGreaterThan(1);
      expect(rho('scalpOuter', f)).toBeLessThan(1);
    }
  });

  const groups: [string, string][] = [
    ['series:ct', 'CT files parse; meta group, UIDs, pixel format and even slice spacing are right'],
    ['series:mr-t1', 'T1 files parse; meta group, UIDs, pixel format and even slice spacing are right'],
    ['series:angio', 'angio files parse; meta group, UIDs, pixel format and even slice spacing are right'],
    ['cross-series', 'CT is axial identity, MR series oblique and share a frame, UIDs distinct'],
    ['ground-truth', 'ground truth is self-consistent (rigid transform, MR copies)'],
    ['fiducials-ct', 'CT is bone-bright at every fiducial centre'],
    ['vessels-angio', 'angio is vessel-bright on the centrelines and only there'],
    ['vessels-ct', 'non-contrast CT shows vessels at 40..60 HU'],
    ['brain-centre', 'brain centre and brain centroid agree in CT and, through ctToMr, in T1'],
  ];
  it.each(groups)('oracle %s: %s', (group) => {
    const checks = oracle.checks.filter((c) => c.group === group);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('replaces the files of an earlier, larger case in the same folder', async () => {
    const again = await writePhantomCase(dir, { size: 32, seed: 7 });
    for (const s of again.series) expect(readdirSync(s.dir).length).toBe(s.dimensions[2]);
    expect(again.files).toBe(phantomFileCount(buildPhantomModel({ size: 32, seed: 7 })));
  });
});
