/** Connected components of binary masks (6- or 26-connectivity), largest component, size filtering. */
import { checkCancelled, type TaskControl } from '../task.ts';
import { checkMask, neighbourOffsets, type Connectivity, type Grid } from './grid.ts';

export interface Components {
  /** Component number per voxel (1..count, 0 = background), numbered by first voxel in scan order. */
  labels: Int32Array;
  count: number;
  /** Voxel count of each component; index 0 is unused (0). */
  sizes: number[];
}

/** Labels the connected components of `mask` with breadth-first flood fill. */
export function connectedComponents(
  grid: Grid,
  mask: Uint8Array,
  connectivity: Connectivity = 26,
  control?: TaskControl,
): Components {
  checkMask(grid, mask, 'connectedComponents');
  if (connectivity !== 6 && connectivity !== 26)
    throw new Error(`connectedComponents: connectivity must be 6 or 26, got ${String(connectivity)}`);
  const [ni, nj, nk] = grid.dimensions;
  const nij = ni * nj;
  const offs = neighbourOffsets(connectivity);
  const labels = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  const sizes = [0];
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    if ((count & 0xff) === 0) {
      checkCancelled(control, 'connected components');
      control?.onProgress?.(start / mask.length, 'connected components');
    }
    const label = ++count;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    labels[start] = label;
    while (head < tail) {
      const p = queue[head++]!;
      const i = p % ni;
      const j = ((p - i) / ni) % nj;
      const k = (p - i - ni * j) / nij;
      for (const [di, dj, dk] of offs) {
        const a = i + di;
        const b = j + dj;
        const c = k + dk;
        if (a < 0 || b < 0 || c < 0 || a >= ni || b >= nj || c >= nk) continue;
        const q = a + ni * b + nij * c;
        if (mask[q] && !labels[q]) {
          labels[q] = label;
          queue[tail++] = q;
        }
      }
    }
    sizes.push(tail);
  }
  control?.onProgress?.(1, 'connected components');
  return { labels, count, sizes };
}

/** The largest connected component as a mask (empty when the mask is empty). */
export function largestComponent(
  grid: Grid,
  mask: Uint8Array,
  connectivity: Connectivity = 26,
  control?: TaskControl,
): Uint8Array {
  return keepComponents(grid, mask, { connectivity, maxCount: 1 }, control);
}

/**
 * Keeps the components with at least `minVoxels` voxels, at most `maxCount` of them (the largest).
 */
export function keepComponents(
  grid: Grid,
  mask: Uint8Array,
  options: { connectivity?: Connectivity; minVoxels?: number; maxCount?: number },
  control?: TaskControl,
): Uint8Array {
  const cc = connectedComponents(grid, mask, options.connectivity ?? 26, control);
  const order = Array.from({ length: cc.count }, (_, n) => n + 1)
    .filter((l) => cc.sizes[l]! >= (options.minVoxels ?? 1))
    .sort((a, b) => cc.sizes[b]! - cc.sizes[a]!)
    .slice(0, options.maxCount ?? Infinity);
  const keep = new Uint8Array(cc.count + 1);
  for (const l of order) keep[l] = 1;
  const out = new Uint8Array(mask.length);
  for (let p = 0; p < out.length; p++) out[p] = keep[cc.labels[p]!]!;
  return out;
}
