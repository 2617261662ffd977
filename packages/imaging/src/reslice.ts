/**
 * Oblique reslicing: an image on an arbitrary plane through a Volume, optionally a slab
 * (maximum-intensity or mean projection along the plane normal). This is what the planner's
 * probe's-eye and inline views draw.
 *
 * Pixel (a, b) lies at originLps + a·pixelSpacingMm·uAxisLps + b·pixelSpacingMm·vAxisLps, so
 * centerLps is at pixel ((widthPx−1)/2, (heightPx−1)/2): the centre of a pixel for odd sizes,
 * between pixels for even ones. A slab of thickness T is sampled on N evenly spaced planes from
 * −T/2 to +T/2 along the normal (both ends included), N chosen so the step is at most half the
 * smallest voxel spacing. Points off the volume grid (see sampling.ts) and NaN voxels are no data:
 * a slab projects the samples that have data, and a pixel with none gets `fill` (default 0).
 */
import { cross, type Vec3 } from './math.ts';
import { linearAtIndex, nearestAtIndex } from './sampling.ts';
import type { Volume } from './volume.ts';

export interface ReslicePlaneSpec {
  centerLps: Vec3;
  /** Unit direction of increasing column index (along a row), in LPS. */
  uAxisLps: Vec3;
  /** Unit direction of increasing row index, in LPS; orthonormalised against u when nearly orthogonal. */
  vAxisLps: Vec3;
  widthPx: number;
  heightPx: number;
  pixelSpacingMm: number;
  /** Slab thickness along the normal; 0 or absent samples the plane itself. */
  slabMm?: number;
  /** Projection through the slab (default 'mip'). */
  slabMode?: 'mip' | 'mean';
  interpolation?: 'linear' | 'nearest';
  /** Value of pixels with no data (default 0). */
  fill?: number;
}

export interface ReslicedPlane {
  /** Row-major, u fastest: pixel (a, b) at pixels[a + b·widthPx]. */
  pixels: Float32Array;
  widthPx: number;
  heightPx: number;
  /** LPS position of pixel (0, 0). */
  originLps: Vec3;
  uAxisLps: Vec3;
  vAxisLps: Vec3;
  pixelSpacingMm: number;
  /** u × v. */
  normalLps: Vec3;
}

/** Refuse images beyond this many pixels per side (a wrong argument, not a view). */
const MAX_SIDE_PX = 16384;
/** Axes shorter or longer than 1 by this much are rejected rather than silently rescaled. */
const UNIT_TOLERANCE = 1e-3;
/** |cos| between u and v below this is "nearly orthogonal" and gets fixed; above is an error. */
const ORTHOGONAL_TOLERANCE = 1e-3;

function unitAxis(a: Vec3, name: string): Vec3 {
  const n = Math.hypot(a[0], a[1], a[2]);
  if (!Number.isFinite(n) || !(Math.abs(n - 1) <= UNIT_TOLERANCE))
    throw new Error(`reslice: ${name} must be a unit vector (its length is ${n})`);
  return [a[0] / n, a[1] / n, a[2] / n];
}

function planeAxes(uIn: Vec3, vIn: Vec3): { u: Vec3; v: Vec3; n: Vec3 } {
  const u = unitAxis(uIn, 'uAxisLps');
  const v0 = unitAxis(vIn, 'vAxisLps');
  const c = u[0] * v0[0] + u[1] * v0[1] + u[2] * v0[2];
  if (Math.abs(c) > 1 - 1e-9) throw new Error('reslice: uAxisLps and vAxisLps are parallel');
  if (Math.abs(c) > ORTHOGONAL_TOLERANCE)
    throw new Error(
      `reslice: uAxisLps and vAxisLps must be orthogonal (they are ${((Math.acos(c) * 180) / Math.PI).toFixed(3)}° apart)`,
    );
  // Gram–Schmidt: remove the tiny u component from v.
  const w: Vec3 = [v0[0] - c * u[0], v0[1] - c * u[1], v0[2] - c * u[2]];
  const wn = Math.hypot(w[0], w[1], w[2]);
  const v: Vec3 = [w[0] / wn, w[1] / wn, w[2] / wn];
  return { u, v, n: cross(u, v) };
}

/** Samples an oblique plane (or slab) of `vol`; see the module note for conventions. */
export function reslicePlane(vol: Volume, plane: ReslicePlaneSpec): ReslicedPlane {
  const { widthPx: w, heightPx: h, pixelSpacingMm: sp, centerLps: c } = plane;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1 || w > MAX_SIDE_PX || h > MAX_SIDE_PX)
    throw new Error(`reslice: invalid image size ${w}×${h} pixels`);
  if (!(sp > 0) || !Number.isFinite(sp)) throw new Error(`reslice: invalid pixel spacing ${sp} mm`);
  if (c.length !== 3 || !c.every(Number.isFinite)) throw new Error('reslice: invalid centre point');
  const slabMm = plane.slabMm ?? 0;
  if (!(slabMm >= 0) || !Number.isFinite(slabMm))
    throw new Error(`reslice: invalid slab thickness ${slabMm} mm`);
  const mean = (plane.slabMode ?? 'mip') === 'mean';
  const fill = plane.fill ?? 0;
  const sample = (plane.interpolation ?? 'linear') === 'linear' ? linearAtIndex : nearestAtIndex;
  const { u, v, n } = planeAxes(plane.uAxisLps, plane.vAxisLps);

  const ha = ((w - 1) / 2) * sp;
  const hb = ((h - 1) / 2) * sp;
  const originLps: Vec3 = [
    c[0] - ha * u[0] - hb * v[0],
    c[1] - ha * u[1] - hb * v[1],
    c[2] - ha * u[2] - hb * v[2],
  ];

  // Slab planes: offsets along the normal.
  const minSpacing = Math.min(...vol.spacingMm);
  const planes = slabMm > 0 ? Math.max(2, Math.ceil(slabMm / (minSpacing / 2)) + 1) : 1;
  const offsetsMm = Float64Array.from({ length: planes }, (_, p) =>
    planes === 1 ? 0 : -slabMm / 2 + (p * slabMm) / (planes - 1),
  );

  // Index-space images of the origin and of one step along u, v and the normal.
  const m = vol.lpsToIjk;
  const lin = (d: Vec3, r: number) => m[r * 4]! * d[0] + m[r * 4 + 1]! * d[1] + m[r * 4 + 2]! * d[2];
  const o0 = lin(originLps, 0) + m[3]!;
  const o1 = lin(originLps, 1) + m[7]!;
  const o2 = lin(originLps, 2) + m[11]!;
  const du0 = lin(u, 0) * sp;
  const du1 = lin(u, 1) * sp;
  const du2 = lin(u, 2) * sp;
  const dv0 = lin(v, 0) * sp;
  const dv1 = lin(v, 1) * sp;
  const dv2 = lin(v, 2) * sp;
  const dn0 = lin(n, 0);
  const dn1 = lin(n, 1);
  const dn2 = lin(n, 2);

  const s = vol.scalars;
  const [ni, nj, nk] = vol.dimensions;
  const pixels = new Float32Array(w * h);
  for (let b = 0; b < h; b++) {
    for (let a = 0; a < w; a++) {
      const fi = o0 + a * du0 + b * dv0;
      const fj = o1 + a * du1 + b * dv1;
      const fk = o2 + a * du2 + b * dv2;
      if (planes === 1) {
        const x = sample(s, ni, nj, nk, fi, fj, fk, NaN);
        pixels[a + b * w] = Number.isNaN(x) ? fill : x;
        continue;
      }
      let acc = mean ? 0 : -Infinity;
      let hits = 0;
      for (let p = 0; p < planes; p++) {
        const t = offsetsMm[p]!;
        const x = sample(s, ni, nj, nk, fi + t * dn0, fj + t * dn1, fk + t * dn2, NaN);
        if (Number.isNaN(x)) continue;
        hits++;
        if (mean) acc += x;
        else if (x > acc) acc = x;
      }
      pixels[a + b * w] = hits === 0 ? fill : mean ? acc / hits : acc;
    }
  }
  return {
    pixels,
    widthPx: w,
    heightPx: h,
    originLps,
    uAxisLps: u,
    vAxisLps: v,
    pixelSpacingMm: sp,
    normalLps: n,
  };
}
