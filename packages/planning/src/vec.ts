/** Small vector helpers on top of @neuroplan/imaging's math (LPS millimetres unless a name says otherwise). */
import { add, dot, norm, scale, sub, type Vec3 } from '@neuroplan/imaging';

export { add, cross, dot, norm, normalize, scale, sub, type Vec3 } from '@neuroplan/imaging';

/** a + t·(b − a). */
export const lerp = (a: Vec3, b: Vec3, t: number): Vec3 => add(a, scale(sub(b, a), t));
export const distance = (a: Vec3, b: Vec3): number => norm(sub(a, b));
/** Angle between two non-zero vectors, in degrees. */
export function angleDeg(a: Vec3, b: Vec3): number {
  const c = dot(a, b) / (norm(a) * norm(b));
  return (Math.acos(Math.min(1, Math.max(-1, c))) * 180) / Math.PI;
}
export const isFiniteVec3 = (v: unknown): v is Vec3 =>
  Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
