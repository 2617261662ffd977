/**
 * Stereotactic frame: N-localizer fiducials, paired-point registration, Leksell coordinates and arc angles.
 *
 * Expected values come from (a) arithmetic written out in the comments below, for a frame aligned with the
 * patient's axes (Leksell X = left, Y = anterior, Z = inferior, centre (100, 100, 100); see src/frame/leksell.ts),
 * and (b) test/frame-oracle.py (numpy + scipy, independent of our code): it synthesises the N-localizer dots
 * by intersecting the rods with axial image planes, fits the frame by SVD (Arun/Umeyama), and computes arc
 * trajectories by composing scipy rotations.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../src/frame/eigen.ts';
import {
  alignedFrameRegistration,
  DEFAULT_ARC_CONVENTION,
  leksellSettingToText,
  leksellToLps,
  leksellToTrajectory,
  lpsToLeksell,
  trajectoryToLeksell,
  type LeksellSetting,
} from '../src/frame/leksell.ts';
import {
  LEKSELL_G_LOCALIZER,
  nLocalizerPoints,
  type PlateDots,
  type PlateName,
} from '../src/frame/nLocalizer.ts';
import { applyMatrix, registerFrame, type FramePair } from '../src/frame/pairedPoint.ts';
import type { Vec3 } from '../src/vec.ts';

const here = dirname(fileURLToPath(import.meta.url));
const oracle = <T>(request: object): T =>
  JSON.parse(
    execFileSync('/usr/bin/python3', [join(here, 'frame-oracle.py')], {
      input: JSON.stringify(request),
      encoding: 'utf8',
    }),
  ) as T;

const expectVec = (got: Vec3, want: Vec3, tol: number): void => {
  for (let k = 0; k < 3; k++)
    expect(Math.abs(got[k]! - want[k]!), `component ${k}: ${got} vs ${want}`).toBeLessThan(tol);
};
const expectMatrix = (got: number[], want: number[], tol: number): void => {
  expect(got).toHaveLength(16);
  for (let k = 0; k < 16; k++) expect(Math.abs(got[k]! - want[k]!), `entry ${k}`).toBeLessThan(tol);
};

// The hand-worked frame: aligned with the patient, its centre (100, 100, 100) at LPS O = (10, −20, 30).
// LPS = O + (X − 100, −(Y − 100), −(Z − 100)): X grows to the left (+L), Y anteriorly (−P), Z inferiorly (−S).
const O: Vec3 = [10, -20, 30];
const handPairs: FramePair[] = [
  { frameXyz: [100, 100, 100], imageLps: [10, -20, 30] }, // centre ↔ O
  { frameXyz: [150, 100, 100], imageLps: [60, -20, 30] }, // 50 mm to the left: L + 50
  { frameXyz: [100, 150, 100], imageLps: [10, -70, 30] }, // 50 mm anterior: P − 50
  { frameXyz: [100, 100, 150], imageLps: [10, -20, -20] }, // 50 mm inferior: S − 50
];
// frameToLps = [[1,0,0, 10−100], [0,−1,0, −20+100], [0,0,−1, 30+100]]
const handFrameToLps = [1, 0, 0, -90, 0, -1, 0, 80, 0, 0, -1, 130, 0, 0, 0, 1];

describe('symmetricEigen (Jacobi)', () => {
  it('diagonalises small symmetric matrices', () => {
    // [[2,1],[1,2]]: eigenvalues 3 (vector (1,1)/√2) and 1 (vector (1,−1)/√2).
    const e = symmetricEigen([2, 1, 1, 2], 2);
    expect(e.values[0]).toBeCloseTo(3, 12);
    expect(e.values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(e.vectors[0]![0]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(e.vectors[0]![0]! * e.vectors[0]![1]!).toBeCloseTo(0.5, 12);
    // A diagonal matrix out of order: values sorted largest first, vectors the matching unit axes.
    const d = symmetricEigen([1, 0, 0, 0, 5, 0, 0, 0, 3], 3);
    expect(d.values).toEqual([5, 3, 1]);
    expect(d.vectors[0]!.map(Math.abs)).toEqual([0, 1, 0]);
  });
});

describe('registerFrame (hand-worked)', () => {
  const reg = registerFrame(handPairs);

  it('recovers the hand-written transform of an aligned frame', () => {
    expectMatrix(reg.frameToLps, handFrameToLps, 1e-12);
    expect(reg.freMm).toBeLessThan(1e-12);
    expect(reg.residualsMm).toHaveLength(4);
    // lpsToFrame = inverse: X = L + 90, Y = 80 − P, Z = 130 − S.
    expectMatrix(reg.lpsToFrame, [1, 0, 0, 90, 0, -1, 0, 80, 0, 0, -1, 130, 0, 0, 0, 1], 1e-12);
    expectMatrix(alignedFrameRegistration(O).frameToLps, handFrameToLps, 1e-15);
  });

  it('maps the frame centre and offsets along each axis by hand', () => {
    const at = (p: Vec3): Vec3 => {
      const c = lpsToLeksell(reg, p);
      return [c.xMm, c.yMm, c.zMm];
    };
    expectVec(at(O), [100, 100, 100], 1e-12); // the centre maps to the image point it was registered to
    expectVec(at([20, -20, 30]), [110, 100, 100], 1e-12); // 10 mm to the patient's left: X = 110
    expectVec(at([0, -20, 30]), [90, 100, 100], 1e-12); // 10 mm to the right: X = 90
    expectVec(at([10, -30, 30]), [100, 110, 100], 1e-12); // 10 mm anterior (P − 10): Y = 110
    expectVec(at([10, -20, 40]), [100, 100, 90], 1e-12); // 10 mm superior (S + 10): Z = 90
    // X 112.5 Y 94 Z 121.3 → LPS (10 + 12.5, −20 − (94 − 100), 30 − 21.3) = (22.5, −14, 8.7)
    expectVec(leksellToLps(reg, { xMm: 112.5, yMm: 94, zMm: 121.3 }), [22.5, -14, 8.7], 1e-12);
  });
});

describe('trajectoryToLeksell / leksellToTrajectory (hand-worked, aligned frame at O)', () => {
  const reg = registerFrame(handPairs);
  const s30 = 0.5;
  const c30 = Math.sqrt(3) / 2;

  it('a vertical trajectory from above is ring 90 / arc 90', () => {
    // entry 60 mm straight above the target (S + 60): frame direction target→entry (0, 0, −1).
    const s = trajectoryToLeksell(reg, [10, -20, 90], O);
    expect([s.xMm, s.yMm, s.zMm]).toEqual([100, 100, 100]);
    expect(s.ringDeg).toBeCloseTo(90, 12);
    expect(s.arcDeg).toBeCloseTo(90, 12);
    expect(s.depthMm).toBeCloseTo(60, 12);
  });

  it('a 30° anterior tilt in the sagittal plane is ring 60; posterior ring 120', () => {
    // entry = O + 60·(0, −sin30, cos30) (anterior and up): frame u = (0, 0.5, −0.866);
    // ring = atan2(−u_z, u_y) = atan2(0.866, 0.5) = 60°, arc = acos(u_x) = 90°.
    const ant = trajectoryToLeksell(reg, [10, -20 - 60 * s30, 30 + 60 * c30], O);
    expect(ant.ringDeg).toBeCloseTo(60, 10);
    expect(ant.arcDeg).toBeCloseTo(90, 10);
    // posterior: u = (0, −0.5, −0.866): ring = atan2(0.866, −0.5) = 120°.
    const post = trajectoryToLeksell(reg, [10, -20 + 60 * s30, 30 + 60 * c30], O);
    expect(post.ringDeg).toBeCloseTo(120, 10);
    expect(post.arcDeg).toBeCloseTo(90, 10);
  });

  it('a 30° lateral tilt in the coronal plane is arc 60 from the left (120 with the arc zero on the right)', () => {
    // entry = O + 60·(sin30, 0, cos30) (left and up): frame u = (0.5, 0, −0.866); arc = acos(0.5) = 60°, ring 90.
    const entry: Vec3 = [10 + 60 * s30, -20, 30 + 60 * c30];
    const left = trajectoryToLeksell(reg, entry, O);
    expect(left.arcDeg).toBeCloseTo(60, 10);
    expect(left.ringDeg).toBeCloseTo(90, 10);
    const right = trajectoryToLeksell(reg, entry, O, { ...DEFAULT_ARC_CONVENTION, arcZeroSide: 'right' });
    expect(right.arcDeg).toBeCloseTo(120, 10); // acos(−0.5)
  });

  it('an oblique trajectory: frame u ∝ (1, 1, −1) gives arc 54.7356°, ring 45°', () => {
    // frame (1, 1, −1) is LPS (1, −1, 1) (left, anterior, up); arc = acos(1/√3) = 54.7356103°,
    // ring = atan2(1/√3, 1/√3) = 45°. Target off centre: LPS (15, −25, 20) → X 105, Y 105, Z 110.
    const k = 30 / Math.sqrt(3);
    const s = trajectoryToLeksell(reg, [15 + k, -25 - k, 20 + k], [15, -25, 20]);
    expect(s.xMm).toBeCloseTo(105, 12);
    expect(s.yMm).toBeCloseTo(105, 12);
    expect(s.zMm).toBeCloseTo(110, 12);
    expect(s.arcDeg).toBeCloseTo(54.7356103172, 8);
    expect(s.ringDeg).toBeCloseTo(45, 10);
    expect(s.depthMm).toBeCloseTo(30, 12);
  });

  it('leksellToTrajectory places the entry back along the set direction', () => {
    // X/Y/Z 100, ring 60, arc 90, 60 mm: entry = O + 60·(0, −0.5, 0.866) = (10, −50, 81.96).
    const t = leksellToTrajectory(reg, { xMm: 100, yMm: 100, zMm: 100, ringDeg: 60, arcDeg: 90 }, 60);
    expectVec(t.targetLps, O, 1e-12);
    expectVec(t.entryLps, [10, -20 - 60 * s30, 30 + 60 * c30], 1e-12);
    // ring 90 / arc 0 (left zero side): horizontal from the patient's left: entry = O + (60, 0, 0).
    const lat = leksellToTrajectory(reg, { xMm: 100, yMm: 100, zMm: 100, ringDeg: 90, arcDeg: 0 }, 60);
    expectVec(lat.entryLps, [70, -20, 30], 1e-12);
    // and back: a horizontal lateral probe reads arc 0, ring 90 by convention.
    const back = trajectoryToLeksell(reg, lat.entryLps, lat.targetLps);
    expect(back.arcDeg).toBeCloseTo(0, 10);
    expect(back.ringDeg).toBe(90);
  });

  it('refuses settings the arc cannot take and degenerate trajectories, with clear errors', () => {
    expect(() => trajectoryToLeksell(reg, [10, -20, -30], O)).toThrow(/below the target/);
    // 60° anterior tilt is ring 30: outside an instrument range of 45–135°.
    const narrow = { ...DEFAULT_ARC_CONVENTION, ringRangeDeg: [45, 135] as [number, number] };
    expect(() => trajectoryToLeksell(reg, [10, -20 - 60 * c30, 30 + 60 * s30], O, narrow)).toThrow(
      /ring angle 30\.0° is outside the settable range 45–135°/,
    );
    expect(() =>
      leksellToTrajectory(reg, { xMm: 100, yMm: 100, zMm: 100, ringDeg: 190, arcDeg: 90 }, 50),
    ).toThrow(/ring angle 190\.0° is outside/);
    expect(() =>
      leksellToTrajectory(reg, { xMm: 100, yMm: 100, zMm: 100, ringDeg: 90, arcDeg: -5 }, 50),
    ).toThrow(/arc angle -5\.0° is outside/);
    expect(() =>
      leksellToTrajectory(reg, { xMm: 100, yMm: 100, zMm: 100, ringDeg: 90, arcDeg: 90 }, 0),
    ).toThrow(/length must be/);
    expect(() => trajectoryToLeksell(reg, O, O)).toThrow(/less than 0.5 mm/);
    expect(() => trajectoryToLeksell(reg, [Number.NaN, 0, 0], O)).toThrow(/entry must be three finite/);
    expect(() => lpsToLeksell({ ...reg, lpsToFrame: reg.lpsToFrame.slice(0, 15) }, O)).toThrow(/4×4/);
    expect(() => leksellToLps(reg, { xMm: 1, yMm: Number.POSITIVE_INFINITY, zMm: 3 })).toThrow(/finite/);
  });

  it('prints settings the way a surgeon reads them', () => {
    const s: LeksellSetting = { xMm: 112.5, yMm: 94, zMm: 121.3, ringDeg: 72, arcDeg: 105.5 };
    expect(leksellSettingToText(s)).toBe('X 112.5 Y 94.0 Z 121.3 Ring 72.0° Arc 105.5°');
    expect(leksellSettingToText({ ...s, xMm: 99.96, depthMm: 65 })).toBe(
      'X 100.0 Y 94.0 Z 121.3 Ring 72.0° Arc 105.5° Depth 65.0 mm',
    );
    expect(leksellSettingToText({ ...s, arcDeg: -0.01 })).toContain('Arc 0.0°');
  });
});

describe('nLocalizerPoints (hand-worked, aligned frame at O)', () => {
  it("applies Brown's formula on the left and anterior plates", () => {
    // Axial image at frame Z = 70, i.e. LPS S = 30 − (70 − 100) = 60.
    // Left plate (X = 195 → L = 10 + 95 = 105): posterior rod Y = 40 → P = −20 − (40 − 100) = 40,
    // anterior rod Y = 160 → P = −80; the diagonal runs (Y 40, Z 40) → (Y 160, Z 160), so at Z = 70 it is at
    // Y = 70 → P = 10. |AB| = 30, |AC| = 120, t = 0.25, Z = 40 + 0.25·120 = 70 (= 40 + |AB| for a 45° N).
    // Anterior plate (Y = 195 → P = −20 − 95 = −115): right rod X = 40 → L = −50, left rod X = 160 → L = 70;
    // diagonal (X 40, Z 40) → (X 160, Z 160) at Z = 70: X = 70 → L = −20.
    const dots: PlateDots[] = [
      {
        plate: 'left',
        dots: [
          [105, 40, 60],
          [105, 10, 60],
          [105, -80, 60],
        ],
      },
      {
        plate: 'anterior',
        dots: [
          [-50, -115, 60],
          [-20, -115, 60],
          [70, -115, 60],
        ],
      },
      // Right plate (X = 5 → L = −85), same rods as the left plate.
      {
        plate: 'right',
        dots: [
          [-85, 40, 60],
          [-85, 10, 60],
          [-85, -80, 60],
        ],
      },
    ];
    const pts = nLocalizerPoints(dots);
    expect(pts.map((p) => p.plate)).toEqual(['left', 'anterior', 'right']);
    expectVec(pts[0]!.frameXyz, [195, 70, 70], 1e-12);
    expect(pts[0]!.imageLps).toEqual([105, 10, 60]);
    expectVec(pts[1]!.frameXyz, [70, 195, 70], 1e-12);
    expectVec(pts[2]!.frameXyz, [5, 70, 70], 1e-12);
    // One image's three plates already fix the frame (3 non-collinear points), exactly here.
    expectMatrix(registerFrame(pts).frameToLps, handFrameToLps, 1e-9);
  });

  it('refuses malformed dots with clear errors', () => {
    const good: [Vec3, Vec3, Vec3] = [
      [105, 40, 60],
      [105, 10, 60],
      [105, -80, 60],
    ];
    expect(() => nLocalizerPoints([{ plate: 'posterior' as PlateName, dots: good }])).toThrow(
      /has no plate named 'posterior'/,
    );
    expect(() => nLocalizerPoints([{ plate: 'left', dots: good.slice(0, 2) as [Vec3, Vec3, Vec3] }])).toThrow(
      /three points/,
    );
    // middle dot 10 mm off the line of the outer two
    expect(() => nLocalizerPoints([{ plate: 'left', dots: [good[0], [115, 10, 60], good[2]] }])).toThrow(
      /off the line/,
    );
    // middle dot beyond the last rod
    expect(() =>
      nLocalizerPoints([
        {
          plate: 'left',
          dots: [
            [105, 40, 60],
            [105, -85, 60],
            [105, -79, 60],
          ],
        },
      ]),
    ).toThrow(/not between the outer two/);
    // outer dots 60 mm apart: not one plate's rods (120 mm apart)
    expect(() =>
      nLocalizerPoints([
        {
          plate: 'left',
          dots: [
            [105, 40, 60],
            [105, 20, 60],
            [105, -20, 60],
          ],
        },
      ]),
    ).toThrow(/not the three dots of one plate/);
  });
});

describe('registerFrame: degenerate inputs', () => {
  it('refuses too few, coincident, collinear, non-finite and mirrored fiducials', () => {
    expect(() => registerFrame(handPairs.slice(0, 2))).toThrow(/at least 3 points/);
    const line: FramePair[] = [0, 1, 2, 3].map((i) => ({
      frameXyz: [100 + 10 * i, 100, 100],
      imageLps: [i, 0, 0],
    }));
    expect(() => registerFrame(line)).toThrow(/lie on one line/);
    const same: FramePair[] = [0, 1, 2].map(() => ({ frameXyz: [100, 100, 100], imageLps: [0, 0, 0] }));
    expect(() => registerFrame(same)).toThrow(/coincide/);
    expect(() =>
      registerFrame([...handPairs, { frameXyz: [1, 2, Number.NaN], imageLps: [0, 0, 0] }]),
    ).toThrow(/pair 4: frameXyz/);
    // Image flipped left–right (L → −L about O's L = 10) on a non-planar set: only a reflection fits.
    const mirrored = handPairs.map((p) => ({
      frameXyz: p.frameXyz,
      imageLps: [20 - p.imageLps[0], p.imageLps[1], p.imageLps[2]] as Vec3,
    }));
    expect(() => registerFrame(mirrored)).toThrow(/only mirrored/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Synthetic N-localizer: the frame placed in LPS by a known rotation + translation, dots from the oracle.

/** Row-major 3×3 rotation about a unit axis (Rodrigues). */
function axisAngle(axis: Vec3, deg: number): number[] {
  const n = Math.hypot(...axis);
  const [x, y, z] = axis.map((v) => v / n) as Vec3;
  const a = (deg * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  const C = 1 - c;
  // prettier-ignore
  return [
    c + x * x * C, x * y * C - z * s, x * z * C + y * s,
    y * x * C + z * s, c + y * y * C, y * z * C - x * s,
    z * x * C - y * s, z * y * C + x * s, c + z * z * C,
  ];
}

/** True placement: LPS = centre + R · diag(1, −1, −1) · (frame − 100). */
function placedFrame(axis: Vec3, deg: number, centerLps: Vec3): number[] {
  const r = axisAngle(axis, deg);
  const ra = [r[0]!, -r[1]!, -r[2]!, r[3]!, -r[4]!, -r[5]!, r[6]!, -r[7]!, -r[8]!];
  const t = [0, 1, 2].map((i) => centerLps[i]! - 100 * (ra[i * 3]! + ra[i * 3 + 1]! + ra[i * 3 + 2]!));
  return [
    ra[0]!,
    ra[1]!,
    ra[2]!,
    t[0]!,
    ra[3]!,
    ra[4]!,
    ra[5]!,
    t[1]!,
    ra[6]!,
    ra[7]!,
    ra[8]!,
    t[2]!,
    0,
    0,
    0,
    1,
  ];
}

const plates = LEKSELL_G_LOCALIZER.plates;
const rodsFor = (): Record<string, [Vec3, Vec3][]> =>
  Object.fromEntries(
    (Object.keys(plates) as PlateName[]).map((name) => {
      const { diagonalStartXyz: s, diagonalEndXyz: e } = plates[name]!;
      // first vertical rod through the diagonal's start, last through its end, both along Z 40..160
      const rods: [Vec3, Vec3][] = [
        [
          [s[0], s[1], 40],
          [s[0], s[1], 160],
        ],
        [s, e],
        [
          [e[0], e[1], 40],
          [e[0], e[1], 160],
        ],
      ];
      return [name, rods];
    }),
  );
const diagonals = Object.fromEntries(
  (Object.keys(plates) as PlateName[]).map((n) => [
    n,
    [plates[n]!.diagonalStartXyz, plates[n]!.diagonalEndXyz],
  ]),
);

interface SynthAnswer {
  images: PlateDots[];
}
interface FitAnswer {
  frameToLps: number[];
  freMm: number;
  residualsMm: number[];
  pairs: FramePair[];
}

/** Seeded uniform [0, 1) (mulberry32) and standard normal (Box–Muller) for reproducible synthetic data. */
function rng(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

describe('registerFrame against the SVD oracle (any rotation, noisy pairs)', () => {
  it.each([
    [0, [0, 0, 1]],
    [37, [1, 1, 0]],
    [90, [0, 1, 0]],
    [179.9, [2, -1, 0.5]],
    [180, [1, 0, 0]],
  ] as [number, Vec3][])('rotation %s° about %j', (deg, axis) => {
    const r = rng(Math.round(deg * 10) + 1);
    const m = placedFrame(axis, deg, [5, -7, 12]);
    const pairs: FramePair[] = Array.from({ length: 9 }, () => {
      const f: Vec3 = [40 + 120 * r.uniform(), 40 + 120 * r.uniform(), 40 + 120 * r.uniform()];
      const p = applyMatrix(m, f);
      return {
        frameXyz: f,
        imageLps: [p[0] + 0.5 * r.normal(), p[1] + 0.5 * r.normal(), p[2] + 0.5 * r.normal()],
      };
    });
    const want = oracle<Omit<FitAnswer, 'pairs'>>({ op: 'fitpairs', pairs });
    const got = registerFrame(pairs);
    expectMatrix(got.frameToLps, want.frameToLps, 1e-9);
    expect(got.freMm).toBeCloseTo(want.freMm, 9);
    // lpsToFrame is the inverse: their product is the identity.
    const id = [0, 1, 2, 3].flatMap((i) =>
      [0, 1, 2, 3].map((j) =>
        [0, 1, 2, 3].reduce((acc, k) => acc + got.frameToLps[i * 4 + k]! * got.lpsToFrame[k * 4 + j]!, 0),
      ),
    );
    expectMatrix(id, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1e-12);
  });
});

describe('synthetic N-localizer (oracle: frame-oracle.py)', () => {
  const truth = placedFrame([1, -2, 3], 8, [3.5, -12.25, 40]);
  const planesSz = [10, 25, 40, 55, 70];

  it('recovers the placement exactly from noise-free dots and round-trips points and trajectories', () => {
    const { images } = oracle<SynthAnswer>({
      op: 'synth',
      rods: rodsFor(),
      frameToLps: truth,
      planesSz,
      noiseMm: 0,
    });
    expect(images).toHaveLength(15);
    const reg = registerFrame(nLocalizerPoints(images));
    expect(reg.freMm).toBeLessThan(1e-9);
    expectMatrix(reg.frameToLps, truth, 1e-6);
    // A single image (its three plates) is enough without noise.
    expectMatrix(registerFrame(nLocalizerPoints(images.slice(0, 3))).frameToLps, truth, 1e-6);

    // Points: frame → LPS agrees with the true placement, and back.
    for (const p of [
      [100, 100, 100],
      [62.5, 131, 88],
      [140, 75.5, 120],
    ] as Vec3[]) {
      const lps = leksellToLps(reg, { xMm: p[0], yMm: p[1], zMm: p[2] });
      expectVec(lps, applyMatrix(truth, p), 1e-6);
      const back = lpsToLeksell(reg, lps);
      expectVec([back.xMm, back.yMm, back.zMm], p, 1e-9);
    }

    // Trajectories: the oracle builds entry/target from settings with scipy rotations; we must read the same
    // settings back from them and rebuild the same points.
    const settings = [
      { x: 112.5, y: 94, z: 121.3, ring: 72, arc: 105.5, length: 65 },
      { x: 88, y: 110, z: 105, ring: 60, arc: 70, length: 80 },
      { x: 100, y: 100, z: 100, ring: 90, arc: 90, length: 50 },
      { x: 120, y: 85, z: 95, ring: 130, arc: 40, length: 70 },
    ];
    for (const zeroSide of ['left', 'right'] as const) {
      const conv = { ...DEFAULT_ARC_CONVENTION, arcZeroSide: zeroSide };
      const { trajectories } = oracle<{ trajectories: { entryLps: Vec3; targetLps: Vec3 }[] }>({
        op: 'arc',
        frameToLps: truth,
        zeroSide,
        settings,
      });
      settings.forEach((st, i) => {
        const tr = trajectories[i]!;
        const s = trajectoryToLeksell(reg, tr.entryLps, tr.targetLps, conv);
        expect(s.xMm).toBeCloseTo(st.x, 6);
        expect(s.yMm).toBeCloseTo(st.y, 6);
        expect(s.zMm).toBeCloseTo(st.z, 6);
        expect(s.ringDeg).toBeCloseTo(st.ring, 6);
        expect(s.arcDeg).toBeCloseTo(st.arc, 6);
        expect(s.depthMm).toBeCloseTo(st.length, 6);
        const t = leksellToTrajectory(
          reg,
          { xMm: st.x, yMm: st.y, zMm: st.z, ringDeg: st.ring, arcDeg: st.arc },
          st.length,
          conv,
        );
        expectVec(t.entryLps, tr.entryLps, 1e-6);
        expectVec(t.targetLps, tr.targetLps, 1e-6);
      });
    }
  });

  it('with noisy dots: FRE at the noise level, and the same fit as the SVD oracle', () => {
    const noiseMm = 0.3;
    const { images } = oracle<SynthAnswer>({
      op: 'synth',
      rods: rodsFor(),
      frameToLps: truth,
      planesSz,
      noiseMm,
      seed: 7,
    });
    const ours = nLocalizerPoints(images);
    const fit = oracle<FitAnswer>({ op: 'fit', images, diagonals });
    // Brown's |AB|/|AC| (oracle) and our projection of B on AC differ only at second order in the noise.
    ours.forEach((p, i) => {
      expectVec(p.frameXyz, fit.pairs[i]!.frameXyz, 0.01);
      expectVec(p.imageLps, fit.pairs[i]!.imageLps, 1e-12);
    });
    // Same pairs → same least-squares rigid transform as numpy's SVD.
    const same = registerFrame(fit.pairs);
    expectMatrix(same.frameToLps, fit.frameToLps, 1e-9);
    expect(same.freMm).toBeCloseTo(fit.freMm, 9);
    same.residualsMm.forEach((r, i) => expect(r).toBeCloseTo(fit.residualsMm[i]!, 9));

    const reg = registerFrame(ours);
    // Each diagonal point carries ~σ in-plane image noise plus ~σ·√2 along Z from the ratio: an RMS of about
    // σ·2 before the fit's 6 degrees of freedom take a little; accept [σ/2, 4σ].
    expect(reg.freMm).toBeGreaterThan(noiseMm / 2);
    expect(reg.freMm).toBeLessThan(4 * noiseMm);
    // Averaged over 15 fiducials, the centre lands well within a millimetre of the truth.
    expectVec(leksellToLps(reg, { xMm: 100, yMm: 100, zMm: 100 }), applyMatrix(truth, [100, 100, 100]), 0.5);
  });
});
