/**
 * Case bundles: a folder with the imaging (DICOM), the plan, the recording and `manifest.json`, which lists
 * every other file with its size and SHA-256. `verifyBundle` names each missing file, extra file and hash or
 * size mismatch.
 *
 *   <bundle>/manifest.json
 *   <bundle>/plan.json
 *   <bundle>/recording.mcap
 *   <bundle>/imaging/<series>/<file>.dcm ...
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

export const MANIFEST = 'manifest.json';
export const BUNDLE_FORMAT = 'neuroplan-case-bundle';

export interface ManifestFile {
  /** Relative to the bundle folder, `/`-separated. */
  path: string;
  bytes: number;
  sha256: string;
  role: 'imaging' | 'plan' | 'recording' | 'report' | 'other';
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: 1;
  caseId: string;
  createdAt: string;
  /** Set on de-identified exports. */
  deidentified?: { method: string; profile: string[] };
  files: ManifestFile[];
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file under `dir` (relative, `/`-separated, sorted), symlinks and the manifest excluded. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.filter((p) => p !== MANIFEST).sort();
}

function roleOf(path: string): ManifestFile['role'] {
  if (path.startsWith('imaging/')) return 'imaging';
  if (path === 'plan.json') return 'plan';
  if (path.endsWith('.mcap')) return 'recording';
  if (path.startsWith('report/')) return 'report';
  return 'other';
}

/** Hashes every file of the folder and writes manifest.json; returns the manifest. */
export async function writeManifest(
  dir: string,
  caseId: string,
  extra: Pick<BundleManifest, 'deidentified'> = {},
): Promise<BundleManifest> {
  const files: ManifestFile[] = [];
  for (const path of listFiles(dir)) {
    const abs = join(dir, ...path.split('/'));
    files.push({ path, bytes: statSync(abs).size, sha256: await sha256File(abs), role: roleOf(path) });
  }
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: 1,
    caseId,
    createdAt: new Date().toISOString(),
    ...extra,
    files,
  };
  writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

export interface CreateBundleInput {
  caseId: string;
  /** DICOM files, or folders searched recursively; copied under imaging/<name of the folder or file>. */
  imaging: string[];
  /** The plan file (JSON), copied as plan.json. */
  planPath: string;
  /** The recording, copied as recording.mcap. */
  recordingPath: string;
}

/** Creates a bundle folder (it must not exist or be empty) and its manifest. */
export async function createBundle(dir: string, input: CreateBundleInput): Promise<BundleManifest> {
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new Error(`${dir}: the bundle folder exists and is not empty`);
  mkdirSync(join(dir, 'imaging'), { recursive: true });
  for (const src of input.imaging) {
    if (!existsSync(src)) throw new Error(`${src}: no such file or folder`);
    if (statSync(src).isDirectory()) {
      for (const rel of listFiles(src)) {
        const to = join(dir, 'imaging', basename(src), ...rel.split('/'));
        mkdirSync(dirname(to), { recursive: true });
        copyFileSync(join(src, ...rel.split('/')), to);
      }
    } else copyFileSync(src, join(dir, 'imaging', basename(src)));
  }
  copyFileSync(input.planPath, join(dir, 'plan.json'));
  copyFileSync(input.recordingPath, join(dir, 'recording.mcap'));
  return writeManifest(dir, input.caseId);
}

export interface BundleProblem {
  kind: 'missing' | 'extra' | 'hash_mismatch' | 'size_mismatch' | 'manifest';
  path: string;
  detail: string;
}

export interface BundleVerification {
  ok: boolean;
  caseId?: string;
  checked: number;
  problems: BundleProblem[];
}

export function readManifest(dir: string): BundleManifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new Error(`${dir}: no ${MANIFEST} (not a case bundle)`);
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const man = m as Partial<BundleManifest>;
  if (man.format !== BUNDLE_FORMAT || !Array.isArray(man.files))
    throw new Error(`${path}: not a ${BUNDLE_FORMAT} manifest (format or files missing)`);
  for (const f of man.files)
    if (
      typeof f?.path !== 'string' ||
      typeof f.sha256 !== 'string' ||
      typeof f.bytes !== 'number' ||
      f.path.includes('..')
    )
      throw new Error(`${path}: a file entry is malformed: ${JSON.stringify(f)}`);
  return man as BundleManifest;
}

export async function verifyBundle(dir: string): Promise<BundleVerification> {
  let manifest: BundleManifest;
  try {
    manifest = readManifest(dir);
  } catch (e) {
    return {
      ok: false,
      checked: 0,
      problems: [{ kind: 'manifest', path: MANIFEST, detail: e instanceof Error ? e.message : String(e) }],
    };
  }
  const problems: BundleProblem[] = [];
  const present = new Set(listFiles(dir));
  const listed = new Set<string>();
  let checked = 0;
  for (const f of manifest.files) {
    listed.add(f.path);
    if (!present.has(f.path)) {
      problems.push({
        kind: 'missing',
        path: f.path,
        detail: `${f.path} is listed in the manifest but missing`,
      });
      continue;
    }
    const abs = join(dir, ...f.path.split('/'));
    checked += 1;
    const size = statSync(abs).size;
    if (size !== f.bytes)
      problems.push({
        kind: 'size_mismatch',
        path: f.path,
        detail: `${f.path} has ${size} bytes, the manifest says ${f.bytes}`,
      });
    const sha = await sha256File(abs);
    if (sha !== f.sha256)
      problems.push({
        kind: 'hash_mismatch',
        path: f.path,
        detail: `${f.path}: SHA-256 ${sha} differs from the manifest's ${f.sha256}`,
      });
  }
  for (const p of present)
    if (!listed.has(p))
      problems.push({ kind: 'extra', path: p, detail: `${p} is not listed in the manifest` });
  return { ok: problems.length === 0, caseId: manifest.caseId, checked, problems };
}
