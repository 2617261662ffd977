/** JPEG baseline / extended 8-bit (processes 1 and 2, also progressive 8-bit) with libjpeg-turbo (wasm). */
import { EmscriptenCodec, decodeWith, type EmscriptenDecoder, type EmscriptenModule } from './emscripten.ts';
import type { DecodedFrame } from './types.ts';

interface LibJpegTurbo extends EmscriptenModule {
  JPEGDecoder: new () => EmscriptenDecoder & { decode(): void };
}

const libjpegTurbo = new EmscriptenCodec<LibJpegTurbo>(
  'libjpeg-turbo (JPEG 8-bit)',
  () => import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs') as Promise<{ default: never }>,
);

export function decodeJpeg8(data: Uint8Array): Promise<DecodedFrame> {
  return decodeWith(libjpegTurbo, (m) => new m.JPEGDecoder(), data);
}
