/**
 * Loads files and folders into volumes: DICOM series (grouped, sorted and checked by planVolumes)
 * and NIfTI files. Headers are read first (only the start of each file), then pixels are decoded by
 * worker threads straight into one shared buffer per volume, so peak memory stays near the size of
 * the voxels. Every unreadable file becomes an entry in `errors`; the good files beside it still load.
 * The steps shared with the browser loader are in ../loadSources.ts.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { allocateScalars } from '../dicom/assemble.ts';
import { loadSources, type LoadProgress, type LoadResult, type StackDecoder } from '../loadSources.ts';
import { expandPaths } from './files.ts';
import type { DecodePool } from '../decodePool.ts';
import { startWorkerThreadPool } from './workerPool.ts';

export type { LoadProgress, LoadResult };

export interface LoadOptions {
  /** Decode threads; default: the machine's parallelism, at most 8. */
  workers?: number;
  onProgress?: (progress: LoadProgress) => void;
  /** Which volume of a 4D NIfTI to load (default 0). */
  niftiTimeIndex?: number;
  /** A file whose pixels take longer than this to decode is given up on (default 60 s). */
  fileTimeoutS?: number;
}

/** Enough for every ordinary DICOM header; longer headers are re-read whole. */
const HEAD_BYTES = 16 * 1024;

/**
 * The first HEAD_BYTES of a file. Synchronous on purpose: for hundreds of small reads it is several
 * times faster than the thread-pool round trips of fs/promises, and the decode workers run meanwhile.
 */
function readHead(file: string): { bytes: Uint8Array; whole: boolean } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const bytes = new Uint8Array(Math.min(size, HEAD_BYTES));
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return { bytes: bytes.subarray(0, read), whole: read >= size };
  } finally {
    closeSync(fd);
  }
}

/** Each plan's stack is one SharedArrayBuffer that the worker threads write their slices into. */
function sharedStackDecoder(pool: DecodePool): StackDecoder {
  let planKey = 0;
  return {
    begin(plan) {
      const key = ++planKey;
      const stack = allocateScalars(plan, true);
      pool.addPlan({ type: 'plan', planKey: key, plan, buffer: stack.buffer as SharedArrayBuffer });
      return {
        decodeFile: async (file, slices) => {
          const result = await pool.decode(key, file, slices);
          return 'reason' in result ? result.reason : undefined;
        },
        end: () => {
          pool.forgetPlan(key);
          return stack;
        },
      };
    },
  };
}

export async function loadPaths(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const { files, errors } = await expandPaths(paths);
  // Workers start loading now, while the headers are read.
  const workers = Math.max(1, Math.min(options.workers ?? Math.min(availableParallelism(), 8), files.length));
  const poolStarting =
    files.length > 0 ? startWorkerThreadPool(workers, (options.fileTimeoutS ?? 60) * 1000) : undefined;
  try {
    const loaded = await loadSources(
      files.map((file) => ({
        name: file,
        readHead: () => readHead(file),
        readAll: async () => new Uint8Array(await readFile(file)),
      })),
      async () => sharedStackDecoder(await poolStarting!),
      options,
    );
    return { volumes: loaded.volumes, errors: [...errors, ...loaded.errors] };
  } finally {
    if (poolStarting) await (await poolStarting).close();
  }
}
