/**
 * Chunk compression. @mcap/support only gives decompressors; compression uses the same WASM zstd build
 * (@foxglove/wasm-zstd, which @mcap/support loads for decompression), so files we write are readable by
 * every MCAP reader that supports zstd (Foxglove, `mcap` CLI, rosbag2's MCAP plugin).
 */
import type * as WasmZstd from '@foxglove/wasm-zstd';
import type { ChunkCompressor } from './writer.ts';

let zstdPromise: Promise<ChunkCompressor> | undefined;

/** Loads the WASM zstd compressor once; `level` 1-19 (default 3, zstd's own default). */
export async function loadZstdCompressor(level = 3): Promise<ChunkCompressor> {
  zstdPromise ??= (async () => {
    const mod = (await import('@foxglove/wasm-zstd')) as unknown as {
      default?: typeof WasmZstd;
    } & typeof WasmZstd;
    const zstd = mod.default ?? mod;
    await zstd.isLoaded;
    return (data: Uint8Array) => {
      // Tiny chunks do not shrink; storing them raw keeps the reader's work down.
      if (data.byteLength < 256) return { compression: '', compressedData: data };
      const out = zstd.compress(data, level);
      return {
        compression: 'zstd',
        compressedData: new Uint8Array(out.buffer, out.byteOffset, out.byteLength),
      };
    };
  })();
  const compress = await zstdPromise;
  return compress;
}
