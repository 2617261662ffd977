/**
 * The planner's end-to-end harness: builds apps/planner with Vite (its own Vite 8 and vite.config.ts)
 * into .tmp/planner-dist, only when its sources changed (a hash of apps/planner, packages/<name>/src, ros/<name>/src and
 * the lock file) and under a file lock, so parallel vitest forks build once; serves the build
 * cross-origin isolated (COOP/COEP, for SharedArrayBuffer) on 127.0.0.1, optionally passing /dicom-web/
 * on to a PACS (Orthanc sends no CORS headers, so the page reaches it through its own origin, as a
 * deployment's reverse proxy does); opens pages in Debian's chromium (tests/browser/harness.ts).
 *
 * Pixels are read back from element screenshots (what the compositor shows, so a WebGL canvas needs no
 * preserveDrawingBuffer), decoded by the browser itself (createImageBitmap) into RGBA.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../browser/harness.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const PLANNER_DIR = join(ROOT, 'apps', 'planner');
export const SCREENS_DIR = join(ROOT, '.tmp', 'planner-screens');
const TMP = join(ROOT, '.tmp');

export interface BuildOptions {
  /**
   * Development aid while the app's files are being written: a module that App.tsx or the store
   * imports from apps/planner/src but that does not exist yet is replaced by a stub (components that
   * render nothing, a slice with no state). Built into .tmp/planner-dist-stubbed. Final tests must not
   * use it.
   */
  stubMissing?: boolean;
}

export interface PlannerOptions extends BuildOptions {
  /** Orthanc's (or any PACS's) REST root, e.g. http://127.0.0.1:40123: `/dicom-web/*` is passed on to it. */
  dicomWebUpstream?: string;
  /** Page viewport (default 1400 × 900). */
  viewport?: { width: number; height: number };
}

export interface Planner {
  /** The app's address, e.g. http://127.0.0.1:41234/ */
  url: string;
  browser: Browser;
  /**
   * A fresh page (its own context) with the given viewport; its console and page errors are kept in
   * `logs(page)`. Not navigated yet: `await page.goto(planner.url)`.
   */
  newPage(): Promise<Page>;
  /** What the page printed (console messages, uncaught errors, failed requests), in order. */
  logs(page: Page): string[];
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Build, cached by a hash of the sources, under a lock.

const SKIP_DIRS = new Set(['node_modules', 'dist', '.tmp', '.vite']);

function listFiles(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(path, out);
    else if (entry.isFile()) out.push(path);
  }
}

/** Hash of everything that goes into the build (paths and contents). */
export function plannerSourceHash(options: BuildOptions = {}): string {
  const files: string[] = [];
  listFiles(PLANNER_DIR, files);
  // The app imports every workspace library: packages/* and the browser-side ros/* (client, messages).
  for (const parent of ['packages', 'ros']) {
    for (const pkg of readdirSync(join(ROOT, parent))) {
      const manifest = join(ROOT, parent, pkg, 'package.json');
      if (!existsSync(manifest)) continue;
      listFiles(join(ROOT, parent, pkg, 'src'), files);
      files.push(manifest);
    }
  }
  files.push(join(ROOT, 'package-lock.json'), join(ROOT, 'tsconfig.base.json'));
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ stubMissing: options.stubMissing === true }));
  for (const file of files.sort()) {
    if (!existsSync(file)) continue;
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const LOCK_STALE_MS = 15 * 60_000;
const LOCK_WAIT_MS = 20 * 60_000;

/** Runs `fn` holding a directory lock (mkdir is atomic); a dead holder's or an ancient lock is broken. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let stale = false;
      try {
        const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
        const age = Date.now() - statSync(lockDir).mtimeMs;
        stale = (Number.isInteger(pid) && pid > 0 && !alive(pid)) || age > LOCK_STALE_MS;
      } catch {
        // The holder has just made the folder and not yet written its pid, or has just left.
        const age = existsSync(lockDir) ? Date.now() - statSync(lockDir).mtimeMs : 0;
        stale = age > 10_000;
      }
      if (stale) rmSync(lockDir, { recursive: true, force: true });
      else if (Date.now() - started > LOCK_WAIT_MS)
        throw new Error(`${lockDir}: another process has held the planner build lock for over 20 minutes`);
      else await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Where App.tsx and the store import other helpers' modules: what a stub must export. */
const STUBS: Record<string, string> = {
  'case/CasePanel.tsx': 'export const CasePanel = () => null;',
  'views2d/Viewport2D.tsx': 'export const Viewport2D = () => null;',
  'view3d/View3D.tsx': 'export const View3D = () => null;',
  'plan/PlanPanel.tsx': 'export const PlanPanel = () => null;',
  'plan/RiskProfile.tsx': 'export const RiskProfile = () => null;',
  'plan/useShortcuts.ts': 'export const useShortcuts = () => {};',
  'store/caseSlice.ts': 'export const createCaseSlice = () => ({ openDemoCase: async () => {} });',
  'store/sceneSlice.ts': 'export const createSceneSlice = () => ({ buildScene: async () => {} });',
  'store/planSlice.ts':
    'export const createPlanSlice = () => ({ trajectories: [], assessments: {}, candidates: [], selectedId: null });',
};

interface VitePlugin {
  name: string;
  enforce?: 'pre' | 'post';
  resolveId?(source: string, importer?: string): string | null;
  load?(id: string): string | null;
}

function stubMissingPlugin(): VitePlugin {
  const src = join(PLANNER_DIR, 'src');
  const prefix = '\0neuroplan-stub:';
  return {
    name: 'neuroplan-stub-missing',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || !source.startsWith('.') || !importer.startsWith(src + sep)) return null;
      const path = resolve(importer, '..', source);
      if (existsSync(path)) return null;
      const key = relative(src, path).split(sep).join('/');
      return key in STUBS ? prefix + key : null;
    },
    load(id) {
      return id.startsWith(prefix) ? STUBS[id.slice(prefix.length)]! : null;
    },
  };
}

interface ViteModule {
  build(config: Record<string, unknown>): Promise<unknown>;
}

/** The planner's own Vite (apps/planner depends on Vite 8; the root has vitest's older one). */
async function plannerVite(): Promise<ViteModule> {
  const path = createRequire(join(PLANNER_DIR, 'package.json')).resolve('vite');
  return (await import(pathToFileURL(path).href)) as ViteModule;
}

/**
 * Builds the planner unless the build in the output folder is of the same sources; returns the folder.
 * The build goes to a scratch folder first and replaces the old one whole, so a reader never sees half.
 */
/** Tests run the production build, the one `npm start` serves. */
const BUILD_MODE = 'production';

export async function buildPlanner(options: BuildOptions = {}): Promise<string> {
  const outDir = join(TMP, options.stubMissing ? 'planner-dist-stubbed' : 'planner-dist');
  const stamp = join(outDir, '.source-hash');
  mkdirSync(TMP, { recursive: true });
  const current = (): boolean => {
    try {
      return readFileSync(stamp, 'utf8') === `${plannerSourceHash(options)}:${BUILD_MODE}`;
    } catch {
      return false;
    }
  };
  if (current()) return outDir;
  await withLock(`${outDir}.lock`, async () => {
    if (current()) return; // built by another process while this one waited
    const hash = `${plannerSourceHash(options)}:${BUILD_MODE}`;
    const scratch = `${outDir}.building-${process.pid}`;
    rmSync(scratch, { recursive: true, force: true });
    const vite = await plannerVite();
    // The build users get: vitest runs with NODE_ENV=test, which Vite would bake in (React's dev build).
    const nodeEnv = process.env['NODE_ENV'];
    process.env['NODE_ENV'] = BUILD_MODE;
    try {
      await vite.build({
        mode: BUILD_MODE,
        root: PLANNER_DIR,
        configFile: join(PLANNER_DIR, 'vite.config.ts'),
        logLevel: 'error',
        plugins: options.stubMissing ? [stubMissingPlugin()] : [],
        build: { outDir: scratch, emptyOutDir: true },
      });
    } catch (e) {
      rmSync(scratch, { recursive: true, force: true });
      throw new Error(`apps/planner: the Vite build failed: ${(e as Error).message}`, { cause: e });
    } finally {
      if (nodeEnv === undefined) delete process.env['NODE_ENV'];
      else process.env['NODE_ENV'] = nodeEnv;
    }
    writeFileSync(join(scratch, '.source-hash'), hash);
    rmSync(outDir, { recursive: true, force: true });
    renameSync(scratch, outDir);
  });
  return outDir;
}

// ---------------------------------------------------------------------------------------------------
// Serving.

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

async function proxy(req: IncomingMessage, res: ServerResponse, upstream: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const name of ['accept', 'content-type'])
    if (typeof req.headers[name] === 'string') headers[name] = req.headers[name];
  const method = req.method ?? 'GET';
  const answer = await fetch(upstream + (req.url ?? '/'), {
    method,
    headers,
    ...(method !== 'GET' && method !== 'HEAD' && { body: Buffer.concat(chunks) }),
  });
  const out: Record<string, string> = { ...ISOLATION, 'Cache-Control': 'no-store' };
  const type = answer.headers.get('content-type');
  if (type) out['Content-Type'] = type;
  res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
}

/** Serves `dir` (a single-page app: unknown paths without an extension get index.html). */
function staticServer(dir: string, upstream: string | undefined): Server {
  return createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (upstream && path.startsWith('/dicom-web/')) {
      proxy(req, res, upstream).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain', ...ISOLATION });
        res.end(`proxy to ${upstream}: ${(e as Error).message}`);
      });
      return;
    }
    let file = resolve(dir, `.${path}`);
    if (!(file === dir || file.startsWith(dir + sep))) {
      res.writeHead(403, ISOLATION).end();
      return;
    }
    if (path.endsWith('/')) file = join(file, 'index.html');
    if (!existsSync(file) && extname(path) === '') file = join(dir, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain', ...ISOLATION }).end(`${path}: not found`);
      return;
    }
    res
      .writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
        ...ISOLATION,
      })
      .end(readFileSync(file));
  });
}

/** Builds (if needed) and serves the planner, and launches chromium. */
export async function startPlanner(options: PlannerOptions = {}): Promise<Planner> {
  const dir = await buildPlanner(options);
  const server = staticServer(dir, options.dicomWebUpstream?.replace(/\/+$/, ''));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('planner server: no address');
  const url = `http://127.0.0.1:${address.port}/`;
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    server.close();
    throw e;
  }
  const viewport = options.viewport ?? { width: 1400, height: 900 };
  const logs = new WeakMap<Page, string[]>();
  return {
    url,
    browser,
    async newPage() {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const log: string[] = [];
      logs.set(page, log);
      page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
      page.on('requestfailed', (r) => log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
      page.on('close', () => void context.close().catch(() => undefined));
      return page;
    },
    logs: (page) => logs.get(page) ?? [],
    async close() {
      await browser.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Pixels and screenshots.

/** An RGBA image, rows top to bottom. */
export interface Pixels {
  width: number;
  height: number;
  /** width · height · 4 bytes, RGBA. */
  data: Uint8Array;
}

/** Decodes a PNG with the browser's own decoder (a blank page of the same browser). */
export async function decodePng(browser: Browser, png: Uint8Array): Promise<Pixels> {
  const page = await browser.newPage();
  try {
    const { width, height, base64 } = await page.evaluate(async (b64: string) => {
      // Browser globals, typed here (the tests compile without the DOM libraries).
      interface Bitmap {
        width: number;
        height: number;
      }
      interface Ctx2d {
        drawImage(b: Bitmap, x: number, y: number): void;
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      }
      const g = globalThis as unknown as {
        createImageBitmap(b: Blob): Promise<Bitmap>;
        OffscreenCanvas: new (w: number, h: number) => { getContext(t: '2d'): Ctx2d };
      };
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bitmap = await g.createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const ctx = new g.OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
      ctx.drawImage(bitmap, 0, 0);
      const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let s = '';
      for (let i = 0; i < data.length; i += 0x8000)
        s += String.fromCharCode(...data.subarray(i, Math.min(data.length, i + 0x8000)));
      return { width: bitmap.width, height: bitmap.height, base64: btoa(s) };
    }, Buffer.from(png).toString('base64'));
    return { width, height, data: new Uint8Array(Buffer.from(base64, 'base64')) };
  } finally {
    await page.close();
  }
}

/** Safe file name for a screenshot. */
const screenFile = (name: string): string =>
  join(SCREENS_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\.png$/, '')}.png`);

/**
 * Screenshot of an element (a locator or CSS selector) or, without one, of the page; saved as
 * .tmp/planner-screens/<name>.png when a name is given. Returns the PNG bytes.
 */
export async function screenshot(page: Page, target?: Locator | string, name?: string): Promise<Buffer> {
  const locator = typeof target === 'string' ? page.locator(target).first() : target;
  const png = locator ? await locator.screenshot({ animations: 'disabled' }) : await page.screenshot();
  if (name) {
    mkdirSync(SCREENS_DIR, { recursive: true });
    writeFileSync(screenFile(name), png);
  }
  return png;
}

/** Saves a screenshot of the page (or of an element) as .tmp/planner-screens/<name>.png; returns the path. */
export async function saveScreenshot(page: Page, name: string, target?: Locator | string): Promise<string> {
  await screenshot(page, target, name);
  return screenFile(name);
}

/** The pixels an element shows (its screenshot, decoded), optionally also saved under `name`. */
export async function elementPixels(page: Page, target: Locator | string, name?: string): Promise<Pixels> {
  const png = await screenshot(page, target, name);
  const browser = page.context().browser();
  if (!browser) throw new Error('elementPixels: the page has no browser');
  return decodePng(browser, png);
}

export interface PixelStats {
  /** Pixels counted (all, or those inside the region). */
  count: number;
  /** Mean luminance 0..255 (Rec. 601). */
  meanLuma: number;
  minLuma: number;
  maxLuma: number;
  /** 16-bin luminance histogram (bin b holds luma in [16b, 16b + 16)). */
  histogram: number[];
  /** Bins holding at least 0.5 % of the pixels: a uniform image has 1, anatomy several. */
  occupiedBins: number;
  /** Distinct RGB colours (capped at 65 536). */
  distinctColours: number;
}

export const luma = (r: number, g: number, b: number): number => 0.299 * r + 0.587 * g + 0.114 * b;

/** Statistics of an image (or of a rectangle of it). */
export function pixelStats(
  px: Pixels,
  region?: { x: number; y: number; width: number; height: number },
): PixelStats {
  const x0 = Math.max(0, Math.floor(region?.x ?? 0));
  const y0 = Math.max(0, Math.floor(region?.y ?? 0));
  const x1 = Math.min(px.width, x0 + Math.floor(region?.width ?? px.width));
  const y1 = Math.min(px.height, y0 + Math.floor(region?.height ?? px.height));
  const histogram = new Array<number>(16).fill(0);
  const colours = new Set<number>();
  let count = 0;
  let sum = 0;
  let min = 255;
  let max = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const o = (y * px.width + x) * 4;
      const r = px.data[o]!;
      const g = px.data[o + 1]!;
      const b = px.data[o + 2]!;
      const l = luma(r, g, b);
      count++;
      sum += l;
      if (l < min) min = l;
      if (l > max) max = l;
      histogram[Math.min(15, Math.floor(l / 16))]!++;
      if (colours.size < 65_536) colours.add((r << 16) | (g << 8) | b);
    }
  return {
    count,
    meanLuma: count ? sum / count : 0,
    minLuma: count ? min : 0,
    maxLuma: count ? max : 0,
    histogram,
    occupiedBins: histogram.filter((n) => n >= 0.005 * count).length,
    distinctColours: colours.size,
  };
}

/** Mean RGBA around a pixel (a (2r+1)² box, clipped to the image). */
export function pixelAt(px: Pixels, x: number, y: number, r = 0): [number, number, number, number] {
  const acc = [0, 0, 0, 0];
  let n = 0;
  for (let yy = Math.max(0, y - r); yy <= Math.min(px.height - 1, y + r); yy++)
    for (let xx = Math.max(0, x - r); xx <= Math.min(px.width - 1, x + r); xx++) {
      const o = (yy * px.width + xx) * 4;
      for (let c = 0; c < 4; c++) acc[c]! += px.data[o + c]!;
      n++;
    }
  return acc.map((v) => (n ? v / n : 0)) as [number, number, number, number];
}

// ---------------------------------------------------------------------------------------------------
// The app's state. The case slice puts the store's API on `globalThis.__neuroplan` (getState,
// setState, subscribe); these run a function of the state in the page.

/** The state as the page has it (apps/planner/src/store/types.ts AppState); keep results plain data. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PageState = any;

const stateCall = ([src, arg]: [string, unknown]): unknown => {
  const store = (globalThis as { __neuroplan?: { getState(): unknown } }).__neuroplan;
  if (!store) return { missing: true };
  const fn = new Function('s', 'arg', `return (${src})(s, arg);`) as (s: unknown, arg: unknown) => unknown;
  return { value: fn(store.getState(), arg) };
};

/**
 * `fn(state, arg)` evaluated in the page. `fn` is sent as source text, so it must be self-contained:
 * pass what it needs from the test as `arg` (JSON-like data).
 */
export async function readState<R, A = undefined>(
  page: Page,
  fn: (state: PageState, arg: A) => R,
  arg?: A,
): Promise<R> {
  const got = (await page.evaluate(stateCall, [fn.toString(), arg] as [string, unknown])) as {
    missing?: true;
    value?: R;
  };
  if (got.missing) throw new Error('the page has no globalThis.__neuroplan (the store is not up yet)');
  return got.value as R;
}

/**
 * Waits until `fn(state)` is truthy in the page and returns its value; on timeout the error holds the
 * last value of `describe(state)` (default: the case and scene status and errors) and the page's log.
 */
export async function waitForState<R, A = undefined>(
  page: Page,
  fn: (state: PageState, arg: A) => R,
  options: {
    timeoutMs?: number;
    logs?: string[];
    describe?: (state: PageState) => unknown;
    /** Passed to `fn` (see readState). */
    arg?: A;
  } = {},
): Promise<R> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const describe =
    options.describe ??
    ((s: PageState) => ({
      caseStatus: s.caseStatus,
      caseProgress: s.caseProgress,
      caseError: s.caseError,
      sceneStatus: s.sceneStatus,
      sceneProgress: s.sceneProgress,
      sceneError: s.sceneError,
    }));
  for (;;) {
    const got = (await page.evaluate(stateCall, [fn.toString(), options.arg] as [string, unknown])) as {
      missing?: true;
      value?: R;
    };
    if (!got.missing && got.value) return got.value;
    if (Date.now() > deadline) {
      const last = got.missing ? 'no __neuroplan store' : await readState(page, describe).catch(String);
      throw new Error(
        `waited ${options.timeoutMs ?? 120_000} ms for ${fn.toString()}; state: ${JSON.stringify(last)}` +
          (options.logs ? `\npage log:\n${options.logs.slice(-40).join('\n')}` : ''),
      );
    }
    await sleep(100);
  }
}

/** Opens the planner (the demo case) and waits until its planning scene is ready. */
export async function openDemoCase(page: Page, url: string, logs: string[]): Promise<void> {
  await page.goto(url);
  await waitForState(page, (s: PageState) => s.sceneStatus === 'ready' && s.scene !== null, {
    timeoutMs: 280_000,
    logs,
  });
}

/** Waits for the auto-plan to finish: how many candidates it gave (−1: none; −2: it failed). */
export function autoPlanOutcome(page: Page, options: { timeoutMs: number; logs: string[] }): Promise<number> {
  return waitForState(
    page,
    (s: PageState) =>
      s.autoPlanStatus === 'ready' ? s.candidates.length || -1 : s.autoPlanStatus === 'failed' ? -2 : 0,
    { ...options, describe: (s: PageState) => [s.autoPlanStatus, s.autoPlanError, s.autoPlanProgress] },
  );
}

/** Auto-plans a target (LPS) through the store and waits for the outcome (see autoPlanOutcome). */
export async function autoPlan(
  page: Page,
  targetLps: readonly number[],
  options: { timeoutMs: number; logs: string[] },
): Promise<number> {
  await page.evaluate((p) => {
    const store = (globalThis as unknown as { __neuroplan: { getState(): { autoPlan(p: number[]): void } } })
      .__neuroplan;
    void store.getState().autoPlan(p);
  }, targetLps as number[]);
  return autoPlanOutcome(page, options);
}
