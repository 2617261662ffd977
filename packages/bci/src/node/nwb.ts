/** NWB files on disk (Node): the shared reader/writer on the host filesystem, plus the ground-truth sidecar. */
import { closeSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { readNwbFromPath, type NwbReadOptions, type NwbReadResult } from '../nwb/read.ts';
import { writeNwbToPath, type NwbWriteOptions } from '../nwb/write.ts';
import type { Recording } from '../recording.ts';
import { nodeH5 } from './h5.ts';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Whether the file starts with the HDF5 signature, which sits at byte 0 or, after a user block, at 512, 1024,
 * 2048… Throws (naming the file) when it cannot be read at all.
 */
export function hasHdf5Signature(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`${path}: cannot open: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    const size = statSync(path).size;
    const buf = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      if (readSync(fd, buf, 0, 8, at) === 8 && HDF5_SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/** Reads the ElectricalSeries of an NWB file into a Recording. Errors name the file. */
export async function readNwbFile(path: string, options: NwbReadOptions = {}): Promise<NwbReadResult> {
  if (!hasHdf5Signature(path)) throw new Error(`${path}: not an NWB file: no HDF5 signature`);
  return readNwbFromPath(await nodeH5(), path, path, options);
}

export interface NwbFileWriteOptions extends NwbWriteOptions {
  /** Ground truth of a simulated recording: written beside the file as `<name>.truth.json`. */
  truth?: unknown;
}

/** `a/b/rec.nwb` → `a/b/rec.truth.json`: where the ground truth of a simulated recording is kept. */
export function truthPathFor(nwbPath: string): string {
  return nwbPath.replace(/\.(nwb|h5|hdf5)$/i, '') + '.truth.json';
}

/** Writes `rec` as NWB to `path` (and its ground truth beside it when given). Returns the paths written. */
export async function writeNwbFile(
  path: string,
  rec: Recording,
  options: NwbFileWriteOptions = {},
): Promise<{ nwbPath: string; truthPath?: string }> {
  const { truth, ...nwbOptions } = options;
  writeNwbToPath(await nodeH5(), path, rec, nwbOptions, path);
  if (truth === undefined) return { nwbPath: path };
  const truthPath = truthPathFor(path);
  writeFileSync(truthPath, JSON.stringify(truth, null, 1) + '\n');
  return { nwbPath: path, truthPath };
}
