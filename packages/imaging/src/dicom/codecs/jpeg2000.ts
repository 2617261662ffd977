/** JPEG 2000 with OpenJPEG and High-Throughput JPEG 2000 with OpenJPH (both wasm). */
import { EmscriptenCodec, takeDecoded, type EmscriptenDecoder, type EmscriptenModule } from './emscripten.ts';
import type { DecodedFrame } from './types.ts';

interface OpenJpeg extends EmscriptenModule {
  J2KDecoder: new () => EmscriptenDecoder & { decode(): void };
}
interface OpenJph extends EmscriptenModule {
  HTJ2KDecoder: new () => EmscriptenDecoder & { decodeSubResolution(level: number): void };
}

const openjpeg = new EmscriptenCodec<OpenJpeg>(
  'OpenJPEG (JPEG 2000)',
  () => import('@cornerstonejs/codec-openjpeg/decodewasmjs') as Promise<{ default: never }>,
);
const openjph = new EmscriptenCodec<OpenJph>(
  'OpenJPH (HTJ2K)',
  () => import('@cornerstonejs/codec-openjph/wasmjs') as Promise<{ default: never }>,
);

/** These libraries report failures by printing and returning an empty frame: turn that into an exception. */
function finish(codec: EmscriptenCodec<EmscriptenModule>, decoder: EmscriptenDecoder): DecodedFrame {
  const info = decoder.getFrameInfo();
  const errors = codec.errorsPrinted();
  if (errors.length > 0 || !(info.width > 0 && info.height > 0 && info.componentCount > 0))
    throw new Error(errors.join('; ') || 'decoded an empty image');
  const bytes = takeDecoded(decoder);
  return {
    bytes,
    bytesPerSample: info.bitsPerSample > 16 ? 4 : info.bitsPerSample > 8 ? 2 : 1,
    columns: info.width,
    rows: info.height,
    components: info.componentCount,
  };
}

export function decodeJpeg2000(data: Uint8Array): Promise<DecodedFrame> {
  return openjpeg.run((m) => {
    const decoder = new m.J2KDecoder();
    try {
      decoder.getEncodedBuffer(data.length).set(data);
      decoder.decode();
      return finish(openjpeg, decoder);
    } finally {
      decoder.delete();
    }
  });
}

export function decodeHtj2k(data: Uint8Array): Promise<DecodedFrame> {
  return openjph.run((m) => {
    const decoder = new m.HTJ2KDecoder();
    try {
      decoder.getEncodedBuffer(data.length).set(data);
      decoder.decodeSubResolution(0);
      return finish(openjph, decoder);
    } finally {
      decoder.delete();
    }
  });
}
