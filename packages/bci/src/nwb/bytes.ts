/**
 * NWB from and to bytes, for the browser (and web workers): the browser build of h5wasm keeps files in its
 * in-memory filesystem, so a file is copied in, read, and removed.
 */
import type { Recording } from '../recording.ts';
import { quietHdf5Errors, type H5Lib, type H5Module } from './h5lib.ts';
import { readNwbFromPath, type NwbReadOptions, type NwbReadResult } from './read.ts';
import { writeNwbToPath, type NwbWriteOptions } from './write.ts';

let loading: Promise<{ lib: H5Lib; module: H5Module }> | undefined;

function browserH5() {
  loading ??= (async () => {
    const lib = (await import('h5wasm')).default;
    const module = await lib.ready;
    quietHdf5Errors(module);
    return { lib, module };
  })();
  return loading;
}

let serial = 0;
const scratchPath = () => `/neuroplan-nwb-${++serial}.nwb`;

/** Reads an NWB file's bytes; `name` names it in errors. */
export async function readNwbBytes(
  bytes: Uint8Array,
  name: string,
  options: NwbReadOptions = {},
): Promise<NwbReadResult> {
  const { lib, module } = await browserH5();
  const path = scratchPath();
  module.FS!.writeFile(path, bytes);
  try {
    return readNwbFromPath(lib, path, name, options);
  } finally {
    module.FS!.unlink(path);
  }
}

/** Encodes a recording as NWB bytes. */
export async function writeNwbBytes(
  rec: Recording,
  options: NwbWriteOptions = {},
  name = 'recording.nwb',
): Promise<Uint8Array> {
  const { lib, module } = await browserH5();
  const path = scratchPath();
  try {
    writeNwbToPath(lib, path, rec, options, name);
    return module.FS!.readFile(path);
  } finally {
    if (module.FS!.analyzePath(path).exists) module.FS!.unlink(path);
  }
}
