/**
 * Local files as the loader takes them: from a file picker (a folder via `webkitdirectory`, or single
 * files) or from a drop (files and whole folders, walked with the File and Directory Entries API).
 * Each file is named by its path inside what was chosen, so names stay unique across sub-folders.
 */
import type { BrowserFile } from '@neuroplan/imaging/browser';

const asBrowserFile = (file: File, name: string): BrowserFile => ({
  name,
  bytes: async () => new Uint8Array(await file.arrayBuffer()),
});

/** Files from an `<input type="file">` (with or without `webkitdirectory`). */
export function filesFromInput(list: FileList | null): BrowserFile[] {
  return Array.from(list ?? [], (f) => asBrowserFile(f, f.webkitRelativePath || f.name));
}

/** Every entry of a folder (readEntries gives them in batches until an empty one). */
async function readAllEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, out: BrowserFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
    out.push(asBrowserFile(file, entry.fullPath.replace(/^\//, '')));
  } else if (entry.isDirectory) {
    for (const child of await readAllEntries(entry as FileSystemDirectoryEntry)) await walk(child, out);
  }
}

/** Files and folders dropped on the page; the name says what was dropped (for the case name). */
export async function filesFromDrop(data: DataTransfer): Promise<{ files: BrowserFile[]; name: string }> {
  const entries = Array.from(data.items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry())
    .filter((e): e is FileSystemEntry => e !== null);
  const files: BrowserFile[] = [];
  if (entries.length > 0) for (const e of entries) await walk(e, files);
  else files.push(...filesFromInput(data.files));
  const name =
    entries.length === 1 ? entries[0]!.name : `${entries.length || data.files.length} dropped item(s)`;
  return { files, name };
}

/** The name of a picked folder (the first path segment) or of the picked files. */
export function nameOfPicked(files: BrowserFile[]): string {
  const first = files[0]?.name ?? '';
  if (files.length === 1) return first;
  const top = first.includes('/') ? first.split('/')[0]! : '';
  return top && files.every((f) => f.name.startsWith(`${top}/`)) ? top : `${files.length} files`;
}
