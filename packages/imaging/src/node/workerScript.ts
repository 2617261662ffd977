/**
 * Worker threads cannot run our TypeScript sources without a loader, and registering tsx in every
 * worker costs ~0.25 s and ~35 MB each. Instead each worker entry (the decode worker, the task worker)
 * is bundled once with esbuild (npm packages stay external and are resolved from node_modules as
 * usual) into a content-addressed file.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, '..', '..');
/** The worker entry files in this folder. */
export type WorkerEntry = 'decodeWorker' | 'taskWorker';
const cached = new Map<WorkerEntry, Promise<URL>>();

/** URL of a plain-JavaScript decode worker built from the current sources. */
export function decodeWorkerUrl(): Promise<URL> {
  return bundledWorkerUrl('decodeWorker');
}

/** URL of a plain-JavaScript build of the worker entry `./<entry>.ts` from the current sources. */
export function bundledWorkerUrl(entry: WorkerEntry): Promise<URL> {
  let url = cached.get(entry);
  if (!url) {
    url = build(entry);
    cached.set(entry, url);
  }
  return url;
}

/** Cheap fingerprint of the package sources (paths, sizes, mtimes): a rebuild only when they change. */
function sourceStamp(): string {
  const hash = createHash('sha256');
  const src = join(packageRoot, 'src');
  for (const rel of (readdirSync(src, { recursive: true }) as string[]).sort()) {
    const st = statSync(join(src, rel));
    if (st.isFile()) hash.update(`${rel}:${st.size}:${st.mtimeMs};`);
  }
  return hash.digest('hex').slice(0, 16);
}

async function build(entry: WorkerEntry): Promise<URL> {
  const dir = join(packageRoot, 'node_modules', '.cache', 'neuroplan');
  const manifest = join(dir, `${entry}-${sourceStamp()}.txt`);
  if (existsSync(manifest)) {
    const file = readFileSync(manifest, 'utf8');
    if (existsSync(file)) return pathToFileURL(file);
  }
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(here, `${entry}.ts`)],
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
  const file = join(dir, `${entry}-${hash}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file); // atomic: concurrent processes never see a half-written worker
  }
  const tmpManifest = `${manifest}.${process.pid}.tmp`;
  writeFileSync(tmpManifest, file);
  renameSync(tmpManifest, manifest);
  return pathToFileURL(file);
}
