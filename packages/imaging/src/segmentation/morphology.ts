/**
 * Binary morphology with balls of a radius in millimetres (exact for anisotropic voxels: a voxel is
 * within r of a set when the Euclidean distance between voxel centres is ≤ r; distances are float32,
 * so ties within 1e-6 relative count as within), hole filling. Outside the grid is neither mask nor
 * background for dilate/erode; `close` pads the grid so it behaves as if the space went on.
 */
import { checkCancelled, type TaskControl } from '../task.ts';
import { squaredDistanceToFeature } from './edt.ts';
import { checkMask, type Grid } from './grid.ts';

function checkRadius(radiusMm: number, what: string): void {
  if (!(radiusMm >= 0) || !Number.isFinite(radiusMm))
    throw new Error(`${what}: radius must be a finite number of mm ≥ 0, got ${radiusMm}`);
}

/** Voxels within `radiusMm` of the mask (the mask dilated by a ball). */
export function dilate(grid: Grid, mask: Uint8Array, radiusMm: number, control?: TaskControl): Uint8Array {
  checkMask(grid, mask, 'dilate');
  checkRadius(radiusMm, 'dilate');
  const d2 = squaredDistanceToFeature(grid, mask, control, 'dilate');
  const r2 = radiusMm * radiusMm * (1 + 1e-6);
  const out = new Uint8Array(mask.length);
  for (let p = 0; p < out.length; p++) out[p] = d2[p]! <= r2 ? 1 : 0;
  return out;
}

/** Mask voxels farther than `radiusMm` from every background voxel (the mask eroded by a ball). */
export function erode(grid: Grid, mask: Uint8Array, radiusMm: number, control?: TaskControl): Uint8Array {
  checkMask(grid, mask, 'erode');
  checkRadius(radiusMm, 'erode');
  const bg = new Uint8Array(mask.length);
  for (let p = 0; p < bg.length; p++) bg[p] = mask[p] ? 0 : 1;
  const d2 = squaredDistanceToFeature(grid, bg, control, 'erode');
  const r2 = radiusMm * radiusMm * (1 + 1e-6);
  const out = new Uint8Array(mask.length);
  for (let p = 0; p < out.length; p++) out[p] = mask[p] && d2[p]! > r2 ? 1 : 0;
  return out;
}

/**
 * Dilation then erosion: fills gaps and dents narrower than the ball. The grid is padded by the radius
 * first, so a mask near the border is closed as if the space went on (no clipped dilation).
 */
export function close(grid: Grid, mask: Uint8Array, radiusMm: number, control?: TaskControl): Uint8Array {
  checkMask(grid, mask, 'close');
  checkRadius(radiusMm, 'close');
  const [ni, nj, nk] = grid.dimensions;
  const pad = grid.spacingMm.map((s) => Math.ceil(radiusMm / s) + 1) as [number, number, number];
  const pd: [number, number, number] = [ni + 2 * pad[0], nj + 2 * pad[1], nk + 2 * pad[2]];
  const padded = { dimensions: pd, spacingMm: grid.spacingMm };
  const big = new Uint8Array(pd[0] * pd[1] * pd[2]);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++) {
      const src = ni * (j + nj * k);
      big.set(mask.subarray(src, src + ni), pad[0] + pd[0] * (j + pad[1] + pd[1] * (k + pad[2])));
    }
  const d = dilate(padded, big, radiusMm, control);
  checkCancelled(control, 'close');
  const e = erode(padded, d, radiusMm, control);
  const out = new Uint8Array(mask.length);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++) {
      const src = pad[0] + pd[0] * (j + pad[1] + pd[1] * (k + pad[2]));
      out.set(e.subarray(src, src + ni), ni * (j + nj * k));
    }
  return out;
}

/** Erosion then dilation: removes parts thinner than the ball. */
export function open(grid: Grid, mask: Uint8Array, radiusMm: number, control?: TaskControl): Uint8Array {
  const e = erode(grid, mask, radiusMm, control);
  checkCancelled(control, 'open');
  const d = dilate(grid, e, radiusMm, control);
  for (let p = 0; p < d.length; p++) if (!mask[p]) d[p] = 0;
  return d;
}

/** Fills background cavities that are not 6-connected to the grid border. */
export function fillHoles(grid: Grid, mask: Uint8Array, control?: TaskControl): Uint8Array {
  checkMask(grid, mask, 'fillHoles');
  const [ni, nj, nk] = grid.dimensions;
  const nij = ni * nj;
  const outside = new Uint8Array(mask.length);
  const queue = new Int32Array(mask.length);
  let head = 0;
  let tail = 0;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        if (i > 0 && j > 0 && k > 0 && i < ni - 1 && j < nj - 1 && k < nk - 1) continue;
        const p = i + ni * j + nij * k;
        if (!mask[p] && !outside[p]) {
          outside[p] = 1;
          queue[tail++] = p;
        }
      }
  let steps = 0;
  while (head < tail) {
    if ((++steps & 0xfffff) === 0) checkCancelled(control, 'fillHoles');
    const p = queue[head++]!;
    const i = p % ni;
    const j = ((p - i) / ni) % nj;
    const k = Math.floor(p / nij);
    const visit = (q: number): void => {
      if (!mask[q] && !outside[q]) {
        outside[q] = 1;
        queue[tail++] = q;
      }
    };
    if (i > 0) visit(p - 1);
    if (i < ni - 1) visit(p + 1);
    if (j > 0) visit(p - ni);
    if (j < nj - 1) visit(p + ni);
    if (k > 0) visit(p - nij);
    if (k < nk - 1) visit(p + nij);
  }
  const out = new Uint8Array(mask.length);
  for (let p = 0; p < out.length; p++) out[p] = outside[p] ? 0 : 1;
  return out;
}

/** Mask voxels with at least one 6-neighbour outside the mask (or on the grid border). */
export function boundaryVoxels(grid: Grid, mask: Uint8Array): Uint8Array {
  checkMask(grid, mask, 'boundaryVoxels');
  const [ni, nj, nk] = grid.dimensions;
  const nij = ni * nj;
  const out = new Uint8Array(mask.length);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        const p = i + ni * j + nij * k;
        if (!mask[p]) continue;
        if (
          i === 0 ||
          j === 0 ||
          k === 0 ||
          i === ni - 1 ||
          j === nj - 1 ||
          k === nk - 1 ||
          !mask[p - 1] ||
          !mask[p + 1] ||
          !mask[p - ni] ||
          !mask[p + ni] ||
          !mask[p - nij] ||
          !mask[p + nij]
        )
          out[p] = 1;
      }
  return out;
}
