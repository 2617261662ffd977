/**
 * Cortical micro-thread sites on a synthetic scene: the cortex is an icosphere of radius 25 mm around
 * the origin (outward normals = position / radius) and the vessels are analytic circle arcs with radii:
 * three lying on that sphere (surface vessels) and one 2.5 mm under it, which only the middle of a path
 * can reach. The vessel channel is the exact distance to the nearest vessel wall minus an
 * allowance, as the scene builder does: the allowance covers trilinear interpolation of a 1-Lipschitz
 * distance (≤ spacing·√3/2) and half the planner's sampling step along a path, so that the true distance
 * is never less than what the planner reads.
 *
 * Oracles: every returned thread is checked against the ANALYTIC vessels (not the map), sampling its path
 * every 5 µm and subtracting the Lipschitz slack of that sampling (so the check is rigorous); spacing and
 * geometry are checked directly; the "at most N fit" case is checked against an exhaustive search over the
 * few vertices in a tiny region.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError } from '@neuroplan/imaging';
import { planThreadSites, THREAD_SAMPLE_STEP_MM, type ThreadSiteRequest } from '../src/auto/threadSites.ts';
import { createMaps } from '../src/scene/sampleMaps.ts';
import { FAR_MM, type PlanningScene, type SurfaceMesh } from '../src/scene/types.ts';
import type { Vec3 } from '../src/vec.ts';

const R = 25;

/** Icosphere: icosahedron subdivided `levels` times, vertices pushed onto the sphere. */
function icosphere(radius: number, levels: number): SurfaceMesh {
  const t = (1 + Math.sqrt(5)) / 2;
  const verts: Vec3[] = [
    [-1, t, 0],
    [1, t, 0],
    [-1, -t, 0],
    [1, -t, 0],
    [0, -1, t],
    [0, 1, t],
    [0, -1, -t],
    [0, 1, -t],
    [t, 0, -1],
    [t, 0, 1],
    [-t, 0, -1],
    [-t, 0, 1],
  ].map((v) => {
    const l = Math.hypot(v[0]!, v[1]!, v[2]!);
    return [v[0]! / l, v[1]! / l, v[2]! / l] as Vec3;
  });
  let faces: [number, number, number][] = [
    [0, 11, 5],
    [0, 5, 1],
    [0, 1, 7],
    [0, 7, 10],
    [0, 10, 11],
    [1, 5, 9],
    [5, 11, 4],
    [11, 10, 2],
    [10, 7, 6],
    [7, 1, 8],
    [3, 9, 4],
    [3, 4, 2],
    [3, 2, 6],
    [3, 6, 8],
    [3, 8, 9],
    [4, 9, 5],
    [2, 4, 11],
    [6, 2, 10],
    [8, 6, 7],
    [9, 8, 1],
  ];
  for (let l = 0; l < levels; l++) {
    const cache = new Map<string, number>();
    const mid = (a: number, b: number): number => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      let m = cache.get(key);
      if (m === undefined) {
        const p = verts[a]!;
        const q = verts[b]!;
        const s: Vec3 = [p[0] + q[0], p[1] + q[1], p[2] + q[2]];
        const n = Math.hypot(...s);
        m = verts.push([s[0] / n, s[1] / n, s[2] / n]) - 1;
        cache.set(key, m);
      }
      return m;
    };
    faces = faces.flatMap(([a, b, c]) => {
      const ab = mid(a, b);
      const bc = mid(b, c);
      const ca = mid(c, a);
      return [
        [a, ab, ca],
        [b, bc, ab],
        [c, ca, bc],
        [ab, bc, ca],
      ] as [number, number, number][];
    });
  }
  return {
    positionsLps: Float32Array.from(verts.flatMap((v) => [v[0] * radius, v[1] * radius, v[2] * radius])),
    normalsLps: Float32Array.from(verts.flat()),
    indices: Uint32Array.from(faces.flat()),
  };
}

/** A circle arc: centre, unit normal, in-plane unit u (angle 0), radius, angular range [from, from + span]. */
interface Arc {
  centre: Vec3;
  normal: Vec3;
  u: Vec3;
  radiusMm: number;
  fromRad: number;
  spanRad: number;
  vesselRadiusMm: number;
}
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const unit = (a: Vec3): Vec3 => {
  const l = Math.hypot(...a);
  return [a[0] / l, a[1] / l, a[2] / l];
};
/** Exact distance from p to the arc's centre line: the nearest arc angle is φ(p) or an arc end. */
function arcDistance(arc: Arc, p: Vec3): number {
  const v = cross(arc.normal, arc.u);
  const q: Vec3 = [p[0] - arc.centre[0], p[1] - arc.centre[1], p[2] - arc.centre[2]];
  const h = dot(q, arc.normal);
  const x = dot(q, arc.u);
  const y = dot(q, v);
  const rho = Math.hypot(x, y);
  const phi = Math.atan2(y, x);
  const delta = (((phi - arc.fromRad) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  if (delta <= arc.spanRad) return Math.hypot(h, rho - arc.radiusMm);
  const end = (a: number): number => {
    const e: Vec3 = [
      arc.centre[0] + arc.radiusMm * (Math.cos(a) * arc.u[0] + Math.sin(a) * v[0]),
      arc.centre[1] + arc.radiusMm * (Math.cos(a) * arc.u[1] + Math.sin(a) * v[1]),
      arc.centre[2] + arc.radiusMm * (Math.cos(a) * arc.u[2] + Math.sin(a) * v[2]),
    ];
    return Math.hypot(p[0] - e[0], p[1] - e[1], p[2] - e[2]);
  };
  return Math.min(end(arc.fromRad), end(arc.fromRad + arc.spanRad));
}
/** A great circle of the cortex sphere whose normal is tilted `tiltRad` from horizontal (passes tiltRad from the pole). */
function greatCircle(normal: Vec3, vesselRadiusMm: number): Arc {
  const n = unit(normal);
  return {
    centre: [0, 0, 0],
    normal: n,
    u: unit(cross(n, [0, 0, 1])),
    radiusMm: R,
    fromRad: 0,
    spanRad: 2 * Math.PI,
    vesselRadiusMm,
  };
}
const polarAngle = 0.22;
const VESSELS: Arc[] = [
  // Passes 2 mm (0.08 rad × 25 mm) from the pole.
  greatCircle([Math.cos(0.08), 0, Math.sin(0.08)], 0.5),
  // On the other side, 3 mm from the pole.
  greatCircle([0, Math.cos(-0.12), Math.sin(-0.12)], 0.4),
  // Half of the latitude circle 5.5 mm (polar angle 0.22 rad) from the pole: it lies on the sphere.
  {
    centre: [0, 0, R * Math.cos(polarAngle)],
    normal: [0, 0, 1],
    u: [1, 0, 0],
    radiusMm: R * Math.sin(polarAngle),
    fromRad: 0,
    spanRad: Math.PI,
    vesselRadiusMm: 0.8,
  },
  // Runs 2.5 mm under the surface (radius R − 2.5, polar angle 0.25 rad, azimuth 108°–252°): radial
  // paths above it are clear at their entry and tip but not in between, so the whole path must be checked.
  {
    centre: [0, 0, (R - 2.5) * Math.cos(0.25)],
    normal: [0, 0, 1],
    u: [1, 0, 0],
    radiusMm: (R - 2.5) * Math.sin(0.25),
    fromRad: 0.6 * Math.PI,
    spanRad: 0.8 * Math.PI,
    vesselRadiusMm: 0.4,
  },
];
const vesselWallDistance = (p: Vec3): number =>
  Math.min(...VESSELS.map((a) => arcDistance(a, p) - a.vesselRadiusMm));

const GRID_MM = 0.25;
/** Interpolation bound + half a planner step + 5 µm so the map never exceeds the truth along a path. */
const ALLOWANCE_MM = (GRID_MM * Math.sqrt(3)) / 2 + THREAD_SAMPLE_STEP_MM / 2 + 0.005;

function buildScene(withVessels = true): PlanningScene {
  // The top cap of the sphere, where every test region lies, with room for 8 mm deep paths.
  const maps = createMaps([89, 89, 73], GRID_MM, [-11, -11, 9], (channel, p) => {
    if (channel === 'vessel') return withVessels ? vesselWallDistance(p) - ALLOWANCE_MM : FAR_MM;
    if (channel === 'brain') return R - Math.hypot(...p);
    return FAR_MM;
  });
  const empty: SurfaceMesh = {
    positionsLps: new Float32Array(),
    normalsLps: new Float32Array(),
    indices: new Uint32Array(),
  };
  return {
    caseRef: { caseId: 'synthetic-sphere', series: [] },
    maps,
    skull: empty,
    headFrame: { originLps: [0, 0, 0], leftLps: [1, 0, 0], posteriorLps: [0, 1, 0], superiorLps: [0, 0, 1] },
    midline: { pointLps: [0, 0, 0], normalLps: [1, 0, 0] },
    cortex: icosphere(R, 5),
    allowancesMm: { vessel: ALLOWANCE_MM, ventricle: 0, sulcus: 0, brain: 0 },
    warnings: [],
  };
}
const scene = buildScene();

/** Rigorous lower bound of the analytic clearance along entry→target (5 µm samples − Lipschitz slack). */
function analyticClearance(entry: Vec3, target: Vec3, threadRadiusMm: number): number {
  const len = Math.hypot(target[0] - entry[0], target[1] - entry[1], target[2] - entry[2]);
  const n = Math.ceil(len / 0.005);
  let best = Infinity;
  for (let i = 0; i <= n; i++) {
    const s = i / n;
    best = Math.min(
      best,
      vesselWallDistance([
        entry[0] + (target[0] - entry[0]) * s,
        entry[1] + (target[1] - entry[1]) * s,
        entry[2] + (target[2] - entry[2]) * s,
      ]),
    );
  }
  return best - len / n / 2 - threadRadiusMm;
}

const base: ThreadSiteRequest = {
  regionCenterLps: [0, 0, R],
  regionRadiusMm: 8,
  count: 12,
  insertionDepthMm: 5,
  threadRadiusMm: 0.025,
  vesselMarginMm: 0.5,
  spacingMm: 1.5,
  seed: 3,
};

function verticesWithin(centre: Vec3, radius: number): Vec3[] {
  const pos = scene.cortex!.positionsLps;
  const out: Vec3[] = [];
  for (let v = 0; v < pos.length / 3; v++) {
    const p: Vec3 = [pos[3 * v]!, pos[3 * v + 1]!, pos[3 * v + 2]!];
    if (Math.hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]) <= radius) out.push(p);
  }
  return out;
}

describe('planThreadSites', () => {
  it('places K threads that keep the margin from the analytic vessels, spaced, on the surface', () => {
    const plan = planThreadSites(scene, base);
    expect(plan.requested).toBe(12);
    expect(plan.sites).toHaveLength(12);
    const inRegion = verticesWithin(base.regionCenterLps, base.regionRadiusMm);
    expect(plan.explanation[0]).toBe(
      `${inRegion.length} cortical vertices lie within 8 mm of the region centre`,
    );
    // The vessels matter here: some vertices in the region are too close to them (analytic check).
    const unsafe = inRegion.filter((p) => {
      const n = unit(p);
      return analyticClearance(p, [p[0] - 5 * n[0], p[1] - 5 * n[1], p[2] - 5 * n[2]], 0.025) < 0.5;
    });
    expect(unsafe.length).toBeGreaterThan(10);
    const vertexKeys = new Set(inRegion.map((p) => p.join(',')));
    for (const s of plan.sites) {
      expect(vertexKeys.has(s.entryLps.join(','))).toBe(true);
      expect(Math.hypot(...s.entryLps)).toBeCloseTo(R, 4);
      const n = unit(s.entryLps);
      for (let c = 0; c < 3; c++) {
        expect(s.normalLps[c]).toBeCloseTo(n[c]!, 6);
        expect(s.targetLps[c]).toBeCloseTo(s.entryLps[c]! - 5 * n[c]!, 6);
      }
      const truth = analyticClearance(s.entryLps, s.targetLps, 0.025);
      expect(truth).toBeGreaterThanOrEqual(0.5);
      // The reported clearance is conservative, and not by more than the allowance + interpolation.
      expect(s.vesselClearanceMm).toBeLessThanOrEqual(truth + 1e-6);
      expect(s.vesselClearanceMm).toBeGreaterThanOrEqual(
        truth - ALLOWANCE_MM - GRID_MM * Math.sqrt(3) - 0.01,
      );
    }
    for (let i = 0; i < plan.sites.length; i++)
      for (let j = i + 1; j < plan.sites.length; j++) {
        const a = plan.sites[i]!.entryLps;
        const b = plan.sites[j]!.entryLps;
        expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])).toBeGreaterThanOrEqual(1.5);
      }
  });

  it('keeps the analytic margin when the region is packed right up to the vessels', () => {
    const plan = planThreadSites(scene, { ...base, count: 500, spacingMm: 1 });
    const tight = Math.min(...plan.sites.map((s) => s.vesselClearanceMm));
    // The packing reaches sites at the margin, so the analytic check below has teeth.
    expect(tight).toBeLessThan(0.5 + 0.2);
    for (const s of plan.sites)
      expect(analyticClearance(s.entryLps, s.targetLps, 0.025)).toBeGreaterThanOrEqual(0.5);
    for (let i = 0; i < plan.sites.length; i++)
      for (let j = i + 1; j < plan.sites.length; j++) {
        const a = plan.sites[i]!.entryLps;
        const b = plan.sites[j]!.entryLps;
        expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])).toBeGreaterThanOrEqual(1);
      }
  });

  it('is deterministic', () => {
    const a = planThreadSites(scene, { ...base, count: 40, spacingMm: 2 });
    const b = planThreadSites(scene, { ...base, count: 40, spacingMm: 2 });
    expect(b).toEqual(a);
  });

  it('fills a crowded region with as many threads as an exhaustive search fits, and says why not K', () => {
    // A 1 mm region 4 mm from the pole, away from the vessels (checked analytically below).
    const az = -Math.PI / 4;
    const centre: Vec3 = [
      R * Math.sin(0.16) * Math.cos(az),
      R * Math.sin(0.16) * Math.sin(az),
      R * Math.cos(0.16),
    ];
    const request = { ...base, regionCenterLps: centre, regionRadiusMm: 1, count: 3, spacingMm: 1.2 };
    const inRegion = verticesWithin(centre, 1);
    expect(inRegion.length).toBeGreaterThan(2);
    expect(inRegion.length).toBeLessThanOrEqual(16);
    for (const p of inRegion) {
      const n = unit(p);
      expect(
        analyticClearance(p, [p[0] - 5 * n[0], p[1] - 5 * n[1], p[2] - 5 * n[2]], 0.025),
      ).toBeGreaterThan(0.5 + ALLOWANCE_MM + GRID_MM);
    }
    // Largest subset of the region's vertices pairwise ≥ 1.2 mm apart, by enumeration.
    let most = 0;
    for (let mask = 1; mask < 1 << inRegion.length; mask++) {
      const pts = inRegion.filter((_, i) => mask & (1 << i));
      if (pts.length <= most) continue;
      const ok = pts.every((p, i) =>
        pts.slice(i + 1).every((q) => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]) >= 1.2),
      );
      if (ok) most = pts.length;
    }
    expect(most).toBeLessThan(3);
    const plan = planThreadSites(scene, request);
    expect(plan.sites).toHaveLength(most);
    expect(plan.explanation.at(-1)).toMatch(
      new RegExp(
        `^only ${most} of the 3 requested threads fit: no more than ${most} of the ${inRegion.length} vessel-safe sites could be kept 1\\.2 mm apart \\(tried \\d+ selections\\); widen the region or reduce the spacing$`,
      ),
    );
    // With more requested than vertices, both limits are named.
    const five = planThreadSites(scene, { ...request, count: 5 });
    expect(five.explanation.at(-1)).toMatch(
      new RegExp(
        `^only ${most} of the 5 requested threads fit: the region has ${inRegion.length} vessel-safe sites; no more than`,
      ),
    );
    expect(five.explanation.at(-1)).toMatch(
      /widen the region, lower the vessel margin or reduce the spacing$/,
    );
  });

  it('explains a region on a vessel and a region off the cortex', () => {
    // A point on the first great circle, 0.08 rad from the pole along x: the vessel runs through it.
    const onVessel: Vec3 = [-R * Math.sin(0.08), 0, R * Math.cos(0.08)];
    expect(vesselWallDistance(onVessel)).toBeLessThan(-0.4);
    const plan = planThreadSites(scene, {
      ...base,
      regionCenterLps: onVessel,
      regionRadiusMm: 0.7,
      vesselMarginMm: 1,
    });
    expect(plan.sites).toEqual([]);
    expect(
      plan.explanation.some((l) => l.startsWith('0 keep 1 mm from vessels along the whole 5 mm path')),
    ).toBe(true);
    expect(plan.explanation.at(-1)).toBe(
      'only 0 of the 12 requested threads fit: the region has 0 vessel-safe sites; widen the region or lower the vessel margin',
    );

    const off = planThreadSites(scene, { ...base, regionCenterLps: [0, 0, 100], regionRadiusMm: 5 });
    expect(off.sites).toEqual([]);
    // The nearest vertex to (0, 0, 100), found by scanning the mesh.
    const nearest = Math.min(
      ...Array.from({ length: scene.cortex!.positionsLps.length / 3 }, (_, v) =>
        Math.hypot(
          scene.cortex!.positionsLps[3 * v]!,
          scene.cortex!.positionsLps[3 * v + 1]!,
          scene.cortex!.positionsLps[3 * v + 2]! - 100,
        ),
      ),
    );
    expect(off.explanation).toEqual([
      `no cortical vertex lies within 5 mm of the region centre (the nearest is ${nearest.toFixed(2)} mm away)`,
    ]);
  });

  it('without vessels packs the region by spacing only', () => {
    const free = buildScene(false);
    const plan = planThreadSites(free, { ...base, count: 10, spacingMm: 2 });
    expect(plan.sites).toHaveLength(10);
    for (const s of plan.sites) expect(s.vesselClearanceMm).toBeCloseTo(FAR_MM - 0.025, 3);
  });

  it('needs a cortex, checks its request and can be cancelled', () => {
    const { cortex: _cortex, ...noCortex } = scene;
    expect(() => planThreadSites(noCortex, base)).toThrow(
      'thread sites: the planning scene has no cortical surface (scene.cortex); threads need the cortex, built from a T1 image',
    );
    expect(() => planThreadSites(scene, { ...base, count: 0 })).toThrow(
      'thread sites: count must be an integer from 1 to',
    );
    expect(() => planThreadSites(scene, { ...base, spacingMm: 0 })).toThrow(
      'thread sites: spacingMm must be a number > 0',
    );
    expect(() => planThreadSites(scene, { ...base, regionCenterLps: [0, NaN, 0] })).toThrow(
      'thread sites: regionCenterLps must be three finite numbers',
    );
    const ac = new AbortController();
    ac.abort();
    expect(() => planThreadSites(scene, base, { signal: ac.signal })).toThrow(CancelledError);
    const depthNote = planThreadSites(scene, { ...base, insertionDepthMm: 10 });
    expect(depthNote.explanation[0]).toBe(
      'the insertion depth 10 mm is outside the 3–8 mm threads are inserted to',
    );
  });
});
