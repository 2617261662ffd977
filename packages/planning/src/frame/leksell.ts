/**
 * Leksell Stereotactic System (model G) coordinates and arc settings.
 *
 * Frame coordinates (mm), centre of the frame at (100, 100, 100):
 *   X grows towards the patient's LEFT, Y towards ANTERIOR, Z towards INFERIOR (caudal); the origin is the
 *   right–posterior–superior corner. This is the convention as commonly described for the Leksell G frame and
 *   as used by open Leksell tools (IM2Neuroing/SlicerStereotactic, calculateTrajectory.py, places a
 *   left-hemisphere target at X = 113.5, i.e. X > 100 on the left); we could not consult Elekta's manual, and
 *   some texts draw X the other way: check against the frame in use. In LPS terms a frame aligned with the head has X = +L, Y = −P, Z = −S, a proper
 *   rotation (det +1), so frame ↔ image is a rigid motion with no reflection.
 *
 * Arc (arc-centred principle: the target is set at the arc's centre, so every entry on the arc reaches it at
 * the arc's radius; M. Sedrak, A. L. Alaminos-Bouza, S. Srivastava, "Coordinate Systems for Navigating
 * Stereotactic Space: How Not to Get Lost", Cureus 12(6):e8578, 2020, PMC7358954: the ring angle rotates the
 * head-stage about the frame's x axis, the arc angle about its y axis). Our exact model, with e_x, e_y, e_z
 * the frame's unit axes and u the unit direction from the TARGET towards the ENTRY (the probe runs along −u):
 *   - ring angle α: the arc's plane contains the X axis through the target and is turned about it; its
 *     in-plane "up" direction is w(α) = cos α·e_y − sin α·e_z. α = 90° is vertical (the arc stands in the
 *     coronal plane, perpendicular to the frame base); α < 90° tilts the arc ANTERIORLY (frontal entries: an open-source Leksell
 *     app's example DBS plan reads ring 74.2° / 66.8° with arc 71.0° left / 111.1° right), α > 90° posteriorly.
 *   - arc angle β: the probe carrier's position along the arc, measured in the arc's plane from the X axis on
 *     the arc's zero side: u = cos β·s·e_x + sin β·w(α), with s = +1 when the arc scale's 0° is on the
 *     patient's LEFT (default, `arcZeroSide: 'left'`) and s = −1 when it is on the RIGHT (the arc mounted
 *     the other way round reads 180° − β). β = 90° is vertical in the arc's plane; with the default, β < 90°
 *     comes from the patient's left (lateral entries for left targets), β > 90° from the right.
 *   So ring 90 / arc 90 is the vertical probe from straight above, and a probe tilted 30° anteriorly in the
 *   sagittal plane has ring 60 / arc 90. Inverse: β = acos(s·u_x), α = atan2(−u_z, u_y) (α := 90° when the
 *   probe is horizontal along X, where the ring angle does not matter).
 * The mechanical range defaults to the arc's scales, ring 0–180° and arc 0–180° (as in SlicerStereotactic's
 * stereo_points.py); any approach from below the target falls outside it. Narrow it to your instrument.
 */
import type { Vec3 } from '../vec.ts';
import { isFiniteVec3, norm, sub } from '../vec.ts';
import { applyMatrix, applyMatrixToDirection, type FrameRegistration } from './pairedPoint.ts';

/** Leksell coordinates of the frame's centre on each axis (mm). */
export const LEKSELL_CENTER_MM = 100;

export interface LeksellCoordinates {
  xMm: number;
  yMm: number;
  zMm: number;
}

/** What the surgeon sets on the frame: target (X, Y, Z) at the arc's centre, ring and arc angles. */
export interface LeksellSetting extends LeksellCoordinates {
  ringDeg: number;
  arcDeg: number;
  /** Distance from the target back to the entry point along the probe (mm), when known. */
  depthMm?: number;
}

export interface ArcConvention {
  /** The patient's side on which the arc scale reads 0° (the probe would then come horizontally from that side). */
  arcZeroSide: 'left' | 'right';
  /** Settable ring angles [min, max] (deg, inclusive). */
  ringRangeDeg: [number, number];
  /** Settable arc angles [min, max] (deg, inclusive). */
  arcRangeDeg: [number, number];
}

export const DEFAULT_ARC_CONVENTION: ArcConvention = {
  arcZeroSide: 'left',
  ringRangeDeg: [0, 180],
  arcRangeDeg: [0, 180],
};

const FILE = 'frame/leksell';
const DEG = 180 / Math.PI;
/** Rounding slack when comparing angles with the range limits (deg). */
const ANGLE_SLACK_DEG = 1e-9;
/** Shortest entry–target distance that still defines a direction (mm). */
const MIN_DEPTH_MM = 0.5;

function checkRegistration(reg: FrameRegistration): void {
  const ok = (m: unknown): boolean =>
    Array.isArray(m) && m.length === 16 && m.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!reg || !ok(reg.frameToLps) || !ok(reg.lpsToFrame))
    throw new Error(
      `${FILE}: the frame registration must hold finite row-major 4×4 frameToLps and lpsToFrame (16 numbers each)`,
    );
}

function checkCoordinates(c: LeksellCoordinates, what: string): Vec3 {
  const v: Vec3 = [c?.xMm, c?.yMm, c?.zMm];
  if (!isFiniteVec3(v)) throw new Error(`${FILE}: ${what}: xMm, yMm and zMm must be finite numbers (mm)`);
  return v;
}

/** Leksell frame coordinates of an image point. */
export function lpsToLeksell(reg: FrameRegistration, pLps: Vec3): LeksellCoordinates {
  checkRegistration(reg);
  if (!isFiniteVec3(pLps)) throw new Error(`${FILE}: the point must be three finite numbers (LPS mm)`);
  const [xMm, yMm, zMm] = applyMatrix(reg.lpsToFrame, pLps);
  return { xMm, yMm, zMm };
}

/** Image (LPS) position of a point given in Leksell frame coordinates. */
export function leksellToLps(reg: FrameRegistration, c: LeksellCoordinates): Vec3 {
  checkRegistration(reg);
  return applyMatrix(reg.frameToLps, checkCoordinates(c, 'frame point'));
}

function checkAngles(ringDeg: number, arcDeg: number, conv: ArcConvention, why: string): void {
  const [r0, r1] = conv.ringRangeDeg;
  const [a0, a1] = conv.arcRangeDeg;
  if (!(ringDeg >= r0 - ANGLE_SLACK_DEG && ringDeg <= r1 + ANGLE_SLACK_DEG))
    throw new Error(
      `${FILE}: ring angle ${ringDeg.toFixed(1)}° is outside the settable range ${r0}–${r1}°${why}`,
    );
  if (!(arcDeg >= a0 - ANGLE_SLACK_DEG && arcDeg <= a1 + ANGLE_SLACK_DEG))
    throw new Error(
      `${FILE}: arc angle ${arcDeg.toFixed(1)}° is outside the settable range ${a0}–${a1}°${why}`,
    );
}

/** Ring and arc angles (deg) for a unit direction from target to entry in frame axes (see the file comment). */
export function anglesFromFrameDirection(
  u: Vec3,
  conv: ArcConvention = DEFAULT_ARC_CONVENTION,
): { ringDeg: number; arcDeg: number } {
  const s = conv.arcZeroSide === 'left' ? 1 : -1;
  const arcDeg = Math.acos(Math.min(1, Math.max(-1, s * u[0]))) * DEG;
  const inPlane = Math.hypot(u[1], u[2]);
  const ringDeg = inPlane < 1e-12 ? 90 : Math.atan2(-u[2], u[1]) * DEG;
  return { ringDeg, arcDeg };
}

/** Unit direction from target to entry in frame axes for a ring and arc angle (deg). */
export function frameDirectionFromAngles(
  ringDeg: number,
  arcDeg: number,
  conv: ArcConvention = DEFAULT_ARC_CONVENTION,
): Vec3 {
  const s = conv.arcZeroSide === 'left' ? 1 : -1;
  const a = ringDeg / DEG;
  const b = arcDeg / DEG;
  return [s * Math.cos(b), Math.sin(b) * Math.cos(a), -Math.sin(b) * Math.sin(a)];
}

/**
 * Frame setting for a trajectory planned in the image: the target's frame coordinates, the ring and arc
 * angles that make the probe run from the entry to the target, and the entry's depth from the target.
 * Throws when the approach cannot be set on the arc (outside `conv`'s ranges, e.g. from below).
 */
export function trajectoryToLeksell(
  reg: FrameRegistration,
  entryLps: Vec3,
  targetLps: Vec3,
  conv: ArcConvention = DEFAULT_ARC_CONVENTION,
): LeksellSetting {
  checkRegistration(reg);
  if (!isFiniteVec3(entryLps)) throw new Error(`${FILE}: entry must be three finite numbers (LPS mm)`);
  if (!isFiniteVec3(targetLps)) throw new Error(`${FILE}: target must be three finite numbers (LPS mm)`);
  const depthMm = norm(sub(entryLps, targetLps));
  if (!(depthMm >= MIN_DEPTH_MM))
    throw new Error(
      `${FILE}: entry and target are ${depthMm.toFixed(3)} mm apart, less than ${MIN_DEPTH_MM} mm: no direction to set`,
    );
  const d = applyMatrixToDirection(reg.lpsToFrame, sub(entryLps, targetLps));
  const u: Vec3 = [d[0] / depthMm, d[1] / depthMm, d[2] / depthMm];
  const { ringDeg, arcDeg } = anglesFromFrameDirection(u, conv);
  const why = u[2] > 0 ? ' (the entry lies below the target: the arc cannot approach from underneath)' : '';
  checkAngles(ringDeg, arcDeg, conv, why);
  const [xMm, yMm, zMm] = applyMatrix(reg.lpsToFrame, targetLps);
  return { xMm, yMm, zMm, ringDeg, arcDeg, depthMm };
}

/**
 * Image entry and target of a frame setting: the target at (X, Y, Z), the entry `lengthMm` back along the
 * probe set by the ring and arc angles. Throws for angles outside `conv`'s ranges or a non-positive length.
 */
export function leksellToTrajectory(
  reg: FrameRegistration,
  setting: LeksellSetting,
  lengthMm: number,
  conv: ArcConvention = DEFAULT_ARC_CONVENTION,
): { entryLps: Vec3; targetLps: Vec3 } {
  checkRegistration(reg);
  const target = checkCoordinates(setting, 'setting');
  if (!Number.isFinite(setting.ringDeg) || !Number.isFinite(setting.arcDeg))
    throw new Error(`${FILE}: ringDeg and arcDeg must be finite numbers (deg)`);
  if (!(Number.isFinite(lengthMm) && lengthMm >= MIN_DEPTH_MM))
    throw new Error(
      `${FILE}: length must be a finite number of at least ${MIN_DEPTH_MM} mm, got ${lengthMm}`,
    );
  checkAngles(setting.ringDeg, setting.arcDeg, conv, '');
  const u = frameDirectionFromAngles(setting.ringDeg, setting.arcDeg, conv);
  const entry: Vec3 = [target[0] + lengthMm * u[0], target[1] + lengthMm * u[1], target[2] + lengthMm * u[2]];
  return { entryLps: applyMatrix(reg.frameToLps, entry), targetLps: applyMatrix(reg.frameToLps, target) };
}

/** A setting as a surgeon reads it, e.g. "X 112.5 Y 94.0 Z 121.3 Ring 72.0° Arc 105.5° Depth 65.0 mm". */
export function leksellSettingToText(setting: LeksellSetting, decimals = 1): string {
  const f = (v: number): string => {
    const text = v.toFixed(decimals);
    return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text; // no "-0.0"
  };
  const parts = [
    `X ${f(setting.xMm)}`,
    `Y ${f(setting.yMm)}`,
    `Z ${f(setting.zMm)}`,
    `Ring ${f(setting.ringDeg)}°`,
    `Arc ${f(setting.arcDeg)}°`,
  ];
  if (setting.depthMm !== undefined) parts.push(`Depth ${f(setting.depthMm)} mm`);
  return parts.join(' ');
}

/**
 * Registration of a frame whose axes are aligned with the patient's (X = left, Y = anterior, Z = inferior)
 * and whose centre (100, 100, 100) sits at `centerLps`: LPS = centre + (X − 100, −(Y − 100), −(Z − 100)).
 */
export function alignedFrameRegistration(centerLps: Vec3): FrameRegistration {
  if (!isFiniteVec3(centerLps)) throw new Error(`${FILE}: centre must be three finite numbers (LPS mm)`);
  const [cx, cy, cz] = centerLps;
  const c = LEKSELL_CENTER_MM;
  // prettier-ignore
  const frameToLps = [
    1, 0, 0, cx - c,
    0, -1, 0, cy + c,
    0, 0, -1, cz + c,
    0, 0, 0, 1,
  ];
  // prettier-ignore
  const lpsToFrame = [
    1, 0, 0, c - cx,
    0, -1, 0, c + cy,
    0, 0, -1, c + cz,
    0, 0, 0, 1,
  ];
  return { frameToLps, lpsToFrame, freMm: 0, residualsMm: [] };
}
