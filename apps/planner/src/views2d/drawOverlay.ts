/**
 * Draws a 2D view's overlay on its own canvas (above cornerstone's): the linked crosshair, the vessel
 * mask, trajectories with their entry/target handles and contacts, and the riskiest point of the
 * selected trajectory. Points reach the canvas through `toCanvas` (CSS pixels).
 */
import { sub, type Vec3 } from '@neuroplan/imaging';
import { trajectoryGeometry, type ElectrodeCatalog, type Trajectory } from '@neuroplan/planning';
import type { EditableMask } from '../store/types.ts';
import type { TrajectoryAssessment } from '@neuroplan/planning';
import {
  VIEW_COLORS,
  VIEW_NORMALS,
  pointAtDepth,
  segmentPlaneCrossing,
  signedDistanceMm,
  type Orientation,
} from './overlays.ts';
import { maskImage } from './vesselMask.ts';

export interface OverlayInput {
  orientation: Orientation;
  widthPx: number;
  heightPx: number;
  toCanvas(p: Vec3): [number, number];
  toWorld(x: number, y: number): Vec3;
  planePoint: Vec3;
  /** Unit normal of this view's plane. */
  normal: Vec3;
  /** Points this close to the plane (mm) count as in it (handles drawn filled). */
  nearMm: number;
  cursorLps: Vec3 | null;
  trajectories: readonly Trajectory[];
  assessments: Readonly<Record<string, TrajectoryAssessment>>;
  selectedId: string | null;
  catalog: ElectrodeCatalog;
  mask: EditableMask | null;
}

export const HANDLE_RADIUS_PX = 6;
export const COLORS = {
  trajectory: '#3fc1ff',
  selected: '#ffd54a',
  risk: '#ff3d7f',
  contact: '#ffffff',
};

/** Contacts of a trajectory: from its assessment, else computed from the model (none if it is degenerate). */
export function contactsOf(
  t: Trajectory,
  assessment: TrajectoryAssessment | undefined,
  catalog: ElectrodeCatalog,
): Vec3[] {
  if (assessment && assessment.trajectory === t) return assessment.geometry.contacts.map((c) => c.centerLps);
  try {
    return trajectoryGeometry(t, catalog.get(t.electrodeId)).contacts.map((c) => c.centerLps);
  } catch {
    return [];
  }
}

/** The riskiest point of a trajectory along its path, when it has been assessed. */
export function riskiestPoint(t: Trajectory, assessment: TrajectoryAssessment | undefined): Vec3 | null {
  if (!assessment) return null;
  return pointAtDepth(t.entryLps, t.targetLps, assessment.risk.riskiestDepthMm);
}

function drawMask(ctx: CanvasRenderingContext2D, o: OverlayInput, mask: EditableMask): void {
  const step = 2; // CSS px per mask sample: plenty for maps at ≥ 0.5 mm
  const w = Math.ceil(o.widthPx / step);
  const h = Math.ceil(o.heightPx / step);
  if (w < 1 || h < 1) return;
  const origin = o.toWorld(0, 0);
  const dx = sub(o.toWorld(step, 0), origin);
  const dy = sub(o.toWorld(0, step), origin);
  const rgba = maskImage(mask, origin, dx, dy, w, h);
  const tile = new OffscreenCanvas(w, h);
  // A CPU canvas (see the overlay's own): no GPU upload for a tile drawn once.
  tile.getContext('2d', { willReadFrequently: true })!.putImageData(new ImageData(rgba, w, h), 0, 0);
  ctx.save();
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, 0, 0, w * step, h * step);
  ctx.restore();
}

function drawCrosshair(ctx: CanvasRenderingContext2D, o: OverlayInput, cursor: Vec3): void {
  const [cx, cy] = o.toCanvas(cursor);
  const others = (Object.keys(VIEW_NORMALS) as Orientation[]).filter((v) => v !== o.orientation);
  const big = 1e4;
  for (const other of others) {
    // The other view's plane through the cursor meets this one along n × m.
    const m = VIEW_NORMALS[other];
    const n = o.normal;
    const dir: Vec3 = [n[1] * m[2] - n[2] * m[1], n[2] * m[0] - n[0] * m[2], n[0] * m[1] - n[1] * m[0]];
    const far: Vec3 = [cursor[0] + dir[0] * 100, cursor[1] + dir[1] * 100, cursor[2] + dir[2] * 100];
    const [fx, fy] = o.toCanvas(far);
    const len = Math.hypot(fx - cx, fy - cy);
    if (!(len > 0)) continue;
    const ux = (fx - cx) / len;
    const uy = (fy - cy) / len;
    ctx.strokeStyle = VIEW_COLORS[other];
    ctx.lineWidth = 1;
    ctx.globalAlpha = 0.85;
    // Leave a gap around the cursor so the anatomy under it stays visible.
    for (const s of [-1, 1]) {
      ctx.beginPath();
      ctx.moveTo(cx + s * ux * 10, cy + s * uy * 10);
      ctx.lineTo(cx + s * ux * big, cy + s * uy * big);
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
}

function drawTrajectory(ctx: CanvasRenderingContext2D, o: OverlayInput, t: Trajectory): void {
  const selected = t.id === o.selectedId;
  const color = selected ? COLORS.selected : COLORS.trajectory;
  const [ex, ey] = o.toCanvas(t.entryLps);
  const [tx, ty] = o.toCanvas(t.targetLps);
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = selected ? 2.5 : 1.5;
  ctx.globalAlpha = selected ? 0.95 : 0.7;
  ctx.beginPath();
  ctx.moveTo(ex, ey);
  ctx.lineTo(tx, ty);
  ctx.stroke();

  // Where the trajectory pierces this slice.
  const crossing = segmentPlaneCrossing(t.entryLps, t.targetLps, o.planePoint, o.normal);
  if (crossing) {
    const [x, y] = o.toCanvas(crossing);
    ctx.beginPath();
    ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }

  const assessment = o.assessments[t.id];
  // The riskiest point first (a large diamond), so the handles and contacts stay visible on top of it.
  if (selected) {
    const risk = riskiestPoint(t, assessment);
    if (risk) {
      const [x, y] = o.toCanvas(risk);
      const near = Math.abs(signedDistanceMm(risk, o.planePoint, o.normal)) <= o.nearMm;
      ctx.globalAlpha = 1;
      ctx.strokeStyle = COLORS.risk;
      ctx.fillStyle = COLORS.risk;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, y - 11);
      ctx.lineTo(x + 11, y);
      ctx.lineTo(x, y + 11);
      ctx.lineTo(x - 11, y);
      ctx.closePath();
      if (near) ctx.fill();
      ctx.stroke();
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillText(`riskiest ${assessment!.risk.riskiestDepthMm.toFixed(1)} mm`, x + 13, y - 6);
    }
  }
  for (const c of contactsOf(t, assessment, o.catalog)) {
    const [x, y] = o.toCanvas(c);
    const near = Math.abs(signedDistanceMm(c, o.planePoint, o.normal)) <= o.nearMm;
    ctx.globalAlpha = near ? 1 : 0.45;
    ctx.fillStyle = COLORS.contact;
    ctx.fillRect(x - 2, y - 2, 4, 4);
  }

  // Handles: entry a square, target a circle; filled when the point lies in this slice.
  const handle = (p: Vec3, shape: 'square' | 'circle') => {
    const [x, y] = o.toCanvas(p);
    const near = Math.abs(signedDistanceMm(p, o.planePoint, o.normal)) <= o.nearMm;
    ctx.globalAlpha = 1;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    if (shape === 'square')
      ctx.rect(x - HANDLE_RADIUS_PX, y - HANDLE_RADIUS_PX, 2 * HANDLE_RADIUS_PX, 2 * HANDLE_RADIUS_PX);
    else ctx.arc(x, y, HANDLE_RADIUS_PX, 0, 2 * Math.PI);
    if (near) ctx.fill();
    else ctx.stroke();
  };
  handle(t.entryLps, 'square');
  handle(t.targetLps, 'circle');

  ctx.globalAlpha = 1;
}

/** Clears and redraws the overlay; `ctx` is already scaled to CSS pixels. */
export function drawOverlay(ctx: CanvasRenderingContext2D, o: OverlayInput): void {
  ctx.clearRect(0, 0, o.widthPx, o.heightPx);
  if (o.mask) drawMask(ctx, o, o.mask);
  if (o.cursorLps) drawCrosshair(ctx, o, o.cursorLps);
  for (const t of o.trajectories) if (t.id !== o.selectedId) drawTrajectory(ctx, o, t);
  const sel = o.trajectories.find((t) => t.id === o.selectedId);
  if (sel) drawTrajectory(ctx, o, sel);
}
