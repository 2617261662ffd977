/**
 * Insertion sites for flexible cortical micro-threads: K points on the cortical surface within a region,
 * each thread going straight in along the inward surface normal to the insertion depth, keeping a margin
 * from surface vessels along its whole inserted path, and the sites at least `spacingMm` apart.
 *
 * Candidates are the cortex mesh's vertices within the region (Euclidean distance to its centre). Each
 * path is sampled at most THREAD_SAMPLE_STEP_MM apart on the vessel channel (trilinear, as the risk model
 * does); a site is safe when its smallest (vessel distance − thread radius) is ≥ the margin. Among the safe
 * sites the selection is a Poisson-disk greedy: best clearance first. When that does not reach K, other
 * orders (packing outwards from the centre, farthest point, seeded random orders) and 1-for-2 swaps are
 * tried, and the plan with the most sites (then the best worst clearance) wins. Deterministic for a seed.
 */
import { checkCancelled, mulberry32, type TaskControl } from '@neuroplan/imaging';
import { sampleMaps } from '../scene/sampleMaps.ts';
import { MAP_CHANNEL_COUNT, channelIndex, type PlanningScene } from '../scene/types.ts';
import { sampleCount } from '../risk/riskModel.ts';
import { isFiniteVec3, type Vec3 } from '../vec.ts';

export interface ThreadSiteRequest {
  regionCenterLps: Vec3;
  regionRadiusMm: number;
  /** K: how many threads. */
  count: number;
  /** How deep each thread goes along the inward normal (robots insert 3–8 mm). */
  insertionDepthMm: number;
  threadRadiusMm: number;
  /** Smallest allowed distance from the thread's surface to a vessel wall along its inserted path. */
  vesselMarginMm: number;
  /** Smallest distance between two insertion sites. */
  spacingMm: number;
  /** Seeds the random selection orders tried when the greedy ones fall short of K (default 1). */
  seed?: number;
}

export interface ThreadSite {
  /** On the cortical surface (a mesh vertex). */
  entryLps: Vec3;
  /** entry + depth along the inward normal. */
  targetLps: Vec3;
  /** Outward unit surface normal at the entry. */
  normalLps: Vec3;
  /** Smallest (vessel distance − thread radius) along the path (mm). */
  vesselClearanceMm: number;
}

export interface ThreadSitePlan {
  sites: ThreadSite[];
  requested: number;
  /** What was found and, when fewer than requested fit, why. */
  explanation: string[];
}

/** Sampling step along a thread path (the issue asks for ≤ 0.25 mm; threads are short, so finer). */
export const THREAD_SAMPLE_STEP_MM = 0.1;
/** Threads are inserted 3–8 mm deep; other depths are planned but noted. */
export const THREAD_DEPTH_RANGE_MM: readonly [number, number] = [3, 8];
const MAX_COUNT = 10_000;
const RANDOM_ORDERS = 12;
const WHAT = 'thread sites';

const mm = (x: number): string => `${x.toFixed(2)} mm`;

interface Site {
  position: Vec3;
  normal: Vec3;
  clearance: number;
  distanceToCentre: number;
  vertex: number;
}

function validate(request: ThreadSiteRequest): void {
  const r = request;
  const positive = (name: string, v: unknown): void => {
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0))
      throw new Error(`${WHAT}: ${name} must be a number > 0 (mm), got ${JSON.stringify(v)}`);
  };
  const nonNegative = (name: string, v: unknown): void => {
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0))
      throw new Error(`${WHAT}: ${name} must be a number ≥ 0 (mm), got ${JSON.stringify(v)}`);
  };
  if (!isFiniteVec3(r.regionCenterLps))
    throw new Error(`${WHAT}: regionCenterLps must be three finite numbers (mm)`);
  positive('regionRadiusMm', r.regionRadiusMm);
  if (!(Number.isInteger(r.count) && r.count >= 1 && r.count <= MAX_COUNT))
    throw new Error(
      `${WHAT}: count must be an integer from 1 to ${MAX_COUNT}, got ${JSON.stringify(r.count)}`,
    );
  positive('insertionDepthMm', r.insertionDepthMm);
  nonNegative('threadRadiusMm', r.threadRadiusMm);
  nonNegative('vesselMarginMm', r.vesselMarginMm);
  positive('spacingMm', r.spacingMm);
  if (r.seed !== undefined && !Number.isInteger(r.seed))
    throw new Error(`${WHAT}: seed must be an integer, got ${JSON.stringify(r.seed)}`);
}

/** Picked sites in a uniform grid of cell = spacing, so "is anything closer than spacing" looks at 27 cells. */
class SpacingGrid {
  private readonly cells = new Map<string, number[]>();
  constructor(
    private readonly sites: readonly Site[],
    private readonly spacingMm: number,
  ) {}
  private key(p: Vec3, di = 0, dj = 0, dk = 0): string {
    const s = this.spacingMm;
    return `${Math.floor(p[0] / s) + di},${Math.floor(p[1] / s) + dj},${Math.floor(p[2] / s) + dk}`;
  }
  add(i: number): void {
    const k = this.key(this.sites[i]!.position);
    const cell = this.cells.get(k);
    if (cell) cell.push(i);
    else this.cells.set(k, [i]);
  }
  /** Picked sites closer than the spacing to site i (excluding i itself). */
  conflicts(i: number): number[] {
    const p = this.sites[i]!.position;
    const out: number[] = [];
    for (let di = -1; di <= 1; di++)
      for (let dj = -1; dj <= 1; dj++)
        for (let dk = -1; dk <= 1; dk++)
          for (const j of this.cells.get(this.key(p, di, dj, dk)) ?? []) {
            if (j === i) continue;
            const q = this.sites[j]!.position;
            if (Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]) < this.spacingMm) out.push(j);
          }
    return out;
  }
}

function greedy(sites: readonly Site[], order: readonly number[], spacingMm: number, k: number): number[] {
  const grid = new SpacingGrid(sites, spacingMm);
  const picked: number[] = [];
  for (const i of order) {
    if (picked.length >= k) break;
    if (grid.conflicts(i).length > 0) continue;
    grid.add(i);
    picked.push(i);
  }
  return picked;
}

/** Farthest-point selection from the best-clearance site: spreads the threads over the region. */
function farthestPoint(sites: readonly Site[], first: number, spacingMm: number, k: number): number[] {
  const minDist = new Float64Array(sites.length).fill(Infinity);
  const picked: number[] = [];
  let next = first;
  while (next >= 0 && picked.length < k) {
    picked.push(next);
    const p = sites[next]!.position;
    let best = -1;
    for (let i = 0; i < sites.length; i++) {
      const q = sites[i]!.position;
      minDist[i] = Math.min(minDist[i]!, Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]));
      if (minDist[i]! < spacingMm) continue;
      if (
        best < 0 ||
        minDist[i]! > minDist[best]! ||
        (minDist[i] === minDist[best] && sites[i]!.clearance > sites[best]!.clearance)
      )
        best = i;
    }
    next = best;
  }
  return picked;
}

/** Replaces one picked site by two that fit in its place while that adds sites (a classic packing move). */
function augment(sites: readonly Site[], picked: number[], spacingMm: number, k: number): number[] {
  const current = [...picked];
  for (let round = 0; round < k && current.length < k; round++) {
    const grid = new SpacingGrid(sites, spacingMm);
    for (const i of current) grid.add(i);
    const inSet = new Set(current);
    // Sites blocked by exactly one picked site, grouped by it.
    const blockedBy = new Map<number, number[]>();
    for (let i = 0; i < sites.length; i++) {
      if (inSet.has(i)) continue;
      const c = grid.conflicts(i);
      if (c.length === 1) {
        const list = blockedBy.get(c[0]!);
        if (list) list.push(i);
        else blockedBy.set(c[0]!, [i]);
      }
    }
    let swapped = false;
    for (const p of current) {
      const free = blockedBy.get(p) ?? [];
      for (let a = 0; a < free.length && !swapped; a++)
        for (let b = a + 1; b < free.length && !swapped; b++) {
          const u = sites[free[a]!]!.position;
          const v = sites[free[b]!]!.position;
          if (Math.hypot(u[0] - v[0], u[1] - v[1], u[2] - v[2]) >= spacingMm) {
            current.splice(current.indexOf(p), 1, free[a]!, free[b]!);
            swapped = true;
          }
        }
      if (swapped) break;
    }
    if (!swapped) break;
  }
  return current.slice(0, k);
}

/** Chooses up to `request.count` thread insertion sites; see the module comment. */
export function planThreadSites(
  scene: PlanningScene,
  request: ThreadSiteRequest,
  control?: TaskControl,
): ThreadSitePlan {
  const cortex = scene.cortex;
  if (!cortex)
    throw new Error(
      `${WHAT}: the planning scene has no cortical surface (scene.cortex); threads need the cortex, built from a T1 image`,
    );
  validate(request);
  const nVertices = cortex.positionsLps.length / 3;
  if (!Number.isInteger(nVertices) || cortex.normalsLps.length !== cortex.positionsLps.length)
    throw new Error(`${WHAT}: the cortex mesh needs three coordinates and one normal per vertex`);
  checkCancelled(control, WHAT);
  const {
    regionCenterLps: centre,
    regionRadiusMm,
    count,
    insertionDepthMm: depth,
    threadRadiusMm,
    vesselMarginMm,
    spacingMm,
  } = request;
  const explanation: string[] = [];
  if (depth < THREAD_DEPTH_RANGE_MM[0] || depth > THREAD_DEPTH_RANGE_MM[1])
    explanation.push(
      `the insertion depth ${depth} mm is outside the ${THREAD_DEPTH_RANGE_MM[0]}–${THREAD_DEPTH_RANGE_MM[1]} mm threads are inserted to`,
    );

  // 1. Vertices in the region, with their path clearance.
  const pos = cortex.positionsLps;
  const nrm = cortex.normalsLps;
  const vessel = channelIndex('vessel');
  const samples = sampleCount(depth, THREAD_SAMPLE_STEP_MM);
  const buffer = new Float64Array(MAP_CHANNEL_COUNT);
  const safe: Site[] = [];
  let inRegion = 0;
  let badNormals = 0;
  let nearest = Infinity;
  let bestUnsafe = -Infinity;
  for (let v = 0; v < nVertices; v++) {
    if ((v & 4095) === 0) {
      checkCancelled(control, WHAT);
      control?.onProgress?.((0.8 * v) / nVertices, 'vessel clearance');
    }
    const p: Vec3 = [pos[3 * v]!, pos[3 * v + 1]!, pos[3 * v + 2]!];
    const d = Math.hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]);
    if (!(d <= regionRadiusMm)) {
      if (d < nearest) nearest = d;
      continue;
    }
    inRegion++;
    const nx = nrm[3 * v]!;
    const ny = nrm[3 * v + 1]!;
    const nz = nrm[3 * v + 2]!;
    const len = Math.hypot(nx, ny, nz);
    if (!(len > 1e-6 && Number.isFinite(len))) {
      badNormals++;
      continue;
    }
    const normal: Vec3 = [nx / len, ny / len, nz / len];
    let clearance = Infinity;
    for (let s = 0; s < samples; s++) {
      const along = (depth * s) / (samples - 1);
      sampleMaps(
        scene.maps,
        [p[0] - normal[0] * along, p[1] - normal[1] * along, p[2] - normal[2] * along],
        buffer,
      );
      clearance = Math.min(clearance, buffer[vessel]! - threadRadiusMm);
    }
    if (clearance >= vesselMarginMm)
      safe.push({ position: p, normal, clearance, distanceToCentre: d, vertex: v });
    else bestUnsafe = Math.max(bestUnsafe, clearance);
  }
  if (inRegion === 0) {
    explanation.push(
      `no cortical vertex lies within ${regionRadiusMm} mm of the region centre` +
        (Number.isFinite(nearest) ? ` (the nearest is ${mm(nearest)} away)` : ' (the cortex mesh is empty)'),
    );
    return { sites: [], requested: count, explanation };
  }
  explanation.push(`${inRegion} cortical vertices lie within ${regionRadiusMm} mm of the region centre`);
  if (badNormals > 0)
    explanation.push(`${badNormals} of them have no usable surface normal and were skipped`);
  const rejected = inRegion - badNormals - safe.length;
  explanation.push(
    `${safe.length} keep ${vesselMarginMm} mm from vessels along the whole ${depth} mm path (thread radius ${threadRadiusMm} mm)` +
      (rejected > 0 ? `; the best of the other ${rejected} keeps ${mm(bestUnsafe)}` : ''),
  );

  // 2. Selection: several orders, the plan with the most sites (then the best worst clearance) wins.
  checkCancelled(control, WHAT);
  control?.onProgress?.(0.8, 'selection');
  const byClearance = safe
    .map((_, i) => i)
    .sort(
      (a, b) =>
        safe[b]!.clearance - safe[a]!.clearance ||
        safe[a]!.distanceToCentre - safe[b]!.distanceToCentre ||
        safe[a]!.vertex - safe[b]!.vertex,
    );
  const candidates: { name: string; picked: number[] }[] = [
    { name: 'best clearance first', picked: greedy(safe, byClearance, spacingMm, count) },
  ];
  if (candidates[0]!.picked.length < count && safe.length > candidates[0]!.picked.length) {
    const fromCentre = safe
      .map((_, i) => i)
      .sort(
        (a, b) =>
          safe[a]!.distanceToCentre - safe[b]!.distanceToCentre ||
          safe[b]!.clearance - safe[a]!.clearance ||
          safe[a]!.vertex - safe[b]!.vertex,
      );
    candidates.push({
      name: 'packed outwards from the centre',
      picked: greedy(safe, fromCentre, spacingMm, count),
    });
    candidates.push({
      name: 'farthest point',
      picked: farthestPoint(safe, byClearance[0]!, spacingMm, count),
    });
    const rnd = mulberry32(request.seed ?? 1);
    for (let r = 0; r < RANDOM_ORDERS; r++) {
      checkCancelled(control, WHAT);
      const order = safe.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      candidates.push({ name: `random order ${r + 1}`, picked: greedy(safe, order, spacingMm, count) });
    }
    const most = Math.max(...candidates.map((c) => c.picked.length));
    for (const c of candidates.filter((c) => c.picked.length === most)) {
      const more = augment(safe, c.picked, spacingMm, count);
      if (more.length > c.picked.length) candidates.push({ name: `${c.name}, then swaps`, picked: more });
    }
  }
  const worst = (p: number[]): number => Math.min(...p.map((i) => safe[i]!.clearance));
  const total = (p: number[]): number => p.reduce((s, i) => s + safe[i]!.clearance, 0);
  let chosen = candidates[0]!;
  for (const c of candidates.slice(1)) {
    const better =
      c.picked.length > chosen.picked.length ||
      (c.picked.length === chosen.picked.length &&
        (worst(c.picked) > worst(chosen.picked) ||
          (worst(c.picked) === worst(chosen.picked) && total(c.picked) > total(chosen.picked))));
    if (better) chosen = c;
  }

  const sites: ThreadSite[] = chosen.picked.map((i) => {
    const s = safe[i]!;
    return {
      entryLps: s.position,
      targetLps: [
        s.position[0] - s.normal[0] * depth,
        s.position[1] - s.normal[1] * depth,
        s.position[2] - s.normal[2] * depth,
      ],
      normalLps: s.normal,
      vesselClearanceMm: s.clearance,
    };
  });
  if (sites.length > 0)
    explanation.push(
      `chose ${sites.length} site${sites.length === 1 ? '' : 's'} at least ${spacingMm} mm apart (${chosen.name}); vessel clearance ${mm(worst(chosen.picked))} to ${mm(Math.max(...chosen.picked.map((i) => safe[i]!.clearance)))}`,
    );
  if (sites.length < count) {
    const vesselLimited = safe.length < count;
    const spacingLimited = sites.length < Math.min(safe.length, count);
    const reasons: string[] = [];
    if (vesselLimited)
      reasons.push(`the region has ${safe.length} vessel-safe site${safe.length === 1 ? '' : 's'}`);
    if (spacingLimited)
      reasons.push(
        `no more than ${sites.length} of the ${safe.length} vessel-safe sites could be kept ${spacingMm} mm apart (tried ${candidates.length} selections)`,
      );
    const remedies = ['widen the region'];
    if (vesselLimited) remedies.push('lower the vessel margin');
    if (spacingLimited) remedies.push('reduce the spacing');
    explanation.push(
      `only ${sites.length} of the ${count} requested threads fit: ${reasons.join('; ')}; ${remedies.slice(0, -1).join(', ')} or ${remedies.at(-1)!}`,
    );
  }
  control?.onProgress?.(1, 'done');
  return { sites, requested: count, explanation };
}
