/**
 * Joint multi-electrode planning: given each electrode's feasible candidate trajectories (already scored
 * by the single-electrode search, lower is better), choose one candidate per electrode so that every pair
 * of electrodes keeps `minDistanceMm` surface to surface (centre-line segment distance − both radii; this
 * forbids crossing too) and the sum of scores is smallest.
 *
 * Method: exact branch and bound. Pairwise compatibility is precomputed once as bitsets (for electrode i's
 * candidate a, which of electrode j's candidates keep the distance); the search assigns the most
 * constrained electrode next, intersects the other electrodes' domains with the chosen candidate's
 * bitsets (forward checking) and bounds with the sum of each open electrode's best remaining score.
 * Candidates are tried best score first, starting from the sequential greedy plan as incumbent, so a
 * good plan is at hand early. When no plan keeps every pair, the same search with "leave electrode out"
 * as an extra option (costing more than any set of scores) finds the plan placing the most electrodes,
 * and the conflicts are explained in words. Deterministic: no randomness, fixed tie-breaking.
 */
import { checkCancelled, type TaskControl } from '@neuroplan/imaging';
import { isFiniteVec3, type Vec3 } from '../vec.ts';
import { closestSegmentParameters, segmentSegmentDistance } from './segmentDistance.ts';

export interface ScoredCandidate {
  entryLps: Vec3;
  targetLps: Vec3;
  /** Lower is better (the risk score, 0..1). */
  score: number;
}

export interface ElectrodeCandidates {
  id: string;
  /** Clearance radius of the electrode (half its diameter). */
  radiusMm: number;
  candidates: readonly ScoredCandidate[];
}

export interface MultiElectrodeRequest {
  electrodes: readonly ElectrodeCandidates[];
  /** Smallest allowed surface-to-surface distance between any two electrodes. */
  minDistanceMm: number;
  control?: TaskControl;
  /** Search nodes before the search stops with the best plan found so far (default 2 000 000). */
  maxNodes?: number;
}

export interface ElectrodePairDistance {
  a: string;
  b: string;
  /** Closest approach of the two chosen trajectories, surface to surface (negative: they overlap). */
  surfaceDistanceMm: number;
}

export interface MultiElectrodePlan {
  /** Every electrode got a candidate and every pair keeps the distance. */
  feasible: boolean;
  /**
   * Index into each electrode's `candidates` (as given). Always a real candidate when the electrode has
   * any: when infeasible, electrodes that could not be placed get their candidate farthest from the
   * placed ones (listed in `unplaced`). −1 only for an electrode without candidates.
   */
  choice: number[];
  /** Sum of the chosen candidates' scores. */
  totalScore: number;
  /** Every pair of chosen trajectories, closest first. */
  pairs: ElectrodePairDistance[];
  /** Why no plan keeps every pair, in words (empty when feasible). */
  conflicts: string[];
  /** Search nodes visited. */
  iterations: number;
  /** The search finished: the plan is optimal (or the infeasibility proven); false when it hit maxNodes. */
  optimal: boolean;
  /** Ids of electrodes whose chosen candidate breaks the distance or that have no candidate. */
  unplaced: string[];
}

const WHAT = 'multi-electrode plan';
const EPS = 1e-9;
/** Largest compatibility table we build (32-bit words, 128 MiB). */
const MAX_TABLE_WORDS = 32 * 1024 * 1024;
const DEFAULT_MAX_NODES = 2_000_000;
const UNSET = -1;
const OMITTED = -2;

const mm = (x: number): string => `${x.toFixed(1)} mm`;

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function listIds(ids: string[]): string {
  return ids.length <= 1 ? ids.join('') : `${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1]}`;
}

function validate(electrodes: readonly ElectrodeCandidates[], minDistanceMm: number): void {
  if (!(typeof minDistanceMm === 'number' && Number.isFinite(minDistanceMm) && minDistanceMm >= 0))
    throw new Error(`${WHAT}: minDistanceMm must be a number ≥ 0, got ${JSON.stringify(minDistanceMm)}`);
  if (!Array.isArray(electrodes)) throw new Error(`${WHAT}: electrodes must be an array`);
  const ids = new Set<string>();
  electrodes.forEach((e, i) => {
    if (typeof e?.id !== 'string' || e.id.length === 0)
      throw new Error(`${WHAT}: electrode [${i}] needs a non-empty string id`);
    if (ids.has(e.id)) throw new Error(`${WHAT}: the id '${e.id}' is used twice`);
    ids.add(e.id);
    if (!(typeof e.radiusMm === 'number' && Number.isFinite(e.radiusMm) && e.radiusMm >= 0))
      throw new Error(`${WHAT}: ${e.id}: radiusMm must be a number ≥ 0, got ${JSON.stringify(e.radiusMm)}`);
    if (!Array.isArray(e.candidates)) throw new Error(`${WHAT}: ${e.id}: candidates must be an array`);
    e.candidates.forEach((c: ScoredCandidate, k: number) => {
      if (!isFiniteVec3(c?.entryLps) || !isFiniteVec3(c.targetLps))
        throw new Error(
          `${WHAT}: ${e.id} candidate ${k}: entry and target must be three finite numbers (mm)`,
        );
      if (!(typeof c.score === 'number' && Number.isFinite(c.score)))
        throw new Error(`${WHAT}: ${e.id} candidate ${k}: score must be a finite number`);
    });
  });
}

/** Surface-to-surface closest approach of two electrodes (mm). */
function surfaceDistance(
  a: ScoredCandidate,
  ra: number,
  b: ScoredCandidate,
  rb: number,
  scratch: Float64Array,
): number {
  closestSegmentParameters(a.entryLps, a.targetLps, b.entryLps, b.targetLps, scratch);
  return Math.sqrt(scratch[2]!) - ra - rb;
}

/** Pairwise compatibility bitsets and, per electrode pair, the best surface distance any candidate pair reaches. */
interface Compatibility {
  /** Candidate indices per electrode, sorted by score (stable); search indices refer to this order. */
  order: number[][];
  scores: Float64Array[];
  words: number[];
  /** Offset of electrode j's words in a domain vector. */
  domainOffset: number[];
  domainWords: number;
  /** For the ordered pair (i, j): start of the table; candidate a of i → words [off + a·words[j], +words[j]). */
  tableOffset: Int32Array;
  table: Uint32Array;
  /** Largest surface distance over the pair's candidates (only exact where no pair is compatible). */
  bestSurfaceMm: Float64Array;
  anyCompatible: Uint8Array;
}

function buildCompatibility(
  electrodes: readonly ElectrodeCandidates[],
  minDistanceMm: number,
  control: TaskControl | undefined,
): Compatibility {
  const n = electrodes.length;
  const order = electrodes.map((e) =>
    e.candidates.map((_, k) => k).sort((p, q) => e.candidates[p]!.score - e.candidates[q]!.score || p - q),
  );
  const scores = electrodes.map((e, i) => Float64Array.from(order[i]!, (k) => e.candidates[k]!.score));
  const words = electrodes.map((e) => Math.ceil(e.candidates.length / 32));
  const domainOffset: number[] = [];
  let domainWords = 0;
  for (const w of words) {
    domainOffset.push(domainWords);
    domainWords += w;
  }
  const tableOffset = new Int32Array(n * n);
  let total = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      tableOffset[i * n + j] = total;
      if (i !== j) total += electrodes[i]!.candidates.length * words[j]!;
      if (total > MAX_TABLE_WORDS)
        throw new Error(
          `${WHAT}: ${n} electrodes with up to ${Math.max(...electrodes.map((e) => e.candidates.length))} candidates each are too many to plan jointly; keep fewer candidates per electrode`,
        );
    }
  const table = new Uint32Array(total);
  const bestSurfaceMm = new Float64Array(n * n).fill(-Infinity);
  const anyCompatible = new Uint8Array(n * n);
  // Bounding spheres (midpoint, half length) give a cheap proof of compatibility for far-apart pairs.
  const spheres = electrodes.map((e, i) =>
    order[i]!.map((k) => {
      const c = e.candidates[k]!;
      const mid: Vec3 = [
        (c.entryLps[0] + c.targetLps[0]) / 2,
        (c.entryLps[1] + c.targetLps[1]) / 2,
        (c.entryLps[2] + c.targetLps[2]) / 2,
      ];
      const half =
        Math.hypot(
          c.targetLps[0] - c.entryLps[0],
          c.targetLps[1] - c.entryLps[1],
          c.targetLps[2] - c.entryLps[2],
        ) / 2;
      return { c, mid, half };
    }),
  );
  const scratch = new Float64Array(3);
  const pairCount = (n * (n - 1)) / 2;
  let done = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      checkCancelled(control, WHAT);
      const ei = electrodes[i]!;
      const ej = electrodes[j]!;
      const need = minDistanceMm + ei.radiusMm + ej.radiusMm;
      const wi = words[i]!;
      const wj = words[j]!;
      const offIJ = tableOffset[i * n + j]!;
      const offJI = tableOffset[j * n + i]!;
      let best = -Infinity;
      let any = 0;
      const si = spheres[i]!;
      const sj = spheres[j]!;
      for (let a = 0; a < si.length; a++) {
        const A = si[a]!;
        for (let b = 0; b < sj.length; b++) {
          const B = sj[b]!;
          const centres = Math.hypot(A.mid[0] - B.mid[0], A.mid[1] - B.mid[1], A.mid[2] - B.mid[2]);
          let ok = centres - A.half - B.half >= need;
          if (!ok) {
            const d = surfaceDistance(A.c, ei.radiusMm, B.c, ej.radiusMm, scratch);
            if (d > best) best = d;
            ok = d >= minDistanceMm - EPS;
          }
          if (ok) {
            any = 1;
            table[offIJ + a * wj + (b >>> 5)]! |= 1 << (b & 31);
            table[offJI + b * wi + (a >>> 5)]! |= 1 << (a & 31);
          }
        }
      }
      bestSurfaceMm[i * n + j] = bestSurfaceMm[j * n + i] = best;
      anyCompatible[i * n + j] = anyCompatible[j * n + i] = any;
      done++;
      control?.onProgress?.((0.5 * done) / Math.max(1, pairCount), 'compatibility');
    }
  return {
    order,
    scores,
    words,
    domainOffset,
    domainWords,
    tableOffset,
    table,
    bestSurfaceMm,
    anyCompatible,
  };
}

interface SearchOptions {
  /** Electrodes taking part (the others are ignored). */
  active: boolean[];
  /** Leaving an electrode out is allowed, at cost `penalty`. */
  allowOmit: boolean;
  penalty: number;
  /** Stop at the first complete assignment (a feasibility test). */
  stopAtFirst: boolean;
  maxNodes: number;
  /** Incumbent to beat (search order, OMITTED for left out). */
  incumbent?: { cost: number; assign: Int32Array };
}

interface SearchResult {
  assign: Int32Array | undefined;
  cost: number;
  nodes: number;
  /** The search ran to the end (its answer is proven). */
  complete: boolean;
}

function branchAndBound(
  cx: Compatibility,
  n: number,
  opts: SearchOptions,
  control: TaskControl | undefined,
  progress: (nodes: number) => void,
): SearchResult {
  const { order, scores, words, domainOffset, domainWords, tableOffset, table } = cx;
  const state = new Int32Array(n).fill(UNSET);
  const domains = Array.from({ length: n + 1 }, () => new Uint32Array(domainWords));
  // Full domains at the root (the last word masked to the candidate count).
  for (let j = 0; j < n; j++) {
    const m = order[j]!.length;
    for (let w = 0; w < words[j]!; w++) {
      const bits = Math.min(32, m - 32 * w);
      domains[0]![domainOffset[j]! + w] = bits === 32 ? 0xffffffff : (1 << bits) - 1;
    }
  }
  let bestCost = opts.incumbent ? opts.incumbent.cost : Infinity;
  let bestAssign = opts.incumbent ? Int32Array.from(opts.incumbent.assign) : undefined;
  let nodes = 0;
  let aborted = false;
  let found = false;
  const active = opts.active;
  const { allowOmit, penalty } = opts;
  // Disjoint pairs that no two candidates can keep apart: one of each must be left out, which the
  // bound counts (without it, proving that one omission is optimal means enumerating everything else).
  const partner = new Int32Array(n).fill(-1);
  if (allowOmit)
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n && partner[i]! < 0; j++)
        if (
          active[i] &&
          active[j] &&
          partner[j]! < 0 &&
          order[i]!.length > 0 &&
          order[j]!.length > 0 &&
          !cx.anyCompatible[i * n + j]
        ) {
          partner[i] = j;
          partner[j] = i;
        }
  const contribution = new Float64Array(n);

  const firstBit = (dom: Uint32Array, j: number): number => {
    const off = domainOffset[j]!;
    for (let w = 0; w < words[j]!; w++) {
      const x = dom[off + w]!;
      if (x !== 0) return 32 * w + 31 - Math.clz32(x & -x);
    }
    return -1;
  };
  const domainSize = (dom: Uint32Array, j: number): number => {
    const off = domainOffset[j]!;
    let c = 0;
    for (let w = 0; w < words[j]!; w++) c += popcount(dom[off + w]!);
    return c;
  };

  const dfs = (depth: number, cost: number): void => {
    if (nodes >= opts.maxNodes) {
      aborted = true;
      return;
    }
    nodes++;
    if ((nodes & 4095) === 0) {
      checkCancelled(control, WHAT);
      progress(nodes);
    }
    const dom = domains[depth]!;
    let pick = -1;
    let pickSize = Infinity;
    let lowerBound = cost;
    for (let j = 0; j < n; j++) {
      if (!active[j] || state[j] !== UNSET) continue;
      const size = domainSize(dom, j);
      if (size === 0 && !allowOmit) return; // dead end: forward checking emptied a domain
      const best = size > 0 ? scores[j]![firstBit(dom, j)]! : Infinity;
      contribution[j] = allowOmit ? Math.min(best, penalty) : best;
      lowerBound += contribution[j]!;
      if (size < pickSize) {
        pick = j;
        pickSize = size;
      }
    }
    // Pair term: of two open partners, one costs the penalty.
    let pickPairExtra = 0;
    if (allowOmit)
      for (let i = 0; i < n; i++) {
        const j = partner[i]!;
        if (j <= i || !active[i] || state[i] !== UNSET || state[j] !== UNSET) continue;
        const ci = contribution[i]!;
        const cj = contribution[j]!;
        const extra = Math.max(0, penalty + Math.min(ci, cj) - ci - cj);
        lowerBound += extra;
        if (i === pick || j === pick) pickPairExtra = extra;
      }
    if (pick < 0) {
      if (cost < bestCost - EPS) {
        bestCost = cost;
        bestAssign = Int32Array.from(state);
        if (opts.stopAtFirst) found = true;
      }
      return;
    }
    if (lowerBound >= bestCost - EPS) return;
    // Others' bound once `pick` is placed (its partner then has no candidate left, costing the penalty
    // the pair term anticipated); when `pick` is left out its partner is free again.
    const rest = lowerBound - contribution[pick]!;
    const next = domains[depth + 1]!;
    const wPick = words[pick]!;
    const offPick = domainOffset[pick]!;
    for (let w = 0; w < wPick; w++) {
      let bits = dom[offPick + w]!;
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        const a = 32 * w + 31 - Math.clz32(low);
        const score = scores[pick]![a]!;
        // Candidates come best first: once one cannot beat the incumbent, none after it can.
        if (rest + score >= bestCost - EPS) return tryOmit(depth, cost, rest - pickPairExtra);
        state[pick] = a;
        for (let j = 0; j < n; j++) {
          if (!active[j] || state[j] !== UNSET) continue;
          const wj = words[j]!;
          const off = domainOffset[j]!;
          const row = tableOffset[pick * n + j]! + a * wj;
          for (let k = 0; k < wj; k++) next[off + k] = dom[off + k]! & table[row + k]!;
        }
        dfs(depth + 1, cost + score);
        state[pick] = UNSET;
        if (found || aborted) return;
      }
    }
    tryOmit(depth, cost, rest - pickPairExtra);

    function tryOmit(d: number, c: number, r: number): void {
      if (!allowOmit || r + penalty >= bestCost - EPS) return;
      domains[d + 1]!.set(domains[d]!);
      state[pick] = OMITTED;
      dfs(d + 1, c + penalty);
      state[pick] = UNSET;
    }
  };
  dfs(0, 0);
  return { assign: bestAssign, cost: bestCost, nodes, complete: !aborted };
}

/** The sequential plan: each electrode in turn takes its best candidate compatible with those before it. */
function greedyAssignment(
  cx: Compatibility,
  n: number,
  penalty: number,
): { cost: number; assign: Int32Array } {
  const assign = new Int32Array(n).fill(OMITTED);
  let cost = 0;
  for (let j = 0; j < n; j++) {
    const m = cx.order[j]!.length;
    for (let a = 0; a < m; a++) {
      let ok = true;
      for (let i = 0; i < j && ok; i++) {
        const b = assign[i]!;
        if (b < 0) continue;
        const row = cx.tableOffset[i * n + j]! + b * cx.words[j]!;
        ok = (cx.table[row + (a >>> 5)]! & (1 << (a & 31))) !== 0;
      }
      if (ok) {
        assign[j] = a;
        break;
      }
    }
    cost += assign[j]! >= 0 ? cx.scores[j]![assign[j]!]! : penalty;
  }
  return { cost, assign };
}

/** Chooses one candidate per electrode jointly; see the module comment. */
export function planMultiElectrode(request: MultiElectrodeRequest): MultiElectrodePlan {
  const { electrodes, minDistanceMm, control } = request;
  const maxNodes = request.maxNodes ?? DEFAULT_MAX_NODES;
  if (!(Number.isInteger(maxNodes) && maxNodes >= 1))
    throw new Error(`${WHAT}: maxNodes must be a positive integer, got ${JSON.stringify(request.maxNodes)}`);
  validate(electrodes, minDistanceMm);
  checkCancelled(control, WHAT);
  const n = electrodes.length;
  const cx = buildCompatibility(electrodes, minDistanceMm, control);
  // Leaving one electrode out must cost more than any difference in scores it could buy.
  let penalty = 1;
  for (const s of cx.scores) for (const x of s) penalty = Math.max(penalty, 1 + Math.abs(x) * 2);
  penalty *= n + 1;
  const all = electrodes.map(() => true);
  const progress = (nodes: number): void =>
    control?.onProgress?.(0.5 + 0.45 * Math.min(1, nodes / maxNodes), 'joint search');
  const main = branchAndBound(
    cx,
    n,
    {
      active: all,
      allowOmit: true,
      penalty,
      stopAtFirst: false,
      maxNodes,
      incumbent: greedyAssignment(cx, n, penalty),
    },
    control,
    progress,
  );
  let iterations = main.nodes;
  const assign = main.assign!; // the greedy incumbent guarantees one
  const scratch = new Float64Array(3);

  // Electrodes left out still get a candidate (the caller shows it with its violations): the one whose
  // closest approach to the electrodes already fixed is largest.
  const choiceSorted = Int32Array.from(assign);
  for (let j = 0; j < n; j++) {
    if (choiceSorted[j]! >= 0 || cx.order[j]!.length === 0) continue;
    let bestA = 0;
    let bestGap = -Infinity;
    cx.order[j]!.forEach((k, a) => {
      let gap = Infinity;
      for (let i = 0; i < n; i++) {
        if (i === j || choiceSorted[i]! < 0) continue;
        const ci = electrodes[i]!.candidates[cx.order[i]![choiceSorted[i]!]!]!;
        gap = Math.min(
          gap,
          surfaceDistance(
            electrodes[j]!.candidates[k]!,
            electrodes[j]!.radiusMm,
            ci,
            electrodes[i]!.radiusMm,
            scratch,
          ),
        );
      }
      if (gap > bestGap + EPS) {
        bestGap = gap;
        bestA = a;
      }
    });
    choiceSorted[j] = bestA;
  }
  const choice = Array.from(choiceSorted, (a, j) => (a >= 0 ? cx.order[j]![a]! : -1));
  const unplacedIdx = [...assign.keys()].filter((j) => assign[j]! < 0);
  const unplaced = unplacedIdx.map((j) => electrodes[j]!.id);
  const feasible = unplaced.length === 0;
  const chosen = (j: number): ScoredCandidate | undefined =>
    choice[j]! >= 0 ? electrodes[j]!.candidates[choice[j]!] : undefined;
  let totalScore = 0;
  for (let j = 0; j < n; j++) totalScore += chosen(j)?.score ?? 0;

  const pairs: ElectrodePairDistance[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const a = chosen(i);
      const b = chosen(j);
      if (!a || !b) continue;
      pairs.push({
        a: electrodes[i]!.id,
        b: electrodes[j]!.id,
        surfaceDistanceMm: surfaceDistance(a, electrodes[i]!.radiusMm, b, electrodes[j]!.radiusMm, scratch),
      });
    }
  pairs.sort((p, q) => p.surfaceDistanceMm - q.surfaceDistanceMm);

  const conflicts: string[] = [];
  if (!feasible) {
    const dist = `${minDistanceMm} mm`;
    for (let j = 0; j < n; j++)
      if (cx.order[j]!.length === 0) conflicts.push(`${electrodes[j]!.id} has no candidate trajectory`);
    let pairwise = 0;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        if (cx.order[i]!.length === 0 || cx.order[j]!.length === 0 || cx.anyCompatible[i * n + j]) continue;
        pairwise++;
        const best = cx.bestSurfaceMm[i * n + j]!;
        const ids = `${electrodes[i]!.id} and ${electrodes[j]!.id}`;
        conflicts.push(
          best < 0
            ? `${ids} cross for every pair of their candidates (their surfaces overlap by ${mm(-best)} at least); no pair of their candidates keeps ${dist}`
            : `${ids} pass ${mm(best)} apart at best; no pair of their candidates keeps ${dist}`,
        );
      }
    if (pairwise === 0 && main.complete && unplacedIdx.some((j) => cx.order[j]!.length > 0)) {
      // A conflict among three or more: shrink the set while it stays provably infeasible.
      const set = electrodes.map((_, j) => cx.order[j]!.length > 0);
      const budget = Math.max(1, Math.min(maxNodes, 200_000));
      for (let j = 0; j < n; j++) {
        if (!set[j]) continue;
        set[j] = false;
        const r = branchAndBound(
          cx,
          n,
          { active: set, allowOmit: false, penalty, stopAtFirst: true, maxNodes: budget },
          control,
          () => undefined,
        );
        iterations += r.nodes;
        if (!(r.complete && r.assign === undefined)) set[j] = true;
      }
      const ids = electrodes.filter((_, j) => set[j]).map((e) => e.id);
      if (ids.length >= 3)
        conflicts.push(
          `${listIds(ids)} cannot all be placed: each pair of them can keep ${dist}, but no combination of their candidates keeps every pair ${dist} apart`,
        );
    }
    if (!main.complete)
      conflicts.push(
        `the joint search stopped after ${main.nodes} nodes without finding a plan that keeps every pair ${dist} apart; one may still exist`,
      );
    const placedCount = n - unplaced.length;
    for (const j of unplacedIdx) {
      const c = chosen(j);
      if (!c) continue;
      let worst: ElectrodePairDistance | undefined;
      for (const p of pairs)
        if (
          (p.a === electrodes[j]!.id || p.b === electrodes[j]!.id) &&
          (!worst || p.surfaceDistanceMm < worst.surfaceDistanceMm)
        )
          worst = p;
      const other = worst && (worst.a === electrodes[j]!.id ? worst.b : worst.a);
      conflicts.push(
        `the best plan places ${placedCount} of ${n} electrodes; ${electrodes[j]!.id} could not be placed` +
          (worst ? `: its least crowded candidate passes ${mm(worst.surfaceDistanceMm)} from ${other}` : ''),
      );
    }
  }
  control?.onProgress?.(1, 'done');
  return { feasible, choice, totalScore, pairs, conflicts, iterations, optimal: main.complete, unplaced };
}

export interface PlacedElectrode {
  id: string;
  entryLps: Vec3;
  targetLps: Vec3;
  radiusMm: number;
}

/**
 * Every pair of placed electrodes closer than `minDistanceMm` surface to surface, in words, e.g.
 * "E1 and E3 pass 1.4 mm apart (surface to surface) at 32.0 mm depth of E1; minimum 3 mm".
 */
export function checkElectrodeSet(trajectories: readonly PlacedElectrode[], minDistanceMm: number): string[] {
  validate(
    trajectories.map((t) => ({ id: t.id, radiusMm: t.radiusMm, candidates: [{ ...t, score: 0 }] })),
    minDistanceMm,
  );
  const out: string[] = [];
  for (let i = 0; i < trajectories.length; i++)
    for (let j = i + 1; j < trajectories.length; j++) {
      const a = trajectories[i]!;
      const b = trajectories[j]!;
      const c = segmentSegmentDistance(a.entryLps, a.targetLps, b.entryLps, b.targetLps);
      const surface = c.distanceMm - a.radiusMm - b.radiusMm;
      if (surface >= minDistanceMm - EPS) continue;
      const depth =
        c.s *
        Math.hypot(
          a.targetLps[0] - a.entryLps[0],
          a.targetLps[1] - a.entryLps[1],
          a.targetLps[2] - a.entryLps[2],
        );
      const where = `at ${mm(depth)} depth of ${a.id}; minimum ${minDistanceMm} mm`;
      out.push(
        surface < 0
          ? `${a.id} and ${b.id} cross (their surfaces overlap by ${mm(-surface)}) ${where}`
          : `${a.id} and ${b.id} pass ${mm(surface)} apart (surface to surface) ${where}`,
      );
    }
  return out;
}
