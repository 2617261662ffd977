/** The per-file decode step shared by the worker and the in-thread path. */
import { parseDicomFile } from '../dicom/parse.ts';
import { readPixelFormat } from '../dicom/pixelFormat.ts';
import { decodeFrame } from '../dicom/decode.ts';
import { writeSlice } from '../dicom/assemble.ts';
import type { VolumePlan } from '../dicom/types.ts';
import type { VoxelArray } from '../volume.ts';

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
