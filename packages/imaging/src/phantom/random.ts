/**
 * Seeded randomness for the phantom. Everything derives from 32-bit integer arithmetic (Math.imul),
 * so a seed gives the same numbers on every platform; each part of the model draws from its own named
 * stream, so changing one part (say the vessel tree) never shifts another (the fiducials).
 */
import type { Vec3 } from '../math.ts';
import { mulberry32, type Rng } from '../random.ts';

export { mulberry32, type Rng };

/** lowbias32 integer hash (C. Wellons): every input bit affects every output bit. */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of `s`, started from `salt`, then mixed. */
export function hashString(s: string, salt = 0): number {
  let h = (0x811c9dc5 ^ hash32(salt >>> 0)) >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return hash32(h);
}

/** Generator for the named part of the model built from `seed`. */
export const streamFor = (seed: number, name: string): Rng => mulberry32(hashString(name, seed));

export const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng();

/** ±[lo, hi): a magnitude in [lo, hi) with a random sign. */
export const signedUniform = (rng: Rng, lo: number, hi: number): number =>
  (rng() < 0.5 ? -1 : 1) * uniform(rng, lo, hi);

/** Standard normal draw (Box–Muller). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]: log stays finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

export const gaussian3 = (rng: Rng): Vec3 => [gaussian(rng), gaussian(rng), gaussian(rng)];

/**
 * Approximately standard normal noise for voxel `index` of the stream `salt`, from one hash:
 * the sum of its four bytes (Irwin–Hall, variance 4·(256²−1)/12) centred and scaled. Order-free,
 * so slices can be rendered in any order and still match.
 */
export function voxelNoise(index: number, salt: number): number {
  const h = hash32((index + salt) >>> 0);
  return ((h & 255) + ((h >>> 8) & 255) + ((h >>> 16) & 255) + (h >>> 24) - 510) * 0.006766;
}
