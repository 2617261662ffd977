/**
 * The browser loader (@neuroplan/imaging/browser loadFiles) in real Chromium: a page and the decode
 * worker are bundled with esbuild, served over HTTP on 127.0.0.1, and driven with playwright-core.
 * Once cross-origin isolated (COOP/COEP headers: the workers share one SharedArrayBuffer per volume)
 * and once not (the workers transfer their slices back). Inputs: a phantom CT series with one slice
 * whose pixels are cut short, series-ct-descending, JPEG-LS and JPEG 2000 files, a NIfTI .nii.gz and a
 * file of random bytes; then the other codecs (RLE, HTJ2K, JPEG baseline, JPEG lossless).
 *
 * Expected values: the Node loader (loadPaths) on the same files. Its geometry and voxels are checked
 * against pydicom/nibabel oracles in tests/cli.test.ts and packages/imaging/test/*; here the browser
 * must give exactly the same volumes (ids, geometry, warnings, metadata, and sum/min/max/FNV-1a of the
 * voxel bytes), the same errors, and show that the work ran in web workers (their messages, counted).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandPaths, loadPaths, writePhantomCase } from '../packages/imaging/src/node/index.ts';
import { summarize } from './browser-loader/summary.ts';
import type { PageResult, PageSpec } from './browser-loader/page.ts';
import {
  bundlePage,
  callInPage,
  launchChromium,
  skipWithoutChromium,
  TestServer,
} from './browser/harness.ts';

const skip = skipWithoutChromium('browser-loader.test.ts');

const root = resolve(import.meta.dirname, '..');
const imaging = join(root, 'packages', 'imaging');
const fixtures = join(imaging, 'test', 'fixtures');
const requireFromImaging = createRequire(join(imaging, 'package.json'));

/** Every codec .wasm the decoders may ask for, as the npm packages ship them. */
const CODEC_WASM: Record<string, string> = {
  'charlswasm_decode.wasm': '@cornerstonejs/codec-charls/decodewasm',
  'openjpegwasm_decode.wasm': '@cornerstonejs/codec-openjpeg/decodewasm',
  'openjphjs.wasm': '@cornerstonejs/codec-openjph/wasm',
  'libjpegturbowasm_decode.wasm': '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm',
  'dcmjs-native-codecs.wasm': 'dcmjs-codecs/build/dcmjs-native-codecs.wasm',
};

let work: string;
let browser: Browser | undefined;
let server: TestServer;

/** Loads `files` in a fresh page of the given origin and returns what the page saw. */
async function loadInBrowser(
  base: string,
  files: string[],
  workers: number,
  more: Partial<PageSpec> = {},
): Promise<PageResult> {
  const spec: PageSpec = {
    files: files.map((name) => {
      const url = `/files/${server.files.size}/${name.split(sep).at(-1)}`;
      server.files.set(url, name);
      return { name, url };
    }),
    workers,
    workerUrl: `${base}/bundle/decodeWorker.js`,
    codecWasm: Object.fromEntries(
      Object.entries(CODEC_WASM).map(([name, spec]) => {
        const file = requireFromImaging.resolve(spec);
        const url = `/node_modules/${file.slice(file.lastIndexOf(`node_modules${sep}`) + 13)}`;
        server.files.set(url, file);
        return [name, `${base}${url}`];
      }),
    ),
    ...more,
  };
  return callInPage<PageSpec, PageResult>(browser!, base, 'runLoad', spec);
}

/** The Node loader on the same files, in the same order: the expected result. */
async function loadInNode(files: string[]) {
  const { volumes, errors } = await loadPaths(files, { workers: 2 });
  return { volumes: volumes.map(summarize), errors };
}

const byFile = (a: { file: string }, b: { file: string }) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

/** Same volumes and errors as Node; progress complete for both phases; decoded by more than one worker. */
function expectLikeNode(result: PageResult, node: Awaited<ReturnType<typeof loadInNode>>, files: string[]) {
  expect(result.volumes).toEqual(node.volumes);
  expect([...result.errors].sort(byFile)).toEqual([...node.errors].sort(byFile));
  const headers = result.progress.filter((p) => p.phase === 'headers');
  const pixels = result.progress.filter((p) => p.phase === 'pixels');
  expect(headers.at(-1)).toEqual({ phase: 'headers', done: files.length, total: files.length });
  expect(pixels.length).toBeGreaterThan(0);
  expect(pixels.at(-1)!.done).toBe(pixels.at(-1)!.total);
  for (let i = 1; i < pixels.length; i++) expect(pixels[i]!.done).toBeGreaterThanOrEqual(pixels[i - 1]!.done);
  // Every DICOM file in a volume was decoded by a worker, which said so.
  const dicomFiles = result.volumes
    .filter((v) => v.metadata['source'] === 'dicom')
    .reduce((n, v) => n + (v.metadata['sourceFileCount'] as number), 0);
  expect(result.workers.done).toBeGreaterThanOrEqual(dicomFiles);
  expect(result.workers.ready).toBeGreaterThanOrEqual(1);
}

describe.skipIf(skip)('browser loader in Chromium (web workers)', () => {
  let main: string[];
  let corrupt: string;
  let cutShort: string;
  let ctSlices: number;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'np-browser-'));
    const bundleDir = join(work, 'bundle');
    server = new TestServer(bundleDir);
    const errors = await bundlePage(
      {
        page: join(root, 'tests', 'browser-loader', 'page.ts'),
        decodeWorker: join(imaging, 'src', 'browser', 'decodeWorker.ts'),
      },
      bundleDir,
      'loader',
    );
    expect(errors).toEqual([]);

    await writePhantomCase(join(work, 'phantom'), { size: 32, seed: 7 });
    // One CT slice with its header intact and its pixel data cut short: fails in a worker, the
    // series is re-planned without it.
    const ct = (await expandPaths([join(work, 'phantom', 'ct')])).files;
    ctSlices = ct.length;
    cutShort = ct[9]!;
    const bytes = readFileSync(cutShort);
    writeFileSync(cutShort, bytes.subarray(0, bytes.length - 300));
    corrupt = join(work, 'corrupt.dcm');
    writeFileSync(
      corrupt,
      Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919 + 13) % 251),
    );
    main = (
      await expandPaths([
        join(work, 'phantom', 'ct'),
        join(fixtures, 'dicom', 'series-ct-descending'),
        join(fixtures, 'transfer-syntax', 'ct_jpegls_lossless.dcm'),
        join(fixtures, 'transfer-syntax', 'mr_j2k_lossless.dcm'),
        join(fixtures, 'dicom', 'JPEG2000.dcm'),
        join(fixtures, 'nifti', 'brain-t1.nii.gz'),
        corrupt,
      ])
    ).files;

    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('cross-origin isolated: decodes into shared memory in workers, exactly like loadPaths', async () => {
    const base = await server.start(true);
    const [result, node] = await Promise.all([loadInBrowser(base, main, 3), loadInNode(main)]);
    expect(result.crossOriginIsolated).toBe(true);
    expect(result.sharedArrayBuffer).toBe('function');
    expectLikeNode(result, node, main);
    // The bad files, with reasons; everything else loaded (phantom CT minus one slice, the
    // descending series, JPEG-LS, two JPEG 2000 files, the NIfTI).
    expect(result.errors.map((e) => e.file).sort()).toEqual([corrupt, cutShort].sort());
    for (const e of result.errors) expect(e.reason.length).toBeGreaterThan(8);
    expect(result.volumes).toHaveLength(6);
    const ct = result.volumes.find((v) => v.metadata['sourceFileCount'] === ctSlices - 1);
    expect(ct?.dimensions.slice(0, 2)).toEqual([32, 32]);
    // Shared memory: the workers wrote into the stack, they sent no voxels back.
    expect(result.workers.doneWithValues).toBe(0);
    expect(result.workers.decodedBy.length).toBeGreaterThanOrEqual(2);
  });

  it('not isolated (no SharedArrayBuffer): workers transfer their slices, same volumes', async () => {
    const base = await server.start(false);
    const [result, node] = await Promise.all([loadInBrowser(base, main, 2), loadInNode(main)]);
    expect(result.crossOriginIsolated).toBe(false);
    expect(result.sharedArrayBuffer).toBe('undefined');
    expectLikeNode(result, node, main);
    expect(result.errors.map((e) => e.file).sort()).toEqual([corrupt, cutShort].sort());
    expect(result.workers.done).toBeGreaterThan(0);
    expect(result.workers.doneWithValues).toBe(result.workers.done);
  });

  it('decodes RLE, HTJ2K, JPEG baseline and JPEG lossless in the browser workers too', async () => {
    const base = await server.start(true);
    const ts = join(fixtures, 'transfer-syntax');
    // Two sets, since the files of each pair come from the same series and slice position.
    for (const set of [
      ['ct_rle.dcm', 'mr_htj2k_lossless.dcm'],
      ['ct_jpeg_lossless_sv1.dcm', 'mr8_jpeg_baseline.dcm'],
    ]) {
      const files = set.map((f) => join(ts, f));
      const [result, node] = await Promise.all([loadInBrowser(base, files, 2), loadInNode(files)]);
      expect(result.errors).toEqual([]);
      expect(result.volumes).toHaveLength(2);
      expectLikeNode(result, node, files);
    }
  });

  it('gives up on a file past the time limit and on a worker script that does not load, without hanging', async () => {
    const base = await server.start(true);
    const series = (await expandPaths([join(fixtures, 'dicom', 'series-ct-descending')])).files;
    const slow = await loadInBrowser(base, series, 2, { fileTimeoutS: 0.000001, prefetch: true });
    expect(slow.volumes).toEqual([]);
    expect(slow.errors.map((e) => e.file).sort()).toEqual([...series].sort());
    for (const e of slow.errors) expect(e.reason).toMatch(/^decoding took longer than 0\.000001 s$/);

    const broken = await loadInBrowser(base, series, 2, { workerUrl: `${base}/bundle/missing.js` });
    expect(broken.volumes).toEqual([]);
    expect(broken.errors.map((e) => e.file).sort()).toEqual([...series].sort());
    for (const e of broken.errors) expect(e.reason).toMatch(/decoder (crashed|could not start)/);
  });
});
