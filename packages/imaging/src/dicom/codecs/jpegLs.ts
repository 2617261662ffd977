/** JPEG-LS lossless and near-lossless with CharLS (wasm). */
import { EmscriptenCodec, decodeWith, type EmscriptenDecoder, type EmscriptenModule } from './emscripten.ts';
import type { DecodedFrame } from './types.ts';

interface CharLs extends EmscriptenModule {
  JpegLSDecoder: new () => EmscriptenDecoder & { decode(): void };
}

const charls = new EmscriptenCodec<CharLs>(
  'CharLS (JPEG-LS)',
  () => import('@cornerstonejs/codec-charls/decodewasmjs') as Promise<{ default: never }>,
);

export function decodeJpegLs(data: Uint8Array): Promise<DecodedFrame> {
  return decodeWith(charls, (m) => new m.JpegLSDecoder(), data);
}
