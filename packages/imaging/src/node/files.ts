/** Expands the paths a user gave into the files to read, without reading them yet. */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { LoadError } from '../dicom/types.ts';

/** Extensions that are never images: skipped silently inside folders (named explicitly, they are reported). */
const NOT_IMAGING = new Set([
  '.json',
  '.txt',
  '.md',
  '.csv',
  '.xml',
  '.html',
  '.htm',
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.pdf',
  '.zip',
  '.py',
  '.sh',
  '.js',
  '.ts',
  '.mcap',
  '.stl',
  '.obj',
  '.ply',
  '.log',
  '.ini',
  '.yaml',
  '.yml',
]);

export interface FileList {
  files: string[];
  errors: LoadError[];
}

function skippedInFolder(path: string): boolean {
  const name = basename(path);
  if (name.startsWith('.')) return true; // .DS_Store, editor droppings
  if (name.toUpperCase() === 'DICOMDIR') return true; // an index, not an image
  return NOT_IMAGING.has(extname(name).toLowerCase());
}

/** Files named directly are always read; folders are walked recursively in sorted order. */
export async function expandPaths(paths: readonly string[]): Promise<FileList> {
  const files: string[] = [];
  const errors: LoadError[] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    if (!seen.has(f)) {
      seen.add(f);
      files.push(f);
    }
  };
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      errors.push({
        file: dir,
        reason: `cannot list folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && !skippedInFolder(full)) add(full);
    }
  }
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      errors.push({
        file: p,
        reason: code === 'ENOENT' ? 'no such file or folder' : `cannot open: ${code ?? String(e)}`,
      });
      continue;
    }
    if (st.isDirectory()) await walk(p);
    else if (st.isFile()) add(p);
    else errors.push({ file: p, reason: 'not a regular file or folder' });
  }
  return { files, errors };
}
