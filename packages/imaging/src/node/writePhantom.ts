/**
 * Writes the synthetic head phantom to disk:
 *   <out>/ct/IM0001.dcm…, <out>/mr-t1/IM0001.dcm…, <out>/angio/IM0001.dcm…, <out>/ground-truth.json
 * Rendering (main thread) overlaps with file writes (libuv pool) by keeping a few writes in flight.
 * Stale IM*.dcm files of an earlier, larger case in the three series folders are removed first, so a
 * folder never mixes two cases; nothing else in `outDir` is touched.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  buildPhantomModel,
  phantomFileCount,
  phantomFiles,
  phantomGroundTruth,
  type PhantomOptions,
} from '../phantom/index.ts';

export interface WrittenPhantomCase {
  files: number;
  groundTruthPath: string;
  series: { name: string; dir: string; seriesInstanceUid: string; dimensions: [number, number, number] }[];
}

const WRITES_IN_FLIGHT = 4;

export async function writePhantomCase(
  outDir: string,
  options: PhantomOptions & { onProgress?: (done: number, total: number) => void },
): Promise<WrittenPhantomCase> {
  const model = buildPhantomModel(options);
  const root = resolve(outDir);
  const total = phantomFileCount(model);
  for (const s of model.series) {
    const dir = join(root, s.dir);
    try {
      await mkdir(dir, { recursive: true });
      for (const name of await readdir(dir))
        if (/^IM\d+\.dcm$/.test(name)) await rm(join(dir, name), { force: true });
    } catch (e) {
      throw new Error(`${dir}: cannot prepare the series folder (${(e as Error).message})`, { cause: e });
    }
  }
  let done = 0;
  const inFlight: Promise<void>[] = [];
  try {
    for (const file of phantomFiles(model)) {
      const path = join(root, file.relativePath);
      inFlight.push(
        writeFile(path, file.bytes).then(
          () => {
            done++;
            options.onProgress?.(done, total);
          },
          (e: unknown) => {
            throw new Error(`${path}: cannot write (${(e as Error).message})`, { cause: e });
          },
        ),
      );
      if (inFlight.length >= WRITES_IN_FLIGHT) await inFlight.shift();
    }
    await Promise.all(inFlight);
  } catch (e) {
    await Promise.allSettled(inFlight); // let the other writes finish before reporting
    throw e;
  }
  const groundTruthPath = join(root, 'ground-truth.json');
  try {
    await writeFile(groundTruthPath, JSON.stringify(phantomGroundTruth(model)) + '\n');
  } catch (e) {
    throw new Error(`${groundTruthPath}: cannot write (${(e as Error).message})`, { cause: e });
  }
  return {
    files: total,
    groundTruthPath,
    series: model.series.map((s) => ({
      name: s.dir,
      dir: join(root, s.dir),
      seriesInstanceUid: s.seriesInstanceUid,
      dimensions: [s.grid.columns, s.grid.rows, s.grid.slices],
    })),
  };
}
