/**
 * Batch scorer: the risk model of riskModel.ts for thousands of candidate trajectories, giving the same
 * numbers as evaluateTrajectory (tested to 1e-4 relative) without the profile.
 *
 * Written for speed on one thread:
 *  - positions are the entry's voxel index plus the sample number times the per-sample step (no matrix,
 *    no allocation); one base index per cell serves the three scored channels (interleaved), whose 8
 *    corners are read once for all the samples that fall in that cell; the brain channel (not part of
 *    the score) is never read; a trajectory wholly inside the grid skips the clamping;
 *  - many samples are never interpolated: from the maps' largest neighbour differences (channelSlopes)
 *    a channel can change by at most a known amount per sample, so after each evaluated sample the loop
 *    jumps over the samples where every channel certainly stays above both the level where its risk is
 *    exactly 0 and an upper bound of its minimum (a coarse pre-scan): those samples add no risk and
 *    cannot be a closest approach or the riskiest sample, so skipping them changes no result;
 *  - trajectories are visited in an order that keeps neighbouring paths together (cache and TLB).
 * Every evaluated sample uses sampleMaps' trilinear arithmetic term for term, so a constant region of a
 * map (e.g. FAR_MM where a structure is absent) reads exactly constant here too and ties resolve to the
 * same sample.
 */
import { checkCancelled, type TaskControl } from '@neuroplan/imaging';
import { MAX_TRAJECTORY_SAMPLES, checkedSampleCount } from './evaluate.ts';
import type { RiskParameters } from './riskModel.ts';
import { MAP_CHANNEL_COUNT, channelIndex, type PlanningMaps } from '../scene/types.ts';

/** One value per trajectory (same meaning as TrajectoryRisk's fields). */
export interface BatchRisk {
  /** Number of trajectories the arrays hold results for (the arrays may be longer when reused). */
  count: number;
  score: Float32Array;
  vesselClearanceMm: Float32Array;
  vesselDepthMm: Float32Array;
  ventricleClearanceMm: Float32Array;
  ventricleDepthMm: Float32Array;
  sulcusClearanceMm: Float32Array;
  sulcusDepthMm: Float32Array;
  riskiestDepthMm: Float32Array;
}

export interface BatchOptions {
  /**
   * true (default): every closest approach is exact, as evaluateTrajectory gives it.
   * false: a closest approach is exact only where it matters to the risk: below the level where the
   * structure's risk is 0 (electrode radius + required clearance + falloff); above it, the reported
   * clearance is that level (a lower bound of the true one) and its depth that of the closest evaluated
   * sample. Scores are unchanged and every hard-constraint decision is the same (the required clearance
   * lies below that level), but far more samples can be skipped. Entry search uses this mode.
   */
  exactMinima?: boolean;
}

/** Values per trajectory in the `segments` array: entry x, y, z then target x, y, z (LPS mm). */
export const SEGMENT_STRIDE = 6;

/** Rounding allowance (mm) when a slope bound decides that samples can be skipped. */
const SLACK_MM = 1e-6;

/** How many trajectories are scored between two cancellation checks. */
const CHUNK = 1024;

/** A result block for `count` trajectories (reuse it across calls to avoid allocation). */
export function createBatchRisk(count: number): BatchRisk {
  if (!(Number.isInteger(count) && count >= 0))
    throw new Error(`trajectory batch: count must be an integer ≥ 0, got ${count}`);
  return {
    count,
    score: new Float32Array(count),
    vesselClearanceMm: new Float32Array(count),
    vesselDepthMm: new Float32Array(count),
    ventricleClearanceMm: new Float32Array(count),
    ventricleDepthMm: new Float32Array(count),
    sulcusClearanceMm: new Float32Array(count),
    sulcusDepthMm: new Float32Array(count),
    riskiestDepthMm: new Float32Array(count),
  };
}

/** The scored channels, in the order the combined risk adds them (riskModel: vessel, ventricle, sulcus). */
const SCORED = [channelIndex('vessel'), channelIndex('ventricle'), channelIndex('sulcus')] as const;

/** Cached per values array: the maps must not be modified after they are first scored. */
const slopeCache = new WeakMap<Float32Array, Float64Array>();

/**
 * Per scored channel and axis (index channel·3 + axis), the largest absolute difference between
 * neighbouring voxels (map units per voxel). The trilinear interpolant's derivative along an axis is a
 * mix of such differences, so between two points (ux, uy, uz) voxels apart a channel differs by at most
 * Dx·|ux| + Dy·|uy| + Dz·|uz|. A NaN value makes the bound infinite (nothing is ever skipped).
 */
export function channelSlopes(maps: PlanningMaps): Float64Array {
  const cached = slopeCache.get(maps.values);
  if (cached) return cached;
  const [ni, nj, nk] = maps.dimensions;
  const v = maps.values;
  const slopes = new Float64Array(9);
  const row = ni * MAP_CHANNEL_COUNT;
  const slice = ni * nj * MAP_CHANNEL_COUNT;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        const o = i * MAP_CHANNEL_COUNT + j * row + k * slice;
        for (let c = 0; c < 3; c++) {
          const at = o + SCORED[c]!;
          const here = v[at]!;
          // Axis by axis: the neighbour above, where there is one.
          if (i + 1 < ni) {
            const d = Math.abs(v[at + MAP_CHANNEL_COUNT]! - here);
            if (!(d <= slopes[c * 3]!)) slopes[c * 3] = d === d ? d : Infinity;
          }
          if (j + 1 < nj) {
            const d = Math.abs(v[at + row]! - here);
            if (!(d <= slopes[c * 3 + 1]!)) slopes[c * 3 + 1] = d === d ? d : Infinity;
          }
          if (k + 1 < nk) {
            const d = Math.abs(v[at + slice]! - here);
            if (!(d <= slopes[c * 3 + 2]!)) slopes[c * 3 + 2] = d === d ? d : Infinity;
          }
        }
      }
  slopeCache.set(maps.values, slopes);
  return slopes;
}

/** Spreads the low 7 bits of v to every third bit (for a 21-bit Morton code). */
function spreadBits(v: number): number {
  v = (v | (v << 8)) & 0x0300f00f;
  v = (v | (v << 4)) & 0x030c30c3;
  return (v | (v << 2)) & 0x09249249;
}

/**
 * Checks every trajectory (so an error names the first bad one), then returns the order to score them
 * in: by the Morton code of the entry's 8-voxel block, so that consecutive trajectories read the same
 * parts of the maps (fewer cache and TLB misses on a large grid). Results still go to their own index.
 */
function scoringOrder(
  segments: Float64Array,
  count: number,
  maps: PlanningMaps,
  radiusMm: number,
  stepMm: number,
): Uint32Array {
  const order = new Uint32Array(count);
  const keys = new Float64Array(count);
  const scale = 1 / (8 * maps.spacingMm);
  for (let t = 0; t < count; t++) {
    const o = t * SEGMENT_STRIDE;
    const dx = segments[o + 3]! - segments[o]!;
    const dy = segments[o + 4]! - segments[o + 1]!;
    const dz = segments[o + 5]! - segments[o + 2]!;
    const lengthMm = Math.sqrt(dx * dx + dy * dy + dz * dz);
    if (!(lengthMm > 0 && lengthMm / stepMm < MAX_TRAJECTORY_SAMPLES - 2))
      checkedSampleCount(lengthMm, radiusMm, stepMm, `trajectory ${t}`); // throws the reason
    let code = 0;
    for (let a = 0; a < 3; a++) {
      const q = Math.floor((segments[o + a]! - maps.originLps[a]!) * scale);
      code |= spreadBits(q < 0 ? 0 : q > 127 ? 127 : q) << a;
    }
    keys[t] = code * 2 ** 32 + t; // exact in a double: 21 + 32 bits
  }
  keys.sort();
  for (let r = 0; r < count; r++) order[r] = keys[r]! % 2 ** 32;
  return order;
}

/** Throws a plain-language error when the maps' parts disagree (a short array would read NaN). */
export function checkMaps(maps: PlanningMaps): void {
  const [ni, nj, nk] = maps.dimensions;
  if (![ni, nj, nk].every((n) => Number.isInteger(n) && n >= 1))
    throw new Error(`planning maps: dimensions must be positive integers, got ${maps.dimensions.join('×')}`);
  if (!(maps.spacingMm > 0 && Number.isFinite(maps.spacingMm)))
    throw new Error(`planning maps: spacing must be a finite number > 0 mm, got ${maps.spacingMm}`);
  if (maps.values.length !== ni * nj * nk * MAP_CHANNEL_COUNT)
    throw new Error(
      `planning maps: ${maps.values.length} values for a ${ni}×${nj}×${nk} grid of ${MAP_CHANNEL_COUNT} channels`,
    );
}

/** Grid constants a channel pass needs (integers), built once per call. */
const enum G {
  ROW,
  SLICE,
  DI,
  DJ,
  DK,
  MAX_X,
  MAX_Y,
  MAX_Z,
  TOP_I,
  TOP_J,
  TOP_K,
  LENGTH,
}

/** Samples apart in the pre-scan that bounds each channel's minimum along a trajectory. */
const PRESCAN_EVERY = 64;

/** A channel's trilinear value at a continuous voxel index (clamped), as the scoring loop computes it. */
function channelAt(
  values: Float32Array,
  g: Int32Array,
  channel: number,
  px: number,
  py: number,
  pz: number,
): number {
  const maxX = g[G.MAX_X]!;
  const maxY = g[G.MAX_Y]!;
  const maxZ = g[G.MAX_Z]!;
  const cx = px < 0 ? 0 : px > maxX ? maxX : px;
  const cy = py < 0 ? 0 : py > maxY ? maxY : py;
  const cz = pz < 0 ? 0 : pz > maxZ ? maxZ : pz;
  let i0 = cx | 0;
  let j0 = cy | 0;
  let k0 = cz | 0;
  if (i0 > g[G.TOP_I]!) i0 = g[G.TOP_I]!;
  if (j0 > g[G.TOP_J]!) j0 = g[G.TOP_J]!;
  if (k0 > g[G.TOP_K]!) k0 = g[G.TOP_K]!;
  const b = i0 * MAP_CHANNEL_COUNT + j0 * g[G.ROW]! + k0 * g[G.SLICE]! + channel;
  const di = g[G.DI]!;
  const b1 = b + g[G.DJ]!;
  const b2 = b + g[G.DK]!;
  const b3 = b2 + g[G.DJ]!;
  const fx = cx - i0;
  const fy = cy - j0;
  const fz = cz - k0;
  const c00 = values[b]! + fx * (values[b + di]! - values[b]!);
  const c10 = values[b1]! + fx * (values[b1 + di]! - values[b1]!);
  const c01 = values[b2]! + fx * (values[b2 + di]! - values[b2]!);
  const c11 = values[b3]! + fx * (values[b3 + di]! - values[b3]!);
  const c0 = c00 + fy * (c10 - c00);
  const c1 = c01 + fy * (c11 - c01);
  return c0 + fz * (c1 - c0);
}

/**
 * Scores every trajectory of `segments` (SEGMENT_STRIDE numbers each) into `out` (allocated when not
 * given; its arrays must hold at least the trajectory count). Throws DegenerateTrajectoryError naming
 * the first bad trajectory, and CancelledError when `control.signal` fires (checked every 1024).
 * The maps must not change once scored: their slope bounds are cached per values array.
 */
export function scoreTrajectories(
  maps: PlanningMaps,
  segments: Float64Array,
  radiusMm: number,
  params: RiskParameters,
  stepMm: number,
  out?: BatchRisk,
  control?: TaskControl,
  options: BatchOptions = {},
): BatchRisk {
  checkMaps(maps);
  if (segments.length % SEGMENT_STRIDE !== 0)
    throw new Error(
      `trajectory batch: segments hold ${segments.length} numbers, not a multiple of ${SEGMENT_STRIDE}`,
    );
  const count = segments.length / SEGMENT_STRIDE;
  const result = out ?? createBatchRisk(count);
  if (result.score.length < count || result.riskiestDepthMm.length < count)
    throw new Error(`trajectory batch: the result arrays hold ${result.score.length}, need ${count}`);
  result.count = count;
  checkedSampleCount(1, radiusMm, stepMm); // step and radius, once

  // Small integers (|0) keep V8 on integer arithmetic whatever representation the caller's numbers have.
  const ni = maps.dimensions[0] | 0;
  const nj = maps.dimensions[1] | 0;
  const nk = maps.dimensions[2] | 0;
  const values = maps.values;
  const inv = 1 / maps.spacingMm;
  const [ox, oy, oz] = maps.originLps;
  const maxX = ni - 1;
  const maxY = nj - 1;
  const maxZ = nk - 1;
  const rowStride = ni * MAP_CHANNEL_COUNT;
  const sliceStride = ni * nj * MAP_CHANNEL_COUNT;
  const slopes = channelSlopes(maps);
  const grid = new Int32Array(G.LENGTH);
  grid[G.ROW] = rowStride;
  grid[G.SLICE] = sliceStride;
  // A single-voxel axis reads that voxel only (no upper corner), as in sampleMaps.
  grid[G.DI] = ni > 1 ? MAP_CHANNEL_COUNT : 0;
  grid[G.DJ] = nj > 1 ? rowStride : 0;
  grid[G.DK] = nk > 1 ? sliceStride : 0;
  grid[G.MAX_X] = maxX;
  grid[G.MAX_Y] = maxY;
  grid[G.MAX_Z] = maxZ;
  // Highest lower-corner index (the upper corner stays on the grid).
  grid[G.TOP_I] = ni > 1 ? ni - 2 : 0;
  grid[G.TOP_J] = nj > 1 ? nj - 2 : 0;
  grid[G.TOP_K] = nk > 1 ? nk - 2 : 0;
  // Margin (voxels) that keeps an inside segment's coordinates off the grid's last plane.
  const EDGE = 1e-6;

  const wV = params.weight.vessel;
  const wE = params.weight.ventricle;
  const wS = params.weight.sulcus;
  const reqV = params.requiredMm.vessel;
  const reqE = params.requiredMm.ventricle;
  const reqS = params.requiredMm.sulcus;
  const fV = params.falloffMm.vessel;
  const fE = params.falloffMm.ventricle;
  const fS = params.falloffMm.sulcus;
  // Map level from which a sample's risk is exactly 0 (any level when the structure is not scored).
  const quietV = wV !== 0 ? radiusMm + reqV + fV : -Infinity;
  const quietE = wE !== 0 ? radiusMm + reqE + fE : -Infinity;
  const quietS = wS !== 0 ? radiusMm + reqS + fS : -Infinity;
  const [cV, cE, cS] = SCORED;
  const [dxV, dyV, dzV, dxE, dyE, dzE, dxS, dyS, dzS] = slopes as unknown as number[];
  const topI = grid[G.TOP_I]!;
  const topJ = grid[G.TOP_J]!;
  const topK = grid[G.TOP_K]!;
  const di = grid[G.DI]!;
  const dj = grid[G.DJ]!;
  const dk = grid[G.DK]!;
  const nch = MAP_CHANNEL_COUNT;
  const slack = SLACK_MM;

  const exact = options.exactMinima ?? true;
  // The pre-scan bounds the minima that must stay exact: all of them, or only unscored channels'.
  const prescan = exact || quietV === -Infinity || quietE === -Infinity || quietS === -Infinity;
  const order = scoringOrder(segments, count, maps, radiusMm, stepMm);
  for (let chunkStart = 0; chunkStart < count; chunkStart += CHUNK) {
    checkCancelled(control, 'trajectory scoring');
    control?.onProgress?.(chunkStart / count, 'scoring trajectories');
    const chunkEnd = Math.min(chunkStart + CHUNK, count);
    for (let r = chunkStart; r < chunkEnd; r++) {
      const t = order[r]!;
      const o = t * SEGMENT_STRIDE;
      const ex = segments[o]!;
      const ey = segments[o + 1]!;
      const ez = segments[o + 2]!;
      const dxMm = segments[o + 3]! - ex;
      const dyMm = segments[o + 4]! - ey;
      const dzMm = segments[o + 5]! - ez;
      const lengthMm = Math.sqrt(dxMm * dxMm + dyMm * dyMm + dzMm * dzMm);
      const n = Math.ceil(lengthMm / stepMm - 1e-9) + 1; // sampleCount; checked in scoringOrder
      const last = n - 1;
      // Continuous voxel index of the entry, its step per sample, and of the target.
      const x = (ex - ox) * inv;
      const y = (ey - oy) * inv;
      const z = (ez - oz) * inv;
      const sx = (dxMm * inv) / last;
      const sy = (dyMm * inv) / last;
      const sz = (dzMm * inv) / last;
      const xEnd = x + sx * last;
      const yEnd = y + sy * last;
      const zEnd = z + sz * last;
      // The grid is a box, so both ends inside means every sample is inside (no clamping needed).
      const inside =
        x >= EDGE && x <= maxX - EDGE && xEnd >= EDGE && xEnd <= maxX - EDGE &&
        y >= EDGE && y <= maxY - EDGE && yEnd >= EDGE && yEnd <= maxY - EDGE &&
        z >= EDGE && z <= maxZ - EDGE && zEnd >= EDGE && zEnd <= maxZ - EDGE; // prettier-ignore
      // Per channel: samples per unit of possible change (see channelSlopes), and an upper bound of
      // its minimum along the path (a coarse pre-scan of values the loop itself computes).
      const ax = sx < 0 ? -sx : sx;
      const ay = sy < 0 ? -sy : sy;
      const az = sz < 0 ? -sz : sz;
      const perV = 1 / (dxV! * ax + dyV! * ay + dzV! * az);
      const perE = 1 / (dxE! * ax + dyE! * ay + dzE! * az);
      const perS = 1 / (dxS! * ax + dyS! * ay + dzS! * az);
      // Without exact minima a scored channel's skipping is bounded by its zero-risk level alone.
      let boundV = exact || quietV === -Infinity ? Infinity : -Infinity;
      let boundE = exact || quietE === -Infinity ? Infinity : -Infinity;
      let boundS = exact || quietS === -Infinity ? Infinity : -Infinity;
      if (prescan)
        for (let p = 0; p < n; p += PRESCAN_EVERY) {
          const v = channelAt(values, grid, cV, x + p * sx, y + p * sy, z + p * sz);
          const e = channelAt(values, grid, cE, x + p * sx, y + p * sy, z + p * sz);
          const q = channelAt(values, grid, cS, x + p * sx, y + p * sy, z + p * sz);
          if (v < boundV) boundV = v;
          if (e < boundE) boundE = e;
          if (q < boundS) boundS = q;
        }

      let minV = Infinity;
      let minE = Infinity;
      let minS = Infinity;
      let atV = 0;
      let atE = 0;
      let atS = 0;
      let maxRiskV = 0;
      let maxRiskE = 0;
      let maxRiskS = 0;
      let sumV = 0;
      let sumE = 0;
      let sumS = 0;
      let riskiest = -1;
      let riskiestAt = 0;
      // The current cell (its vessel value's index) and its corners and x differences per channel.
      let cell = -1;
      let v00 = 0, vd00 = 0, v10 = 0, vd10 = 0, v01 = 0, vd01 = 0, v11 = 0, vd11 = 0; // prettier-ignore
      let e00 = 0, ed00 = 0, e10 = 0, ed10 = 0, e01 = 0, ed01 = 0, e11 = 0, ed11 = 0; // prettier-ignore
      let s00 = 0, sd00 = 0, s10 = 0, sd10 = 0, s01 = 0, sd01 = 0, s11 = 0, sd11 = 0; // prettier-ignore

      for (let s = 0; s < n;) {
        const px = x + s * sx;
        const py = y + s * sy;
        const pz = z + s * sz;
        let cx = px;
        let cy = py;
        let cz = pz;
        let i0: number;
        let j0: number;
        let k0: number;
        if (inside) {
          i0 = px | 0; // floor: px ≥ 0 here
          j0 = py | 0;
          k0 = pz | 0;
        } else {
          // Off the grid the maps read the nearest grid point (sampleMaps' clamp).
          cx = px < 0 ? 0 : px > maxX ? maxX : px;
          cy = py < 0 ? 0 : py > maxY ? maxY : py;
          cz = pz < 0 ? 0 : pz > maxZ ? maxZ : pz;
          i0 = cx | 0;
          j0 = cy | 0;
          k0 = cz | 0;
          if (i0 > topI) i0 = topI;
          if (j0 > topJ) j0 = topJ;
          if (k0 > topK) k0 = topK;
        }
        const b = i0 * nch + j0 * rowStride + k0 * sliceStride;
        if (b !== cell) {
          // A new cell: read its corners once for the samples that fall in it.
          cell = b;
          const b1 = b + dj;
          const b2 = b + dk;
          const b3 = b2 + dj;
          v00 = values[b + cV]!;
          v10 = values[b1 + cV]!;
          v01 = values[b2 + cV]!;
          v11 = values[b3 + cV]!;
          vd00 = values[b + cV + di]! - v00;
          vd10 = values[b1 + cV + di]! - v10;
          vd01 = values[b2 + cV + di]! - v01;
          vd11 = values[b3 + cV + di]! - v11;
          e00 = values[b + cE]!;
          e10 = values[b1 + cE]!;
          e01 = values[b2 + cE]!;
          e11 = values[b3 + cE]!;
          ed00 = values[b + cE + di]! - e00;
          ed10 = values[b1 + cE + di]! - e10;
          ed01 = values[b2 + cE + di]! - e01;
          ed11 = values[b3 + cE + di]! - e11;
          s00 = values[b + cS]!;
          s10 = values[b1 + cS]!;
          s01 = values[b2 + cS]!;
          s11 = values[b3 + cS]!;
          sd00 = values[b + cS + di]! - s00;
          sd10 = values[b1 + cS + di]! - s10;
          sd01 = values[b2 + cS + di]! - s01;
          sd11 = values[b3 + cS + di]! - s11;
        }
        // Trilinear exactly as sampleMaps does it: x first (corner + fx·difference), then y, then z.
        const fx = cx - i0;
        const fy = cy - j0;
        const fz = cz - k0;
        let c00 = v00 + fx * vd00;
        let c10 = v10 + fx * vd10;
        let c01 = v01 + fx * vd01;
        let c11 = v11 + fx * vd11;
        let c0 = c00 + fy * (c10 - c00);
        let c1 = c01 + fy * (c11 - c01);
        const vessel = c0 + fz * (c1 - c0);
        c00 = e00 + fx * ed00;
        c10 = e10 + fx * ed10;
        c01 = e01 + fx * ed01;
        c11 = e11 + fx * ed11;
        c0 = c00 + fy * (c10 - c00);
        c1 = c01 + fy * (c11 - c01);
        const ventricle = c0 + fz * (c1 - c0);
        c00 = s00 + fx * sd00;
        c10 = s10 + fx * sd10;
        c01 = s01 + fx * sd01;
        c11 = s11 + fx * sd11;
        c0 = c00 + fy * (c10 - c00);
        c1 = c01 + fy * (c11 - c01);
        const sulcus = c0 + fz * (c1 - c0);

        // Closest approaches (strict: the first sample wins ties), on the map value; the radius is
        // subtracted once at the end.
        if (vessel < minV) {
          minV = vessel;
          atV = s;
        }
        if (ventricle < minE) {
          minE = ventricle;
          atE = s;
        }
        if (sulcus < minS) {
          minS = sulcus;
          atS = s;
        }

        // structureRisk of excess = map − radius − required, weighted into the sample's combined risk
        // in the model's order (vessel, ventricle, sulcus), as evaluateTrajectory adds it.
        let combined = 0;
        if (wV !== 0) {
          const excess = vessel - radiusMm - reqV;
          if (excess < fV) {
            let risk = 1;
            if (excess > 0) {
              const a = 1 - excess / fV;
              risk = a * a;
            }
            if (risk > maxRiskV) maxRiskV = risk;
            sumV += risk;
            combined += wV * risk;
          }
        }
        if (wE !== 0) {
          const excess = ventricle - radiusMm - reqE;
          if (excess < fE) {
            let risk = 1;
            if (excess > 0) {
              const a = 1 - excess / fE;
              risk = a * a;
            }
            if (risk > maxRiskE) maxRiskE = risk;
            sumE += risk;
            combined += wE * risk;
          }
        }
        if (wS !== 0) {
          const excess = sulcus - radiusMm - reqS;
          if (excess < fS) {
            let risk = 1;
            if (excess > 0) {
              const a = 1 - excess / fS;
              risk = a * a;
            }
            if (risk > maxRiskS) maxRiskS = risk;
            sumS += risk;
            combined += wS * risk;
          }
        }
        if (combined > riskiest) {
          riskiest = combined;
          riskiestAt = s;
        }

        // How many of the next samples can be skipped: for each channel, those whose value certainly
        // stays strictly above both its zero-risk level and the bound of its minimum.
        let limit = minV < boundV ? minV : boundV;
        if (quietV > limit) limit = quietV;
        let reach = (vessel - slack - limit) * perV;
        limit = minE < boundE ? minE : boundE;
        if (quietE > limit) limit = quietE;
        let channelReach = (ventricle - slack - limit) * perE;
        if (!(channelReach >= reach)) reach = channelReach; // NaN (0 · ∞) means no skip
        limit = minS < boundS ? minS : boundS;
        if (quietS > limit) limit = quietS;
        channelReach = (sulcus - slack - limit) * perS;
        if (!(channelReach >= reach)) reach = channelReach;
        if (reach > 1) {
          // Samples s+1 … s+more differ by less than `reach` steps' worth of change: skip them.
          const more = reach >= n ? n : (reach | 0) === reach ? reach - 1 : reach | 0;
          s += more + 1;
        } else s++;
      }

      result.score[t] =
        wV * (0.5 * maxRiskV + (0.5 * sumV) / n) +
        wE * (0.5 * maxRiskE + (0.5 * sumE) / n) +
        wS * (0.5 * maxRiskS + (0.5 * sumS) / n);
      if (!exact) {
        // Skipped samples lie above the zero-risk level: the true minimum is at least that level.
        if (quietV !== -Infinity && minV > quietV) minV = quietV;
        if (quietE !== -Infinity && minE > quietE) minE = quietE;
        if (quietS !== -Infinity && minS > quietS) minS = quietS;
      }
      result.vesselClearanceMm[t] = minV - radiusMm;
      result.vesselDepthMm[t] = lengthMm * (atV / last);
      result.ventricleClearanceMm[t] = minE - radiusMm;
      result.ventricleDepthMm[t] = lengthMm * (atE / last);
      result.sulcusClearanceMm[t] = minS - radiusMm;
      result.sulcusDepthMm[t] = lengthMm * (atS / last);
      result.riskiestDepthMm[t] = lengthMm * (riskiestAt / last);
    }
  }
  control?.onProgress?.(1, 'scoring trajectories');
  return result;
}
