/** The stack buffer's shape and typed-array allocation, shared by assembly and reconstruction. */
import type { VoxelArray } from '../volume.ts';
import type { VolumePlan, VoxelType } from './types.ts';

interface TypedArrayConstructor {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): VoxelArray;
  new (buffer: SharedArrayBuffer): VoxelArray;
}

const CONSTRUCTORS: Record<VoxelType, TypedArrayConstructor> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
};

/** A new zeroed voxel array of `type`, in a SharedArrayBuffer when `shared`. */
export function newVoxelArray(type: VoxelType, length: number, shared = false, what = 'volume'): VoxelArray {
  const Ctor = CONSTRUCTORS[type];
  const bytes = length * Ctor.BYTES_PER_ELEMENT;
  try {
    return shared ? new Ctor(new SharedArrayBuffer(bytes)) : new Ctor(length);
  } catch (e) {
    throw new Error(
      `${what}: cannot allocate ${length} ${type} voxels (${(bytes / 2 ** 30).toFixed(2)} GiB): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** A voxel array of `type` over an existing (e.g. shared) buffer, as a worker receives it. */
export function voxelArrayOnBuffer(type: VoxelType, buffer: SharedArrayBuffer | ArrayBuffer): VoxelArray {
  return new CONSTRUCTORS[type](buffer as SharedArrayBuffer);
}

/** Columns, rows and slice count of the stack buffer (a mosaic contributes tile-sized slices). */
export function stackShape(plan: VolumePlan): { columns: number; rows: number; slices: number } {
  const tile = plan.sources[0]?.frame.tile;
  return {
    columns: tile?.columns ?? plan.pixel.columns,
    rows: tile?.rows ?? plan.pixel.rows,
    slices: plan.sources.length,
  };
}
