/**
 * The probe's-eye view (the plane perpendicular to the selected trajectory at the cursor's depth along
 * it) and the inline view (the plane containing the trajectory, entry at the top). Both are oblique
 * reslices of the CT (and of the fused MR, blended as in the slice views) computed with imaging's
 * reslicePlane and drawn on a 2D canvas: a 256² reslice takes a few milliseconds, no WebGL context needed.
 * Clicking moves the linked cursor to the clicked point.
 */
import { useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { add, reslicePlane, scale, type Vec3 } from '@neuroplan/imaging';
import { useStore } from '../store/index.ts';
import { COLORS, contactsOf, riskiestPoint } from './drawOverlay.ts';
import {
  WINDOW_PRESETS,
  depthOfPoint,
  inlinePlane,
  planePixel,
  probePlane,
  segmentPlaneCrossing,
  voiRange,
  type ObliquePlane,
} from './overlays.ts';
import { useViews2d } from './uiStore.ts';
import { useViewVolumes } from './volumes.ts';

const IMAGE_PX = 256;

/** Grey levels 0..255 of `pixels` windowed to [lower, upper]. */
function toGrey(pixels: Float32Array, lower: number, upper: number): Float32Array {
  const out = new Float32Array(pixels.length);
  const k = 255 / (upper - lower);
  for (let i = 0; i < pixels.length; i++) out[i] = Math.min(255, Math.max(0, (pixels[i]! - lower) * k));
  return out;
}

export function ProbeView({ kind }: { kind: 'probe' | 'inline' }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState<[number, number]>([0, 0]);
  const volumes = useViewVolumes();
  const trajectories = useStore((s) => s.trajectories);
  const selectedId = useStore((s) => s.selectedId);
  const assessments = useStore((s) => s.assessments);
  const catalog = useStore((s) => s.catalog);
  const cursorLps = useStore((s) => s.cursorLps);
  const setCursor = useStore((s) => s.setCursor);
  const preset = useStore((s) => s.windowPreset);
  const blend = useStore((s) => s.fusionBlend);
  const customWindow = useViews2d((s) => s.customWindow);
  const selected = trajectories.find((t) => t.id === selectedId) ?? null;

  useEffect(() => {
    const canvas = canvasRef.current!;
    const observer = new ResizeObserver(() => setSize([canvas.clientWidth, canvas.clientHeight]));
    observer.observe(canvas);
    return () => observer.disconnect();
  }, []);

  const plane: ObliquePlane | null = selected
    ? kind === 'probe'
      ? probePlane(
          selected.entryLps,
          selected.targetLps,
          cursorLps
            ? depthOfPoint(selected.entryLps, selected.targetLps, cursorLps)
            : depthOfPoint(selected.entryLps, selected.targetLps, selected.targetLps),
        )
      : inlinePlane(selected.entryLps, selected.targetLps)
    : null;
  const depthMm =
    selected && cursorLps ? depthOfPoint(selected.entryLps, selected.targetLps, cursorLps) : null;

  // Where the square image sits in the canvas.
  const [cw, ch] = size;
  const side = Math.min(cw, ch);
  const ox = (cw - side) / 2;
  const oy = (ch - side) / 2;

  useEffect(() => {
    const canvas = canvasRef.current!;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(cw * dpr));
    canvas.height = Math.max(1, Math.round(ch * dpr));
    // CPU canvases, like the slice views' overlays (no wait for the GPU process on the first draw).
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, cw, ch);
    ctx.fillStyle = '#c8d0d6';
    ctx.font = '12px system-ui, sans-serif';
    if (!volumes || !plane || !selected || side < 8) {
      ctx.fillText(
        !volumes ? 'No image loaded' : 'Select a trajectory to see its probe and inline views',
        8,
        20,
      );
      return;
    }
    const n = IMAGE_PX;
    const spec = {
      centerLps: plane.centerLps,
      uAxisLps: plane.uAxisLps,
      vAxisLps: plane.vAxisLps,
      widthPx: n,
      heightPx: n,
      pixelSpacingMm: plane.widthMm / n,
    };
    const w = customWindow ?? WINDOW_PRESETS[preset];
    const baseRange = volumes.base.range ?? voiRange(w.levelHu, w.widthHu);
    const grey = toGrey(reslicePlane(volumes.base.volume, spec).pixels, baseRange.lower, baseRange.upper);
    const overlay = volumes.overlay;
    const mrGrey =
      overlay?.range && blend > 0
        ? toGrey(reslicePlane(overlay.volume, spec).pixels, overlay.range.lower, overlay.range.upper)
        : null;
    const rgba = new Uint8ClampedArray(n * n * 4);
    for (let i = 0; i < n * n; i++) {
      const g = mrGrey ? (1 - blend) * grey[i]! + blend * mrGrey[i]! : grey[i]!;
      rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = g;
      rgba[i * 4 + 3] = 255;
    }
    const tile = new OffscreenCanvas(n, n);
    tile.getContext('2d', { willReadFrequently: true })!.putImageData(new ImageData(rgba, n, n), 0, 0);
    ctx.drawImage(tile, ox, oy, side, side);

    const toCanvas = (p: Vec3): [number, number, number] => {
      const [a, b, hgt] = planePixel(plane, side, side, p);
      return [ox + a, oy + b, hgt];
    };
    const nearMm = 1.5;
    // Trajectories: the selected one in full (inline) or where it pierces the plane (probe).
    for (const t of trajectories) {
      const isSel = t.id === selected.id;
      ctx.strokeStyle = ctx.fillStyle = isSel ? COLORS.selected : COLORS.trajectory;
      ctx.lineWidth = 2;
      if (kind === 'inline' || !isSel) {
        const [ex, ey] = toCanvas(t.entryLps);
        const [tx, ty] = toCanvas(t.targetLps);
        if (kind === 'inline') {
          ctx.beginPath();
          ctx.moveTo(ex, ey);
          ctx.lineTo(tx, ty);
          ctx.stroke();
        }
      }
      if (kind === 'probe') {
        const pierce = isSel ? plane.centerLps : crossingOf(t.entryLps, t.targetLps, plane);
        if (pierce) {
          const [x, y] = toCanvas(pierce);
          ctx.beginPath();
          ctx.arc(x, y, 5, 0, 2 * Math.PI);
          ctx.stroke();
        }
      }
      for (const c of contactsOf(t, assessments[t.id], catalog)) {
        const [x, y, hgt] = toCanvas(c);
        if (kind === 'probe' && Math.abs(hgt) > nearMm) continue;
        ctx.fillStyle = COLORS.contact;
        ctx.fillRect(x - 2, y - 2, 4, 4);
      }
    }
    const risk = riskiestPoint(selected, assessments[selected.id]);
    if (risk && kind === 'inline') {
      const [x, y] = toCanvas(risk);
      ctx.strokeStyle = ctx.fillStyle = COLORS.risk;
      ctx.beginPath();
      ctx.arc(x, y, 6, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillText('riskiest', x + 9, y + 4);
    }
    if (kind === 'inline' && depthMm !== null) {
      // The cursor depth, across the trajectory.
      const p = add(selected.entryLps, scale(plane.vAxisLps, depthMm));
      const [x, y] = toCanvas(p);
      ctx.strokeStyle = '#e0c341';
      ctx.beginPath();
      ctx.moveTo(x - 14, y);
      ctx.lineTo(x + 14, y);
      ctx.stroke();
    }
    ctx.fillStyle = '#c8d0d6';
    ctx.fillText(
      kind === 'probe'
        ? `${selected.id}: probe's-eye at ${(depthMm ?? 0).toFixed(1)} mm from the entry, field ${plane.widthMm} mm`
        : `${selected.id}: inline, entry at the top, field ${plane.widthMm.toFixed(0)} mm`,
      8,
      16,
    );
  }, [
    volumes,
    plane,
    selected,
    side,
    cw,
    ch,
    ox,
    oy,
    preset,
    customWindow,
    blend,
    trajectories,
    assessments,
    catalog,
    kind,
    depthMm,
  ]);

  const onPointerDown = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (!plane || side < 8) return;
    const r = e.currentTarget.getBoundingClientRect();
    const a = (e.clientX - r.left - ox) / side - 0.5;
    const b = (e.clientY - r.top - oy) / side - 0.5;
    setCursor(
      add(
        plane.centerLps,
        add(scale(plane.uAxisLps, a * plane.widthMm), scale(plane.vAxisLps, b * plane.heightMm)),
      ),
    );
  };

  return (
    <div className="vp2d-probe">
      <canvas ref={canvasRef} data-testid={`probe-${kind}`} onPointerDown={onPointerDown} />
    </div>
  );
}

function crossingOf(entry: Vec3, target: Vec3, plane: ObliquePlane): Vec3 | null {
  const u = plane.uAxisLps;
  const v = plane.vAxisLps;
  const normal: Vec3 = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  return segmentPlaneCrossing(entry, target, plane.centerLps, normal);
}
