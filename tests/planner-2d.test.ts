/**
 * The planner's 2D views (apps/planner/src/views2d), end to end in Chromium on the real app built with
 * Vite, plus their pure geometry in Node.
 *
 * Browser: the demo case (phantom size 160, seed 1) opens; each of the axial, sagittal and coronal
 * cornerstone viewports is screenshot (overlay hidden) and its pixels are checked at places the
 * phantom's ANALYTIC model predicts, not our code: with the cursor at the centre of the left lateral
 * ventricle, rays in each view's plane meet the outer skull ellipsoid (buildPhantomModel's shells) and
 * the pixel just inside that surface (outer table, 1450 HU) must be bright in the bone window; the
 * ventricle pixel (CSF, 8 HU) must have the grey the window formula gives for the phantom's CSF value
 * (brain 40/80 vs bone 400/1800), so switching presets changes it as predicted. LPS→pixel positions come
 * from the viewport's camera (globalThis.__neuroplan2d): a volume placed or oriented wrongly puts
 * the anatomy elsewhere and fails. Then: the crosshair lines (read back from the overlay canvas) sit at
 * the cursor and follow it; a click in the axial view moves the other views' crosshairs; the wheel
 * steps one CT slice (the phantom's slice spacing); fusion at blend 1 shows the registered T1 (bone
 * dark and scalp bright where the CT model has them); a target and an entry picked by clicking make a
 * trajectory drawn with its handles, contacts and riskiest point, whose handle can be dragged; the
 * probe's-eye and inline views show pixels; the vessel mask (scene vessel channel ≤ 0) is drawn over a
 * phantom vessel centre line and the erase brush removes it there. Screenshots: .tmp/planner-screens/2d-*.
 *
 * Node: overlays.ts and vesselMask.ts against hand-derived values (stated next to each check).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPhantomModel, phantomGroundTruth } from '../packages/imaging/src/phantom/index.ts';
import type { PlanningScene } from '../packages/planning/src/scene/types.ts';
import { skipWithoutChromium } from './browser/harness.ts';
import {
  elementPixels,
  pixelAt,
  pixelStats,
  readState,
  saveScreenshot,
  startPlanner,
  waitForState,
  type PageState,
  type Pixels,
  type Planner,
} from './planner/harness.ts';
import {
  depthOfPoint,
  inlinePlane,
  planePixel,
  pointAtDepth,
  probePlane,
  segmentPlaneCrossing,
  spacingAlongMm,
} from '../apps/planner/src/views2d/overlays.ts';
import { maskAt, maskFromScene, maskImage, paintSphere } from '../apps/planner/src/views2d/vesselMask.ts';

type Vec3 = [number, number, number];
type Orientation = 'axial' | 'sagittal' | 'coronal';
const VIEWS: Orientation[] = ['axial', 'sagittal', 'coronal'];

const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
const dot = (a: readonly number[], b: readonly number[]): number =>
  a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

// --------------------------------------------------------------------------------------------------
// Node: the pure geometry.

describe('2D view geometry (Node)', () => {
  it('spacingAlongMm: the slice step along a view normal', () => {
    const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    expect(spacingAlongMm(identity, [0.5, 0.7, 2], [0, 0, 1])).toBeCloseTo(2, 12);
    expect(spacingAlongMm(identity, [0.5, 0.7, 2], [1, 0, 0])).toBeCloseTo(0.5, 12);
    // Normal at 45° between i (1 mm) and j (2 mm): a 1 mm step moves √½ voxel along i and √½/2 along j,
    // i.e. 1/√(½ + ⅛) = 1.26491 mm per voxel step.
    const n: Vec3 = [Math.SQRT1_2, Math.SQRT1_2, 0];
    expect(spacingAlongMm(identity, [1, 2, 3], n)).toBeCloseTo(1 / Math.sqrt(0.5 + 0.125), 12);
    // A grid whose i axis points along S: the axial step is its i spacing.
    const rotated = [0, 0, 1, 0, 1, 0, 1, 0, 0]; // columns: i = S, j = P, k = L
    expect(spacingAlongMm(rotated, [0.8, 1, 3], [0, 0, 1])).toBeCloseTo(0.8, 12);
  });

  it('points along trajectories and plane crossings', () => {
    const entry: Vec3 = [0, 0, 100];
    const target: Vec3 = [0, 0, 40];
    expect(pointAtDepth(entry, target, 15)).toEqual([0, 0, 85]);
    expect(depthOfPoint(entry, target, [7, -3, 70])).toBeCloseTo(30, 12);
    expect(depthOfPoint(entry, target, [0, 0, 200])).toBe(0); // clamped to the entry
    expect(depthOfPoint(entry, target, [0, 0, -5])).toBe(60); // clamped to the target
    const cross = segmentPlaneCrossing(entry, target, [5, 5, 52.5], [0, 0, 1]);
    expect(cross).not.toBeNull();
    expect(cross![2]).toBeCloseTo(52.5, 12);
    expect(segmentPlaneCrossing(entry, target, [0, 0, 20], [0, 0, 1])).toBeNull();
  });

  it("the probe's-eye plane is perpendicular to the trajectory, the inline plane contains it", () => {
    const entry: Vec3 = [40, -20, 110];
    const target: Vec3 = [10, 5, 60];
    const len = Math.hypot(30, 25, 50);
    const dir: Vec3 = [-30 / len, 25 / len, -50 / len];
    const probe = probePlane(entry, target, 12, 60);
    expect(dot(probe.uAxisLps, dir)).toBeCloseTo(0, 12);
    expect(dot(probe.vAxisLps, dir)).toBeCloseTo(0, 12);
    expect(dot(probe.uAxisLps, probe.vAxisLps)).toBeCloseTo(0, 12);
    for (let c = 0; c < 3; c++) expect(probe.centerLps[c]).toBeCloseTo(entry[c]! + 12 * dir[c]!, 10);
    // The trajectory pierces the probe image at its centre pixel, 12 mm deep; the target lies len−12 below.
    const [a, b, h] = planePixel(probe, 200, 200, target);
    expect(a).toBeCloseTo(100, 9);
    expect(b).toBeCloseTo(100, 9);
    expect(h).toBeCloseTo(len - 12, 9);
    const inline = inlinePlane(entry, target, 20);
    expect(inline.vAxisLps.map((x, i) => x - dir[i]!).every((x) => Math.abs(x) < 1e-12)).toBe(true);
    // Entry at the top, target at the bottom, both on the vertical centre line, in the plane.
    const side = len + 40;
    const e = planePixel(inline, 300, 300, entry);
    const t = planePixel(inline, 300, 300, target);
    expect(e[0]).toBeCloseTo(150, 9);
    expect(t[0]).toBeCloseTo(150, 9);
    expect(e[1]).toBeCloseTo(150 - (len / 2 / side) * 300, 9);
    expect(t[1]).toBeCloseTo(150 + (len / 2 / side) * 300, 9);
    expect(Math.abs(e[2]) + Math.abs(t[2])).toBeLessThan(1e-9);
  });

  it('the vessel mask: channel ≤ 0, spherical brush, plane image', () => {
    // A 10³ grid of 1 mm voxels from (−5, −5, −5); the vessel channel is the distance to a 2 mm
    // tube along S through the origin, so voxels within 2 mm of the axis are inside.
    const n = 10;
    const values = new Float32Array(n * n * n * 4);
    for (let k = 0; k < n; k++)
      for (let j = 0; j < n; j++)
        for (let i = 0; i < n; i++) {
          const x = -5 + i;
          const y = -5 + j;
          values[(i + n * (j + n * k)) * 4] = Math.hypot(x, y) - 2;
          values[(i + n * (j + n * k)) * 4 + 1] = 1000;
        }
    const scene = {
      maps: { dimensions: [n, n, n], spacingMm: 1, originLps: [-5, -5, -5], values },
    } as unknown as PlanningScene;
    const mask = maskFromScene(scene);
    // Per slice, the lattice points with x² + y² ≤ 4: (0,0); (±1,0), (0,±1); (±2,0), (0,±2); (±1,±1): 13;
    // times 10 slices.
    expect(mask.values.reduce((s, v) => s + v, 0)).toBe(130);
    expect(maskAt(mask, [0.3, -0.2, 1])).toBe(1);
    expect(maskAt(mask, [3, 0, 1])).toBe(0);
    expect(maskAt(mask, [0, 0, 40])).toBe(0); // off the grid
    // Erasing a 1 mm sphere at the origin removes the 7 lattice points within 1 mm of (0,0,0).
    expect(paintSphere(mask, [0, 0, 0], 1, 0)).toBe(7);
    expect(maskAt(mask, [0, 0, 0])).toBe(0);
    expect(maskAt(mask, [0, 0, 2])).toBe(1);
    // Painting a 1.5 mm sphere at (3, 3, 0): 19 lattice points lie within 1.5 mm (1 + 6 + 12), none in the tube.
    expect(paintSphere(mask, [3, 3, 0], 1.5, 1)).toBe(19);
    // An axial image at z = 2 with 1 mm pixels from (−5, −5): pixel (x, y) samples (x − 4.5, y − 4.5, 2), the
    // voxel i = round(x + 0.5): pixel (5, 5) → voxel (6, 6) = LPS (1, 1, 2), inside the tube (√2 ≤ 2);
    // pixel (0, 0) → LPS (−4, −4, 2), outside.
    const img = maskImage(mask, [-5, -5, 2], [1, 0, 0], [0, 1, 0], 10, 10);
    expect(img[(5 + 5 * 10) * 4 + 3]).toBeGreaterThan(0);
    expect(img[(0 + 0 * 10) * 4 + 3]).toBe(0);
  });
});

// --------------------------------------------------------------------------------------------------
// Browser.

const skip = skipWithoutChromium('planner-2d.test.ts');

const model = buildPhantomModel({ size: 160, seed: 1 });
const truth = phantomGroundTruth(model);
const anatomy = model.anatomy;

interface EllipsoidLike {
  centerLps: Vec3;
  semiAxesMm: Vec3;
  axesLps: number[];
}

/** Distance from p along unit d to the surface of an ellipsoid that contains p (the analytic model). */
function rayToEllipsoid(e: EllipsoidLike, p: Vec3, d: Vec3): number {
  // Local coordinates: q = Rᵀ(x − c) / a; solve |q(p + t d)|² = 1 for the positive root.
  const local = (v: Vec3, withCentre: boolean): Vec3 => {
    const r: Vec3 = withCentre ? [v[0] - e.centerLps[0], v[1] - e.centerLps[1], v[2] - e.centerLps[2]] : v;
    return [0, 1, 2].map(
      (k) => (e.axesLps[k]! * r[0] + e.axesLps[3 + k]! * r[1] + e.axesLps[6 + k]! * r[2]) / e.semiAxesMm[k]!,
    ) as Vec3;
  };
  const q0 = local(p, true);
  const qd = local(d, false);
  const A = dot(qd, qd);
  const B = 2 * dot(q0, qd);
  const C = dot(q0, q0) - 1;
  return (-B + Math.sqrt(B * B - 4 * A * C)) / (2 * A);
}

/** In-plane directions of each view (away from the skull base). */
const RAYS: Record<Orientation, Vec3[]> = {
  axial: [
    [1, 0, 0],
    [-1, 0, 0],
    [0, 1, 0],
    [0, -1, 0],
  ],
  sagittal: [
    [0, 1, 0],
    [0, -1, 0],
    [0, 0, 1],
  ],
  coronal: [
    [1, 0, 0],
    [-1, 0, 0],
    [0, 0, 1],
  ],
};

const VENTRICLE: Vec3 = anatomy.ventricles[0]!.centerLps;
const CT = truth.intensities.ct;
/** Grey level (0..255) of a value through a window (cornerstone's linear VOI: lower → 0, upper → 255). */
const grey = (value: number, levelHu: number, widthHu: number): number =>
  Math.min(255, Math.max(0, ((value - (levelHu - widthHu / 2)) / widthHu) * 255));

describe.skipIf(skip)('planner 2D views in Chromium', () => {
  let planner: Planner;
  let page: Page;
  let logs: string[] = [];

  const setCursor = (p: Vec3) =>
    page.evaluate((q) => (globalThis as PageState).__neuroplan.getState().setCursor(q), p);
  const toCanvas = (o: Orientation, p: Vec3) =>
    page.evaluate(([v, q]) => (globalThis as PageState).__neuroplan2d.worldToCanvas(v, q), [
      o,
      p,
    ] as const) as Promise<[number, number]>;
  const toWorld = (o: Orientation, x: number, y: number) =>
    page.evaluate(([v, a, b]) => (globalThis as PageState).__neuroplan2d.canvasToWorld(v, a, b), [
      o,
      x,
      y,
    ] as const) as Promise<Vec3>;
  const showOverlays = (on: boolean) =>
    page.evaluate(
      (v) => {
        for (const c of (globalThis as PageState).document.querySelectorAll('.vp2d-overlay'))
          c.style.visibility = v;
      },
      on ? 'visible' : 'hidden',
    );
  const imageShot = (o: Orientation, name?: string): Promise<Pixels> =>
    elementPixels(page, `[data-testid=viewport-${o}] .vp2d-element`, name);
  /** The overlay canvas' own pixels (CSS px = canvas px at device scale 1). */
  const overlayPixels = async (o: Orientation): Promise<Pixels> => {
    const r = await page.evaluate((v) => {
      const c = (globalThis as PageState).document.querySelector(`[data-testid=overlay-${v}]`);
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data as Uint8Array;
      let s = '';
      for (let i = 0; i < data.length; i += 0x8000)
        s += String.fromCharCode(...data.subarray(i, Math.min(data.length, i + 0x8000)));
      return { width: c.width as number, height: c.height as number, base64: btoa(s) };
    }, o);
    return { width: r.width, height: r.height, data: new Uint8Array(Buffer.from(r.base64, 'base64')) };
  };
  /** Polls `check` on fresh pixels until it passes (rendering is asynchronous); returns the last value. */
  async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let v = await get();
    while (!ok(v) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      v = await get();
    }
    return v;
  }
  /** Columns (or rows) where a colour occupies many pixels: the crosshair lines. */
  function lineAt(px: Pixels, rgb: [number, number, number], vertical: boolean): number | null {
    const counts = new Array<number>(vertical ? px.width : px.height).fill(0);
    for (let y = 0; y < px.height; y++)
      for (let x = 0; x < px.width; x++) {
        const o = (y * px.width + x) * 4;
        if (px.data[o + 3]! < 100) continue;
        if (
          Math.abs(px.data[o]! - rgb[0]) +
            Math.abs(px.data[o + 1]! - rgb[1]) +
            Math.abs(px.data[o + 2]! - rgb[2]) >
          60
        )
          continue;
        counts[vertical ? x : y]!++;
      }
    const best = counts.reduce((bi, c, i) => (c > counts[bi]! ? i : bi), 0);
    const limit = (vertical ? px.height : px.width) * 0.3;
    return counts[best]! > limit ? best : null;
  }
  const SAGITTAL_RGB: [number, number, number] = [0x47, 0xc2, 0x6b];
  const CORONAL_RGB: [number, number, number] = [0x4a, 0x9b, 0xe8];
  const AXIAL_RGB: [number, number, number] = [0xe0, 0xc3, 0x41];

  beforeAll(async () => {
    planner = await startPlanner();
    page = await planner.newPage();
    logs = planner.logs(page);
    await page.goto(planner.url);
    await waitForState(page, (s) => s.caseStatus === 'ready' && s.series.length >= 3, { logs });
    // Settled views: the registration is known and the T1 is fused in all three (it arrives after the CT).
    await waitForState(page, (s) => s.mrToCtLps !== null || s.sceneStatus === 'failed', {
      logs,
      timeoutMs: 240_000,
    });
    await page.waitForFunction(
      () => {
        const api = (globalThis as PageState).__neuroplan2d;
        return api && ['axial', 'sagittal', 'coronal'].every((o: string) => api.volumeCount(o) === 2);
      },
      undefined,
      { timeout: 120_000 },
    );
  });

  afterAll(async () => {
    await planner?.close();
  });

  it('each view shows the skull where the phantom model puts it (bone window), anatomy not uniform', async () => {
    await setCursor(VENTRICLE);
    await page.locator('[data-testid=preset-bone]').click();
    await showOverlays(false);
    for (const o of VIEWS) {
      const checks: { where: Vec3; at: [number, number] }[] = [];
      for (const d of RAYS[o]) {
        // Just inside the outer skull surface: the outer table (1450 HU).
        const t =
          rayToEllipsoid(anatomy.shells.skullOuter, VENTRICLE, d) - anatomy.thicknessMm.outerTable / 2;
        const where = add(VENTRICLE, scale(d, t));
        checks.push({ where, at: await toCanvas(o, where) });
      }
      const ventricleAt = await toCanvas(o, VENTRICLE);
      const px = await until(
        () => imageShot(o),
        (p) => checks.every((c) => maxLuma(p, c.at, 2) >= 200),
      );
      await saveScreenshot(page, `2d-${o}-bone`, `[data-testid=viewport-${o}] .vp2d-element`);
      const stats = pixelStats(px);
      expect(stats.occupiedBins, `${o}: histogram ${stats.histogram.join(',')}`).toBeGreaterThanOrEqual(3);
      for (const c of checks)
        expect(
          maxLuma(px, c.at, 2),
          `${o}: outer table at LPS ${c.where.map((x) => x.toFixed(1))} → px ${c.at.map((x) => x.toFixed(0))}`,
        ).toBeGreaterThanOrEqual(200);
      // The ventricle (CSF): the bone window's grey for CT's CSF value, ± noise and interpolation.
      const expected = grey(CT.tissue.ventricle, 400, 1800);
      expect(Math.abs(meanLuma(px, ventricleAt, 1) - expected), `${o}: ventricle`).toBeLessThan(25);
    }
  });

  it('the brain preset renders CSF with its own grey: changing the preset changes the pixels as predicted', async () => {
    await showOverlays(false);
    await page.locator('[data-testid=preset-brain]').click();
    const expectedBrain = grey(CT.tissue.ventricle, 40, 80); // 25.5
    const expectedBone = grey(CT.tissue.ventricle, 400, 1800); // 72.2
    expect(expectedBone - expectedBrain).toBeGreaterThan(40);
    for (const o of VIEWS) {
      const at = await toCanvas(o, VENTRICLE);
      const px = await until(
        () => imageShot(o),
        (p) => Math.abs(meanLuma(p, at, 1) - expectedBrain) < 25,
      );
      await saveScreenshot(page, `2d-${o}-brain`, `[data-testid=viewport-${o}] .vp2d-element`);
      expect(Math.abs(meanLuma(px, at, 1) - expectedBrain), `${o}: ventricle, brain window`).toBeLessThan(25);
      // White matter around (27 HU) is brighter than CSF in this window: the image is not flat.
      expect(pixelStats(px).occupiedBins).toBeGreaterThanOrEqual(3);
    }
    // The vessels preset (60/200) again maps CSF to its own grey.
    await page.locator('[data-testid=preset-vessels]').click();
    const at = await toCanvas('axial', VENTRICLE);
    const expectedVessels = grey(CT.tissue.ventricle, 60, 200);
    const px = await until(
      () => imageShot('axial'),
      (p) => Math.abs(meanLuma(p, at, 1) - expectedVessels) < 25,
    );
    expect(Math.abs(meanLuma(px, at, 1) - expectedVessels)).toBeLessThan(25);
    await page.locator('[data-testid=preset-brain]').click();
  });

  it('the crosshair sits at the cursor, follows it, and a click in one view moves the others', async () => {
    await showOverlays(true);
    await setCursor(VENTRICLE);
    const vertical = async (o: Orientation) => lineAt(await overlayPixels(o), SAGITTAL_RGB, true);
    let at = await toCanvas('axial', VENTRICLE);
    const x = await until(
      () => vertical('axial'),
      (v) => v !== null && Math.abs(v - at[0]) <= 1.5,
    );
    expect(x).not.toBeNull();
    expect(Math.abs(x! - at[0])).toBeLessThanOrEqual(1.5);
    const horizontal = lineAt(await overlayPixels('axial'), CORONAL_RGB, false);
    expect(Math.abs(horizontal! - at[1])).toBeLessThanOrEqual(1.5);

    // 20 mm to the patient's left: the sagittal line moves to the new point's column.
    const moved = add(VENTRICLE, [20, 0, 0]);
    await setCursor(moved);
    at = await toCanvas('axial', moved);
    const x2 = await until(
      () => vertical('axial'),
      (v) => v !== null && Math.abs(v - at[0]) <= 1.5,
    );
    expect(Math.abs(x2! - at[0])).toBeLessThanOrEqual(1.5);
    expect(Math.abs(x2! - x!)).toBeGreaterThan(10);
    await saveScreenshot(page, '2d-crosshair', 'main.views');

    // A click in the axial view: the cursor goes to the clicked point (same slice) and the coronal
    // view's sagittal line moves to it.
    const box = (await page.locator('[data-testid=overlay-axial]').boundingBox())!;
    const click: [number, number] = [Math.round(box.width * 0.4), Math.round(box.height * 0.45)];
    const expected = await toWorld('axial', click[0], click[1]);
    await page.mouse.click(box.x + click[0], box.y + click[1]);
    const cursor = (await readState(page, (s) => s.cursorLps)) as Vec3;
    for (let c = 0; c < 3; c++) expect(cursor[c]).toBeCloseTo(expected[c]!, 3);
    expect(cursor[2]).toBeCloseTo(moved[2], 3);
    const inCoronal = await toCanvas('coronal', cursor);
    const xc = await until(
      () => vertical('coronal'),
      (v) => v !== null && Math.abs(v - inCoronal[0]) <= 1.5,
    );
    expect(Math.abs(xc! - inCoronal[0])).toBeLessThanOrEqual(1.5);
    const inSagittal = await toCanvas('sagittal', cursor);
    const ys = await until(
      async () => lineAt(await overlayPixels('sagittal'), AXIAL_RGB, false),
      (v) => v !== null && Math.abs(v - inSagittal[1]) <= 1.5,
    );
    expect(Math.abs(ys! - inSagittal[1])).toBeLessThanOrEqual(1.5);
  });

  it('the wheel steps one CT slice; ctrl+wheel zooms', async () => {
    await setCursor(VENTRICLE);
    const box = (await page.locator('[data-testid=overlay-axial]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 100);
    const after = (await until(
      () => readState(page, (s) => s.cursorLps),
      (c: Vec3) => c[2] !== VENTRICLE[2],
      5000,
    )) as Vec3;
    const ctSlice = truth.series.find((s) => s.name === 'ct')!.sliceSpacingMm;
    expect(Math.abs(after[2] - VENTRICLE[2])).toBeCloseTo(ctSlice, 4);
    expect(after[0]).toBeCloseTo(VENTRICLE[0], 6);
    const before = await toCanvas('axial', add(VENTRICLE, [30, 0, 0]));
    const centre = await toCanvas('axial', VENTRICLE);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -100);
    await page.keyboard.up('Control');
    const zoomed = await until(
      () => toCanvas('axial', add(VENTRICLE, [30, 0, 0])),
      (p) => Math.abs(p[0] - centre[0]) > Math.abs(before[0] - centre[0]) * 1.05,
      5000,
    );
    // Zoom in by 1.1: 30 mm span 10 % more pixels (the zoom keeps the focal point, not the cursor, fixed).
    const span = (p: [number, number], q: [number, number]) => Math.hypot(p[0] - q[0], p[1] - q[1]);
    const centreNow = await toCanvas('axial', VENTRICLE);
    expect(span(zoomed, centreNow) / span(before, centre)).toBeCloseTo(1.1, 2);
  });

  it('fusion at blend 1 shows the registered T1 (skull dark, scalp bright where the CT model has them); the blend is linear', async () => {
    await waitForState(page, (s) => Array.isArray(s.mrToCtLps) || s.sceneStatus === 'failed', {
      logs,
      timeoutMs: 240_000,
    });
    expect(await readState(page, (s) => s.mrToCtLps !== null)).toBe(true);
    await setCursor(VENTRICLE);
    await showOverlays(false);
    await page.locator('[data-testid=fusion-layer]').selectOption('t1');
    await page.evaluate(() => (globalThis as PageState).__neuroplan.getState().setFusionBlend(1));
    const d: Vec3 = [1, 0, 0];
    const skullMid = add(
      VENTRICLE,
      scale(d, rayToEllipsoid(anatomy.shells.skullOuter, VENTRICLE, d) - anatomy.thicknessMm.skull / 2),
    );
    const scalpMid = add(
      VENTRICLE,
      scale(d, rayToEllipsoid(anatomy.shells.scalpOuter, VENTRICLE, d) - anatomy.thicknessMm.scalp / 2),
    );
    // Positions are read with each screenshot: the camera is the viewport's, wherever it is now.
    const shot = async () => ({
      px: await imageShot('axial', '2d-axial-fused-t1'),
      skull: await toCanvas('axial', skullMid),
      scalp: await toCanvas('axial', scalpMid),
    });
    const fused = await until(
      shot,
      (v) => meanLuma(v.px, v.skull, 1) < 140 && meanLuma(v.px, v.scalp, 1) > 150,
      60_000,
    );
    expect(meanLuma(fused.px, fused.skull, 1), 'T1 bone is dark').toBeLessThan(140);
    expect(meanLuma(fused.px, fused.scalp, 1), 'T1 scalp fat is bright').toBeGreaterThan(150);
    const skullAt = fused.skull;
    // The blend is linear (the store's contract: 0 = CT only … 1 = MR only): at 0.5 a white-matter
    // patch (CT 27 HU, T1 820) shows the mean of what it shows at 0 and at 1.
    const wm: Vec3 = add(VENTRICLE, [20, -30, 0]);
    const wmLuma = async () => meanLuma(await imageShot('axial'), await toCanvas('axial', wm), 2);
    const settled = async (b: number): Promise<number> => {
      await page.evaluate((x) => (globalThis as PageState).__neuroplan.getState().setFusionBlend(x), b);
      await new Promise((r) => setTimeout(r, 1000));
      return until(wmLuma, () => true, 0);
    };
    const atMr = await settled(1);
    const atCt = await settled(0);
    const atHalf = await settled(0.5);
    expect(atMr - atCt, 'T1 white matter is brighter than CT white matter').toBeGreaterThan(60);
    expect(
      Math.abs(atHalf - (atMr + atCt) / 2),
      `blend 0.5: ${atHalf} between ${atCt} and ${atMr}`,
    ).toBeLessThan(0.1 * (atMr - atCt));
    await saveScreenshot(page, '2d-fused-half', 'main.views');
    await page.evaluate(() => (globalThis as PageState).__neuroplan.getState().setFusionBlend(0));
    const ct = await until(
      () => imageShot('axial'),
      (p) => meanLuma(p, skullAt, 1) > 200,
    );
    expect(meanLuma(ct, skullAt, 1), 'CT bone is white in the brain window').toBeGreaterThan(200);
  });

  it('picking a target and an entry draws the trajectory with its handles, contacts and riskiest point; handles drag', async () => {
    await waitForState(page, (s) => s.sceneStatus === 'ready' || s.sceneStatus === 'failed', {
      logs,
      timeoutMs: 240_000,
    });
    expect(await readState(page, (s) => s.sceneStatus)).toBe('ready');
    await showOverlays(true);
    await page.evaluate(() => (globalThis as PageState).__neuroplan.getState().setFusionBlend(0));
    // Target: 8 mm lateral of the ventricle; entry: on the skull 60° up from lateral, both in the
    // coronal plane through the ventricle centre, so the whole trajectory lies in that slice.
    const target = add(VENTRICLE, [8, 0, 0]);
    const up: Vec3 = [Math.cos(Math.PI / 3), 0, Math.sin(Math.PI / 3)];
    const entry = add(target, scale(up, rayToEllipsoid(anatomy.shells.skullOuter, target, up)));
    await setCursor(target);
    const box = (await page.locator('[data-testid=overlay-coronal]').boundingBox())!;
    const tAt = await toCanvas('coronal', target);
    const eAt = await toCanvas('coronal', entry);
    await page.evaluate(() => (globalThis as PageState).__neuroplan.getState().setPickMode('target'));
    await page.mouse.click(box.x + tAt[0], box.y + tAt[1]);
    await page.mouse.click(box.x + eAt[0], box.y + eAt[1]);
    const made = await waitForState(
      page,
      (s) =>
        s.trajectories.length > 0 &&
        s.selectedId &&
        s.assessments[s.selectedId] &&
        s.trajectories.find((t: PageState) => t.id === s.selectedId),
      { logs, timeoutMs: 60_000 },
    );
    expect(Math.hypot(...[0, 1, 2].map((c) => made.targetLps[c] - target[c]!))).toBeLessThan(1.5);
    expect(Math.hypot(...[0, 1, 2].map((c) => made.entryLps[c] - entry[c]!))).toBeLessThan(1.5);
    const riskDepth = await readState(
      page,
      (s) => s.assessments[s.selectedId].risk.riskiestDepthMm as number,
    );
    const riskAt = await toCanvas('coronal', pointAtDepth(made.entryLps, made.targetLps, riskDepth));
    const targetAt = await toCanvas('coronal', made.targetLps);
    const ov = await until(
      () => overlayPixels('coronal'),
      (p) => colourNear(p, targetAt, [0xff, 0xd5, 0x4a], 6) && colourNear(p, riskAt, [0xff, 0x3d, 0x7f], 10),
    );
    expect(colourNear(ov, targetAt, [0xff, 0xd5, 0x4a], 6), 'selected target handle').toBe(true);
    expect(colourNear(ov, riskAt, [0xff, 0x3d, 0x7f], 10), 'riskiest point').toBe(true);
    const contacts = (await readState(page, (s) =>
      s.assessments[s.selectedId].geometry.contacts.map((c: PageState) => c.centerLps),
    )) as Vec3[];
    expect(contacts.length).toBeGreaterThan(2);
    let seen = 0;
    for (const c of contacts) if (colourNear(ov, await toCanvas('coronal', c), [255, 255, 255], 1)) seen++;
    expect(seen, 'contacts drawn').toBeGreaterThanOrEqual(contacts.length - 2);
    await saveScreenshot(page, '2d-trajectory', 'main.views');

    // Drag the target handle 25 px to the right: moveEndpoint puts it where the pointer was released.
    const from = await toCanvas('coronal', made.targetLps);
    await page.mouse.move(box.x + from[0], box.y + from[1]);
    await page.mouse.down();
    await page.mouse.move(box.x + from[0] + 12, box.y + from[1], { steps: 3 });
    await page.mouse.move(box.x + from[0] + 25, box.y + from[1], { steps: 3 });
    await page.mouse.up();
    const dropped = await toWorld('coronal', from[0] + 25, from[1]);
    const after = (await until(
      () => readState(page, (s) => s.trajectories.find((x: PageState) => x.id === s.selectedId).targetLps),
      (t: Vec3) => t[0] !== made.targetLps[0],
      10_000,
    )) as Vec3;
    for (let c = 0; c < 3; c++) expect(after[c]).toBeCloseTo(dropped[c]!, 2);
  });

  it("the probe's-eye and inline views show the anatomy around the selected trajectory", async () => {
    for (const kind of ['probe', 'inline'] as const) {
      await page.locator(`[data-testid=mode-sagittal-${kind}]`).click();
      const px = await until(
        () => elementPixels(page, `[data-testid=probe-${kind}]`),
        (p) => pixelStats(p).occupiedBins >= 3,
      );
      await saveScreenshot(page, `2d-${kind}`, `[data-testid=probe-${kind}]`);
      expect(pixelStats(px).occupiedBins, `${kind} view histogram`).toBeGreaterThanOrEqual(3);
      // The selected trajectory is drawn (yellow) through the image centre.
      expect(
        colourNear(px, [Math.floor(px.width / 2), Math.floor(px.height / 2)], [0xff, 0xd5, 0x4a], 8),
        `${kind}: trajectory at the centre`,
      ).toBe(true);
    }
    await page.locator('[data-testid=mode-sagittal-slice]').click();
  });

  it('the vessel mask is drawn over a phantom vessel and the erase brush removes it there', async () => {
    const mask = await waitForState(page, (s) => s.vesselMask && { revision: s.vesselMask.revision }, {
      logs,
      timeoutMs: 60_000,
    });
    expect(mask).toBeTruthy();
    // The middle of the thickest trunk (ground truth centre line and radius).
    const vessel = truth.vessels.reduce((a, b) =>
      b.level === 0 && b.radiiMm[b.radiiMm.length >> 1]! > a.radiiMm[a.radiiMm.length >> 1]! ? b : a,
    );
    const mid = vessel.pointsLps[vessel.pointsLps.length >> 1]!;
    await page.evaluate(() => (globalThis as PageState).__neuroplan.getState().select(null));
    await setCursor(mid);
    await showOverlays(true);
    const at = await toCanvas('axial', mid);
    // Away from the crosshair lines: sample a 2 px box at the vessel centre; the crosshair leaves a gap there.
    const ov = await until(
      () => overlayPixels('axial'),
      (p) => isMaskRed(pixelAt(p, Math.round(at[0]), Math.round(at[1]), 1)),
    );
    expect(
      isMaskRed(pixelAt(ov, Math.round(at[0]), Math.round(at[1]), 1)),
      'vessel mask at the centre line',
    ).toBe(true);
    await saveScreenshot(page, '2d-vessel-mask', '[data-testid=viewport-axial]');

    await page.locator('[data-testid=brush-erase]').click();
    const box = (await page.locator('[data-testid=overlay-axial]').boundingBox())!;
    await page.mouse.click(box.x + at[0], box.y + at[1]);
    await page.locator('[data-testid=brush-off]').click();
    const edited = await waitForState(page, (s) => s.vesselMask?.edited === true);
    expect(edited).toBe(true);
    // The mask voxel nearest the point is cleared in the store (read in the page from the grid).
    const value = await page.evaluate((p) => {
      const m = (globalThis as PageState).__neuroplan.getState().vesselMask;
      const [ni, nj] = m.dimensions;
      const idx = [0, 1, 2].map((c) => Math.round((p[c]! - m.originLps[c]) / m.spacingMm));
      return m.values[idx[0]! + ni * (idx[1]! + nj * idx[2]!)];
    }, mid);
    expect(value).toBe(0);
    const cleared = await until(
      () => overlayPixels('axial'),
      (p) => !isMaskRed(pixelAt(p, Math.round(at[0]), Math.round(at[1]), 1)),
    );
    expect(isMaskRed(pixelAt(cleared, Math.round(at[0]), Math.round(at[1]), 1)), 'erased').toBe(false);
    await saveScreenshot(page, '2d-vessel-erased', '[data-testid=viewport-axial]');
    expect(logs.filter((l) => l.includes('cannot show the volumes'))).toEqual([]);
  });
});

function maxLuma(px: Pixels, at: readonly number[], r: number): number {
  let best = 0;
  const x0 = Math.round(at[0]!);
  const y0 = Math.round(at[1]!);
  for (let y = y0 - r; y <= y0 + r; y++)
    for (let x = x0 - r; x <= x0 + r; x++) {
      if (x < 0 || y < 0 || x >= px.width || y >= px.height) continue;
      const [R, G, B] = pixelAt(px, x, y, 0);
      best = Math.max(best, 0.299 * R + 0.587 * G + 0.114 * B);
    }
  return best;
}

function meanLuma(px: Pixels, at: readonly number[], r: number): number {
  const [R, G, B] = pixelAt(px, Math.round(at[0]!), Math.round(at[1]!), r);
  return 0.299 * R + 0.587 * G + 0.114 * B;
}

/** Whether some pixel within r of `at` has (about) the colour. */
function colourNear(px: Pixels, at: readonly number[], rgb: [number, number, number], r: number): boolean {
  for (let y = Math.round(at[1]!) - r; y <= Math.round(at[1]!) + r; y++)
    for (let x = Math.round(at[0]!) - r; x <= Math.round(at[0]!) + r; x++) {
      if (x < 0 || y < 0 || x >= px.width || y >= px.height) continue;
      const o = (y * px.width + x) * 4;
      if (px.data[o + 3]! < 128) continue;
      if (
        Math.abs(px.data[o]! - rgb[0]) +
          Math.abs(px.data[o + 1]! - rgb[1]) +
          Math.abs(px.data[o + 2]! - rgb[2]) <=
        60
      )
        return true;
    }
  return false;
}

/** The mask's colour (235, 60, 60) at partial alpha, as getImageData reports it (not premultiplied). */
const isMaskRed = ([r, g, b, a]: [number, number, number, number]): boolean =>
  a > 50 && r > 180 && g < 110 && b < 110;
