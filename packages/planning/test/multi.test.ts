/**
 * Segment distance and joint multi-electrode planning.
 *
 * Oracles (independent of the code under test):
 *  - segment distance: closed-form cases worked out by hand, and for random pairs a golden-section
 *    minimisation over s of the exact point-to-segment distance (a convex function of s), cross-checked
 *    by dense sampling of both segments;
 *  - joint planning: exhaustive enumeration of every combination (each electrode: one of its candidates
 *    or left out), with compatibility decided by the golden-section oracle, ranked by (most electrodes
 *    placed, lowest total score); hand-built instances where the sequential greedy plan is worse.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError } from '@neuroplan/imaging';
import { segmentSegmentDistance } from '../src/auto/segmentDistance.ts';
import {
  checkElectrodeSet,
  planMultiElectrode,
  type ElectrodeCandidates,
  type ScoredCandidate,
} from '../src/auto/multiElectrode.ts';
import type { Vec3 } from '../src/vec.ts';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- oracle: independent segment distance ----
const at = (p: Vec3, q: Vec3, u: number): Vec3 => [
  p[0] + (q[0] - p[0]) * u,
  p[1] + (q[1] - p[1]) * u,
  p[2] + (q[2] - p[2]) * u,
];
const dist = (p: Vec3, q: Vec3): number => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
/** Exact distance from a point to a segment (projection clamped to the segment). */
function pointSegment(p: Vec3, b0: Vec3, b1: Vec3): number {
  const d: Vec3 = [b1[0] - b0[0], b1[1] - b0[1], b1[2] - b0[2]];
  const l2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
  const u =
    l2 === 0
      ? 0
      : Math.min(
          1,
          Math.max(0, ((p[0] - b0[0]) * d[0] + (p[1] - b0[1]) * d[1] + (p[2] - b0[2]) * d[2]) / l2),
        );
  return dist(p, at(b0, b1, u));
}
/** Golden-section search on the convex s ↦ dist(A(s), B). */
function oracleDistance(a0: Vec3, a1: Vec3, b0: Vec3, b1: Vec3): number {
  const f = (s: number): number => pointSegment(at(a0, a1, s), b0, b1);
  const g = (Math.sqrt(5) - 1) / 2;
  let lo = 0;
  let hi = 1;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let k = 0; k < 200 && hi - lo > 1e-15; k++) {
    if (f1 <= f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = f(x2);
    }
  }
  return Math.min(f(0), f(1), f1, f2, f((lo + hi) / 2));
}
function denseDistance(a0: Vec3, a1: Vec3, b0: Vec3, b1: Vec3, n: number): number {
  let best = Infinity;
  for (let i = 0; i <= n; i++) {
    const p = at(a0, a1, i / n);
    for (let j = 0; j <= n; j++) best = Math.min(best, dist(p, at(b0, b1, j / n)));
  }
  return best;
}

describe('segmentSegmentDistance', () => {
  const cases: { name: string; a: [Vec3, Vec3]; b: [Vec3, Vec3]; d: number; s?: number; t?: number }[] = [
    {
      name: 'skew, perpendicular',
      a: [
        [-1, 0, 0],
        [1, 0, 0],
      ],
      b: [
        [0, -1, 2],
        [0, 1, 2],
      ],
      d: 2,
      s: 0.5,
      t: 0.5,
    },
    {
      name: 'intersecting',
      a: [
        [-1, -1, 0],
        [1, 1, 0],
      ],
      b: [
        [-1, 1, 0],
        [1, -1, 0],
      ],
      d: 0,
      s: 0.5,
      t: 0.5,
    },
    {
      name: 'T-junction (end on interior)',
      a: [
        [0, 0, 0],
        [0, 0, 5],
      ],
      b: [
        [-3, 0, 5],
        [3, 0, 5],
      ],
      d: 0,
      s: 1,
      t: 0.5,
    },
    {
      name: 'parallel, overlapping',
      a: [
        [0, 0, 0],
        [10, 0, 0],
      ],
      b: [
        [5, 3, 0],
        [15, 3, 0],
      ],
      d: 3,
    },
    {
      name: 'parallel, disjoint',
      a: [
        [0, 0, 0],
        [1, 0, 0],
      ],
      b: [
        [3, 4, 0],
        [5, 4, 0],
      ],
      d: Math.hypot(2, 4),
      s: 1,
      t: 0,
    },
    {
      name: 'antiparallel, disjoint',
      a: [
        [0, 0, 0],
        [1, 0, 0],
      ],
      b: [
        [5, 4, 0],
        [3, 4, 0],
      ],
      d: Math.hypot(2, 4),
      s: 1,
      t: 1,
    },
    {
      name: 'collinear, disjoint',
      a: [
        [0, 0, 0],
        [1, 0, 0],
      ],
      b: [
        [3, 0, 0],
        [4, 0, 0],
      ],
      d: 2,
      s: 1,
      t: 0,
    },
    {
      name: 'collinear, overlapping',
      a: [
        [0, 0, 0],
        [2, 0, 0],
      ],
      b: [
        [1, 0, 0],
        [4, 0, 0],
      ],
      d: 0,
    },
    {
      name: 'A is a point',
      a: [
        [1, 2, 3],
        [1, 2, 3],
      ],
      b: [
        [0, 0, 0],
        [0, 0, 10],
      ],
      d: Math.sqrt(5),
      s: 0,
      t: 0.3,
    },
    {
      name: 'B is a point',
      a: [
        [0, 0, 0],
        [0, 0, 10],
      ],
      b: [
        [1, 2, 13],
        [1, 2, 13],
      ],
      d: Math.hypot(1, 2, 3),
      s: 1,
      t: 0,
    },
    {
      name: 'both points',
      a: [
        [1, 1, 1],
        [1, 1, 1],
      ],
      b: [
        [4, 5, 1],
        [4, 5, 1],
      ],
      d: 5,
      s: 0,
      t: 0,
    },
    {
      name: 'both ends clamped',
      a: [
        [0, 0, 0],
        [1, 0, 0],
      ],
      b: [
        [2, 1, 0],
        [2, 2, 0],
      ],
      d: Math.SQRT2,
      s: 1,
      t: 0,
    },
    // 1e-9 mm tilt over 10 mm: the lines are 1 mm apart everywhere to 1e-9.
    {
      name: 'nearly parallel',
      a: [
        [0, 0, 0],
        [10, 0, 0],
      ],
      b: [
        [0, 1, 0],
        [10, 1 + 1e-9, 0],
      ],
      d: 1,
    },
  ];
  for (const c of cases)
    it(`closed form: ${c.name}`, () => {
      const r = segmentSegmentDistance(c.a[0], c.a[1], c.b[0], c.b[1]);
      expect(r.distanceMm).toBeCloseTo(c.d, 9);
      if (c.s !== undefined) expect(r.s).toBeCloseTo(c.s, 9);
      if (c.t !== undefined) expect(r.t).toBeCloseTo(c.t, 9);
      expect(r.s).toBeGreaterThanOrEqual(0);
      expect(r.s).toBeLessThanOrEqual(1);
      expect(r.t).toBeGreaterThanOrEqual(0);
      expect(r.t).toBeLessThanOrEqual(1);
      expect(dist(r.pointA, r.pointB)).toBeCloseTo(r.distanceMm, 12);
      // The pair is symmetric.
      expect(segmentSegmentDistance(c.b[0], c.b[1], c.a[0], c.a[1]).distanceMm).toBeCloseTo(c.d, 9);
    });

  it('matches the golden-section oracle and dense sampling on random, parallel and degenerate pairs', () => {
    const rnd = mulberry32(7);
    const p = (): Vec3 => [rnd() * 20 - 10, rnd() * 20 - 10, rnd() * 20 - 10];
    for (let k = 0; k < 1500; k++) {
      const a0 = p();
      let a1 = p();
      const b0 = p();
      let b1 = p();
      const kind = k % 5;
      if (kind === 1)
        b1 = [b0[0] + (a1[0] - a0[0]) * 0.7, b0[1] + (a1[1] - a0[1]) * 0.7, b0[2] + (a1[2] - a0[2]) * 0.7]; // parallel
      if (kind === 2) a1 = [...a0]; // A degenerate
      if (kind === 3) {
        // B crosses A: through a point of A
        const m = at(a0, a1, rnd());
        b1 = [2 * m[0] - b0[0], 2 * m[1] - b0[1], 2 * m[2] - b0[2]];
      }
      const r = segmentSegmentDistance(a0, a1, b0, b1);
      const oracle = oracleDistance(a0, a1, b0, b1);
      expect(Math.abs(r.distanceMm - oracle)).toBeLessThan(1e-7);
      // The returned points lie on the segments at s, t and realise the distance.
      expect(dist(r.pointA, at(a0, a1, r.s))).toBeLessThan(1e-12);
      expect(dist(r.pointB, at(b0, b1, r.t))).toBeLessThan(1e-12);
      expect(Math.abs(dist(r.pointA, r.pointB) - r.distanceMm)).toBeLessThan(1e-9);
      if (k < 150) {
        // Dense sampling never beats the exact minimum, and is within its grid's reach of it.
        const n = 200;
        const dense = denseDistance(a0, a1, b0, b1, n);
        expect(dense).toBeGreaterThanOrEqual(r.distanceMm - 1e-9);
        expect(dense - r.distanceMm).toBeLessThanOrEqual((dist(a0, a1) + dist(b0, b1)) / (2 * n) + 1e-9);
      }
    }
  });
});

// ---- oracle: exhaustive joint planning ----
interface BruteResult {
  placed: number;
  score: number;
}
function bruteForce(electrodes: ElectrodeCandidates[], minDistanceMm: number): BruteResult {
  const n = electrodes.length;
  const memo = new Map<string, boolean>();
  const ok = (i: number, a: number, j: number, b: number): boolean => {
    const key = `${i}:${a}:${j}:${b}`;
    let v = memo.get(key);
    if (v === undefined) {
      const ca = electrodes[i]!.candidates[a]!;
      const cb = electrodes[j]!.candidates[b]!;
      const d = oracleDistance(ca.entryLps, ca.targetLps, cb.entryLps, cb.targetLps);
      v = d - electrodes[i]!.radiusMm - electrodes[j]!.radiusMm >= minDistanceMm;
      memo.set(key, v);
    }
    return v;
  };
  let best: BruteResult = { placed: -1, score: Infinity };
  const pick: number[] = [];
  const rec = (j: number): void => {
    if (j === n) {
      const placed = pick.filter((a) => a >= 0).length;
      const score = pick.reduce((s, a, i) => s + (a >= 0 ? electrodes[i]!.candidates[a]!.score : 0), 0);
      if (placed > best.placed || (placed === best.placed && score < best.score)) best = { placed, score };
      return;
    }
    for (let a = -1; a < electrodes[j]!.candidates.length; a++) {
      if (a >= 0 && !pick.every((b, i) => b < 0 || ok(i, b, j, a))) continue;
      pick.push(a);
      rec(j + 1);
      pick.pop();
    }
  };
  rec(0);
  return best;
}

/** Random electrodes aimed at nearby targets from entries spread over a 60 mm sphere (they often cross). */
function randomInstance(rnd: () => number, n: number, m: number): ElectrodeCandidates[] {
  return Array.from({ length: n }, (_, i) => {
    const target: Vec3 = [rnd() * 24 - 12, rnd() * 24 - 12, rnd() * 24 - 12];
    return {
      id: `E${i + 1}`,
      radiusMm: 0.4,
      candidates: Array.from({ length: m }, () => {
        const u = rnd() * 2 - 1;
        const phi = rnd() * 2 * Math.PI;
        const r = Math.sqrt(1 - u * u) * 60;
        const entry: Vec3 = [r * Math.cos(phi), r * Math.sin(phi), 60 * u];
        return { entryLps: entry, targetLps: target.map((x) => x + rnd() * 2 - 1) as Vec3, score: rnd() };
      }),
    };
  });
}

const vertical = (x: number, y: number, score: number, z0 = 0, z1 = 40): ScoredCandidate => ({
  entryLps: [x, y, z1],
  targetLps: [x, y, z0],
  score,
});

describe('planMultiElectrode', () => {
  it('finds the brute-force optimum on random 4 × 6 instances (feasible and infeasible)', () => {
    const rnd = mulberry32(2024);
    let feasibleSeen = 0;
    let infeasibleSeen = 0;
    for (let k = 0; k < 40; k++) {
      const electrodes = randomInstance(rnd, 4, 6);
      const minDistanceMm = 1 + (k % 8);
      const brute = bruteForce(electrodes, minDistanceMm);
      const plan = planMultiElectrode({ electrodes, minDistanceMm });
      expect(plan.optimal).toBe(true);
      expect(plan.feasible).toBe(brute.placed === 4);
      expect(4 - plan.unplaced.length).toBe(brute.placed);
      const placedScore = plan.choice.reduce(
        (s, a, i) =>
          s + (plan.unplaced.includes(electrodes[i]!.id) ? 0 : electrodes[i]!.candidates[a]!.score),
        0,
      );
      expect(placedScore).toBeCloseTo(brute.score, 12);
      // The placed electrodes really keep the distance (oracle distance).
      const placed = electrodes
        .map((e, i) => ({ e, c: e.candidates[plan.choice[i]!]! }))
        .filter(({ e }) => !plan.unplaced.includes(e.id));
      for (let i = 0; i < placed.length; i++)
        for (let j = i + 1; j < placed.length; j++) {
          const d = oracleDistance(
            placed[i]!.c.entryLps,
            placed[i]!.c.targetLps,
            placed[j]!.c.entryLps,
            placed[j]!.c.targetLps,
          );
          expect(d - 0.8).toBeGreaterThanOrEqual(minDistanceMm - 1e-9);
        }
      if (plan.feasible) {
        feasibleSeen++;
        expect(plan.totalScore).toBeCloseTo(brute.score, 12);
        expect(plan.conflicts).toEqual([]);
      } else {
        infeasibleSeen++;
        expect(plan.conflicts.length).toBeGreaterThan(0);
        // Every electrode still has a real candidate for display.
        for (const [i, a] of plan.choice.entries()) expect(a).toBeLessThan(electrodes[i]!.candidates.length);
        for (const a of plan.choice) expect(a).toBeGreaterThanOrEqual(0);
      }
      expect(plan.pairs).toHaveLength(6);
    }
    expect(feasibleSeen).toBeGreaterThan(5);
    expect(infeasibleSeen).toBeGreaterThan(3);
  });

  it('places the most electrodes at the lowest score on crowded random 6 × 3 instances (brute force)', () => {
    const rnd = mulberry32(31);
    let pairwiseConflicts = 0;
    for (let k = 0; k < 30; k++) {
      const electrodes = randomInstance(rnd, 6, 3);
      const minDistanceMm = 4 + (k % 5);
      const brute = bruteForce(electrodes, minDistanceMm);
      const plan = planMultiElectrode({ electrodes, minDistanceMm });
      expect(plan.optimal).toBe(true);
      expect(6 - plan.unplaced.length).toBe(brute.placed);
      const placedScore = plan.choice.reduce(
        (s, a, i) =>
          s + (plan.unplaced.includes(electrodes[i]!.id) ? 0 : electrodes[i]!.candidates[a]!.score),
        0,
      );
      expect(placedScore).toBeCloseTo(brute.score, 12);
      if (plan.conflicts.some((c) => c.includes('no pair of their candidates keeps'))) pairwiseConflicts++;
    }
    expect(pairwiseConflicts).toBeGreaterThan(3);
  });

  it('beats the sequential greedy plan when A’s best candidate blocks B’s only good one', () => {
    // A: a0 (0.1) at x = 0, a1 (0.3) at x = 20. B: b0 (0.1) at x = 1 (1 mm from a0), b1 (0.9) at x = 40.
    // Greedy (A first): a0, then b1 → 1.0. Joint: a1 + b0 → 0.4 (by hand).
    const electrodes: ElectrodeCandidates[] = [
      { id: 'A', radiusMm: 0.4, candidates: [vertical(0, 0, 0.1), vertical(20, 0, 0.3)] },
      { id: 'B', radiusMm: 0.4, candidates: [vertical(1, 0, 0.1), vertical(40, 0, 0.9)] },
    ];
    const plan = planMultiElectrode({ electrodes, minDistanceMm: 3 });
    expect(plan.feasible).toBe(true);
    expect(plan.choice).toEqual([1, 0]);
    expect(plan.totalScore).toBeCloseTo(0.4, 12);
    expect(plan.pairs).toEqual([{ a: 'A', b: 'B', surfaceDistanceMm: expect.closeTo(19 - 0.8, 9) }]);
  });

  it('falls back to the greedy plan, flagged not optimal, when the node budget runs out', () => {
    const electrodes: ElectrodeCandidates[] = [
      { id: 'A', radiusMm: 0.4, candidates: [vertical(0, 0, 0.1), vertical(20, 0, 0.3)] },
      { id: 'B', radiusMm: 0.4, candidates: [vertical(1, 0, 0.1), vertical(40, 0, 0.9)] },
    ];
    const plan = planMultiElectrode({ electrodes, minDistanceMm: 3, maxNodes: 1 });
    expect(plan.optimal).toBe(false);
    expect(plan.feasible).toBe(true);
    expect(plan.choice).toEqual([0, 1]);
    expect(plan.totalScore).toBeCloseTo(1.0, 12);
    expect(plan.iterations).toBe(1);
  });

  it('places every electrode where greedy would leave one out', () => {
    // B has only b0, 1 mm from A's best a0: greedy takes a0 and cannot place B; joint takes a1 + b0.
    const electrodes: ElectrodeCandidates[] = [
      { id: 'A', radiusMm: 0.4, candidates: [vertical(0, 0, 0.05), vertical(20, 0, 0.5)] },
      { id: 'B', radiusMm: 0.4, candidates: [vertical(1, 0, 0.2)] },
      { id: 'C', radiusMm: 0.4, candidates: [vertical(-30, 0, 0.3), vertical(0, 2, 0.1)] },
    ];
    const plan = planMultiElectrode({ electrodes, minDistanceMm: 3 });
    expect(plan.feasible).toBe(true);
    expect(plan.choice).toEqual([1, 0, 0]);
    expect(plan.totalScore).toBeCloseTo(1.0, 12);
  });

  it('explains a pair no candidates can separate, and still places the others', () => {
    // E1 at (0, 0) or (0, 0.5); E2 at (1.5, 0) or (2, 0) (radii 0.4): best surface distance √4.25 − 0.8 = 1.26 mm.
    const electrodes: ElectrodeCandidates[] = [
      { id: 'E1', radiusMm: 0.4, candidates: [vertical(0, 0, 0.2), vertical(0, 0.5, 0.3)] },
      { id: 'E2', radiusMm: 0.4, candidates: [vertical(1.5, 0, 0.1), vertical(2.0, 0, 0.4)] },
      { id: 'E3', radiusMm: 0.4, candidates: [vertical(50, 0, 0.1)] },
    ];
    const plan = planMultiElectrode({ electrodes, minDistanceMm: 3 });
    expect(plan.feasible).toBe(false);
    expect(plan.optimal).toBe(true);
    expect(plan.conflicts).toContain(
      'E1 and E2 pass 1.3 mm apart at best; no pair of their candidates keeps 3 mm',
    );
    // Leaving E1 out (0.2) keeps more score than leaving E2 out (0.1): E2 (0.1) + E3 (0.1) are placed.
    expect(plan.unplaced).toEqual(['E1']);
    expect(plan.choice[1]).toBe(0);
    expect(plan.choice[2]).toBe(0);
    // E1 shows its candidate farthest from E2's (y = 0.5: 1.5811 − 0.8 mm) rather than its best-scored one.
    expect(plan.choice[0]).toBe(1);
    expect(
      plan.conflicts.some((c) =>
        c.startsWith('the best plan places 2 of 3 electrodes; E1 could not be placed'),
      ),
    ).toBe(true);
  });

  it('finds a conflict among three electrodes that is no pairwise conflict', () => {
    // Two spots 20 mm apart; each of E1..E3 may use either; two in one spot are ≤ 1 mm apart.
    // Every pair fits (one per spot), the three cannot. E4 is far away and fits with anything.
    const electrodes: ElectrodeCandidates[] = [0, 0.5, 1].map((y, i) => ({
      id: `E${i + 1}`,
      radiusMm: 0.4,
      candidates: [vertical(0, y, 0.1 * (i + 1)), vertical(20, y, 0.2)],
    }));
    electrodes.push({ id: 'E4', radiusMm: 0.4, candidates: [vertical(60, 0, 0.3)] });
    const plan = planMultiElectrode({ electrodes, minDistanceMm: 3 });
    expect(plan.feasible).toBe(false);
    expect(plan.unplaced).toHaveLength(1);
    expect(plan.conflicts).toContain(
      'E1, E2 and E3 cannot all be placed: each pair of them can keep 3 mm, but no combination of their candidates keeps every pair 3 mm apart',
    );
    const brute = bruteForce(electrodes, 3);
    expect(brute.placed).toBe(3);
  });

  it('names an electrode without candidates', () => {
    const plan = planMultiElectrode({
      electrodes: [
        { id: 'E1', radiusMm: 0.4, candidates: [vertical(0, 0, 0.2)] },
        { id: 'E2', radiusMm: 0.4, candidates: [] },
      ],
      minDistanceMm: 3,
    });
    expect(plan.feasible).toBe(false);
    expect(plan.choice).toEqual([0, -1]);
    expect(plan.unplaced).toEqual(['E2']);
    expect(plan.conflicts).toContain('E2 has no candidate trajectory');
    expect(plan.pairs).toEqual([]);
  });

  it('plans 20 electrodes × 200 candidates exactly where greedy fails, deterministically', () => {
    const rnd = mulberry32(99);
    // Targets spread over a 70 mm cube so that most, not all, pairs are free.
    const electrodes: ElectrodeCandidates[] = Array.from({ length: 20 }, (_, i) => {
      const target: Vec3 = [rnd() * 70 - 35, rnd() * 70 - 35, rnd() * 70 - 35];
      return {
        id: `E${i + 1}`,
        radiusMm: 0.4,
        candidates: Array.from({ length: 200 }, () => {
          const u = rnd() * 2 - 1;
          const phi = rnd() * 2 * Math.PI;
          const r = Math.sqrt(1 - u * u) * 80;
          return {
            entryLps: [r * Math.cos(phi), r * Math.sin(phi), 80 * u] as Vec3,
            targetLps: target,
            score: rnd(),
          };
        }),
      };
    });
    const plan = planMultiElectrode({ electrodes, minDistanceMm: 3 });
    expect(plan.feasible).toBe(true);
    expect(plan.optimal).toBe(true);
    const chosen = electrodes.map((e, i) => ({
      id: e.id,
      radiusMm: e.radiusMm,
      ...e.candidates[plan.choice[i]!]!,
    }));
    expect(checkElectrodeSet(chosen, 3)).toEqual([]);
    expect(plan.pairs).toHaveLength(190);
    expect(plan.pairs[0]!.surfaceDistanceMm).toBeGreaterThanOrEqual(3 - 1e-9);
    // Lower bound: each electrode's own best score.
    const lower = electrodes.reduce((s, e) => s + Math.min(...e.candidates.map((c) => c.score)), 0);
    expect(plan.totalScore).toBeGreaterThanOrEqual(lower - 1e-12);
    // The sequential greedy plan (independent re-implementation, oracle distances) cannot place every
    // electrode of this instance: the joint plan does.
    const greedy: ScoredCandidate[] = [];
    for (const e of electrodes) {
      const sorted = [...e.candidates].sort((a, b) => a.score - b.score);
      const c = sorted.find((c) =>
        greedy.every((g) => oracleDistance(c.entryLps, c.targetLps, g.entryLps, g.targetLps) - 0.8 >= 3),
      );
      if (c) greedy.push(c);
    }
    expect(greedy.length).toBeLessThan(20);
    const again = planMultiElectrode({ electrodes, minDistanceMm: 3 });
    expect(again).toEqual(plan);
  });

  it('reports progress, honours cancellation and rejects bad input with named reasons', () => {
    const electrodes: ElectrodeCandidates[] = [
      { id: 'A', radiusMm: 0.4, candidates: [vertical(0, 0, 0.1)] },
      { id: 'B', radiusMm: 0.4, candidates: [vertical(10, 0, 0.1)] },
    ];
    const fractions: number[] = [];
    planMultiElectrode({ electrodes, minDistanceMm: 3, control: { onProgress: (f) => fractions.push(f) } });
    expect(fractions.at(-1)).toBe(1);
    const ac = new AbortController();
    ac.abort();
    expect(() =>
      planMultiElectrode({ electrodes, minDistanceMm: 3, control: { signal: ac.signal } }),
    ).toThrow(CancelledError);
    expect(() =>
      planMultiElectrode({ electrodes: [electrodes[0]!, electrodes[0]!], minDistanceMm: 3 }),
    ).toThrow("multi-electrode plan: the id 'A' is used twice");
    expect(() =>
      planMultiElectrode({
        electrodes: [
          { id: 'A', radiusMm: 0.4, candidates: [{ entryLps: [0, 0, NaN], targetLps: [0, 0, 0], score: 0 }] },
        ],
        minDistanceMm: 3,
      }),
    ).toThrow('multi-electrode plan: A candidate 0: entry and target must be three finite numbers (mm)');
    expect(() => planMultiElectrode({ electrodes, minDistanceMm: -1 })).toThrow(
      'minDistanceMm must be a number ≥ 0',
    );
  });
});

describe('checkElectrodeSet', () => {
  it('words a too-close pair with the depth along the first electrode', () => {
    // E1 runs from (0,0,0) to (0,0,60); E3 passes perpendicular at z = 32, centre lines 2.2 mm apart:
    // surface distance 2.2 − 0.4 − 0.4 = 1.4 mm at 32 mm depth of E1 (by hand).
    const v = checkElectrodeSet(
      [
        { id: 'E1', entryLps: [0, 0, 0], targetLps: [0, 0, 60], radiusMm: 0.4 },
        { id: 'E2', entryLps: [40, 0, 0], targetLps: [40, 0, 60], radiusMm: 0.4 },
        { id: 'E3', entryLps: [2.2, -30, 32], targetLps: [2.2, 30, 32], radiusMm: 0.4 },
      ],
      3,
    );
    expect(v).toEqual([
      'E1 and E3 pass 1.4 mm apart (surface to surface) at 32.0 mm depth of E1; minimum 3 mm',
    ]);
  });
  it('words crossing electrodes', () => {
    const v = checkElectrodeSet(
      [
        { id: 'E1', entryLps: [0, 0, 0], targetLps: [0, 0, 60], radiusMm: 0.4 },
        { id: 'E2', entryLps: [-30, 0, 20], targetLps: [30, 0, 20], radiusMm: 0.4 },
      ],
      3,
    );
    expect(v).toEqual([
      'E1 and E2 cross (their surfaces overlap by 0.8 mm) at 20.0 mm depth of E1; minimum 3 mm',
    ]);
  });
  it('is empty when every pair keeps the distance', () => {
    expect(
      checkElectrodeSet(
        [
          { id: 'E1', entryLps: [0, 0, 0], targetLps: [0, 0, 60], radiusMm: 0.4 },
          { id: 'E2', entryLps: [3.8, 0, 0], targetLps: [3.8, 0, 60], radiusMm: 0.4 },
        ],
        3,
      ),
    ).toEqual([]);
  });
});
