/**
 * The browser side of tests/browser-loader.test.ts, bundled with esbuild: loads the files the test
 * serves with loadFiles and returns what came out (volume fingerprints, errors, progress) plus what
 * the decode workers said, counted from their messages.
 */
import { loadFiles, type LoadProgress } from '../../packages/imaging/src/browser/index.ts';
import type { DecodeWorker } from '../../packages/imaging/src/browser/index.ts';
import { summarize } from './summary.ts';

export interface PageSpec {
  files: { name: string; url: string }[];
  workers: number;
  workerUrl: string;
  codecWasm: Record<string, string>;
  fileTimeoutS?: number;
  /** Fetch every file first and hand loadFiles the bytes (instead of a function that fetches). */
  prefetch?: boolean;
}

// Browser globals (the project compiles without the DOM libraries).
declare const Worker: new (url: string, options: { type: 'module' }) => DecodeWorker;

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function runLoad(spec: PageSpec) {
  const progress: LoadProgress[] = [];
  const workers = { created: 0, ready: 0, done: 0, doneWithValues: 0, failed: 0, decodedBy: [] as number[] };
  const createWorker = (): DecodeWorker => {
    const id = ++workers.created;
    const worker = new Worker(spec.workerUrl, { type: 'module' });
    worker.addEventListener('message', ({ data }) => {
      if (data.type === 'ready') workers.ready++;
      else if (data.type === 'error') workers.failed++;
      else {
        workers.done++;
        if (data.values) workers.doneWithValues++;
        if (!workers.decodedBy.includes(id)) workers.decodedBy.push(id);
      }
    });
    return worker;
  };
  const files = await Promise.all(
    spec.files.map(async ({ name, url }) => ({
      name,
      bytes: spec.prefetch ? await fetchBytes(url) : () => fetchBytes(url),
    })),
  );
  const { volumes, errors } = await loadFiles(files, {
    workers: spec.workers,
    fileTimeoutS: spec.fileTimeoutS,
    createWorker,
    codecWasm: spec.codecWasm,
    onProgress: (p) => progress.push({ ...p }),
  });
  const scope = globalThis as { crossOriginIsolated?: boolean };
  return {
    crossOriginIsolated: scope.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer,
    volumes: volumes.map(summarize),
    errors,
    progress,
    workers,
  };
}

export type PageResult = Awaited<ReturnType<typeof runLoad>>;

(globalThis as { runLoad?: typeof runLoad }).runLoad = runLoad;
