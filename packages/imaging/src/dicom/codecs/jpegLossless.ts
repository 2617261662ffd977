/** JPEG lossless (process 14, any selection value) with jpeg-lossless-decoder-js (pure JS). */
import type { DecodedFrame } from './types.ts';
import type { Decoder } from 'jpeg-lossless-decoder-js';

let decoderClass: Promise<typeof Decoder> | undefined;

export async function decodeJpegLossless(
  data: Uint8Array,
  header: { rows: number; columns: number; components: number; precision: number },
): Promise<DecodedFrame> {
  decoderClass ??= import('jpeg-lossless-decoder-js').then((m) => m.Decoder);
  const DecoderClass = await decoderClass;
  const bytesPerSample = header.precision > 8 ? 2 : 1;
  let out: Uint8Array | Uint16Array;
  try {
    out = new DecoderClass().decode(data.buffer, data.byteOffset, data.length, bytesPerSample);
  } catch (e) {
    throw new Error(`JPEG lossless decoder failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  return {
    bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength),
    bytesPerSample,
    columns: header.columns,
    rows: header.rows,
    components: header.components,
  };
}
