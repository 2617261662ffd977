/**
 * VolumePlan + decoded frames → Volume. The stack buffer holds one rescaled slice per plan source, in
 * stacking order; for 'direct' plans it is the final voxel array, for 'resample' plans reconstruct.ts
 * interpolates it onto the grid. writeSlice is a pure function of its arguments so worker threads can
 * fill one SharedArrayBuffer-backed stack in parallel.
 */
import { createVolume, type Volume, type VoxelArray } from '../volume.ts';
import { reconstructStack } from './reconstruct.ts';
import { newVoxelArray, stackShape } from './stack.ts';
import type { FrameRef, SliceSource, VolumePlan } from './types.ts';
import type { StoredPixels } from './decode.ts';

/** The stack buffer for a plan: one slice per source, of the plan's voxel type. */
export function allocateScalars(plan: VolumePlan, shared = false): VoxelArray {
  const { columns, rows, slices } = stackShape(plan);
  return newVoxelArray(plan.voxelType, columns * rows * slices, shared, plan.id);
}

/**
 * Writes one decoded source slice (rescaled, mosaic tile cropped) into the stack buffer at slice s.
 * The voxel type was chosen so that integer targets only ever receive integer slope and intercept,
 * hence no rounding here; float32 targets get value = stored · slope + intercept.
 * `storedMax`: for unsigned values that skipped decodeFrame's BitsStored scan, the largest valid stored
 * value; the copy checks on the fly (one OR per value) and returns false if any value exceeds it, and
 * the caller then writes the slice again from properly masked values. Returns true otherwise.
 */
export function writeSlice(
  target: VoxelArray,
  plan: VolumePlan,
  s: number,
  stored: StoredPixels,
  frame: FrameRef,
  storedMax?: number,
): boolean {
  const { columns, rows, slices } = stackShape(plan);
  const file = plan.sources[s]?.file ?? plan.id;
  if (!Number.isInteger(s) || s < 0 || s >= slices)
    throw new Error(`${file}: slice ${s} is outside the stack of ${slices} slices`);
  const stride = plan.pixel.columns;
  const frameLength = stride * plan.pixel.rows;
  if (stored.length < frameLength)
    throw new Error(
      `${file}: the decoded frame holds ${stored.length} values, expected ${plan.pixel.columns}×${plan.pixel.rows} = ${frameLength}`,
    );
  const sliceLength = columns * rows;
  if (target.length < (s + 1) * sliceLength)
    throw new Error(`${file}: the stack buffer holds ${target.length} voxels, too few for slice ${s + 1}`);
  const base = s * sliceLength;
  const slope = frame.rescaleSlope;
  const intercept = frame.rescaleIntercept;
  const tile = frame.tile;

  if (!tile) {
    let bitsSeen = 0;
    if (storedMax !== undefined && slope === 1) {
      for (let i = 0; i < sliceLength; i++) {
        const v = stored[i]!;
        bitsSeen |= v;
        target[base + i] = v + intercept;
      }
      return bitsSeen >>> 0 <= storedMax;
    }
    if (storedMax !== undefined) {
      for (let i = 0; i < sliceLength; i++) bitsSeen |= stored[i]!;
      if (bitsSeen >>> 0 > storedMax) return false;
    }
    if (slope === 1 && intercept === 0) {
      target.set(stored.subarray(0, sliceLength), base);
    } else if (slope === 1) {
      for (let i = 0; i < sliceLength; i++) target[base + i] = stored[i]! + intercept;
    } else {
      for (let i = 0; i < sliceLength; i++) target[base + i] = stored[i]! * slope + intercept;
    }
    return true;
  }
  if (tile.rowOffset + rows > plan.pixel.rows || tile.columnOffset + columns > stride)
    throw new Error(
      `${file}: mosaic tile at row ${tile.rowOffset}, column ${tile.columnOffset} lies outside the image`,
    );
  for (let r = 0; r < rows; r++) {
    const src = (tile.rowOffset + r) * stride + tile.columnOffset;
    const dst = base + r * columns;
    for (let c = 0; c < columns; c++) {
      const v = stored[src + c]!;
      if (storedMax !== undefined && v > storedMax) return false;
      target[dst + c] = v * slope + intercept;
    }
  }
  return true;
}

/** Turns a filled stack buffer into the final Volume (reconstructs when the plan says 'resample'). */
export function finishVolume(plan: VolumePlan, stack: VoxelArray): Volume {
  const scalars = plan.reconstruction.kind === 'resample' ? reconstructStack(plan, stack) : stack;
  const { dimensions, spacingMm, originLps, directionLps } = plan.grid;
  return createVolume({
    id: plan.id,
    modality: plan.modality,
    dimensions,
    spacingMm,
    originLps,
    directionLps,
    scalars,
    metadata: { ...plan.metadata },
    warnings: [...plan.warnings],
  });
}

/** Single-threaded convenience: decode every source via the callback, write, reconstruct, return the Volume. */
export async function assembleVolume(
  plan: VolumePlan,
  getStored: (src: SliceSource) => Promise<StoredPixels>,
): Promise<Volume> {
  const stack = allocateScalars(plan);
  for (let s = 0; s < plan.sources.length; s++) {
    const source = plan.sources[s]!;
    let stored: StoredPixels;
    try {
      stored = await getStored(source);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(message.includes(source.file) ? message : `${source.file}: ${message}`);
    }
    writeSlice(stack, plan, s, stored, source.frame);
  }
  return finishVolume(plan, stack);
}
