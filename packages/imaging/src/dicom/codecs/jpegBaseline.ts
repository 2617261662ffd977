/** JPEG baseline / extended 8-bit (processes 1 and 2, also progressive 8-bit) with libjpeg-turbo (wasm). */
import { EmscriptenCodec, takeDecoded, type EmscriptenDecoder, type EmscriptenModule } from './emscripten.ts';
import type { DecodedFrame } from './types.ts';

interface LibJpegTurbo extends EmscriptenModule {
  JPEGDecoder: new () => EmscriptenDecoder & { decode(): void };
}

const libjpegTurbo = new EmscriptenCodec<LibJpegTurbo>(
  'libjpeg-turbo (JPEG 8-bit)',
  () => import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs') as Promise<{ default: never }>,
);

export function decodeJpeg8(data: Uint8Array): Promise<DecodedFrame> {
  return libjpegTurbo.run((m) => {
    const decoder = new m.JPEGDecoder();
    try {
      decoder.getEncodedBuffer(data.length).set(data);
      decoder.decode();
      const info = decoder.getFrameInfo();
      return {
        bytes: takeDecoded(decoder),
        bytesPerSample: info.bitsPerSample > 8 ? 2 : 1,
        columns: info.width,
        rows: info.height,
        components: info.componentCount,
      };
    } finally {
      decoder.delete();
    }
  });
}
