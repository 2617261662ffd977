/**
 * Segmentation on the synthetic phantom and on the real brain T1, scored against ground truth that is
 * computed independently of the segmentation code:
 *  - segmentation-oracle.py (pydicom + numpy + scipy) reads the phantom DICOM series itself, rebuilds every
 *    voxel centre in LPS from IPP/IOP/PixelSpacing and rasterises the analytic anatomy of ground-truth.json
 *    (vessel tubes: distance to the centreline segments ≤ the interpolated radius; skull, brain and
 *    ventricles: the ellipsoids), then computes Dice against the mask we wrote, and centreline recall
 *    (ground-truth points within max(1 voxel, radius) of an extracted point) and radius error;
 *  - the real brain (fixtures/nifti/brain-t1.nii.gz) is scored with nibabel against its skull-strip
 *    label map (labels 0, 4, 5, 6; nonzero = brain);
 *  - sulcal depth is checked on a synthetic sphere with grooves of known depth (analytic).
 * The measured numbers are printed for the report.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPhantomModel, phantomFiles, phantomGroundTruth } from '../src/phantom/index.ts';
import { loadPaths } from '../src/node/loadPaths.ts';
import { readNifti } from '../src/nifti/readNifti.ts';
import { createVolume, type Volume } from '../src/volume.ts';
import { CancelledError } from '../src/task.ts';
import {
  eraseSphere,
  labelAtLps,
  maskOfLabel,
  paintSphere,
  segmentBrainT1,
  segmentSkull,
  segmentVentricles,
  segmentVessels,
  sulcalDepth,
  type VesselSegmentation,
} from '../src/segmentation/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ORACLE = join(here, 'segmentation-oracle.py');
const work = mkdtempSync(join(tmpdir(), 'neuroplan-seg-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const aborted = (): AbortSignal => {
  const c = new AbortController();
  c.abort();
  return c.signal;
};

function oracle(args: string[]): Record<string, unknown> {
  return JSON.parse(execFileSync('/usr/bin/python3', [ORACLE, ...args], { encoding: 'utf8' })) as Record<
    string,
    unknown
  >;
}

function writeMask(name: string, mask: ArrayLike<number>): string {
  const path = join(work, name);
  writeFileSync(
    path,
    Uint8Array.from(mask, (v) => (v ? 1 : 0)),
  );
  return path;
}

/** The oracle's ijk→LPS (from pydicom) must be ours, or the Dice would compare different voxels. */
function expectSameGeometry(v: Volume, ijkToLps: unknown): void {
  const m = ijkToLps as number[];
  for (let t = 0; t < 12; t++) expect(Math.abs(v.ijkToLps[t]! - m[t]!)).toBeLessThan(1e-3);
}

// Size 256 with 240 CT slices: angio voxels 1.0 × 1.2 × 1.0 mm (vessels of 1 mm diameter are about
// one voxel across), T1 voxels 1.875 × 1.875 × 1.67 mm, CT 0.94 × 0.94 × 0.83 mm.
const SIZE = 256;
const SLICES = 240;
const SEED = 1;

describe(`phantom (size ${SIZE}, seed ${SEED})`, () => {
  const dir = join(work, 'phantom');
  const series: Record<string, Volume> = {};
  beforeAll(async () => {
    const model = buildPhantomModel({ size: SIZE, slices: SLICES, seed: SEED });
    for (const f of phantomFiles(model)) {
      mkdirSync(join(dir, dirname(f.relativePath)), { recursive: true });
      writeFileSync(join(dir, f.relativePath), f.bytes);
    }
    writeFileSync(join(dir, 'ground-truth.json'), JSON.stringify(phantomGroundTruth(model)));
    for (const name of ['ct', 'mr-t1', 'angio']) {
      const { volumes, errors } = await loadPaths([join(dir, name)], { workers: 2 });
      expect(errors).toEqual([]);
      series[name] = volumes[0]!;
    }
  }, 120_000);

  describe('vessels from the TOF angiogram', () => {
    let seg: VesselSegmentation;
    let seconds = 0;
    const phases = new Set<string>();
    beforeAll(() => {
      const t0 = performance.now();
      seg = segmentVessels(series.angio!, {}, { onProgress: (_f, phase) => phases.add(phase) });
      seconds = (performance.now() - t0) / 1000;
    }, 120_000);

    it('Dice ≥ 0.90 against the rasterised tubes, centreline recall ≥ 0.95, radii within 0.3 mm', () => {
      const v = series.angio!;
      const mask = writeMask('vessels.raw', seg.labelMap.scalars);
      const cl = join(work, 'centerlines.json');
      writeFileSync(cl, JSON.stringify(seg.centerlines!.branches));
      const r = oracle(['vessels', dir, 'angio', mask, cl]);
      expectSameGeometry(v, r.ijkToLps);
      console.log(
        `vessels: angio ${v.dimensions.join('×')} @ ${v.spacingMm.map((s) => s.toFixed(2)).join('×')} mm, ` +
          `segmentVessels ${seconds.toFixed(1)} s, levels ${JSON.stringify(seg.levels)}, ` +
          `${seg.centerlines!.branches.length} branches; oracle ${JSON.stringify({ ...r, ijkToLps: undefined })}`,
      );
      expect(r.dice as number).toBeGreaterThanOrEqual(0.9);
      expect(r.recall as number).toBeGreaterThanOrEqual(0.95);
      expect(r.precision as number).toBeGreaterThanOrEqual(0.9);
      expect(r.radiusErrorMedianAbs as number).toBeLessThan(0.3);
      expect(Math.abs(r.radiusErrorMean as number)).toBeLessThan(0.3);
      expect(seg.labelMap.labels).toEqual([{ value: 1, name: 'vessel', color: [220, 40, 40] }]);
      expect(seg.labelMap.ijkToLps).toEqual(v.ijkToLps);
      expect(phases.has('centreline extraction')).toBe(true);
    });

    it('the vessel label map can be edited with a brush and an eraser in LPS mm', () => {
      const map = seg.labelMap;
      const b = seg.centerlines!.branches.find((x) => x.radiiMm.some((r) => r > 1.5))!;
      const p = b.pointsLps[Math.floor(b.pointsLps.length / 2)]!;
      expect(labelAtLps(map, p)).toBe(1);
      const before = maskOfLabel(map, 1).reduce((a, c) => a + c, 0);
      const box = eraseSphere(map, p, 4);
      expect(box.empty).toBe(false);
      expect(labelAtLps(map, p)).toBe(0);
      paintSphere(map, p, 1, 1);
      expect(labelAtLps(map, p)).toBe(1);
      expect(maskOfLabel(map, 1).reduce((a, c) => a + c, 0)).toBeLessThan(before);
    });

    it('is cancellable', () => {
      expect(() => segmentVessels(series.angio!, {}, { signal: aborted() })).toThrow(CancelledError);
    });
  });

  it('skull from the CT: Dice ≥ 0.9 against the analytic skull shell', () => {
    const ct = series.ct!;
    const t0 = performance.now();
    const map = segmentSkull(ct);
    const seconds = (performance.now() - t0) / 1000;
    const r = oracle(['shell', dir, 'ct', writeMask('skull.raw', map.scalars), 'skullOuter', 'skullInner']);
    expectSameGeometry(ct, r.ijkToLps);
    console.log(
      `skull: CT ${ct.dimensions.join('×')}, ${seconds.toFixed(1)} s; oracle ${JSON.stringify({ ...r, ijkToLps: undefined })}`,
    );
    expect(r.dice as number).toBeGreaterThanOrEqual(0.9);
    expect(map.labels[0]!.name).toBe('skull');
    expect(() => segmentSkull(series['mr-t1']!)).toThrow(/needs a CT in HU/);
    expect(() => segmentSkull(ct, {}, { signal: aborted() })).toThrow(CancelledError);
  });

  it('brain and ventricles from the T1: Dice against the analytic brain and ventricle ellipsoids', () => {
    const t1 = series['mr-t1']!;
    const t0 = performance.now();
    const brain = segmentBrainT1(t1);
    const t1s = (performance.now() - t0) / 1000;
    const rb = oracle([
      'shell',
      dir,
      'mr-t1',
      writeMask('brain.raw', brain.labelMap.scalars),
      'brainOuter',
      '-',
    ]);
    expectSameGeometry(t1, rb.ijkToLps);
    const t2 = performance.now();
    const vent = segmentVentricles(t1, maskOfLabel(brain.labelMap, 1));
    const t2s = (performance.now() - t2) / 1000;
    const rv = oracle(['ventricles', dir, 'mr-t1', writeMask('ventricles.raw', vent.labelMap.scalars)]);
    console.log(
      `brain: T1 ${t1.dimensions.join('×')} @ ${t1.spacingMm.map((s) => s.toFixed(2)).join('×')} mm, ${t1s.toFixed(1)} s, ` +
        `thresholds ${JSON.stringify(brain.thresholds)}; oracle ${JSON.stringify({ ...rb, ijkToLps: undefined })}\n` +
        `ventricles: ${t2s.toFixed(1)} s, CSF threshold ${vent.csfThreshold.toFixed(0)}; oracle ${JSON.stringify({ ...rv, ijkToLps: undefined })}`,
    );
    expect(rb.dice as number).toBeGreaterThanOrEqual(0.95);
    expect(rv.dice as number).toBeGreaterThanOrEqual(0.8);
    expect(() => segmentBrainT1(t1, {}, { signal: aborted() })).toThrow(CancelledError);
    expect(() => segmentVentricles(t1, maskOfLabel(brain.labelMap, 1), {}, { signal: aborted() })).toThrow(
      CancelledError,
    );
    expect(() => segmentVentricles(t1, new Uint8Array(t1.scalars.length))).toThrow(/brain mask is empty/);
  });
});

describe('real brain T1 (fixtures/nifti/brain-t1.nii.gz, 2×2×3 mm)', () => {
  const image = join(here, 'fixtures/nifti/brain-t1.nii.gz');
  const reference = join(here, 'fixtures/nifti/brain-t1-skullstrip-mask.nii.gz');
  const t1 = readNifti(new Uint8Array(readFileSync(image)), image);

  it('brain mask: Dice ≥ 0.85 against the skull-strip label map (nonzero = brain)', () => {
    const t0 = performance.now();
    const brain = segmentBrainT1(t1);
    const seconds = (performance.now() - t0) / 1000;
    const mask = maskOfLabel(brain.labelMap, 1);
    const r = oracle(['nifti', image, reference, writeMask('real-brain.raw', mask)]);
    // Same voxel order: the mean intensity inside our mask, by nibabel and by us.
    let sum = 0;
    let n = 0;
    for (let p = 0; p < mask.length; p++)
      if (mask[p]) {
        sum += t1.scalars[p]!;
        n++;
      }
    expect(sum / n).toBeCloseTo(r.meanInsideOurs as number, 3);
    console.log(
      `real brain: ${seconds.toFixed(2)} s, thresholds ${JSON.stringify(brain.thresholds)}; oracle ${JSON.stringify(r)}`,
    );
    expect(r.labels).toEqual([0, 4, 5, 6]);
    expect(r.dice as number).toBeGreaterThanOrEqual(0.85);

    // Sulcal depth needs open sulci: the brain mask is closed, so use its tissue (above the CSF threshold).
    const tissue = mask.map((m, p) => (m && t1.scalars[p]! >= brain.thresholds.tissue ? 1 : 0));
    const depth = sulcalDepth(t1, tissue, { closingRadiusMm: 10 });
    const d = depth.depth.scalars as Float32Array;
    const values = Array.from(d).filter((x) => !Number.isNaN(x));
    const deep = values.filter((x) => x > 5).length / values.length;
    console.log(
      `real brain sulcal depth: ${values.length} cortical voxels, max ${depth.maxDepthMm.toFixed(1)} mm, ` +
        `mean ${depth.meanDepthMm.toFixed(2)} mm, ${(deep * 100).toFixed(1)} % deeper than 5 mm`,
    );
    // Plausibility only (no reference): gyral crowns touch the hull (within half of the 3 mm voxel), some
    // folds are several mm deep, none deeper than a brain half-width.
    expect(Math.min(...values)).toBeLessThanOrEqual(1.5);
    expect(depth.maxDepthMm).toBeGreaterThan(5);
    expect(depth.maxDepthMm).toBeLessThan(40);
  });
});

describe('sulcal depth on a grooved sphere (depths known by construction)', () => {
  it('finds each groove depth within 1 mm and ≈ 0 on the smooth surface', () => {
    const dims: [number, number, number] = [80, 80, 56];
    const sp: [number, number, number] = [1, 1, 1.4];
    const c = [40, 40, 28];
    const R = 32;
    const grooves = [
      { x: -12, depth: 6 },
      { x: 14, depth: 10 },
    ];
    const mask = new Uint8Array(dims[0] * dims[1] * dims[2]);
    const at = (i: number, j: number, k: number) => [
      (i - c[0]!) * sp[0],
      (j - c[1]!) * sp[1],
      (k - c[2]!) * sp[2],
    ];
    for (let k = 0; k < dims[2]; k++)
      for (let j = 0; j < dims[1]; j++)
        for (let i = 0; i < dims[0]; i++) {
          const [x, y, z] = at(i, j, k) as [number, number, number];
          const r = Math.hypot(x, y, z);
          if (r > R) continue;
          // A 3 mm wide slot cut from the surface down to radius R − depth, on the upper half (z > 0).
          if (z > 0 && grooves.some((g) => Math.abs(x - g.x) <= 1.5 && r > R - g.depth)) continue;
          mask[i + dims[0] * (j + dims[1] * k)] = 1;
        }
    const grid = createVolume({
      id: 'sphere',
      modality: 'OT',
      dimensions: dims,
      spacingMm: sp,
      originLps: [0, 0, 0],
      directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      scalars: mask,
    });
    const res = sulcalDepth(grid, mask, { closingRadiusMm: 10 });
    const d = res.depth.scalars as Float32Array;
    const maxIn = grooves.map(() => 0);
    let smoothMax = 0;
    for (let p = 0; p < d.length; p++) {
      if (Number.isNaN(d[p]!)) continue;
      const i = p % dims[0];
      const j = Math.floor(p / dims[0]) % dims[1];
      const k = Math.floor(p / (dims[0] * dims[1]));
      const [x, , z] = at(i, j, k) as [number, number, number];
      const g = grooves.findIndex((gr) => Math.abs(x - gr.x) <= 4);
      if (g >= 0 && z > 4) maxIn[g] = Math.max(maxIn[g]!, d[p]!);
      else if (g < 0) smoothMax = Math.max(smoothMax, d[p]!);
    }
    console.log(
      `grooved sphere: groove depths ${maxIn.map((x) => x.toFixed(2)).join(', ')} mm (true 6, 10), smooth surface max ${smoothMax.toFixed(2)} mm`,
    );
    grooves.forEach((g, n) => expect(Math.abs(maxIn[n]! - g.depth)).toBeLessThanOrEqual(1));
    expect(smoothMax).toBeLessThanOrEqual(1);
    expect(() => sulcalDepth(grid, mask, {}, { signal: aborted() })).toThrow(CancelledError);
  });
});
