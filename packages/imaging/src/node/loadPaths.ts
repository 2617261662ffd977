/**
 * Loads files and folders into volumes: DICOM series (grouped, sorted and checked by planVolumes)
 * and NIfTI files. Headers are read first (only the start of each file), then pixels are decoded by
 * worker threads straight into one shared buffer per volume, so peak memory stays near the size of
 * the voxels. Every unreadable file becomes an entry in `errors`; the good files beside it still load.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parseDicomFile, TruncatedHeaderError } from '../dicom/parse.ts';
import { readDicomHeader } from '../dicom/header.ts';
import { planVolumes } from '../dicom/series.ts';
import { allocateScalars, finishVolume } from '../dicom/assemble.ts';
import type { DicomHeader, LoadError, VolumePlan } from '../dicom/types.ts';
import { isNifti, readNifti } from '../nifti/readNifti.ts';
import type { Volume } from '../volume.ts';
import { expandPaths } from './files.ts';
import { DecodePool } from './workerPool.ts';

export interface LoadProgress {
  phase: 'headers' | 'pixels';
  done: number;
  total: number;
}

export interface LoadOptions {
  /** Decode threads; default: the machine's parallelism, at most 8. */
  workers?: number;
  onProgress?: (progress: LoadProgress) => void;
  /** Which volume of a 4D NIfTI to load (default 0). */
  niftiTimeIndex?: number;
  /** A file whose pixels take longer than this to decode is given up on (default 60 s). */
  fileTimeoutS?: number;
}

export interface LoadResult {
  volumes: Volume[];
  errors: LoadError[];
}

/** Enough for every ordinary DICOM header; longer headers are re-read whole. */
const HEAD_BYTES = 16 * 1024;

const reasonOf = (e: unknown, file: string): string => {
  const text = e instanceof Error ? e.message : String(e);
  return text.startsWith(file) ? text.slice(file.length).replace(/^:\s*/, '') || text : text;
};

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

function looksLikeNifti(file: string, head: Uint8Array): boolean {
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  return gz || /\.nii(\.gz)?$/i.test(file) || isNifti(head);
}

async function readHeader(file: string, head: Uint8Array, whole: boolean): Promise<DicomHeader> {
  let parsed;
  try {
    parsed = parseDicomFile(head, file, { untilPixelData: true });
  } catch (e) {
    if (whole || !(e instanceof TruncatedHeaderError)) throw e;
    parsed = parseDicomFile(new Uint8Array(await readFile(file)), file, { untilPixelData: true });
  }
  return readDicomHeader(parsed);
}

export async function loadPaths(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const { files, errors } = await expandPaths(paths);
  // Workers start loading now, while the headers are read.
  const workers = Math.max(1, Math.min(options.workers ?? Math.min(availableParallelism(), 8), files.length));
  const poolStarting =
    files.length > 0 ? DecodePool.start(workers, (options.fileTimeoutS ?? 60) * 1000) : undefined;
  try {
    return await loadFiles(files, errors, options, poolStarting);
  } finally {
    if (poolStarting) await (await poolStarting).close();
  }
}

async function loadFiles(
  files: string[],
  errors: LoadError[],
  options: LoadOptions,
  poolStarting: Promise<DecodePool> | undefined,
): Promise<LoadResult> {
  const volumes: Volume[] = [];
  const headers: DicomHeader[] = [];
  let done = 0;
  for (const file of files) {
    try {
      const { bytes, whole } = readHead(file);
      if (looksLikeNifti(file, bytes)) {
        const all = whole ? bytes : new Uint8Array(await readFile(file));
        const volume = readNifti(all, file, { timeIndex: options.niftiTimeIndex ?? 0 });
        volume.metadata.sourceFileCount = 1;
        volumes.push(volume);
      } else {
        headers.push(await readHeader(file, bytes, whole));
      }
    } catch (e) {
      errors.push({ file, reason: reasonOf(e, file) });
    }
    options.onProgress?.({ phase: 'headers', done: ++done, total: files.length });
  }
  if (headers.length > 0 && poolStarting) {
    const dicom = await decodeDicom(headers, options, await poolStarting);
    volumes.push(...dicom.volumes);
    errors.push(...dicom.errors);
  }
  return { volumes, errors };
}

/** Plans volumes, decodes their pixels in workers; a file that fails to decode is dropped and its series re-planned. */
async function decodeDicom(
  headers: DicomHeader[],
  options: LoadOptions,
  pool: DecodePool,
): Promise<LoadResult> {
  const planned = planVolumes(headers);
  const errors: LoadError[] = [...planned.errors];
  const volumes: Volume[] = [];
  const totalSlices = planned.plans.reduce((n, p) => n + p.sources.length, 0);
  let planKey = 0;
  let slicesDone = 0;
  let queue: VolumePlan[] = planned.plans;
  for (let round = 0; queue.length > 0 && round < 4; round++) {
    const retry: VolumePlan[] = [];
    await Promise.all(
      queue.map(async (plan) => {
        const key = ++planKey;
        const stack = allocateScalars(plan, true);
        pool.addPlan({ type: 'plan', planKey: key, plan, buffer: stack.buffer as SharedArrayBuffer });
        const byFile = new Map<string, number[]>();
        plan.sources.forEach((src, s) => {
          const list = byFile.get(src.file);
          if (list) list.push(s);
          else byFile.set(src.file, [s]);
        });
        const failed: LoadError[] = [];
        await Promise.all(
          [...byFile].map(async ([file, slices]) => {
            const reason = await pool.decode(key, file, slices);
            if (reason !== undefined) failed.push({ file, reason });
            slicesDone += slices.length;
            options.onProgress?.({
              phase: 'pixels',
              done: Math.min(slicesDone, totalSlices),
              total: totalSlices,
            });
          }),
        );
        pool.forgetPlan(key);
        if (failed.length === 0) {
          const volume = finishVolume(plan, stack);
          volume.metadata.sourceFileCount = byFile.size;
          volumes.push(volume);
          return;
        }
        errors.push(...failed);
        const bad = new Set(failed.map((f) => f.file));
        const keep = headers.filter((h) => !bad.has(h.file) && plan.sources.some((s) => s.file === h.file));
        const again = planVolumes(keep);
        retry.push(...again.plans);
        errors.push(...again.errors.filter((e) => !errors.some((x) => x.file === e.file)));
      }),
    );
    queue = retry;
  }
  volumes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { volumes, errors };
}
