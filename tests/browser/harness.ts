/**
 * What the browser tests share: Debian's chromium driven by playwright-core, esbuild bundles of a test
 * page and its workers, and a small HTTP server on 127.0.0.1 that serves them (optionally cross-origin
 * isolated, for SharedArrayBuffer).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Skipped only off CI and without chromium (on CI a missing browser is a failure). */
export function skipWithoutChromium(testFile: string): boolean {
  const skip = !existsSync(CHROMIUM) && !process.env['CI'];
  if (skip) console.warn(`${testFile}: SKIPPED: ${CHROMIUM} is missing (install Debian's chromium package)`);
  return skip;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Node builtins required by npm packages' Node code paths, never taken in a browser: the emscripten
 * glue's `require("fs")`, dicom-parser's UMD `require("zlib")` (we inflate with pako). Bundled as empty
 * modules, as Vite does with its browser-external shim.
 */
const emptyNodeBuiltins: Plugin = {
  name: 'empty-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(fs|path|crypto|module|url|worker_threads|zlib)$/ }, (args) => ({
      path: args.path,
      namespace: 'empty-node-builtin',
    }));
    b.onLoad({ filter: /.*/, namespace: 'empty-node-builtin' }, () => ({ contents: 'module.exports = {};' }));
  },
};

/**
 * Bundles the entry points (name → source file) into `outdir` as browser ES modules, plus an
 * index.html that loads `<outdir>/page.js` (so one entry must be named 'page'). Returns esbuild's errors.
 */
export async function bundlePage(
  entryPoints: Record<string, string>,
  outdir: string,
  title: string,
): Promise<unknown[]> {
  const result = await build({
    entryPoints,
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    plugins: [emptyNodeBuiltins],
    logLevel: 'silent',
  });
  writeFileSync(
    join(outdir, 'index.html'),
    `<!doctype html><title>${title}</title><script type="module" src="/bundle/page.js"></script>\n`,
  );
  return result.errors;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
};

/** Serves a bundle at / and /bundle/*, and any file put in `files` (URL path → file on disk). */
export class TestServer {
  readonly files = new Map<string, string>();
  private readonly servers: Server[] = [];

  constructor(private readonly bundleDir: string) {}

  /** Starts a server; with `isolated`, it sends the COOP/COEP headers too. Returns its base URL. */
  async start(isolated: boolean): Promise<string> {
    const server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file: string | undefined;
      if (path === '/') file = join(this.bundleDir, 'index.html');
      else if (path.startsWith('/bundle/')) {
        file = resolve(this.bundleDir, path.slice('/bundle/'.length));
        if (!file.startsWith(this.bundleDir + sep)) file = undefined;
      } else file = this.files.get(path);
      const headers: Record<string, string> = {
        'Content-Type': TYPES[extname(file ?? '')] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
      };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      if (!file || !existsSync(file)) {
        res.writeHead(404, headers).end();
        return;
      }
      res.writeHead(200, headers).end(readFileSync(file));
    });
    this.servers.push(server);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no server address');
    return `http://127.0.0.1:${address.port}`;
  }

  close(): void {
    for (const s of this.servers) s.close();
  }
}

/**
 * Opens `base` in a fresh page, waits for the page script to define `globalThis[entry]`, calls it with
 * `arg` and returns its result; the browser console is added to any error.
 */
export async function callInPage<A, R>(browser: Browser, base: string, entry: string, arg: A): Promise<R> {
  const page: Page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${base}/`);
    await page.waitForFunction((name) => name in globalThis, entry, { timeout: 10_000 });
    return (await page.evaluate(
      ([name, a]) => (globalThis as unknown as Record<string, (a: unknown) => Promise<unknown>>)[name]!(a),
      [entry, arg] as const,
    )) as R;
  } catch (e) {
    throw new Error(`${(e as Error).message}\nbrowser console:\n${logs.join('\n')}`, { cause: e });
  } finally {
    await page.close();
  }
}
