/**
 * The planner's 3D view end to end (issue 5): the built app in Debian's chromium (tests/planner/harness.ts)
 * opens the demo case, and the 3D canvas's own pixels (WebGL drawing buffer, read back on the page) are
 * checked to show the anatomy and the electrodes:
 *  - the anatomy covers a plausible part of the canvas (neither empty nor all covered);
 *  - each structure is recognised by its colour: a pixel "has" a material colour C when its chromaticity
 *    in linear RGB (r, g, b divided by their sum) is within a tolerance of C's. Diffuse and ambient shading
 *    scale C's linear RGB by one factor, which leaves the chromaticity unchanged, so this needs no
 *    knowledge of the lights. C comes from the view's palette (an input), sRGB-decoded here by the
 *    standard formula;
 *  - skull opacity 1 shows many skull-coloured pixels, opacity 0 none and changes the picture;
 *  - vessels (red) and ventricles (blue) appear with the outer layers hidden; the electrode's contacts
 *    (gold) appear once a trajectory is placed, and the riskiest-point marker (red) with it;
 *  - clipping at the cursor removes anatomy above the plane; 'Reset view' restores the home view
 *    pixel for pixel after orbiting; CT volume rendering (vtk.js, its own canvas) shows bone.
 * The frame time (synchronous render + GPU sync, and requestAnimationFrame deltas while orbiting) is
 * measured and written to .tmp/planner-screens/view3d-frame-time.json; it is reported, not asserted.
 * Screenshots go to .tmp/planner-screens/.
 *
 * Without a browser, the view's pure parts are checked in Node: the electrode's draw groups hold exactly
 * the mesh's insulation and contact triangles (recounted from contactPerTriangle), and the home camera
 * (projected with three.js's own PerspectiveCamera) shows superior up, the patient's right on the left
 * and the whole bounding sphere.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutChromium } from './browser/harness.ts';
import {
  elementPixels,
  luma,
  saveScreenshot,
  SCREENS_DIR,
  startPlanner,
  waitForState,
  type PageState,
  type Pixels,
  type Planner,
} from './planner/harness.ts';
import { BACKGROUND, ELECTRODE_COLORS, SURFACE_COLORS } from '../apps/planner/src/view3d/palette.ts';
import type { FrameTimeReport } from '../apps/planner/src/view3d/frameStats.ts';
import { electrodeGeometry, pointAtDepth } from '../apps/planner/src/view3d/geometry.ts';
import { FOV_DEG, homePose } from '../apps/planner/src/view3d/camera.ts';
import { electrodeMesh } from '../packages/planning/src/plan/electrodeMesh.ts';
import { ElectrodeCatalog } from '../packages/planning/src/electrodes/catalog.ts';
import { PerspectiveCamera, Sphere, Vector3 } from 'three';

const skip = skipWithoutChromium('planner-3d.test.ts');

// ---------------------------------------------------------------------------------------------------
// Colour classification (independent of the renderer: standard sRGB decoding and chromaticity).

const srgbToLinear = (c: number): number => {
  const x = c / 255;
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
};

function chromaticity(r: number, g: number, b: number): [number, number, number] | null {
  const lr = srgbToLinear(r);
  const lg = srgbToLinear(g);
  const lb = srgbToLinear(b);
  const sum = lr + lg + lb;
  return sum < 0.02 ? null : [lr / sum, lg / sum, lb / sum];
}

const hex = (h: string): [number, number, number] => [
  parseInt(h.slice(1, 3), 16),
  parseInt(h.slice(3, 5), 16),
  parseInt(h.slice(5, 7), 16),
];

/** Pixels whose chromaticity is within `tol` (max abs difference) of colour `h`'s. */
function countColour(px: Pixels, h: string, tol = 0.035): number {
  const want = chromaticity(...hex(h))!;
  let n = 0;
  for (let o = 0; o < px.data.length; o += 4) {
    const c = chromaticity(px.data[o]!, px.data[o + 1]!, px.data[o + 2]!);
    if (
      c &&
      Math.abs(c[0] - want[0]) < tol &&
      Math.abs(c[1] - want[1]) < tol &&
      Math.abs(c[2] - want[2]) < tol
    )
      n++;
  }
  return n;
}

/** How many pixels have colour `h` (as countColour) and where their centroid is (pixels, y down). */
function colourCentroid(px: Pixels, h: string, tol = 0.035): { n: number; x: number; y: number } {
  const want = chromaticity(...hex(h))!;
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let o = 0; o < px.data.length; o += 4) {
    const c = chromaticity(px.data[o]!, px.data[o + 1]!, px.data[o + 2]!);
    if (c && [0, 1, 2].every((k) => Math.abs(c[k]! - want[k]!) < tol)) {
      n++;
      sx += (o / 4) % px.width;
      sy += Math.floor(o / 4 / px.width);
    }
  }
  return { n, x: n ? sx / n : NaN, y: n ? sy / n : NaN };
}

/** Pixels that differ from the background colour by more than 12 in some channel. */
function countForeground(px: Pixels): number {
  const bg = hex(BACKGROUND);
  let n = 0;
  for (let o = 0; o < px.data.length; o += 4)
    if (
      Math.abs(px.data[o]! - bg[0]) > 12 ||
      Math.abs(px.data[o + 1]! - bg[1]) > 12 ||
      Math.abs(px.data[o + 2]! - bg[2]) > 12
    )
      n++;
  return n;
}

function countChanged(a: Pixels, b: Pixels): number {
  let n = 0;
  for (let o = 0; o < a.data.length; o += 4)
    if (
      Math.abs(a.data[o]! - b.data[o]!) > 8 ||
      Math.abs(a.data[o + 1]! - b.data[o + 1]!) > 8 ||
      Math.abs(a.data[o + 2]! - b.data[o + 2]!) > 8
    )
      n++;
  return n;
}

// ---------------------------------------------------------------------------------------------------
// The page side.

/** What the page puts on globalThis: the store's API (case slice) and the 3D view's probe. */
interface StoreApi {
  getState(): PageState;
  setState(partial: PageState): void;
}
interface PageGlobals {
  __neuroplan: StoreApi;
  neuroplanView3D?: {
    renderedFrames: number;
    electrodesShown: number;
    measureFrameTime(frames: number): FrameTimeReport;
    measureOrbitFrames(frames: number): Promise<FrameTimeReport>;
  };
}

/** Runs `src` (a function of the store API `{getState, setState}`) in the page. */
async function inStore<R>(page: Page, fn: (store: StoreApi) => R): Promise<R> {
  return (await page.evaluate(
    (src) =>
      (new Function('s', `return (${src})(s);`) as (s: unknown) => unknown)(
        (globalThis as unknown as { __neuroplan: unknown }).__neuroplan,
      ),
    fn.toString(),
  )) as R;
}

/** Waits until the 3D view has drawn what the store now holds (a few animation frames, then idle). */
async function settle(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((done) => {
        const raf = (globalThis as unknown as { requestAnimationFrame(f: () => void): void })
          .requestAnimationFrame;
        let n = 0;
        const tick = () => (++n >= 4 ? done() : raf(tick));
        raf(tick);
      }),
  );
}

/** The 3D canvas's drawing buffer (it is kept: preserveDrawingBuffer), as RGBA rows top to bottom. */
async function canvasPixels(page: Page): Promise<Pixels> {
  await settle(page);
  const { width, height, base64 } = await page.evaluate(() => {
    interface Ctx2d {
      drawImage(c: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    }
    const g = globalThis as unknown as {
      neuroplanView3D?: { canvas: { width: number; height: number } };
      OffscreenCanvas: new (w: number, h: number) => { getContext(t: '2d'): Ctx2d };
    };
    const canvas = g.neuroplanView3D!.canvas;
    const ctx = new g.OffscreenCanvas(canvas.width, canvas.height).getContext('2d');
    ctx.drawImage(canvas, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let s = '';
    for (let i = 0; i < data.length; i += 0x8000)
      s += String.fromCharCode(...data.subarray(i, Math.min(data.length, i + 0x8000)));
    return { width: canvas.width, height: canvas.height, base64: btoa(s) };
  });
  return { width, height, data: new Uint8Array(Buffer.from(base64, 'base64')) };
}

const VIEW = '[data-view="3d"]';

describe('3D view geometry and camera (Node, no WebGL)', () => {
  it('splits an electrode into insulation and contact draw groups without losing a triangle', () => {
    const model = new ElectrodeCatalog().get('seeg-8');
    const mesh = electrodeMesh(
      { id: 'E', electrodeId: 'seeg-8', entryLps: [10, -60, 120], targetLps: [-20, 5, 70] },
      model,
    );
    const g = electrodeGeometry(mesh);
    const triangles = (idx: ArrayLike<number>, from: number, count: number): string[] => {
      const out: string[] = [];
      for (let t = from; t < from + count; t += 3) out.push(`${idx[t]},${idx[t + 1]},${idx[t + 2]}`);
      return out.sort();
    };
    // Expected: the mesh's own triangles, split by its contact labels (recounted here).
    const contact: string[] = [];
    const shaft: string[] = [];
    for (let t = 0; t < mesh.contactPerTriangle.length; t++)
      (mesh.contactPerTriangle[t] ? contact : shaft).push(
        `${mesh.indices[3 * t]},${mesh.indices[3 * t + 1]},${mesh.indices[3 * t + 2]}`,
      );
    expect(contact.length).toBeGreaterThan(0);
    expect(g.groups).toEqual([
      { start: 0, count: shaft.length * 3, materialIndex: 0 },
      { start: shaft.length * 3, count: contact.length * 3, materialIndex: 1 },
    ]);
    const index = g.getIndex()!.array;
    expect(triangles(index, 0, shaft.length * 3)).toEqual(shaft.sort());
    expect(triangles(index, shaft.length * 3, contact.length * 3)).toEqual(contact.sort());
    expect(
      pointAtDepth({ id: 'E', electrodeId: 'seeg-8', entryLps: [0, 0, 0], targetLps: [0, 30, 40] }, 25),
    ).toEqual([0, 15, 20]);
  });

  it("home view: superior is up, the patient's right on the left, the whole anatomy in view", () => {
    const sphere = new Sphere(new Vector3(10, 20, 90), 100);
    const aspect = 1.5;
    const pose = homePose(sphere, aspect);
    const fromTarget = pose.position.clone().sub(pose.target);
    expect(fromTarget.y).toBeLessThan(0); // anterior
    expect(fromTarget.x).toBeLessThan(0); // the patient's right
    expect(fromTarget.z).toBeGreaterThan(0); // above
    const camera = new PerspectiveCamera(FOV_DEG, aspect, pose.near, pose.far);
    camera.up.set(0, 0, 1);
    camera.position.copy(pose.position);
    camera.lookAt(pose.target);
    camera.updateMatrixWorld();
    const ndc = (dx: number, dy: number, dz: number) =>
      sphere.center
        .clone()
        .add(new Vector3(dx, dy, dz))
        .project(camera);
    expect(ndc(0, 0, 50).y).toBeGreaterThan(0.1);
    expect(ndc(-50, 0, 0).x).toBeLessThan(-0.1);
    for (const d of [-1, 1])
      for (const axis of [0, 1, 2]) {
        const v = [0, 0, 0];
        v[axis] = d * sphere.radius;
        const p = ndc(v[0]!, v[1]!, v[2]!);
        expect(Math.abs(p.x)).toBeLessThanOrEqual(1);
        expect(Math.abs(p.y)).toBeLessThanOrEqual(1);
        expect(Math.abs(p.z)).toBeLessThanOrEqual(1);
      }
  });
});

describe.skipIf(skip)('planner 3D view in Chromium', () => {
  let planner: Planner;
  let page: Page;
  let logs: string[];
  const shot = (name: string) => saveScreenshot(page, `view3d-${name}`, VIEW);
  const opacity = (name: string, value: number) =>
    page.evaluate(
      ([n, v]) => (globalThis as unknown as PageGlobals).__neuroplan.getState().setSurfaceOpacity(n, v),
      [name, value] as const,
    );

  beforeAll(async () => {
    planner = await startPlanner();
    page = await planner.newPage();
    logs = planner.logs(page);
    await page.goto(planner.url);
    await waitForState(page, (s) => s.surfaces.skull && s.surfaces.vessels && s.surfaces.ventricles, {
      timeoutMs: 240_000,
      logs,
    });
    await page.waitForFunction(
      () => ((globalThis as unknown as PageGlobals).neuroplanView3D?.renderedFrames ?? 0) > 0,
    );
  });

  afterAll(async () => {
    await planner?.close();
  });

  it('shows the anatomy: a plausible covered area, skull colour, and skull opacity changes the picture', async () => {
    const px0 = await canvasPixels(page);
    await shot('default');
    // Rendering is on demand: an idle view draws no frames.
    const frames = () =>
      page.evaluate(() => (globalThis as unknown as PageGlobals).neuroplanView3D!.renderedFrames);
    const idleStart = await frames();
    await page.waitForTimeout(1500);
    expect(await frames()).toBe(idleStart);
    const total = px0.width * px0.height;
    expect(total).toBeGreaterThan(100 * 100);
    const covered = countForeground(px0) / total;
    expect(covered).toBeGreaterThan(0.1);
    expect(covered).toBeLessThan(0.9);

    await opacity('skull', 1);
    const opaque = await canvasPixels(page);
    await shot('skull-opaque');
    const skullOpaque = countColour(opaque, SURFACE_COLORS.skull);
    expect(skullOpaque / total).toBeGreaterThan(0.05);

    await opacity('skull', 0);
    const none = await canvasPixels(page);
    await shot('skull-hidden');
    expect(countChanged(px0, none) / total).toBeGreaterThan(0.02);
    expect(countColour(none, SURFACE_COLORS.skull)).toBeLessThan(skullOpaque * 0.05);
  });

  it('shows the vessels (red) and the ventricles (blue) inside the brain (pink-grey)', async () => {
    await opacity('skull', 0);
    await opacity('brain', 0);
    await opacity('vessels', 1);
    await opacity('ventricles', 1);
    const px = await canvasPixels(page);
    await shot('vessels-ventricles');
    const total = px.width * px.height;
    const vessels = countColour(px, SURFACE_COLORS.vessels, 0.05);
    const ventricles = countColour(px, SURFACE_COLORS.ventricles, 0.05);
    expect(vessels / total).toBeGreaterThan(0.002);
    expect(ventricles / total).toBeGreaterThan(0.002);

    await opacity('vessels', 0);
    const noVessels = await canvasPixels(page);
    expect(countColour(noVessels, SURFACE_COLORS.vessels, 0.05)).toBeLessThan(vessels * 0.1);
    await opacity('vessels', 1);

    // The brain (cortex) opaque covers the vessels and ventricles with its own colour.
    await opacity('brain', 1);
    const brain = await canvasPixels(page);
    await shot('brain-opaque');
    expect(countColour(brain, SURFACE_COLORS.brain) / total).toBeGreaterThan(0.05);
    expect(countColour(brain, SURFACE_COLORS.ventricles, 0.05)).toBeLessThan(ventricles * 0.1);
  });

  it('draws a placed electrode: gold contacts, entry above target, patient right on the left, riskiest point', async () => {
    for (const n of ['skull', 'brain', 'vessels', 'ventricles']) await opacity(n, 0);
    const before = await canvasPixels(page);
    expect(countColour(before, ELECTRODE_COLORS.contact, 0.03)).toBe(0);
    // A target 25 mm to the patient's right of the brain centre, entered from the skull vertex most
    // above it (and a little to the right and front).
    const placed = await inStore(page, (store) => {
      const s = store.getState();
      const o = s.scene.headFrame.originLps;
      const target: [number, number, number] = [o[0] - 25, o[1], o[2] + 5];
      const p = s.scene.skull.positionsLps;
      let best = 0;
      let bestScore = -Infinity;
      for (let i = 0; i < p.length; i += 3) {
        const d: [number, number, number] = [p[i] - target[0], p[i + 1] - target[1], p[i + 2] - target[2]];
        const score = (-0.3 * d[0] - 0.2 * d[1] + 0.93 * d[2]) / Math.hypot(d[0], d[1], d[2]);
        if (score > bestScore) [bestScore, best] = [score, i];
      }
      const entry = [p[best], p[best + 1], p[best + 2]];
      s.setPickMode('target');
      store.getState().pickPoint(target);
      store.getState().pickPoint(entry);
      const after = store.getState();
      const id = after.selectedId;
      return { id, hasAssessment: id !== null && after.assessments[id] !== undefined };
    });
    expect(placed.id).not.toBeNull();
    expect(placed.hasAssessment).toBe(true);
    const home = await canvasPixels(page);
    await shot('electrode-home');
    const shown = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).neuroplanView3D!.electrodesShown,
    );
    expect(shown).toBe(1);
    // Camera up is superior: the entry (green, on the skull) is drawn above the target (orange).
    const entry = colourCentroid(home, ELECTRODE_COLORS.entry, 0.04);
    const target = colourCentroid(home, ELECTRODE_COLORS.target, 0.04);
    expect(entry.n).toBeGreaterThan(5);
    expect(target.n).toBeGreaterThan(5);
    expect(entry.y).toBeLessThan(target.y - 5);
    // Seen from the front, the patient's right is on the viewer's left: the target, 25 mm to the right
    // of the head's centre (the view's centre), is left of the middle.
    expect(target.x).toBeLessThan(home.width / 2 - 5);
    // The riskiest point (red) is shown for the selected trajectory only.
    const riskiest = countColour(home, ELECTRODE_COLORS.riskiest, 0.05);
    expect(riskiest).toBeGreaterThan(5);
    await inStore(page, (store) => store.getState().select(null));
    expect(countColour(await canvasPixels(page), ELECTRODE_COLORS.riskiest, 0.05)).toBeLessThan(
      riskiest * 0.2,
    );
    await page.evaluate(
      (id) => (globalThis as unknown as PageGlobals).__neuroplan.getState().select(id),
      placed.id,
    );

    // Zoomed to the selected trajectory, the contacts are gold and the selected shaft teal.
    await page.locator(`${VIEW} [data-action="focus-selected"]`).click();
    const focused = await canvasPixels(page);
    await shot('electrode-focused');
    expect(countColour(focused, ELECTRODE_COLORS.contact, 0.03)).toBeGreaterThan(8);
    expect(countColour(focused, ELECTRODE_COLORS.selectedShaft, 0.04)).toBeGreaterThan(8);
    const defaults = { skull: 0.25, brain: 0.35, vessels: 1, ventricles: 0.8 };
    for (const [n, v] of Object.entries(defaults)) await opacity(n, v);
    await settle(page);
    await shot('electrode-focused-anatomy');
    await page.locator(`${VIEW} [data-action="reset-view"]`).click();
  });

  it('draws the auto-plan candidates as thin magenta lines', async () => {
    for (const n of ['skull', 'brain', 'vessels', 'ventricles']) await opacity(n, 0);
    const before = await canvasPixels(page);
    expect(countColour(before, ELECTRODE_COLORS.candidate, 0.05)).toBe(0);
    await inStore(page, (store) => {
      const o = store.getState().scene.headFrame.originLps;
      void store.getState().autoPlan([o[0] + 25, o[1], o[2] + 5]);
    });
    const count = await waitForState(page, (s) => s.candidates.length, { timeoutMs: 120_000, logs });
    expect(count).toBeGreaterThan(0);
    const px = await canvasPixels(page);
    await shot('candidates');
    expect(countColour(px, ELECTRODE_COLORS.candidate, 0.05)).toBeGreaterThan(20 * count);
    const defaults = { skull: 0.25, brain: 0.35, vessels: 1, ventricles: 0.8 };
    for (const [n, v] of Object.entries(defaults)) await opacity(n, v);
  });

  it('clips the anatomy at the cursor and resets the view after orbiting', async () => {
    await opacity('skull', 1);
    await opacity('brain', 0.35);
    const full = await canvasPixels(page);
    await inStore(page, (store) => {
      const o = store.getState().scene.headFrame.originLps;
      store.getState().setCursor([o[0], o[1], o[2]]);
      store.getState().setClipping(true);
    });
    const clipped = await canvasPixels(page);
    await shot('clipped');
    const total = full.width * full.height;
    expect(countChanged(full, clipped) / total).toBeGreaterThan(0.05);
    expect(countColour(clipped, SURFACE_COLORS.skull)).toBeLessThan(countColour(full, SURFACE_COLORS.skull));
    await inStore(page, (store) => store.getState().setClipping(false));

    const home = await canvasPixels(page);
    await shot('home');
    const report = (await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).neuroplanView3D!.measureFrameTime(10),
    )) as FrameTimeReport;
    const orbit = (await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).neuroplanView3D!.measureOrbitFrames(10),
    )) as FrameTimeReport;
    mkdirSync(SCREENS_DIR, { recursive: true });
    writeFileSync(
      join(SCREENS_DIR, 'view3d-frame-time.json'),
      JSON.stringify({ renderPlusSync: report, orbitRaf: orbit }, null, 2),
    );
    console.log(`3D frame time: render+sync ${JSON.stringify(report)}; rAF orbit ${JSON.stringify(orbit)}`);
    expect(report.frames).toBe(10);
    expect(report.triangles).toBeGreaterThan(1000);
    expect(report.medianMs).toBeGreaterThan(0);

    // Orbit away with the camera (as a drag would), then 'Reset view' brings back the home picture.
    const box = (await page.locator(`${VIEW} canvas`).first().boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.6);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5, { steps: 8 });
    await page.mouse.up();
    const orbited = await canvasPixels(page);
    await shot('orbited');
    expect(countChanged(home, orbited) / total).toBeGreaterThan(0.05);
    await page.locator(`${VIEW} [data-action="reset-view"]`).click();
    const reset = await canvasPixels(page);
    await shot('reset');
    expect(countChanged(home, reset) / total).toBeLessThan(0.002);
  });

  it('renders the CT volume with vtk.js in a layer under the surfaces', async () => {
    for (const n of ['skull', 'brain', 'vessels', 'ventricles']) await opacity(n, 0);
    const without = await elementPixels(page, VIEW, 'view3d-surfaces-hidden');
    await inStore(page, (store) => store.getState().setVolumeRendering(true));
    await page.waitForSelector(`${VIEW} [data-layer="volume-rendering"] canvas`);
    await settle(page);
    await settle(page);
    const withVr = await elementPixels(page, VIEW, 'view3d-volume-rendering');
    // Bone and skin: pixels much brighter than the same pixels without the volume, mostly warm (r ≥ b).
    let brighter = 0;
    let warm = 0;
    for (let o = 0; o < withVr.data.length; o += 4) {
      const [r, g, b] = [withVr.data[o]!, withVr.data[o + 1]!, withVr.data[o + 2]!];
      if (luma(r, g, b) > luma(without.data[o]!, without.data[o + 1]!, without.data[o + 2]!) + 40) {
        brighter++;
        if (r >= b) warm++;
      }
    }
    const total = withVr.width * withVr.height;
    expect(brighter / total).toBeGreaterThan(0.1);
    expect(warm / brighter).toBeGreaterThan(0.9);
    await inStore(page, (store) => store.getState().setVolumeRendering(false));
    // Turned off, the layer and its WebGL context are gone.
    await page.waitForSelector(`${VIEW} [data-layer="volume-rendering"]`, { state: 'detached' });
    expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });
});
