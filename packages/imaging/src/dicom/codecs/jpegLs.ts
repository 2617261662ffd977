/** JPEG-LS lossless and near-lossless with CharLS (wasm). */
import { EmscriptenCodec, takeDecoded, type EmscriptenDecoder, type EmscriptenModule } from './emscripten.ts';
import type { DecodedFrame } from './types.ts';

interface CharLs extends EmscriptenModule {
  JpegLSDecoder: new () => EmscriptenDecoder & { decode(): void };
}

const charls = new EmscriptenCodec<CharLs>(
  'CharLS (JPEG-LS)',
  () => import('@cornerstonejs/codec-charls/decodewasmjs') as Promise<{ default: never }>,
);

export function decodeJpegLs(data: Uint8Array): Promise<DecodedFrame> {
  return charls.run((m) => {
    const decoder = new m.JpegLSDecoder();
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
