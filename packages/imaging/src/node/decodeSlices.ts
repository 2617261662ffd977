/** The per-file decode step shared by the worker and the in-thread path. */
import { parseDicomFile } from '../dicom/parse.ts';
import { readPixelFormat } from '../dicom/pixelFormat.ts';
import { decodeFrame } from '../dicom/decode.ts';
import { writeSlice } from '../dicom/assemble.ts';
import type { VolumePlan, VoxelType } from '../dicom/types.ts';
import type { VoxelArray } from '../volume.ts';

const CTORS = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
} as const satisfies Record<VoxelType, unknown>;

export function viewOfBuffer(type: VoxelType, buffer: SharedArrayBuffer | ArrayBuffer): VoxelArray {
  return new CTORS[type](buffer as ArrayBuffer);
}

/** Decodes the listed stack slices of one file into `target`. Throws "<file>: <reason>". */
export async function decodeSliceInto(
  bytes: Uint8Array,
  file: string,
  plan: VolumePlan,
  slices: readonly number[],
  target: VoxelArray,
): Promise<void> {
  const parsed = parseDicomFile(bytes, file);
  const pixel = readPixelFormat(parsed);
  if (pixel.rows !== plan.pixel.rows || pixel.columns !== plan.pixel.columns)
    throw new Error(`${file}: matrix changed between header and pixel reads`);
  for (const s of slices) {
    const source = plan.sources[s];
    if (!source) throw new Error(`${file}: internal: slice ${s} not in plan`);
    // Unsigned data with unused high bits: skip the separate BitsStored scan and let the copy check.
    const fused =
      pixel.pixelRepresentation === 0 && !pixel.floatPixelData && pixel.bitsStored < pixel.bitsAllocated;
    if (fused) {
      const raw = await decodeFrame(parsed, pixel, source.frame.frameIndex, { uncheckedNative: true });
      if (writeSlice(target, plan, s, raw, source.frame, 2 ** pixel.bitsStored - 1)) continue;
    }
    const stored = await decodeFrame(parsed, pixel, source.frame.frameIndex);
    writeSlice(target, plan, s, stored, source.frame);
  }
}
