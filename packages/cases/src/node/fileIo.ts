/** Files for recordings: a synchronous, position-tracking writable (survives SIGKILL: each write is a syscall) and readers. */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { IReadable } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import type { SyncableWritable } from '../recorder.ts';
import { openRecording, type CaseRecording } from '../replay.ts';
import type { RosCodec } from '../codec.ts';

/** Writes go straight to the file descriptor (no user-space buffer that a crash could lose). */
export class FileWritable implements SyncableWritable {
  readonly path: string;
  #fd: number | undefined;
  #position = 0n;

  constructor(path: string, flags: 'w' | 'wx' = 'w') {
    this.path = path;
    try {
      this.#fd = openSync(path, flags);
    } catch (e) {
      throw new Error(`${path}: cannot create the file (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  async write(buffer: Uint8Array): Promise<void> {
    if (this.#fd === undefined) throw new Error(`${this.path}: written after close`);
    let off = 0;
    while (off < buffer.byteLength) off += writeSync(this.#fd, buffer, off, buffer.byteLength - off);
    this.#position += BigInt(buffer.byteLength);
  }

  position(): bigint {
    return this.#position;
  }

  sync(): void {
    if (this.#fd !== undefined) fsyncSync(this.#fd);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** A synchronous file reader as an IReadable (for recovery, where the file may be cut anywhere). */
export function fileReadable(path: string): IReadable & { close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`${path}: cannot open (${e instanceof Error ? e.message : String(e)})`);
  }
  const size = BigInt(fstatSync(fd).size);
  return {
    size: async () => size,
    read: async (offset, length) => {
      if (offset + length > size) throw new Error(`${path}: read past the end of the file`);
      const buf = new Uint8Array(Number(length));
      let got = 0;
      while (got < buf.byteLength) {
        const n = readSync(fd, buf, got, buf.byteLength - got, Number(offset) + got);
        if (n === 0) throw new Error(`${path}: file shrank while reading`);
        got += n;
      }
      return buf;
    },
    close: () => closeSync(fd),
  };
}

/** Opens an indexed recording file; call `close()` when done. */
export async function openRecordingFile(
  path: string,
  codec?: RosCodec,
): Promise<{ recording: CaseRecording; close: () => Promise<void> }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new Error(`${path}: cannot open (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    const recording = await openRecording(new FileHandleReadable(handle), codec, path);
    return { recording, close: () => handle.close() };
  } catch (e) {
    await handle.close();
    throw e;
  }
}
