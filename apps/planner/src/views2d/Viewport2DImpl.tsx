/**
 * One 2D view (axial, sagittal or coronal): a cornerstone volume viewport of the CT with the registered
 * MR fused over it, and our own overlay canvas above it that draws the linked crosshair, the vessel mask
 * and the plan, and takes the mouse:
 *  - left click/drag: move the linked cursor (every view's slice passes through it); with a pick mode
 *    set, place the target/entry; on a handle, drag it (moveEndpoint on release); on a line, select it;
 *    with the brush on, paint or erase the vessel mask
 *  - wheel: next/previous slice (moves the cursor along the view normal); ctrl+wheel: zoom
 *  - right drag: window level (up/down) and width (left/right); middle or shift+left drag: pan
 * A toggle in the view's toolbar swaps it for the probe's-eye or inline view of the selected trajectory.
 */
import { useCallback, useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { Enums, getRenderingEngine, type Types } from '@cornerstonejs/core';
import { add, dot, scale, sub, type Vec3 } from '@neuroplan/imaging';
import { useStore } from '../store/index.ts';
import type { EditableMask } from '../store/types.ts';
import { ensureCornerstone, renderingEngine2D, RENDERING_ENGINE_ID } from './cornerstoneSetup.ts';
import { drawOverlay, HANDLE_RADIUS_PX } from './drawOverlay.ts';
import {
  WINDOW_PRESETS,
  distanceToSegment2D,
  signedDistanceMm,
  spacingAlongMm,
  voiRange,
  type Orientation,
} from './overlays.ts';
import { ProbeView } from './ProbeView.tsx';
import { ViewToolbar } from './Toolbar2D.tsx';
import { registerShownViewport } from './testHook.ts';
import { useViews2d } from './uiStore.ts';
import { maskFromScene, paintSphere } from './vesselMask.ts';
import { nextTask } from './loadViews2d.ts';
import { useViewVolumes } from './volumes.ts';
import './views2d.css';

export interface Viewport2DProps {
  orientation: Orientation;
}

const CS_ORIENTATION: Record<Orientation, Enums.OrientationAxis> = {
  axial: Enums.OrientationAxis.AXIAL,
  sagittal: Enums.OrientationAxis.SAGITTAL,
  coronal: Enums.OrientationAxis.CORONAL,
};

const v3 = (p: readonly number[]): Vec3 => [p[0]!, p[1]!, p[2]!];

/**
 * Makes the fused layer's opacity the fraction of it that shows over the CT. vtk composites a slab of
 * path length L as 1 − (1 − α)^(L / unit distance), after baking (sample distance / unit distance) into
 * a float32 opacity table. With cornerstone's default slab (±0.05 mm) and vtk's 1 mm unit distance a
 * 0.5 blend shows ~4 % MR, and a 0.1 mm unit distance overflows float32 (α rounds to 1 above ~0.7). So
 * the MR actor alone gets a slab of ±slabMm (a quarter voxel: no visible smoothing, and its front, which
 * an opaque layer shows, is at most slabMm off the plane) and a unit distance of the path through it,
 * 2·slabMm: the blend is then linear (tested). The CT keeps the thin default slab, exactly on the plane.
 */
function setLayerOpacityExact(viewport: Types.IVolumeViewport, volumeId: string, slabMm: number): void {
  const entry = viewport.getActors().find((a) => a.referencedId === volumeId || a.uid === volumeId);
  if (!entry) return;
  if (entry.slabThickness !== slabMm) viewport.setSlabThickness(slabMm, [entry.uid]);
  (entry.actor as Types.VolumeActor).getProperty().setScalarOpacityUnitDistance(0, 2 * slabMm);
}

/** What a view shows of its volumes: the CT window (or a range), the fused layer and its blend. */
interface Display {
  baseId: string;
  baseRange: { lower: number; upper: number } | null;
  window: { levelHu: number; widthHu: number };
  overlay: { volumeId: string; range: { lower: number; upper: number } } | null;
  blend: number;
  /** The fused layer's slab half-thickness (see setLayerOpacityExact). */
  slabMm: number;
}

function applyDisplay(viewport: Types.IVolumeViewport, d: Display): void {
  viewport.setProperties({ voiRange: d.baseRange ?? voiRange(d.window.levelHu, d.window.widthHu) }, d.baseId);
  if (!d.overlay || !viewport.getActors().some((a) => a.referencedId === d.overlay!.volumeId)) return;
  viewport.setProperties(
    { voiRange: d.overlay.range, colormap: { name: 'Grayscale', opacity: d.blend } },
    d.overlay.volumeId,
  );
  setLayerOpacityExact(viewport, d.overlay.volumeId, d.slabMm);
}

/** Moves the view's slice through `cursor` (keeps the in-plane pan and zoom); does not render. */
function followCursor(viewport: Types.IVolumeViewport, cursor: Vec3): void {
  const cam = viewport.getCamera();
  const n = v3(cam.viewPlaneNormal!);
  const d = dot(sub(cursor, v3(cam.focalPoint!)), n);
  if (Math.abs(d) <= 1e-6) return;
  const shift = scale(n, d);
  viewport.setCamera({
    focalPoint: add(v3(cam.focalPoint!), shift) as Types.Point3,
    position: add(v3(cam.position!), shift) as Types.Point3,
  });
}

/**
 * The first render of a view's volumes builds its shaders and transfer-function textures and may upload
 * a volume: 50–150 ms of JavaScript per view on a slow machine. The views take turns, each in its own
 * task, so these never add up in one task.
 */
let renderTurns: Promise<void> = Promise.resolve();
function inRenderTurn(run: () => Promise<void>): Promise<void> {
  // Each turn starts in a task of its own (not in the one that asked for it, e.g. a React commit).
  const mine = renderTurns.then(nextTask).then(run);
  renderTurns = mine.catch(() => undefined);
  return mine;
}

/** Resolves when the viewport has rendered (or after `timeoutMs`, so a lost event never stalls the turns). */
function rendered(element: HTMLDivElement, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      element.removeEventListener(Enums.Events.IMAGE_RENDERED, done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    element.addEventListener(Enums.Events.IMAGE_RENDERED, done);
  });
}

export function Viewport2D({ orientation }: Viewport2DProps) {
  const mode = useViews2d((s) => s.modes[orientation]);
  return (
    <div className="vp2d" data-testid={`viewport-${orientation}`} data-orientation={orientation}>
      <ViewToolbar orientation={orientation} />
      <div className="vp2d-body">
        <SliceView orientation={orientation} hidden={mode !== 'slice'} />
        {mode !== 'slice' && <ProbeView kind={mode} />}
      </div>
    </div>
  );
}

/** Keeps the editable vessel mask in step with the planning scene (a new scene starts a new mask). */
function useVesselMask(): EditableMask | null {
  const scene = useStore((s) => s.scene);
  const mask = useStore((s) => s.vesselMask ?? null);
  useEffect(() => {
    const current = useStore.getState().vesselMask ?? null;
    if (!scene && current) useStore.setState({ vesselMask: null });
    if (!scene || current?.scene === scene) return;
    // Built in a task of its own (a pass over the whole scene grid), not in the one that brought the
    // scene (which also builds the 3D view's meshes). The three views run this: the first builds it.
    let live = true;
    const wanted = () => {
      const state = useStore.getState();
      return live && state.scene === scene && state.vesselMask?.scene !== scene;
    };
    void (async () => {
      await nextTask();
      if (!wanted()) return;
      const built = maskFromScene(scene);
      // Published in the next task: drawing it over the three views is a task's worth of its own.
      await nextTask();
      if (wanted()) useStore.setState({ vesselMask: built });
    })();
    return () => {
      live = false;
    };
  }, [scene, mask]);
  return mask?.scene === scene ? mask : null;
}

type Drag =
  | { kind: 'cursor' }
  | { kind: 'pan'; last: [number, number] }
  | { kind: 'window'; last: [number, number]; levelHu: number; widthHu: number }
  | { kind: 'handle'; id: string; which: 'entry' | 'target'; offsetMm: number; lps: Vec3 }
  | { kind: 'brush'; value: 0 | 1 };

function SliceView({ orientation, hidden }: { orientation: Orientation; hidden: boolean }) {
  const viewportId = `neuroplan-2d-${orientation}`;
  const elementRef = useRef<HTMLDivElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const [viewport, setViewport] = useState<Types.IVolumeViewport | null>(null);
  const [shownKey, setShownKey] = useState<string | null>(null);
  const [cameraTick, setCameraTick] = useState(0);
  const [drag, setDrag] = useState<Drag | null>(null);

  const volumes = useViewVolumes();
  const hasSeries = useStore((s) => s.series.length > 0);
  const cursorLps = useStore((s) => s.cursorLps);
  const setCursor = useStore((s) => s.setCursor);
  const preset = useStore((s) => s.windowPreset);
  const blend = useStore((s) => s.fusionBlend);
  const trajectories = useStore((s) => s.trajectories);
  const assessments = useStore((s) => s.assessments);
  const selectedId = useStore((s) => s.selectedId);
  const catalog = useStore((s) => s.catalog);
  const showSegmentation = useViews2d((s) => s.showSegmentation);
  const customWindow = useViews2d((s) => s.customWindow);
  const mask = useVesselMask();

  // One viewport of the shared rendering engine per view.
  useEffect(() => {
    const element = elementRef.current!;
    let cancelled = false;
    // In turns, like first renders: cornerstone's init (it probes WebGL) and each view's enabling (it
    // sets up the shared offscreen canvas) in a task of its own.
    void inRenderTurn(async () => {
      await ensureCornerstone();
      if (cancelled) return;
      const engine = renderingEngine2D();
      engine.enableElement({
        viewportId,
        type: Enums.ViewportType.ORTHOGRAPHIC,
        element,
        defaultOptions: { orientation: CS_ORIENTATION[orientation], background: [0, 0, 0] },
      });
      setViewport(engine.getViewport(viewportId) as Types.IVolumeViewport);
    });
    const onCamera = () => setCameraTick((t) => t + 1);
    element.addEventListener(Enums.Events.CAMERA_MODIFIED, onCamera);
    const resize = new ResizeObserver(() => {
      getRenderingEngine(RENDERING_ENGINE_ID)?.resize(true, true);
      setCameraTick((t) => t + 1);
    });
    resize.observe(element);
    return () => {
      cancelled = true;
      resize.disconnect();
      element.removeEventListener(Enums.Events.CAMERA_MODIFIED, onCamera);
      const engine = getRenderingEngine(RENDERING_ENGINE_ID);
      if (engine?.getViewport(viewportId)) engine.disableElement(viewportId);
      setViewport(null);
      setShownKey(null);
    };
  }, [orientation, viewportId]);

  // What the view shows of its volumes, read by the first render (which runs later, in its turn).
  const baseRange = volumes?.base.range ?? null;
  const overlayRange = volumes?.overlay?.range ?? null;
  const display: Display | null = volumes && {
    baseId: volumes.base.volumeId,
    baseRange,
    window: customWindow ?? WINDOW_PRESETS[preset],
    overlay: volumes.overlay && overlayRange && { volumeId: volumes.overlay.volumeId, range: overlayRange },
    blend,
    slabMm: Math.max(0.1, Math.min(...volumes.base.volume.spacingMm) / 4),
  };
  const displayRef = useRef(display);
  displayRef.current = display;

  // The volumes: CT, and the fused MR above it. Shown with the window, fusion and slice already set,
  // one view at a time (firstRender).
  const baseId = volumes?.base.volumeId ?? null;
  const overlayId = volumes?.overlay?.volumeId ?? null;
  const volumesKey = baseId ? `${baseId}|${overlayId ?? ''}` : null;
  const shownBaseRef = useRef<string | null>(null);
  useEffect(() => {
    if (!viewport || !baseId || !volumesKey) return;
    let live = true;
    const inputs = [{ volumeId: baseId }, ...(overlayId ? [{ volumeId: overlayId }] : [])];
    void inRenderTurn(async () => {
      if (!live) return;
      // setVolumes resets the camera: keep the zoom and pan when only the fused layer changes.
      const kept = shownBaseRef.current === baseId ? viewport.getCamera() : null;
      await viewport.setVolumes(inputs);
      if (!live) return;
      if (kept)
        viewport.setCamera({
          focalPoint: kept.focalPoint,
          position: kept.position,
          viewUp: kept.viewUp,
          parallelScale: kept.parallelScale,
        });
      const d = displayRef.current;
      if (d?.baseId === baseId) applyDisplay(viewport, d);
      const cursor = useStore.getState().cursorLps;
      if (cursor) followCursor(viewport, cursor);
      // Twice: the first render builds the shaders and tables, the next uploads a new volume's voxels.
      for (let i = 0; i < 2; i++) {
        const drawn = rendered(viewport.element);
        viewport.render();
        await drawn;
      }
      if (!live) return;
      shownBaseRef.current = baseId;
      setShownKey(volumesKey);
    }).catch((e: unknown) => console.error(`${orientation} view: cannot show the volumes`, e));
    return () => {
      live = false;
    };
  }, [viewport, baseId, overlayId, volumesKey, orientation]);
  const shown = viewport !== null && shownKey !== null && shownKey === volumesKey;
  useEffect(() => {
    registerShownViewport(orientation, shown ? viewport : null);
    return () => registerShownViewport(orientation, null);
  }, [orientation, shown, viewport]);

  // Window and fusion.
  useEffect(() => {
    const d = displayRef.current;
    if (!shown || !viewport || !d) return;
    applyDisplay(viewport, d);
    viewport.render();
  }, [shown, viewport, baseId, overlayId, preset, customWindow, blend, baseRange, overlayRange]);

  // A cursor to start from: the centre of the volume.
  const baseVolume = volumes?.base.volume ?? null;
  useEffect(() => {
    if (!baseVolume || useStore.getState().cursorLps) return;
    const [ni, nj, nk] = baseVolume.dimensions;
    const m = baseVolume.ijkToLps;
    const c = [(ni - 1) / 2, (nj - 1) / 2, (nk - 1) / 2] as const;
    setCursor(
      [0, 1, 2].map(
        (r) => m[r * 4]! * c[0] + m[r * 4 + 1]! * c[1] + m[r * 4 + 2]! * c[2] + m[r * 4 + 3]!,
      ) as Vec3,
    );
  }, [baseVolume, setCursor]);

  // The slice follows the cursor (in-plane pan and zoom are kept).
  useEffect(() => {
    if (!shown || !viewport || !cursorLps) return;
    followCursor(viewport, cursorLps);
    viewport.render();
  }, [shown, viewport, cursorLps]);

  // What a canvas position means, and the slice step of this view.
  const geometry = useCallback(() => {
    if (!shown || !viewport || !baseVolume) return null;
    const cam = viewport.getCamera();
    const normal = v3(cam.viewPlaneNormal!);
    const step = spacingAlongMm(baseVolume.directionLps, baseVolume.spacingMm, normal);
    return {
      cam,
      normal,
      planePoint: v3(cam.focalPoint!),
      step,
      toWorld: (x: number, y: number): Vec3 => v3(viewport.canvasToWorld([x, y])),
      toCanvas: (p: Vec3): [number, number] => {
        const c = viewport.worldToCanvas(p as Types.Point3);
        return [c[0], c[1]];
      },
    };
  }, [shown, viewport, baseVolume]);

  // The overlay.
  useEffect(() => {
    const canvas = overlayRef.current;
    const g = geometry();
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    // Drawn by the CPU (willReadFrequently keeps a canvas off the GPU): lines, handles and mask tiles
    // need no GPU, and a GPU-backed canvas made its first draw wait for the GPU process, which is busy
    // creating the WebGL contexts while the views start (90–140 ms measured in one task).
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    if (!g) return;
    const preview =
      drag?.kind === 'handle'
        ? trajectories.map((t) =>
            t.id === drag.id ? { ...t, [drag.which === 'entry' ? 'entryLps' : 'targetLps']: drag.lps } : t,
          )
        : trajectories;
    drawOverlay(ctx, {
      orientation,
      widthPx: w,
      heightPx: h,
      toCanvas: g.toCanvas,
      toWorld: g.toWorld,
      planePoint: g.planePoint,
      normal: g.normal,
      nearMm: Math.max(1, g.step),
      cursorLps,
      trajectories: preview,
      assessments,
      selectedId,
      catalog,
      mask: showSegmentation ? mask : null,
    });
  }, [
    geometry,
    cameraTick,
    cursorLps,
    trajectories,
    assessments,
    selectedId,
    catalog,
    mask,
    showSegmentation,
    drag,
    orientation,
  ]);

  // Wheel: slices, or zoom with ctrl (a native listener: React's wheel listeners are passive).
  useEffect(() => {
    const canvas = overlayRef.current!;
    const onWheel = (e: WheelEvent) => {
      const g = geometry();
      if (!g || !viewport) return;
      e.preventDefault();
      const sign = Math.sign(e.deltaY);
      if (sign === 0) return;
      if (e.ctrlKey) {
        viewport.setCamera({ parallelScale: g.cam.parallelScale! * (sign > 0 ? 1.1 : 1 / 1.1) });
        viewport.render();
        return;
      }
      const cursor = useStore.getState().cursorLps ?? g.planePoint;
      setCursor(add(cursor, scale(g.normal, -sign * g.step)));
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
  }, [geometry, viewport, setCursor]);

  const localPos = (e: ReactPointerEvent<HTMLCanvasElement>): [number, number] => {
    const r = e.currentTarget.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };

  const brushAt = (p: Vec3, value: 0 | 1) => {
    const m = useStore.getState().vesselMask;
    if (!m) return;
    const changed = paintSphere(m, p, useViews2d.getState().brushRadiusMm, value);
    if (changed > 0) useStore.setState({ vesselMask: { ...m, revision: m.revision + 1, edited: true } });
  };

  const onPointerDown = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const g = geometry();
    if (!g || !viewport) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const pos = localPos(e);
    const world = g.toWorld(pos[0], pos[1]);
    if (e.button === 1 || (e.button === 0 && e.shiftKey)) {
      setDrag({ kind: 'pan', last: pos });
      return;
    }
    if (e.button === 2) {
      const w = useViews2d.getState().customWindow ?? WINDOW_PRESETS[useStore.getState().windowPreset];
      setDrag({ kind: 'window', last: pos, levelHu: w.levelHu, widthHu: w.widthHu });
      return;
    }
    if (e.button !== 0) return;
    const state = useStore.getState();
    if (state.pickMode !== 'none') {
      state.pickPoint(world);
      return;
    }
    const brush = useViews2d.getState().brush;
    if (brush !== 'off' && state.vesselMask) {
      const value = brush === 'paint' ? 1 : 0;
      brushAt(world, value);
      setDrag({ kind: 'brush', value });
      return;
    }
    // A handle under the pointer (the selected trajectory's first).
    const order = [...state.trajectories].sort(
      (a, b) => Number(b.id === state.selectedId) - Number(a.id === state.selectedId),
    );
    for (const t of order)
      for (const which of ['target', 'entry'] as const) {
        const p = which === 'entry' ? t.entryLps : t.targetLps;
        const [x, y] = g.toCanvas(p);
        if (Math.hypot(x - pos[0], y - pos[1]) <= HANDLE_RADIUS_PX + 3) {
          if (t.id !== state.selectedId) state.select(t.id);
          setDrag({
            kind: 'handle',
            id: t.id,
            which,
            offsetMm: signedDistanceMm(p, g.planePoint, g.normal),
            lps: p,
          });
          return;
        }
      }
    for (const t of order) {
      if (distanceToSegment2D(pos, g.toCanvas(t.entryLps), g.toCanvas(t.targetLps)) <= 4) {
        state.select(t.id);
        return;
      }
    }
    setCursor(world);
    setDrag({ kind: 'cursor' });
  };

  const onPointerMove = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const g = geometry();
    if (!drag || !g || !viewport) return;
    const pos = localPos(e);
    const world = g.toWorld(pos[0], pos[1]);
    switch (drag.kind) {
      case 'cursor':
        setCursor(world);
        break;
      case 'brush':
        brushAt(world, drag.value);
        break;
      case 'handle':
        // Keep the handle's height above this slice: dragging moves it within its own plane.
        setDrag({ ...drag, lps: add(world, scale(g.normal, drag.offsetMm)) });
        break;
      case 'pan': {
        const delta = sub(world, g.toWorld(drag.last[0], drag.last[1]));
        viewport.setCamera({
          focalPoint: sub(v3(g.cam.focalPoint!), delta) as Types.Point3,
          position: sub(v3(g.cam.position!), delta) as Types.Point3,
        });
        viewport.render();
        setDrag({ ...drag, last: pos });
        break;
      }
      case 'window': {
        const dx = pos[0] - drag.last[0];
        const dy = pos[1] - drag.last[1];
        const widthHu = Math.max(1, drag.widthHu * Math.exp(dx / 200));
        const levelHu = drag.levelHu - dy * (drag.widthHu / 200);
        useViews2d.getState().setCustomWindow({ levelHu, widthHu });
        break;
      }
    }
  };

  const onPointerUp = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    if (drag?.kind === 'handle') useStore.getState().moveEndpoint(drag.id, drag.which, drag.lps);
    setDrag(null);
  };

  return (
    <div className="vp2d-slice" style={{ visibility: hidden ? 'hidden' : 'visible' }}>
      <div ref={elementRef} className="vp2d-element" onContextMenu={(e) => e.preventDefault()} />
      <canvas
        ref={overlayRef}
        className="vp2d-overlay"
        data-testid={`overlay-${orientation}`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onContextMenu={(e) => e.preventDefault()}
      />
      {volumes?.overlayNote && <div className="vp2d-note">{volumes.overlayNote}</div>}
      {!volumes && <div className="vp2d-note">{hasSeries ? 'Preparing the images…' : 'No image loaded'}</div>}
    </div>
  );
}
