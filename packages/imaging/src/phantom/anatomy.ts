/**
 * The analytic head of the phantom, in the CT patient frame (DICOM LPS, millimetres): nested ellipsoids
 * for scalp, skull (outer table, diploë, inner table), CSF, cortex and white matter, lateral ventricles and
 * deep grey nuclei, and the interhemispheric fissure with the falx (a thin midline CSF sheet from the
 * vertex down towards the corpus callosum); a flat skull base: the CSF, brain and white matter shells
 * are cut by parallel floors, with the inner table and a thick diploë below them; spherical skull-mounted fiducials; a seeded branching vessel
 * tree of centreline polylines with a radius per point. Pure and deterministic for a seed.
 *
 * Like a real head it has no near-symmetry that a rigid registration could slide along: the brain is
 * clearly wider than it is tall and flat underneath (so the coronal outline is no circle), the lateral
 * ventricles differ in
 * size (the left one larger, as it commonly is), and the midline sheet fixes the sagittal plane.
 *
 * Every coordinate and radius the ground truth reports is rounded to 0.1 µm here, before anything is
 * rasterised, so the numbers written to ground-truth.json are exactly the ones the images were made from.
 */
import { add, cross, dot, norm, normalize, scale, sub, type Mat3, type Vec3 } from '../math.ts';
import { gaussian3, signedUniform, streamFor, uniform, type Rng } from './random.ts';

/** Tissue codes of the label model; vessels and fiducials are drawn over them with partial volume. */
export const TISSUE_LABELS = {
  air: 0,
  scalp: 1,
  boneCortical: 2,
  boneDiploe: 3,
  csf: 4,
  greyMatter: 5,
  whiteMatter: 6,
  ventricle: 7,
  deepGreyMatter: 8,
  vessel: 9,
  fiducial: 10,
} as const;
export type TissueName = keyof typeof TISSUE_LABELS;

export interface Ellipsoid {
  centerLps: Vec3;
  semiAxesMm: Vec3;
  /** Row-major 3×3 rotation; its columns are the ellipsoid's own x, y, z axes in LPS. */
  axesLps: number[];
  /**
   * A flat floor: when present, only points whose own z coordinate ((p − centre) · z axis) is at least
   * −floorMm are inside (the skull base cuts the bottom off the intracranial shells).
   */
  floorMm?: number;
}

export interface VesselCenterline {
  name: string;
  /** 0 for a trunk, 1..3 for branches of branches. */
  level: number;
  /** Index of the parent vessel in the tree list, −1 for a trunk; a branch starts on a parent point. */
  parentIndex: number;
  /** Centreline samples every 0.5 mm of arc length. */
  pointsLps: Vec3[];
  radiiMm: number[];
}

export interface Fiducial {
  centerLps: Vec3;
  radiusMm: number;
}

export interface HeadAnatomy {
  headCenterLps: Vec3;
  /** Centre of the brain ellipsoid (the shells are concentric, so also the head centre). */
  brainCenterLps: Vec3;
  /** Shared orientation of the shells (row-major, columns = head left, posterior, superior axes in LPS). */
  headAxesLps: number[];
  shells: {
    scalpOuter: Ellipsoid;
    skullOuter: Ellipsoid;
    diploeOuter: Ellipsoid;
    diploeInner: Ellipsoid;
    skullInner: Ellipsoid;
    brainOuter: Ellipsoid;
    whiteMatter: Ellipsoid;
  };
  thicknessMm: {
    scalp: number;
    skull: number;
    outerTable: number;
    innerTable: number;
    csf: number;
    cortex: number;
  };
  ventricles: Ellipsoid[];
  deepGrey: Ellipsoid[];
  /** Interhemispheric fissure with the falx: a thin sagittal sheet of CSF in the upper midline. */
  falx: Ellipsoid;
  fiducials: Fiducial[];
  vessels: VesselCenterline[];
}

/** Rounds to 0.1 µm: the resolution of every reported coordinate. */
export const roundMm = (x: number): number => {
  const r = Math.round(x * 1e4) / 1e4;
  return r === 0 ? 0 : r; // no −0 in JSON
};
const roundVec = (v: Vec3): Vec3 => [roundMm(v[0]), roundMm(v[1]), roundMm(v[2])];

const DEG = Math.PI / 180;

/** Row-major rotation R = Rz(γ)·Ry(β)·Rx(α), angles in degrees (about the L, P and S axes). */
export function rotationXyz(alphaDeg: number, betaDeg: number, gammaDeg: number): Mat3 {
  const [ca, sa] = [Math.cos(alphaDeg * DEG), Math.sin(alphaDeg * DEG)];
  const [cb, sb] = [Math.cos(betaDeg * DEG), Math.sin(betaDeg * DEG)];
  const [cg, sg] = [Math.cos(gammaDeg * DEG), Math.sin(gammaDeg * DEG)];
  return Float64Array.of(
    cg * cb,
    cg * sb * sa - sg * ca,
    cg * sb * ca + sg * sa,
    sg * cb,
    sg * sb * sa + cg * ca,
    sg * sb * ca - cg * sa,
    -sb,
    cb * sa,
    cb * ca,
  );
}

export const mat3Apply = (m: ArrayLike<number>, v: Vec3): Vec3 => [
  m[0]! * v[0] + m[1]! * v[1] + m[2]! * v[2],
  m[3]! * v[0] + m[4]! * v[1] + m[5]! * v[2],
  m[6]! * v[0] + m[7]! * v[1] + m[8]! * v[2],
];
export function mat3Multiply(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) for (let m = 0; m < 3; m++) out[r * 3 + c]! += a[r * 3 + m]! * b[m * 3 + c]!;
  return out;
}
const mat3ApplyT = (m: ArrayLike<number>, v: Vec3): Vec3 => [
  m[0]! * v[0] + m[3]! * v[1] + m[6]! * v[2],
  m[1]! * v[0] + m[4]! * v[1] + m[7]! * v[2],
  m[2]! * v[0] + m[5]! * v[1] + m[8]! * v[2],
];

/** Symmetric quadric matrix Q with p inside ⇔ (p−c)ᵀQ(p−c) ≤ 1. */
export function ellipsoidQuadric(e: Ellipsoid): number[] {
  const q = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let m = 0; m < 3; m++)
        s += (e.axesLps[r * 3 + m]! * e.axesLps[c * 3 + m]!) / e.semiAxesMm[m]! ** 2;
      q[r * 3 + c] = s;
    }
  return q;
}

/** Ellipsoid's normalised radius ρ (1 on its surface) and outward unit normal at p. */
function ellipsoidFrame(e: Ellipsoid, q: number[], p: Vec3): { rho: number; normal: Vec3; local: Vec3 } {
  const d = sub(p, e.centerLps);
  const local = mat3ApplyT(e.axesLps, d);
  const u: Vec3 = [local[0] / e.semiAxesMm[0], local[1] / e.semiAxesMm[1], local[2] / e.semiAxesMm[2]];
  const g = mat3Apply(q, d);
  return { rho: norm(u), normal: norm(g) > 0 ? normalize(g) : [0, 0, 1], local };
}

const shrink = (e: Ellipsoid, byMm: number): Ellipsoid => ({
  centerLps: e.centerLps,
  semiAxesMm: roundVec([e.semiAxesMm[0] - byMm, e.semiAxesMm[1] - byMm, e.semiAxesMm[2] - byMm]),
  axesLps: e.axesLps,
});

/** Rodrigues rotation of v about unit axis k by `angle` radians. */
function rotateAbout(v: Vec3, k: Vec3, angle: number): Vec3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return add(add(scale(v, c), scale(cross(k, v), s)), scale(k, dot(k, v) * (1 - c)));
}

interface GrowContext {
  brain: Ellipsoid;
  brainQ: number[];
  csfMm: number;
  rng: Rng;
}

/**
 * Grows one centreline by 0.5 mm steps. A trunk first heads for `entryLps` (an "ascent" through the
 * brain), then every vessel follows the cortical surface at a depth of about its radius, curving
 * smoothly (a correlated random turn) and drifting along `goal`. Stops early rather than leave the
 * intracranial space.
 */
function growVessel(
  ctx: GrowContext,
  start: Vec3,
  direction: Vec3,
  lengthMm: number,
  r0: number,
  r1: number,
  goal: Vec3,
  entryLps?: Vec3,
): { points: Vec3[]; radii: number[] } {
  const step = 0.5;
  const steps = Math.max(1, Math.floor(lengthMm / step));
  const points: Vec3[] = [start];
  const radii: number[] = [Math.max(0.5, r0)];
  let p = start;
  let d = normalize(direction);
  let w: Vec3 = [0, 0, 0];
  let ascending = entryLps !== undefined;
  for (let s = 1; s <= steps; s++) {
    const r = Math.max(0.5, r0 + ((r1 - r0) * s) / steps);
    const { rho, normal } = ellipsoidFrame(ctx.brain, ctx.brainQ, p);
    const depthMm = rho > 1e-6 ? ((1 - rho) * norm(sub(p, ctx.brain.centerLps))) / rho : Infinity;
    const targetDepth = r + 0.6;
    const g = gaussian3(ctx.rng);
    w = add(scale(w, 0.92), scale(g, 0.4));
    const turn = scale(w, 0.025 * step);
    if (ascending && entryLps && depthMm > targetDepth + 1.5) {
      const toEntry = normalize(sub(entryLps, p));
      d = normalize(add(add(d, scale(sub(toEntry, d), 0.12)), turn));
    } else {
      ascending = false;
      const goalTangent = sub(goal, scale(normal, dot(goal, normal)));
      let nd = add(add(d, scale(goalTangent, 0.04)), turn);
      nd = sub(nd, scale(normal, dot(nd, normal)));
      const correction = Math.max(-0.3, Math.min(0.3, 0.15 * (depthMm - targetDepth)));
      d = normalize(add(nd, scale(normal, correction)));
    }
    const next = add(p, scale(d, step));
    // Stay intracranial: the tube must not reach the inner skull, nor dive under the brain base or deep.
    const f = ellipsoidFrame(ctx.brain, ctx.brainQ, next);
    const nextDepth = ((1 - f.rho) * norm(sub(next, ctx.brain.centerLps))) / Math.max(f.rho, 1e-6);
    const floorMm = ctx.brain.floorMm ?? 0.8 * ctx.brain.semiAxesMm[2];
    if (nextDepth < -(ctx.csfMm - r - 0.3) || f.local[2] < -floorMm + r + 0.5 || f.rho < 0.3) break;
    p = next;
    points.push(p);
    radii.push(r);
  }
  return { points, radii };
}

/** Builds the head for `seed` (a uint32). */
export function buildHeadAnatomy(seed: number): HeadAnatomy {
  const shapeRng = streamFor(seed, 'head-shape');
  const headCenterLps = roundVec([
    uniform(shapeRng, -2, 2),
    uniform(shapeRng, 8, 16),
    uniform(shapeRng, 78, 92),
  ]);
  const headAxesLps = Array.from(
    rotationXyz(uniform(shapeRng, -3, 3), uniform(shapeRng, -3, 3), uniform(shapeRng, -3, 3)),
  );
  const thicknessMm = {
    scalp: roundMm(uniform(shapeRng, 5, 6)),
    skull: roundMm(uniform(shapeRng, 5.5, 7)),
    outerTable: 1.8,
    innerTable: 1.5,
    csf: roundMm(uniform(shapeRng, 2.8, 3.6)),
    cortex: 3,
  };
  const scalpOuter: Ellipsoid = {
    centerLps: headCenterLps,
    // An adult head is ~150-160 mm wide, ~185 mm long and much lower above the centre than it is wide:
    // brain semi-axes come out near 64 (L) × 77 (P) × 51 (S) mm.
    semiAxesMm: roundVec([
      79 + uniform(shapeRng, -2, 2),
      92 + uniform(shapeRng, -2, 2),
      66 + uniform(shapeRng, -2, 2),
    ]),
    axesLps: headAxesLps,
  };
  const skullOuter = shrink(scalpOuter, thicknessMm.scalp);
  const diploeOuter = shrink(skullOuter, thicknessMm.outerTable);
  const skullInner = shrink(skullOuter, thicknessMm.skull);
  // The skull base: the intracranial space ends at a floor 72 % of the way down (the cranial fossae),
  // the layers above it keep their thicknesses, and the bone below is diploë under an inner table.
  const baseMm = roundMm(0.72 * skullInner.semiAxesMm[2]);
  const diploeInner = {
    ...shrink(skullInner, -thicknessMm.innerTable),
    floorMm: baseMm + thicknessMm.innerTable,
  };
  const skullInnerFloored = { ...skullInner, floorMm: baseMm };
  const brainOuter = { ...shrink(skullInner, thicknessMm.csf), floorMm: roundMm(baseMm - thicknessMm.csf) };
  const whiteMatter = {
    ...shrink(brainOuter, thicknessMm.cortex),
    floorMm: roundMm(baseMm - thicknessMm.csf - thicknessMm.cortex),
  };

  // Inner structures are placed in head coordinates (left, posterior, superior from the centre).
  const inHead = (v: Vec3): Vec3 => roundVec(add(headCenterLps, mat3Apply(headAxesLps, v)));
  // A structure's own axes: the head axes turned by a small yaw about the head's superior axis.
  const tilted = (yawDeg: number): number[] => mat3Multiply(headAxesLps, rotationXyz(0, 0, yawDeg));
  const innerRng = streamFor(seed, 'inner');
  const ventricles: Ellipsoid[] = [];
  const deepGrey: Ellipsoid[] = [];
  for (const side of [1, -1]) {
    // The left lateral ventricle is commonly the larger one: here by ~10 % in each semi-axis.
    const size = side === 1 ? 1.05 : 0.95;
    ventricles.push({
      centerLps: inHead([
        side * uniform(innerRng, 9, 11),
        uniform(innerRng, -4, 0),
        uniform(innerRng, 13, 16),
      ]),
      semiAxesMm: roundVec([
        size * uniform(innerRng, 4.5, 6),
        size * uniform(innerRng, 20, 24),
        size * uniform(innerRng, 6.5, 8),
      ]),
      axesLps: tilted(side * uniform(innerRng, 6, 10)),
    });
    deepGrey.push({
      centerLps: inHead([
        side * uniform(innerRng, 15, 17),
        uniform(innerRng, 2, 6),
        uniform(innerRng, -4, 0),
      ]),
      semiAxesMm: roundVec([uniform(innerRng, 6.5, 8), uniform(innerRng, 10, 13), uniform(innerRng, 8, 10)]),
      axesLps: tilted(side * uniform(innerRng, -8, 8)),
    });
  }

  // The fissure runs from the vertex (the brain's top) down to ~27 mm above the centre, just over the
  // ventricles, 4 mm wide, over three quarters of the brain's length; it stays inside the inner skull.
  const falxBottomMm = 27;
  const brainTopMm = brainOuter.semiAxesMm[2];
  const falx: Ellipsoid = {
    centerLps: inHead([0, uniform(innerRng, -3, 3), (falxBottomMm + brainTopMm) / 2]),
    semiAxesMm: roundVec([2, 0.75 * brainOuter.semiAxesMm[1], (brainTopMm - falxBottomMm) / 2]),
    axesLps: headAxesLps,
  };

  // Fiducials: 4–6 spheres of 4 mm diameter resting on the skull (centre 1.2 mm above the outer
  // table, so they sit in the scalp, slightly sunk into bone), spread around the upper head.
  const fidRng = streamFor(seed, 'fiducials');
  const fiducialCount = 4 + Math.floor(fidRng() * 3);
  const skullOuterQ = ellipsoidQuadric(skullOuter);
  const fiducials: Fiducial[] = [];
  const phase = uniform(fidRng, 0, 2 * Math.PI);
  for (let m = 0; m < fiducialCount; m++) {
    const azimuth = phase + (2 * Math.PI * m) / fiducialCount + uniform(fidRng, -0.3, 0.3);
    const elevation = uniform(fidRng, 15, 55) * DEG;
    const dir = mat3Apply(headAxesLps, [
      Math.cos(elevation) * Math.cos(azimuth),
      Math.cos(elevation) * Math.sin(azimuth),
      Math.sin(elevation),
    ]);
    // Ray from the centre to the skull surface: |t·dir|_Q = 1.
    const t = 1 / Math.sqrt(dot(dir, mat3Apply(skullOuterQ, dir)));
    const surface = add(headCenterLps, scale(dir, t));
    const outward = normalize(mat3Apply(skullOuterQ, scale(dir, t)));
    fiducials.push({ centerLps: roundVec(add(surface, scale(outward, 1.2))), radiusMm: 2 });
  }

  const vessels = buildVesselTree(seed, brainOuter, thicknessMm.csf, inHead, headAxesLps);
  return {
    headCenterLps,
    brainCenterLps: headCenterLps,
    headAxesLps,
    shells: {
      scalpOuter,
      skullOuter,
      diploeOuter,
      diploeInner,
      skullInner: skullInnerFloored,
      brainOuter,
      whiteMatter,
    },
    thicknessMm,
    ventricles,
    deepGrey,
    falx,
    fiducials,
    vessels,
  };
}

/**
 * Four trunks rise from the brain base (two lateral, one anterior, one posterior, like the middle,
 * anterior and posterior cerebral arteries), reach the cortex and run over it; each trunk has 2–3
 * branches, those 1–2, and those 0–1, radii tapering from ~2.4 mm to the 0.5 mm floor.
 */
function buildVesselTree(
  seed: number,
  brain: Ellipsoid,
  csfMm: number,
  inHead: (v: Vec3) => Vec3,
  headAxes: number[],
): VesselCenterline[] {
  const rng = streamFor(seed, 'vessels');
  const ctx: GrowContext = { brain, brainQ: ellipsoidQuadric(brain), csfMm, rng };
  const [ax, ay, az] = brain.semiAxesMm;
  const headDir = (v: Vec3): Vec3 => normalize(mat3Apply(headAxes, v));
  const vessels: VesselCenterline[] = [];
  const jitter = (s: number): number => uniform(rng, -s, s);
  const trunks: { name: string; start: Vec3; entry: Vec3; goal: Vec3 }[] = [
    {
      name: 'trunk-left-lateral',
      start: [12 + jitter(2), -6 + jitter(3), -0.45 * az],
      entry: [0.95 * ax, -8 + jitter(8), -12 + jitter(6)],
      goal: [0, 0.3 + jitter(0.2), 1],
    },
    {
      name: 'trunk-right-lateral',
      start: [-12 + jitter(2), -6 + jitter(3), -0.45 * az],
      entry: [-0.95 * ax, -8 + jitter(8), -12 + jitter(6)],
      goal: [0, 0.3 + jitter(0.2), 1],
    },
    {
      name: 'trunk-anterior',
      start: [3 + jitter(2), -16 + jitter(3), -0.45 * az],
      entry: [jitter(4), -0.92 * ay, 5 + jitter(6)],
      goal: [jitter(0.2), 0.4, 1],
    },
    {
      name: 'trunk-posterior',
      start: [-2 + jitter(2), 12 + jitter(3), -0.5 * az],
      entry: [jitter(6), 0.92 * ay, -5 + jitter(6)],
      goal: [jitter(0.3), -0.2, 1],
    },
  ];
  const addVessel = (
    name: string,
    level: number,
    parentIndex: number,
    grown: { points: Vec3[]; radii: number[] },
  ): number => {
    vessels.push({
      name,
      level,
      parentIndex,
      pointsLps: grown.points.map(roundVec),
      radiiMm: grown.radii.map(roundMm),
    });
    return vessels.length - 1;
  };
  const branchesPerLevel = [
    () => 2 + Math.floor(rng() * 2),
    () => 1 + Math.floor(rng() * 2),
    () => Math.floor(rng() * 2),
  ];
  const lengthPerLevel = [
    [120, 170],
    [45, 75],
    [20, 35],
    [12, 20],
  ] as const;
  const grow = (index: number, goal: Vec3): void => {
    const parent = vessels[index]!;
    const level = parent.level + 1;
    if (level > 3) return;
    const count = branchesPerLevel[level - 1]!();
    const n = parent.pointsLps.length;
    if (n < 20) return;
    for (let b = 0; b < count; b++) {
      const at = Math.min(
        n - 3,
        Math.max(2, Math.floor(n * uniform(rng, 0.2 + (0.6 * b) / count, 0.2 + (0.6 * (b + 1)) / count))),
      );
      const rParent = parent.radiiMm[at]!;
      const r0 = rParent * uniform(rng, 0.55, 0.75);
      if (r0 < 0.55) continue;
      const p = parent.pointsLps[at]!;
      const tangent = normalize(sub(parent.pointsLps[at + 1]!, parent.pointsLps[at - 1]!));
      const { normal } = ellipsoidFrame(brain, ctx.brainQ, p);
      const side = b % 2 === 0 ? 1 : -1;
      const dir = rotateAbout(tangent, normal, side * uniform(rng, 35, 65) * DEG);
      // Branches fan out over the cortex: the parent's heading turned within the surface by 30–80°.
      const goalTangent = sub(goal, scale(normal, dot(goal, normal)));
      const base = norm(goalTangent) > 1e-3 ? normalize(goalTangent) : tangent;
      const branchGoal = rotateAbout(base, normal, side * uniform(rng, 30, 80) * DEG);
      const [lo, hi] = lengthPerLevel[level]!;
      const grown = growVessel(
        ctx,
        p,
        dir,
        uniform(rng, lo, hi),
        r0,
        Math.max(0.5, r0 * uniform(rng, 0.45, 0.7)),
        branchGoal,
      );
      if (grown.points.length < 6) continue;
      const child = addVessel(`${parent.name}.${b + 1}`, level, index, grown);
      grow(child, branchGoal);
    }
  };
  for (const t of trunks) {
    const start = inHead(t.start);
    const entry = inHead(t.entry);
    const goal = headDir(t.goal);
    const grown = growVessel(
      ctx,
      start,
      sub(entry, start),
      uniform(rng, lengthPerLevel[0][0], lengthPerLevel[0][1]),
      uniform(rng, 2.2, 2.5),
      uniform(rng, 1.3, 1.6),
      goal,
      entry,
    );
    const index = addVessel(t.name, 0, -1, grown);
    grow(index, goal);
  }
  return vessels;
}

/**
 * The rigid CT→MR transform for `seed`: 2–5° about each of the L, P and S axes and 4–10 mm along
 * each, as a row-major 4×4 (MR LPS = R·CT LPS + t).
 */
export function buildCtToMr(seed: number): number[] {
  const rng = streamFor(seed, 'ct-to-mr');
  const r = rotationXyz(signedUniform(rng, 2, 5), signedUniform(rng, 2, 5), signedUniform(rng, 2, 5));
  const t = [signedUniform(rng, 4, 10), signedUniform(rng, 4, 10), signedUniform(rng, 4, 10)].map(roundMm);
  return [r[0]!, r[1]!, r[2]!, t[0]!, r[3]!, r[4]!, r[5]!, t[1]!, r[6]!, r[7]!, r[8]!, t[2]!, 0, 0, 0, 1];
}

/** Inverse of a rigid row-major 4×4 (Rᵀ, −Rᵀt), exact up to rounding. */
export function invertRigid(m: readonly number[]): number[] {
  const rt = [m[0]!, m[4]!, m[8]!, m[1]!, m[5]!, m[9]!, m[2]!, m[6]!, m[10]!];
  const t: Vec3 = [m[3]!, m[7]!, m[11]!];
  const ti = mat3Apply(rt, t);
  return [
    rt[0]!,
    rt[1]!,
    rt[2]!,
    -ti[0],
    rt[3]!,
    rt[4]!,
    rt[5]!,
    -ti[1],
    rt[6]!,
    rt[7]!,
    rt[8]!,
    -ti[2],
    0,
    0,
    0,
    1,
  ];
}
