/**
 * Geometry of what the 2D views draw over the image, kept free of the DOM so it can be unit-tested:
 * window presets, view planes, trajectories projected onto a plane, the probe's-eye and inline planes.
 * All points are CT LPS mm; a view plane is a point and a unit normal.
 */
import { add, cross, dot, norm, scale, sub, type Vec3 } from '@neuroplan/imaging';
import type { WindowPreset } from '../store/types.ts';

export type Orientation = 'axial' | 'sagittal' | 'coronal';

/** Window level/width in HU. Vessels: a narrow soft-tissue window (blood ~55 HU over brain ~30 HU). */
export const WINDOW_PRESETS: Record<WindowPreset, { levelHu: number; widthHu: number; label: string }> = {
  brain: { levelHu: 40, widthHu: 80, label: 'Brain 40/80' },
  bone: { levelHu: 400, widthHu: 1800, label: 'Bone 400/1800' },
  vessels: { levelHu: 60, widthHu: 200, label: 'Vessels 60/200' },
};

export const voiRange = (levelHu: number, widthHu: number): { lower: number; upper: number } => ({
  lower: levelHu - widthHu / 2,
  upper: levelHu + widthHu / 2,
});

/** Unit normal of each orthogonal view plane in LPS. */
export const VIEW_NORMALS: Record<Orientation, Vec3> = {
  axial: [0, 0, 1],
  sagittal: [1, 0, 0],
  coronal: [0, 1, 0],
};

/** Colour of each view's plane where it crosses the other views (crosshair lines, view borders). */
export const VIEW_COLORS: Record<Orientation, string> = {
  axial: '#e0c341',
  sagittal: '#47c26b',
  coronal: '#4a9be8',
};

export const signedDistanceMm = (p: Vec3, planePoint: Vec3, normal: Vec3): number =>
  dot(sub(p, planePoint), normal);

/** Moves `p` onto the plane along its normal. */
export const projectOntoPlane = (p: Vec3, planePoint: Vec3, normal: Vec3): Vec3 =>
  sub(p, scale(normal, signedDistanceMm(p, planePoint, normal)));

/** Where segment a–b crosses the plane, or null if it does not (or lies in it). */
export function segmentPlaneCrossing(a: Vec3, b: Vec3, planePoint: Vec3, normal: Vec3): Vec3 | null {
  const da = signedDistanceMm(a, planePoint, normal);
  const db = signedDistanceMm(b, planePoint, normal);
  if (da === db || da * db > 0) return null;
  const t = da / (da - db);
  return add(a, scale(sub(b, a), t));
}

/** The point `depthMm` from the entry towards the target. */
export function pointAtDepth(entry: Vec3, target: Vec3, depthMm: number): Vec3 {
  const d = sub(target, entry);
  const len = norm(d);
  return len > 0 ? add(entry, scale(d, depthMm / len)) : entry;
}

/** Depth along entry→target of the point of the trajectory nearest `p`, clamped to the trajectory. */
export function depthOfPoint(entry: Vec3, target: Vec3, p: Vec3): number {
  const d = sub(target, entry);
  const len = norm(d);
  if (!(len > 0)) return 0;
  return Math.min(len, Math.max(0, dot(sub(p, entry), d) / len));
}

/** Spacing of a voxel grid measured along `normal` (the slice step of a view with that normal). */
export function spacingAlongMm(
  directionLps: ArrayLike<number>,
  spacingMm: readonly number[],
  normal: Vec3,
): number {
  // A unit step along the normal advances index axis c by (normal · axis_c) / spacing_c voxels.
  let s = 0;
  for (let c = 0; c < 3; c++) {
    const along =
      (normal[0] * directionLps[c]! + normal[1] * directionLps[3 + c]! + normal[2] * directionLps[6 + c]!) /
      spacingMm[c]!;
    s += along * along;
  }
  return s > 0 ? 1 / Math.sqrt(s) : 1;
}

/** Distance from point q to segment a–b, all 2D canvas pixels. */
export function distanceToSegment2D(
  q: readonly number[],
  a: readonly number[],
  b: readonly number[],
): number {
  const abx = b[0]! - a[0]!;
  const aby = b[1]! - a[1]!;
  const l2 = abx * abx + aby * aby;
  const t = l2 > 0 ? Math.min(1, Math.max(0, ((q[0]! - a[0]!) * abx + (q[1]! - a[1]!) * aby) / l2)) : 0;
  return Math.hypot(q[0]! - (a[0]! + t * abx), q[1]! - (a[1]! + t * aby));
}

/** Two unit vectors spanning the plane perpendicular to unit `d`; u as close to patient left as possible. */
export function perpendicularAxes(d: Vec3): [Vec3, Vec3] {
  const ref: Vec3 = Math.abs(d[2]) < 0.9 ? [0, 0, 1] : [0, 1, 0];
  const c = cross(ref, d);
  const u = scale(c, 1 / norm(c));
  return [u, cross(d, u)];
}

export interface ObliquePlane {
  centerLps: Vec3;
  /** Unit direction of image columns (left → right on screen). */
  uAxisLps: Vec3;
  /** Unit direction of image rows (top → bottom on screen). */
  vAxisLps: Vec3;
  /** Width and height covered, mm. */
  widthMm: number;
  heightMm: number;
}

/**
 * The probe's-eye plane: perpendicular to the trajectory at `depthMm` from the entry, looking down the
 * electrode from the entry towards the target (so u × v points along entry → target).
 */
export function probePlane(entry: Vec3, target: Vec3, depthMm: number, fieldMm = 60): ObliquePlane {
  const d = sub(target, entry);
  const dir = scale(d, 1 / norm(d));
  const [u, v] = perpendicularAxes(dir);
  return {
    centerLps: pointAtDepth(entry, target, depthMm),
    uAxisLps: u,
    vAxisLps: v,
    widthMm: fieldMm,
    heightMm: fieldMm,
  };
}

/**
 * The inline plane: contains the trajectory, which runs from the entry at the top to the target at the
 * bottom; the horizontal axis is the perpendicular closest to patient left. Centred on the trajectory's
 * midpoint with a margin around it.
 */
export function inlinePlane(entry: Vec3, target: Vec3, marginMm = 20): ObliquePlane {
  const d = sub(target, entry);
  const len = norm(d);
  const dir = scale(d, 1 / len);
  const [u] = perpendicularAxes(dir);
  const side = len + 2 * marginMm;
  return {
    centerLps: pointAtDepth(entry, target, len / 2),
    uAxisLps: u,
    vAxisLps: dir,
    widthMm: side,
    heightMm: side,
  };
}

/** Pixel (a, b) of an image of `plane` `w`×`h` px for LPS point p (a along u, b along v), plus its height off the plane. */
export function planePixel(plane: ObliquePlane, w: number, h: number, p: Vec3): [number, number, number] {
  const r = sub(p, plane.centerLps);
  const a = (dot(r, plane.uAxisLps) / plane.widthMm) * w + w / 2;
  const b = (dot(r, plane.vAxisLps) / plane.heightMm) * h + h / 2;
  return [a, b, dot(r, cross(plane.uAxisLps, plane.vAxisLps))];
}
