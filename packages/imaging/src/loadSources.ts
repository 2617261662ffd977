/**
 * The loader steps the Node and browser loaders share (browser-safe): the header pass over the input
 * files (NIfTI read whole, DICOM headers only), then planning and pixel decoding through a
 * StackDecoder; a file whose pixels fail is dropped and its series re-planned from the rest.
 * Where the bytes come from and where the decoding runs (worker threads, web workers) is the caller's.
 */
import { parseDicomFile, TruncatedHeaderError } from './dicom/parse.ts';
import { readDicomHeader } from './dicom/header.ts';
import { planVolumes } from './dicom/series.ts';
import { finishVolume } from './dicom/assemble.ts';
import { reasonOf } from './errorReason.ts';
import type { DicomHeader, LoadError, VolumePlan } from './dicom/types.ts';
import { isNifti, readNifti } from './nifti/readNifti.ts';
import type { Volume, VoxelArray } from './volume.ts';

export interface LoadProgress {
  phase: 'headers' | 'pixels';
  done: number;
  total: number;
}

export interface LoadResult {
  volumes: Volume[];
  errors: LoadError[];
}

/** One input file as the header pass sees it. */
export interface SourceFile {
  name: string;
  /** The start of the file (enough for an ordinary DICOM header) or all of it; `whole` says which. */
  readHead(): { bytes: Uint8Array; whole: boolean } | Promise<{ bytes: Uint8Array; whole: boolean }>;
  /** All of the file: for NIfTI, and for DICOM headers longer than the head. */
  readAll(): Promise<Uint8Array>;
}

/** Decodes the files of one plan into its stack buffer, wherever that happens. */
export interface StackDecoder {
  begin(plan: VolumePlan): PlanDecoding;
}

export interface PlanDecoding {
  /** Decodes the listed stack slices (indices into plan.sources) of one file; resolves with the reason on failure. */
  decodeFile(file: string, slices: number[]): Promise<string | undefined>;
  /** Called once, after every decodeFile settled: the filled stack; the plan's decoder state is released. */
  end(): VoxelArray;
}

export interface LoadSourcesOptions {
  onProgress?: (progress: LoadProgress) => void;
  /** Which volume of a 4D NIfTI to load (default 0). */
  niftiTimeIndex?: number;
}

function looksLikeNifti(file: string, head: Uint8Array): boolean {
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  return gz || /\.nii(\.gz)?$/i.test(file) || isNifti(head);
}

async function readHeader(source: SourceFile, head: Uint8Array, whole: boolean): Promise<DicomHeader> {
  let parsed;
  try {
    parsed = parseDicomFile(head, source.name, { untilPixelData: true });
  } catch (e) {
    if (whole || !(e instanceof TruncatedHeaderError)) throw e;
    parsed = parseDicomFile(await source.readAll(), source.name, { untilPixelData: true });
  }
  return readDicomHeader(parsed);
}

/**
 * Reads every file (NIfTI to volumes, DICOM to headers), then plans and decodes the DICOM series.
 * `decoder` is asked for only when there is DICOM to decode.
 */
export async function loadSources(
  files: readonly SourceFile[],
  decoder: () => Promise<StackDecoder>,
  options: LoadSourcesOptions = {},
): Promise<LoadResult> {
  const volumes: Volume[] = [];
  const errors: LoadError[] = [];
  const headers: DicomHeader[] = [];
  let done = 0;
  for (const source of files) {
    const file = source.name;
    try {
      const { bytes, whole } = await source.readHead();
      if (looksLikeNifti(file, bytes)) {
        const all = whole ? bytes : await source.readAll();
        const volume = readNifti(all, file, { timeIndex: options.niftiTimeIndex ?? 0 });
        volume.metadata.sourceFileCount = 1;
        volumes.push(volume);
      } else {
        headers.push(await readHeader(source, bytes, whole));
      }
    } catch (e) {
      errors.push({ file, reason: reasonOf(e, file) });
    }
    options.onProgress?.({ phase: 'headers', done: ++done, total: files.length });
  }
  if (headers.length > 0) {
    const dicom = await decodePlans(headers, await decoder(), options.onProgress);
    volumes.push(...dicom.volumes);
    errors.push(...dicom.errors);
  }
  return { volumes, errors };
}

/** Stack slices of a plan grouped by the file they come from (a multi-frame file holds several). */
export function slicesByFile(plan: VolumePlan): Map<string, number[]> {
  const byFile = new Map<string, number[]>();
  plan.sources.forEach((src, s) => {
    const list = byFile.get(src.file);
    if (list) list.push(s);
    else byFile.set(src.file, [s]);
  });
  return byFile;
}

/** Plans volumes and decodes their pixels; a file that fails to decode is dropped and its series re-planned. */
export async function decodePlans(
  headers: DicomHeader[],
  decoder: StackDecoder,
  onProgress?: (progress: LoadProgress) => void,
): Promise<LoadResult> {
  const planned = planVolumes(headers);
  const errors: LoadError[] = [...planned.errors];
  const volumes: Volume[] = [];
  let totalSlices = planned.plans.reduce((n, p) => n + p.sources.length, 0);
  let slicesDone = 0;
  let queue: VolumePlan[] = planned.plans;
  for (let round = 0; queue.length > 0 && round < 4; round++) {
    const retry: VolumePlan[] = [];
    await Promise.all(
      queue.map(async (plan) => {
        const decoding = decoder.begin(plan);
        const byFile = slicesByFile(plan);
        const failed: LoadError[] = [];
        await Promise.all(
          [...byFile].map(async ([file, slices]) => {
            const reason = await decoding.decodeFile(file, slices);
            if (reason !== undefined) failed.push({ file, reason });
            slicesDone += slices.length;
            onProgress?.({ phase: 'pixels', done: Math.min(slicesDone, totalSlices), total: totalSlices });
          }),
        );
        const stack = decoding.end();
        if (failed.length === 0) {
          const volume = finishVolume(plan, stack);
          volume.metadata.sourceFileCount = byFile.size;
          volumes.push(volume);
          return;
        }
        errors.push(...failed);
        const bad = new Set(failed.map((f) => f.file));
        const keep = headers.filter((h) => !bad.has(h.file) && byFile.has(h.file));
        const again = planVolumes(keep);
        retry.push(...again.plans);
        totalSlices += again.plans.reduce((n, p) => n + p.sources.length, 0); // progress counts the second pass too
        errors.push(...again.errors.filter((e) => !errors.some((x) => x.file === e.file)));
      }),
    );
    queue = retry;
  }
  // Still failing after several re-plans (files that fail only intermittently): never drop them silently.
  for (const plan of queue)
    for (const file of slicesByFile(plan).keys())
      if (!errors.some((e) => e.file === file))
        errors.push({ file, reason: 'not loaded: its series kept failing to decode after several attempts' });
  volumes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { volumes, errors };
}
