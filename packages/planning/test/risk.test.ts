/**
 * Trajectory risk: evaluateTrajectory (with profile) and the batch scorer scoreTrajectories.
 *
 * Where the expected numbers come from:
 *  - Analytic maps (createMaps with closed-form channels) and paths along a grid row, so only the
 *    interpolation along one axis is involved and the map values at the samples are known exactly:
 *    a vessel at a known distance (distance to a line, exact at voxel centres), a spherical ventricle
 *    (|p − c| − R, exactly linear along a row through the centre), a linear channel for the off-grid
 *    clamp. The expected clearances, depths and risks are worked out in the comments from riskModel.ts's
 *    formulas; the expected scores are sums over the samples written out in closed form here, without
 *    sampleMaps or our scorer.
 *  - Random and structured maps: an independent oracle, test/risk-oracle.py (numpy +
 *    scipy.ndimage.map_coordinates order 1 on the same maps, points clamped onto the grid), run at test
 *    time; and batch == evaluate == naive on the same trajectories (1e-4 relative), on random maps,
 *    analytic distance maps and signed distance transforms (where the batch scorer skips most samples),
 *    with paths leaving the grid.
 *  - channelSlopes: a linear map, whose neighbour differences are its gradient times the spacing.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancelledError, distanceMapMm } from '@neuroplan/imaging';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../imaging/src/random.ts';
import { resolveConstraints, type DeepPartial, type PlanningConstraints } from '../src/constraints.ts';
import {
  DegenerateTrajectoryError,
  evaluateTrajectory,
  type TrajectoryEvaluation,
} from '../src/risk/evaluate.ts';
import { channelVolumes, scoreTrajectoriesNaive } from '../src/risk/naive.ts';
import {
  RISK_STRUCTURES,
  riskParameters,
  structureRisk,
  type RiskParameters,
} from '../src/risk/riskModel.ts';
import { channelSlopes, createBatchRisk, scoreTrajectories, type BatchRisk } from '../src/risk/scoreBatch.ts';
import { createMaps } from '../src/scene/sampleMaps.ts';
import { FAR_MM, MAP_CHANNEL_COUNT, type MapChannel, type PlanningMaps } from '../src/scene/types.ts';
import type { Vec3 } from '../src/vec.ts';

const here = dirname(fileURLToPath(import.meta.url));
const params = (c: DeepPartial<PlanningConstraints> = {}): RiskParameters =>
  riskParameters(resolveConstraints(c));
const STEP = 0.25;
const RADIUS = 0.4;

const batchOne = (
  maps: PlanningMaps,
  e: Vec3,
  t: Vec3,
  r: number,
  p: RiskParameters,
  step = STEP,
): BatchRisk => scoreTrajectories(maps, Float64Array.of(...e, ...t), r, p, step);

/** A 41 × 21 × 5 grid at 1 mm from the origin; channels given by `fill`, brain 50 everywhere. */
const rowMaps = (fill: Partial<Record<MapChannel, (p: Vec3) => number>>): PlanningMaps =>
  createMaps([41, 21, 5], 1, [0, 0, 0], (c, p) => fill[c]?.(p) ?? (c === 'brain' ? 50 : FAR_MM));

/** Samples of the row path x = 5 … 35 (y = 10, z = 2): 121 samples 0.25 mm apart. */
const ROW_ENTRY: Vec3 = [5, 10, 2];
const ROW_TARGET: Vec3 = [35, 10, 2];
const rowX = (s: number): number => 5 + 0.25 * s;

/** Linear interpolation along x of a function known at integer x (what trilinear reduces to on a row). */
const alongRow = (g: (i: number) => number, x: number): number => {
  const i = Math.min(Math.floor(x), 39);
  const f = x - i;
  const a = Math.fround(g(i));
  return a + f * (Math.fround(g(i + 1)) - a);
};

describe('evaluateTrajectory: analytic maps', () => {
  it('a vessel 5 mm from the path: closest approach, its depth and the risk there', () => {
    // Vessel channel = distance to the line {x = 20, y = 5} (parallel to S); the path runs along y = 10,
    // so it passes 5 mm from the centre line at x = 20 (a voxel centre: the value is exactly 5).
    const line = (p: Vec3): number => Math.hypot(p[0] - 20, p[1] - 5);
    const maps = rowMaps({ vessel: line });
    const p = params(); // vessel: required 2 mm, falloff 6 mm, weight 3/5
    const r = evaluateTrajectory(maps, ROW_ENTRY, ROW_TARGET, RADIUS, p, STEP);
    expect(r.profile.depthMm.length).toBe(121);
    // Closest approach: 5 − 0.4 = 4.6 mm at x = 20, i.e. 15 mm from the entry.
    expect(r.vessel.clearanceMm).toBeCloseTo(4.6, 6);
    expect(r.vessel.depthMm).toBeCloseTo(15, 9);
    // Excess 4.6 − 2 = 2.6 mm of a 6 mm falloff: risk (1 − 2.6/6)² = (17/30)² = 289/900.
    expect(r.riskiestDepthMm).toBeCloseTo(15, 9);
    expect(r.riskiestRisk).toBeCloseTo((3 / 5) * (289 / 900), 6);
    expect(r.profile.risk[60]).toBeCloseTo((3 / 5) * (289 / 900), 6);
    expect(r.profile.clearanceMm.vessel[60]).toBeCloseTo(4.6, 6);
    expect(r.profile.brainDepthMm[60]).toBe(50);
    // Absent structures read FAR_MM.
    expect(r.ventricle.clearanceMm).toBeCloseTo(FAR_MM - RADIUS, 3);
    expect(r.ventricle.depthMm).toBe(0);
    // Score = 3/5 · (½·max + ½·mean) of the vessel risk over the 121 samples, written out.
    let sum = 0;
    for (let s = 0; s < 121; s++) {
      const excess = alongRow((i) => Math.hypot(i - 20, 5), rowX(s)) - RADIUS - 2;
      sum += excess >= 6 ? 0 : (1 - excess / 6) ** 2;
    }
    expect(r.score).toBeCloseTo((3 / 5) * (0.5 * (289 / 900) + (0.5 * sum) / 121), 6);
    const b = batchOne(maps, ROW_ENTRY, ROW_TARGET, RADIUS, p);
    expect(b.score[0]).toBeCloseTo(r.score, 6);
    expect(b.vesselClearanceMm[0]).toBeCloseTo(4.6, 5);
    expect(b.vesselDepthMm[0]).toBeCloseTo(15, 5);
    expect(b.riskiestDepthMm[0]).toBeCloseTo(15, 5);
  });

  it('a path through a ventricle: negative clearance, risk 1, first sample of the plateau', () => {
    // Ventricle = sphere of radius 6 around (20, 10, 2): along the row the channel is |x − 20| − 6 exactly.
    const maps = rowMaps({ ventricle: (p) => Math.hypot(p[0] - 20, p[1] - 10, p[2] - 2) - 6 });
    const p = params(); // ventricle: required 1 mm, falloff 4 mm, weight 1/5
    const r = evaluateTrajectory(maps, ROW_ENTRY, ROW_TARGET, RADIUS, p, STEP);
    expect(r.ventricle.clearanceMm).toBeCloseTo(-6.4, 6);
    expect(r.ventricle.depthMm).toBeCloseTo(15, 9);
    // Risk 1 where |x − 20| − 6 − 0.4 ≤ 1, i.e. from x = 12.6: first sample x = 12.75 (depth 7.75).
    expect(r.riskiestRisk).toBeCloseTo(1 / 5, 9);
    expect(r.riskiestDepthMm).toBeCloseTo(7.75, 9);
    expect(r.profile.risk[31]).toBeCloseTo(1 / 5, 6); // float32 profile
    expect(r.profile.risk[30]).toBeLessThan(1 / 5);
    let sum = 0;
    for (let s = 0; s < 121; s++) sum += structureRisk(Math.abs(rowX(s) - 20) - 6 - RADIUS - 1, 4);
    expect(r.score).toBeCloseTo((1 / 5) * (0.5 + (0.5 * sum) / 121), 9);
    // Hand check of two terms: at x = 12.5 the excess is 0.1 mm → (1 − 0.1/4)² = 0.950625.
    expect(structureRisk(0.1, 4)).toBeCloseTo(0.950625, 12);

    const b = batchOne(maps, ROW_ENTRY, ROW_TARGET, RADIUS, p);
    expect(b.ventricleClearanceMm[0]).toBeCloseTo(-6.4, 5);
    expect(b.ventricleDepthMm[0]).toBeCloseTo(15, 5);
    expect(b.riskiestDepthMm[0]).toBeCloseTo(7.75, 5);
    expect(b.score[0]).toBeCloseTo(r.score, 6);

    // Ventricles not avoided: weight 0, no score, but the clearance is still reported.
    const q = params({ avoidVentricles: false });
    expect(q.weight.ventricle).toBe(0);
    const r2 = evaluateTrajectory(maps, ROW_ENTRY, ROW_TARGET, RADIUS, q, STEP);
    expect(r2.score).toBe(0);
    expect(r2.riskiestRisk).toBe(0);
    expect(r2.riskiestDepthMm).toBe(0);
    expect(r2.ventricle.clearanceMm).toBeCloseTo(-6.4, 6);
    const b2 = batchOne(maps, ROW_ENTRY, ROW_TARGET, RADIUS, q);
    expect(b2.score[0]).toBe(0);
    expect(b2.ventricleClearanceMm[0]).toBeCloseTo(-6.4, 5);
  });

  it('a path leaving the grid reads the clamped edge value; ties go to the first sample', () => {
    // Sulcus channel = x (mm); the grid spans x ∈ [0, 40]. From x = 10 to x = −10: every sample at
    // x ≤ 0 reads 0, so the minimum clearance 0 − 0.4 is first reached at x = 0, depth 10.
    const maps = rowMaps({ sulcus: (p) => p[0] });
    const p = params();
    const e: Vec3 = [10, 10, 2];
    const t: Vec3 = [-10, 10, 2];
    const r = evaluateTrajectory(maps, e, t, RADIUS, p, STEP);
    expect(r.sulcus.clearanceMm).toBeCloseTo(-0.4, 9);
    expect(r.sulcus.depthMm).toBeCloseTo(10, 9);
    expect(r.profile.clearanceMm.sulcus[80]).toBeCloseTo(-0.4, 6); // float32 profile
    // Sulcus risk 1 where x − 0.4 ≤ 0 (required 0): first at x = 0.25 (depth 9.75), weight 1/5.
    expect(r.riskiestDepthMm).toBeCloseTo(9.75, 9);
    expect(r.riskiestRisk).toBeCloseTo(1 / 5, 9);
    const b = batchOne(maps, e, t, RADIUS, p);
    expect(b.sulcusClearanceMm[0]).toBeCloseTo(-0.4, 6);
    expect(b.sulcusDepthMm[0]).toBeCloseTo(10, 5);
    expect(b.riskiestDepthMm[0]).toBeCloseTo(9.75, 5);
    // Also diagonally out through a corner (all three axes clamp).
    const corner = evaluateTrajectory(maps, [30, 15, 3], [50, 30, 9], RADIUS, p, STEP);
    const bc = batchOne(maps, [30, 15, 3], [50, 30, 9], RADIUS, p);
    expect(bc.sulcusClearanceMm[0]).toBeCloseTo(corner.sulcus.clearanceMm, 5);
    expect(bc.sulcusDepthMm[0]).toBeCloseTo(corner.sulcus.depthMm, 4);
  });

  it('sample count and spacing follow riskModel (n = ceil(length/step) + 1, both ends included)', () => {
    const maps = rowMaps({});
    const r = evaluateTrajectory(maps, [5, 10, 2], [5.9, 10, 2], 0, params(), STEP);
    // 0.9 mm at ≤ 0.25 mm: 5 samples 0.225 mm apart.
    expect(Array.from(r.profile.depthMm)).toEqual([0, 0.225, 0.45, 0.675, 0.9].map(Math.fround));
  });
});

describe('evaluateTrajectory and scoreTrajectories: bad input', () => {
  const maps = rowMaps({});
  const p = params();
  it('throws DegenerateTrajectoryError for degenerate paths', () => {
    expect(() => evaluateTrajectory(maps, [1, 2, 3], [1, 2, 3], RADIUS, p, STEP)).toThrow(
      DegenerateTrajectoryError,
    );
    expect(() => evaluateTrajectory(maps, [1, 2, 3], [1, 2, 3], RADIUS, p, STEP)).toThrow(/entry equal/);
    expect(() => evaluateTrajectory(maps, [1, NaN, 3], [1, 2, 3], RADIUS, p, STEP)).toThrow(/non-finite/);
    expect(() => evaluateTrajectory(maps, [1, 2, 3], [Infinity, 2, 3], RADIUS, p, STEP)).toThrow(
      DegenerateTrajectoryError,
    );
    expect(() => evaluateTrajectory(maps, [1, 2, 3], [5, 2, 3], RADIUS, p, 0)).toThrow(/step/);
    expect(() => evaluateTrajectory(maps, [1, 2, 3], [5, 2, 3], -1, p, STEP)).toThrow(/radius/);
    expect(() => evaluateTrajectory(maps, [0, 0, 0], [1e6, 0, 0], RADIUS, p, STEP)).toThrow(/samples/);
  });
  it('the batch names the bad trajectory and checks its arrays', () => {
    const segs = Float64Array.of(5, 10, 2, 35, 10, 2, 7, 7, 2, 7, 7, 2);
    expect(() => scoreTrajectories(maps, segs, RADIUS, p, STEP)).toThrow(/trajectory 1 has its entry equal/);
    expect(() => scoreTrajectories(maps, Float64Array.of(NaN, 0, 0, 1, 1, 1), RADIUS, p, STEP)).toThrow(
      DegenerateTrajectoryError,
    );
    expect(() => scoreTrajectories(maps, new Float64Array(7), RADIUS, p, STEP)).toThrow(/multiple of 6/);
    expect(() => scoreTrajectories(maps, segs.subarray(0, 6), RADIUS, p, STEP, createBatchRisk(0))).toThrow(
      /result arrays/,
    );
    const short = { ...maps, values: maps.values.subarray(0, 100) };
    expect(() => scoreTrajectories(short, segs.subarray(0, 6), RADIUS, p, STEP)).toThrow(/planning maps/);
  });
});

describe('scoreTrajectories: cancellation, progress and reuse', () => {
  const maps = rowMaps({ vessel: (p) => Math.hypot(p[0] - 20, p[1] - 5) });
  const p = params();
  const segments = new Float64Array(3000 * 6);
  for (let t = 0; t < 3000; t++) segments.set([5, 10, 2, 35, 10 - (t % 7), 2], t * 6);
  it('an aborted signal throws CancelledError', () => {
    const controller = new AbortController();
    controller.abort();
    expect(() =>
      scoreTrajectories(maps, segments, RADIUS, p, STEP, undefined, { signal: controller.signal }),
    ).toThrow(CancelledError);
  });
  it('a signal fired during the run stops it at the next chunk', () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const control = {
      signal: controller.signal,
      onProgress: (f: number) => {
        seen.push(f);
        if (f > 0) controller.abort();
      },
    };
    expect(() => scoreTrajectories(maps, segments, RADIUS, p, STEP, undefined, control)).toThrow(
      CancelledError,
    );
    expect(seen.length).toBe(2);
  });
  it('reports progress to 1 and fills a reused, longer result block', () => {
    const seen: number[] = [];
    const out = createBatchRisk(5000);
    out.score.fill(-1);
    const r = scoreTrajectories(maps, segments, RADIUS, p, STEP, out, { onProgress: (f) => seen.push(f) });
    expect(r).toBe(out);
    expect(r.count).toBe(3000);
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
    expect(out.score[3000]).toBe(-1);
    const single = evaluateTrajectory(maps, [5, 10, 2], [35, 7, 2], RADIUS, p, STEP);
    expect(out.score[3]).toBeCloseTo(single.score, 6);
  });
});

// ---------------------------------------------------------------------------------------------------
// Random and structured maps: batch == evaluate == naive, and evaluate == the scipy oracle.

function randomMaps(seed: number): PlanningMaps {
  const rng = mulberry32(seed);
  return createMaps([9, 8, 7], 1.5, [-3, 2, 5], (c) => (c === 'brain' ? rng() * 40 - 10 : rng() * 9 - 1));
}

function structuredMaps(): PlanningMaps {
  // Distances to two tubes, a ventricle ellipsoid-ish sphere and a sheet: smooth, with real minima.
  const seg = (p: Vec3, a: Vec3, b: Vec3): number => {
    const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
    const t = Math.max(
      0,
      Math.min(
        1,
        (ap[0]! * ab[0]! + ap[1]! * ab[1]! + ap[2]! * ab[2]!) / (ab[0]! ** 2 + ab[1]! ** 2 + ab[2]! ** 2),
      ),
    );
    return Math.hypot(ap[0]! - t * ab[0]!, ap[1]! - t * ab[1]!, ap[2]! - t * ab[2]!);
  };
  return createMaps([24, 22, 20], 1.25, [-10, -12, 3], (c, p) => {
    if (c === 'vessel')
      return Math.min(seg(p, [-8, -10, 5], [15, 12, 25]) - 1.2, seg(p, [0, 10, 4], [10, -8, 20]) - 0.8);
    if (c === 'ventricle') return Math.hypot(p[0] - 4, p[1] + 1, p[2] - 14) - 4;
    if (c === 'sulcus') return Math.abs(p[0] - 2.3) - 0.5;
    return 20 - Math.hypot(p[0] - 4, p[1], p[2] - 14);
  });
}

/** Random segments with ends in the grid's box grown by `outMm` (some leave the grid). */
function randomSegments(maps: PlanningMaps, count: number, seed: number, outMm: number): Float64Array {
  const rng = mulberry32(seed);
  const out = new Float64Array(count * 6);
  for (let t = 0; t < count; t++)
    for (let e = 0; e < 2; e++)
      for (let a = 0; a < 3; a++) {
        const lo = maps.originLps[a]! - outMm;
        const hi = maps.originLps[a]! + (maps.dimensions[a]! - 1) * maps.spacingMm + outMm;
        out[t * 6 + e * 3 + a] = lo + (hi - lo) * rng();
      }
  return out;
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-2);

/** Index of a depth in the profile (depths are evenly spaced from 0). */
const indexOfDepth = (r: TrajectoryEvaluation, depthMm: number): number => {
  const d = r.profile.depthMm;
  return Math.round((depthMm / d[d.length - 1]!) * (d.length - 1));
};

/**
 * Batch result `t` agrees with the full evaluation: values within 1e-4 relative; each depth points at a
 * sample whose value is the extremum (a depth may differ only between samples tied within rounding).
 * Returns how many depths matched exactly.
 */
function expectAgrees(b: BatchRisk, t: number, r: TrajectoryEvaluation): number {
  let exact = 0;
  expect(rel(b.score[t]!, r.score)).toBeLessThan(1e-4);
  for (const s of RISK_STRUCTURES) {
    const clearance = b[`${s}ClearanceMm`][t]!;
    const depth = b[`${s}DepthMm`][t]!;
    expect(rel(clearance, r[s].clearanceMm)).toBeLessThan(1e-4);
    const at = r.profile.clearanceMm[s][indexOfDepth(r, depth)]!;
    expect(Math.abs(at - r[s].clearanceMm)).toBeLessThan(1e-5);
    if (Math.abs(depth - r[s].depthMm) < 1e-4) exact++;
  }
  const at = r.profile.risk[indexOfDepth(r, b.riskiestDepthMm[t]!)]!;
  expect(Math.abs(at - r.riskiestRisk)).toBeLessThan(1e-6);
  if (Math.abs(b.riskiestDepthMm[t]! - r.riskiestDepthMm) < 1e-4) exact++;
  return exact;
}

/**
 * A scene-like grid: each channel the signed Euclidean distance transform (@neuroplan/imaging) of
 * random blobs and tubes, with its ±1 voxel step across the walls, over 48 × 40 × 36 voxels of 1.2 mm.
 */
function distanceMaps(seed: number): PlanningMaps {
  const rng = mulberry32(seed);
  const dims: [number, number, number] = [48, 40, 36];
  const spacing = 1.2;
  const voxels = dims[0] * dims[1] * dims[2];
  const values = new Float32Array(voxels * MAP_CHANNEL_COUNT);
  for (let c = 0; c < MAP_CHANNEL_COUNT; c++) {
    const mask = new Uint8Array(voxels);
    const blobs = Array.from({ length: 3 + c }, () => [rng() * 48, rng() * 40, rng() * 36, 1 + rng() * 4]);
    for (let k = 0; k < dims[2]; k++)
      for (let j = 0; j < dims[1]; j++)
        for (let i = 0; i < dims[0]; i++)
          if (blobs.some(([x, y, z, r]) => Math.hypot(i - x!, j - y!, (k - z!) * 0.7) <= r!))
            mask[i + dims[0] * (j + dims[1] * k)] = 1;
    const d = distanceMapMm(
      { dimensions: dims, spacingMm: [spacing, spacing, spacing], scalars: mask },
      { kind: 'signed' },
    );
    for (let v = 0; v < voxels; v++) values[v * MAP_CHANNEL_COUNT + c] = (c === 3 ? -1 : 1) * d[v]!;
  }
  return { dimensions: dims, spacingMm: spacing, originLps: [-20, 15, -7], values };
}

describe('channelSlopes', () => {
  it('is the largest neighbour difference per channel and axis (a linear map: its gradient)', () => {
    // vessel = 2x − y (mm), ventricle = 0.5z, sulcus constant, on a 1.5 mm grid: per voxel 3, 1.5 | 0, 0.75 | 0.
    const maps = createMaps([5, 4, 3], 1.5, [0, 0, 0], (c, p) =>
      c === 'vessel' ? 2 * p[0] - p[1] : c === 'ventricle' ? 0.5 * p[2] : 7,
    );
    const slopes = Array.from(channelSlopes(maps));
    expect(slopes.map((x) => Math.round(x * 1e6) / 1e6)).toEqual([3, 1.5, 0, 0, 0, 0.75, 0, 0, 0]);
    const nan = createMaps([3, 3, 3], 1, [0, 0, 0], (c, p) => (c === 'sulcus' && p[0] === 1 ? NaN : 1));
    expect(channelSlopes(nan)[6]).toBe(Infinity);
  });
});

describe('scoreTrajectories agrees with evaluateTrajectory and the straightforward version', () => {
  const cases: [string, PlanningMaps, RiskParameters, number][] = [
    ['distance-transform map (long paths, most samples skipped)', distanceMaps(3), params(), RADIUS],
    [
      'distance-transform map, wider margins',
      distanceMaps(4),
      params({ targetingErrorMm: 1.5, avoidVentricles: false }),
      0.6,
    ],
    ['random map', randomMaps(11), params(), RADIUS],
    ['random map, ventricles not avoided, radius 0', randomMaps(12), params({ avoidVentricles: false }), 0],
    ['structured map', structuredMaps(), params({ targetingErrorMm: 0.5 }), 0.6],
  ];
  for (const [name, maps, p, radius] of cases)
    it(name, () => {
      const count = 400;
      const segments = randomSegments(maps, count, 99, 8);
      const batch = scoreTrajectories(maps, segments, radius, p, STEP);
      const naive = scoreTrajectoriesNaive(channelVolumes(maps), segments, radius, p, STEP);
      let exact = 0;
      let leaving = 0;
      for (let t = 0; t < count; t++) {
        const e = Array.from(segments.subarray(t * 6, t * 6 + 3)) as Vec3;
        const g = Array.from(segments.subarray(t * 6 + 3, t * 6 + 6)) as Vec3;
        const r = evaluateTrajectory(maps, e, g, radius, p, STEP);
        exact += expectAgrees(batch, t, r);
        expectAgrees(naive, t, r);
        for (let a = 0; a < 3; a++) {
          const hi = maps.originLps[a]! + (maps.dimensions[a]! - 1) * maps.spacingMm;
          if (Math.min(e[a]!, g[a]!) < maps.originLps[a]! || Math.max(e[a]!, g[a]!) > hi) {
            leaving++;
            break;
          }
        }
      }
      expect(leaving).toBeGreaterThan(count / 4); // the clamp is exercised
      expect(leaving).toBeLessThan(count); // and so is the inside path
      expect(exact).toBeGreaterThanOrEqual(Math.floor(4 * count * 0.99));

      // Entry-search mode: the same scores; closest approaches exact below each scored structure's
      // zero-risk level (radius + required + falloff), else exactly that level (a lower bound).
      const fast = scoreTrajectories(maps, segments, radius, p, STEP, undefined, undefined, {
        exactMinima: false,
      });
      const fields = [
        ['vessel', 'vesselClearanceMm', p.weight.vessel],
        ['ventricle', 'ventricleClearanceMm', p.weight.ventricle],
        ['sulcus', 'sulcusClearanceMm', p.weight.sulcus],
      ] as const;
      for (let t = 0; t < count; t++) {
        expect(fast.score[t]).toBe(batch.score[t]);
        expect(fast.riskiestDepthMm[t]).toBe(batch.riskiestDepthMm[t]);
        for (const [s, field, weight] of fields) {
          const quiet = p.requiredMm[s] + p.falloffMm[s]; // in clearance terms (radius subtracted)
          const full = batch[field][t]!;
          if (weight === 0 || full < quiet - 1e-4) expect(fast[field][t]).toBe(full);
          else {
            expect(fast[field][t]).toBeCloseTo(Math.fround(quiet), 5);
            expect(fast[field][t]).toBeLessThanOrEqual(full + 1e-5);
          }
        }
      }
    });
});

describe('evaluateTrajectory matches the numpy/scipy oracle (test/risk-oracle.py)', () => {
  const cases: [string, PlanningMaps, RiskParameters, number][] = [
    ['random map', randomMaps(21), params(), RADIUS],
    ['structured map', structuredMaps(), params({ avoidVentricles: false, minVesselClearanceMm: 1.5 }), 0.6],
  ];
  for (const [name, maps, p, radius] of cases)
    it(name, () => {
      const count = 40;
      const segments = randomSegments(maps, count, 5, 5);
      const trajectories = Array.from({ length: count }, (_, t) =>
        Array.from(segments.subarray(t * 6, t * 6 + 6)),
      );
      const query = {
        dims: maps.dimensions,
        spacing: maps.spacingMm,
        origin: maps.originLps,
        values: Array.from(maps.values),
        trajectories,
        radius,
        step: STEP,
        required: p.requiredMm,
        falloff: p.falloffMm,
        weight: p.weight,
      };
      const oracle = JSON.parse(
        execFileSync('/usr/bin/python3', [join(here, 'risk-oracle.py')], {
          input: JSON.stringify(query),
          maxBuffer: 64 << 20,
        }).toString(),
      ) as {
        score: number;
        riskiestDepth: number;
        riskiestRisk: number;
        vessel: { clearance: number; depth: number };
        ventricle: { clearance: number; depth: number };
        sulcus: { clearance: number; depth: number };
        clearances: Record<string, number[]>;
      }[];
      expect(oracle.length).toBe(count);
      let exact = 0;
      for (let t = 0; t < count; t++) {
        const o = oracle[t]!;
        const r = evaluateTrajectory(
          maps,
          trajectories[t]!.slice(0, 3) as Vec3,
          trajectories[t]!.slice(3) as Vec3,
          radius,
          p,
          STEP,
        );
        expect(r.score).toBeCloseTo(o.score, 6);
        expect(r.riskiestRisk).toBeCloseTo(o.riskiestRisk, 6);
        for (const s of RISK_STRUCTURES) {
          expect(r[s].clearanceMm).toBeCloseTo(o[s].clearance, 5);
          expect(r.profile.clearanceMm[s].length).toBe(o.clearances[s]!.length);
          const worst = o.clearances[s]!.reduce(
            (m, v, i) => Math.max(m, Math.abs(v - r.profile.clearanceMm[s][i]!)),
            0,
          );
          expect(worst).toBeLessThan(1e-5);
          if (Math.abs(r[s].depthMm - o[s].depth) < 1e-6) exact++;
        }
        if (Math.abs(r.riskiestDepthMm - o.riskiestDepth) < 1e-6) exact++;
      }
      expect(exact).toBeGreaterThanOrEqual(4 * count - 2);
    });
});

it('MAP_CHANNEL_COUNT is the 4 interleaved channels the scorers assume', () => {
  expect(MAP_CHANNEL_COUNT).toBe(4);
});
