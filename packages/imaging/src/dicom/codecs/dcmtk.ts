/**
 * RLE Lossless and JPEG extended (12-bit) with DCMTK's codecs compiled to wasm (dcmjs-codecs): no other
 * maintained package decodes 12-bit JPEG correctly (the pdf.js-derived decoder in cornerstone's loader
 * is biased by about 15 grey levels on 12-bit data; see the transfer-syntax fixtures README).
 */
import { isWasmTrap, locateWasm } from './emscripten.ts';
import type { DecodedFrame } from './types.ts';
import type { PixelFormat } from '../types.ts';
import type * as DcmjsCodecsModule from 'dcmjs-codecs';

type DcmjsCodecs = typeof DcmjsCodecsModule;

let library: Promise<DcmjsCodecs> | undefined;

function load(): Promise<DcmjsCodecs> {
  library ??= import('dcmjs-codecs')
    .then(async (m) => {
      // CommonJS bundle: Node exposes it as the default export.
      const lib = ((m as unknown as { default?: DcmjsCodecs }).default ?? m) as DcmjsCodecs;
      const url = locateWasm('dcmjs-native-codecs.wasm');
      await lib.NativeCodecs.initializeAsync(url ? { webAssemblyModulePathOrUrl: url } : {});
      return lib;
    })
    .catch((e: unknown) => {
      library = undefined;
      throw new Error(
        `cannot load the DCMTK codecs (dcmjs-codecs): ${e instanceof Error ? e.message : String(e)}`,
      );
    });
  return library;
}

export async function decodeWithDcmtk(
  kind: 'rle' | 'jpeg',
  data: Uint8Array,
  pixel: PixelFormat,
): Promise<DecodedFrame> {
  const lib = await load();
  const context = new lib.Context({
    width: pixel.columns,
    height: pixel.rows,
    bitsAllocated: pixel.bitsAllocated,
    bitsStored: pixel.bitsStored,
    samplesPerPixel: pixel.samplesPerPixel,
    pixelRepresentation: pixel.pixelRepresentation,
    planarConfiguration: pixel.planarConfiguration,
    photometricInterpretation: pixel.photometricInterpretation,
    encodedBuffer: data,
  });
  let decoded: Uint8Array | undefined;
  try {
    const out =
      kind === 'rle'
        ? lib.NativeCodecs.decodeRle(context)
        : lib.NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: false });
    decoded = out.getDecodedBuffer();
  } catch (e) {
    if (isWasmTrap(e)) library = undefined;
    const what = kind === 'rle' ? 'RLE' : 'JPEG';
    throw new Error(`DCMTK ${what} decoder failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!decoded) throw new Error('DCMTK decoder returned no pixels');
  return {
    bytes: decoded,
    bytesPerSample: pixel.bitsAllocated > 8 ? 2 : 1,
    columns: pixel.columns,
    rows: pixel.rows,
    components: pixel.samplesPerPixel,
  };
}
