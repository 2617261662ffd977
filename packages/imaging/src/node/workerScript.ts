/**
 * Worker threads cannot run our TypeScript sources without a loader, and registering tsx in every
 * worker costs ~0.25 s and ~35 MB each. Instead the decode worker is bundled once with esbuild (npm
 * packages stay external and are resolved from node_modules as usual) into a content-addressed file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, '..', '..');
let cached: Promise<URL> | undefined;

/** URL of a plain-JavaScript decode worker built from the current sources. */
export function decodeWorkerUrl(): Promise<URL> {
  cached ??= build();
  return cached;
}

async function build(): Promise<URL> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(here, 'decodeWorker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  // Inside the package so that the external npm imports resolve from its node_modules.
  const dir = join(packageRoot, 'node_modules', '.cache', 'neuroplan');
  const file = join(dir, `decodeWorker-${hash}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file); // atomic: concurrent processes never see a half-written worker
  }
  return pathToFileURL(file);
}
