/**
 * Loads files in a browser into volumes, like loadPaths does in Node: headers first in the calling
 * thread, then pixels decoded by a pool of web workers. Where the page is cross-origin isolated the
 * workers write into one SharedArrayBuffer per volume; otherwise each worker hands back its decoded
 * slices (transferred, not copied) and this thread copies them into the volume. A file that fails is
 * listed in `errors` with the reason and its series is re-planned without it.
 */
import { allocateScalars } from '../dicom/assemble.ts';
import { stackShape, voxelArrayOnBuffer } from '../dicom/stack.ts';
import type { LoadError } from '../dicom/types.ts';
import { loadSources, type LoadProgress, type LoadResult, type StackDecoder } from '../loadSources.ts';
import type { DecodePool } from '../decodePool.ts';
import type { CodecWasmUrls } from '../decodeProtocol.ts';
import { startWebWorkerPool, type DecodeWorker } from './workerPool.ts';

/**
 * One input file. A DOM File adapts as `{ name: f.webkitRelativePath || f.name, bytes: async () =>
 * new Uint8Array(await f.arrayBuffer()) }`. The function is called each time the bytes are needed
 * (header pass, then decoding), so they are not all held at once. Names must be unique.
 */
export interface BrowserFile {
  name: string;
  bytes: Uint8Array | (() => Promise<Uint8Array>);
}

export interface BrowserLoadOptions {
  /** Decode workers; default: navigator.hardwareConcurrency, at most 8. */
  workers?: number;
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Makes one decode worker. Default: the bundled module worker,
   * `new Worker(new URL('./decodeWorker.ts', import.meta.url), { type: 'module' })` (Vite understands it).
   */
  createWorker?: () => DecodeWorker;
  /** A file whose pixels take longer than this to decode is given up on (default 60 s). */
  fileTimeoutS?: number;
  /** Which volume of a 4D NIfTI to load (default 0). */
  niftiTimeIndex?: number;
  /**
   * Where the workers find the codec .wasm files (JPEG-LS, JPEG 2000, HTJ2K, JPEG, RLE): a base URL
   * serving them by file name, or file name → URL. Default: beside the worker script.
   */
  codecWasm?: CodecWasmUrls;
}

export type { LoadProgress, LoadResult, DecodeWorker, CodecWasmUrls };

// The global of browsers and workers (the project compiles without the DOM libraries).
declare const Worker: new (url: URL, options: { type: 'module' }) => DecodeWorker;

const defaultWorker = (): DecodeWorker =>
  new Worker(new URL('./decodeWorker.ts', import.meta.url), { type: 'module' });

function canShareMemory(): boolean {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return isolated && typeof SharedArrayBuffer === 'function';
}

function defaultWorkerCount(): number {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return Math.min(cores && cores > 0 ? cores : 4, 8);
}

/** Each plan's stack is shared with the workers, or filled here from the slices they return. */
function stackDecoder(
  pool: DecodePool,
  readers: Map<string, () => Promise<Uint8Array>>,
  shared: boolean,
): StackDecoder {
  let planKey = 0;
  return {
    begin(plan) {
      const key = ++planKey;
      const stack = allocateScalars(plan, shared);
      const { columns, rows } = stackShape(plan);
      const sliceLength = columns * rows;
      pool.addPlan(
        shared
          ? { type: 'plan', planKey: key, plan, buffer: stack.buffer as SharedArrayBuffer }
          : { type: 'plan', planKey: key, plan },
      );
      return {
        async decodeFile(file, slices) {
          const read = readers.get(file);
          if (!read) return 'internal: not one of the files given';
          const result = await pool.decode(key, file, slices, read);
          if ('reason' in result) return result.reason;
          if (shared) return undefined;
          if (!result.values) return 'internal: the decoder returned no voxels';
          const values = voxelArrayOnBuffer(plan.voxelType, result.values);
          if (values.length !== slices.length * sliceLength)
            return `internal: the decoder returned ${values.length} voxels, expected ${slices.length * sliceLength}`;
          slices.forEach((s, i) =>
            stack.set(values.subarray(i * sliceLength, (i + 1) * sliceLength), s * sliceLength),
          );
          return undefined;
        },
        end() {
          pool.forgetPlan(key);
          return stack;
        },
      };
    },
  };
}

function reader(file: BrowserFile): () => Promise<Uint8Array> {
  const { name, bytes } = file;
  if (typeof bytes !== 'function') return () => Promise.resolve(bytes);
  return async () => {
    const value = await bytes();
    if (!(value instanceof Uint8Array)) throw new Error(`${name}: bytes() did not give a Uint8Array`);
    return value;
  };
}

export async function loadFiles(
  files: readonly BrowserFile[],
  options: BrowserLoadOptions = {},
): Promise<LoadResult> {
  const errors: LoadError[] = [];
  const readers = new Map<string, () => Promise<Uint8Array>>();
  for (const file of files) {
    if (readers.has(file.name))
      errors.push({
        file: file.name,
        reason: 'another file has the same name; give each file a unique name (e.g. its relative path)',
      });
    else readers.set(file.name, reader(file));
  }
  const sources = [...readers].map(([name, read]) => ({
    name,
    readHead: async () => ({ bytes: await read(), whole: true }),
    readAll: read,
  }));
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkerCount(), sources.length));
  const shared = canShareMemory();
  let pool: DecodePool | undefined;
  try {
    // Workers start loading now, while the headers are read.
    if (sources.length > 0)
      pool = startWebWorkerPool(
        workers,
        options.createWorker ?? defaultWorker,
        (options.fileTimeoutS ?? 60) * 1000,
        options.codecWasm,
      );
    const loaded = await loadSources(sources, async () => stackDecoder(pool!, readers, shared), options);
    return { volumes: loaded.volumes, errors: [...errors, ...loaded.errors] };
  } finally {
    void pool?.close();
  }
}
