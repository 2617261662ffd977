/**
 * The allowed entry region on the skull: directions from the head frame's origin, as elevation above the
 * left–posterior plane and azimuth from anterior (positive towards the patient's left), and the rules of
 * EntryRegion (lowest elevation, the face, excluded spheres).
 */
import { dot, norm, sub, type Vec3 } from '../vec.ts';
import type { EntryRegion, HeadFrame, PlanningScene } from './types.ts';

const DEG = 180 / Math.PI;
/** A signed angle as people write it (a true minus sign). */
const signedDeg = (x: number): string => (x < 0 ? `−${-x}` : `${x}`);

/** Elevation (deg, +90 at the vertex) and azimuth (deg, 0 anterior, +90 left, ±180 posterior) of a point. */
export function headAngles(frame: HeadFrame, pointLps: Vec3): { elevationDeg: number; azimuthDeg: number } {
  const d = sub(pointLps, frame.originLps);
  const r = norm(d);
  if (!(r > 0)) return { elevationDeg: 0, azimuthDeg: 0 };
  const up = dot(d, frame.superiorLps) / r;
  const elevationDeg = Math.asin(Math.max(-1, Math.min(1, up))) * DEG;
  const azimuthDeg = Math.atan2(dot(d, frame.leftLps), -dot(d, frame.posteriorLps)) * DEG;
  return { elevationDeg, azimuthDeg };
}

/** Why `pointLps` may not be an entry under `region`, in words; undefined when it may. */
export function entryProblemInFrame(
  frame: HeadFrame,
  region: EntryRegion,
  pointLps: Vec3,
): string | undefined {
  const { elevationDeg, azimuthDeg } = headAngles(frame, pointLps);
  if (elevationDeg < region.minElevationDeg) {
    const where =
      elevationDeg < 0
        ? `${(-elevationDeg).toFixed(0)}° below the head's equator`
        : `${elevationDeg.toFixed(0)}° above the head's equator`;
    return `the entry is ${where} (lowest allowed ${signedDeg(region.minElevationDeg)}°)`;
  }
  if (elevationDeg < region.faceMaxElevationDeg && Math.abs(azimuthDeg) <= region.faceHalfWidthDeg)
    return (
      `the entry is on the face (${Math.abs(azimuthDeg).toFixed(0)}° from anterior, ` +
      `${elevationDeg.toFixed(0)}° elevation; the face is within ±${region.faceHalfWidthDeg}° of anterior ` +
      `below ${signedDeg(region.faceMaxElevationDeg)}°)`
    );
  for (const s of region.excludedSpheres) {
    const d = norm(sub(pointLps, s.centerLps));
    if (d <= s.radiusMm)
      return `the entry lies in an excluded zone (${s.reason}: ${d.toFixed(1)} mm from its centre, radius ${s.radiusMm} mm)`;
  }
  return undefined;
}

/** The reason in words when `pointLps` is outside the scene's allowed entry region, else undefined. */
export function entryRegionProblem(
  scene: PlanningScene,
  region: EntryRegion,
  pointLps: Vec3,
): string | undefined {
  return entryProblemInFrame(scene.headFrame, region, pointLps);
}

/** One flag per skull vertex: 1 where an entry is allowed. */
export function allowedEntryMask(scene: PlanningScene, region: EntryRegion): Uint8Array {
  const p = scene.skull.positionsLps;
  const out = new Uint8Array(p.length / 3);
  for (let v = 0; v < out.length; v++)
    out[v] = entryProblemInFrame(scene.headFrame, region, [p[3 * v]!, p[3 * v + 1]!, p[3 * v + 2]!]) ? 0 : 1;
  return out;
}
