/** The per-file step of the decode workers (worker threads, web workers): parse, decode, write the slices. */
import { parseDicomFile } from './parse.ts';
import { readPixelFormat } from './pixelFormat.ts';
import { decodeFrame } from './decode.ts';
import { writeSlice } from './assemble.ts';
import type { VolumePlan } from './types.ts';
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
