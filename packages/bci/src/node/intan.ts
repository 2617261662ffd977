/** Intan `.rhd` files on disk (Node). */
import { readFileSync, statSync } from 'node:fs';
import { parseRhd, type RhdReadOptions, type RhdReadResult } from '../intan/rhd.ts';

/** Reads an RHD file whole (RHX splits long sessions into files of minutes, so they fit in memory). */
export function readRhdFile(path: string, options: RhdReadOptions = {}): RhdReadResult {
  let bytes: Uint8Array;
  try {
    const size = statSync(path).size;
    if (size > 2 ** 31) throw new Error(`${path}: ${size} bytes is more than this reader loads at once`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`${path}:`)) throw e;
    throw new Error(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseRhd(bytes, path, options);
}
