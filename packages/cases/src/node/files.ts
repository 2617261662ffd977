/** Node conveniences: record to a file, recover a file, write a report folder. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { MCAP_MAGIC } from '@mcap/core';
import { join } from 'node:path';
import { CaseRecorder, type CaseRecorderOptions } from '../recorder.ts';
import { recoverMcap, type RecoveryReport } from '../recover.ts';
import { loadZstdCompressor } from '../mcap/compression.ts';
import { computeCaseReport, renderCaseReport, reportJson, type CaseReport } from '../report.ts';
import type { CaseRecording } from '../replay.ts';
import { FileWritable, fileReadable } from './fileIo.ts';

/** Starts a recorder writing `path` (zstd chunks unless `compressChunk: undefined` is passed explicitly). */
export async function startFileRecorder(
  path: string,
  opts: Omit<CaseRecorderOptions, 'writable'>,
): Promise<{ recorder: CaseRecorder; close: () => Promise<void> }> {
  const writable = new FileWritable(path);
  const compressChunk = 'compressChunk' in opts ? opts.compressChunk : await loadZstdCompressor();
  const recorder = await CaseRecorder.start({ ...opts, compressChunk, writable });
  return {
    recorder,
    close: async () => {
      try {
        await recorder.close();
      } finally {
        writable.close();
      }
    },
  };
}

/** Rewrites what is valid in `input` as a complete indexed MCAP at `output`. */
export async function recoverFile(input: string, output: string): Promise<RecoveryReport> {
  const src = fileReadable(input);
  let out: FileWritable | undefined;
  try {
    // Check the input before creating the output, so a wrong file leaves nothing behind.
    const magic = await src.read(0n, (await src.size()) < 8n ? await src.size() : 8n);
    if (!MCAP_MAGIC.every((b, i) => magic[i] === b))
      throw new Error(`${input}: not an MCAP file (bad magic bytes)`);
    out = new FileWritable(output);
    return await recoverMcap(src, out, { name: input, compressChunk: await loadZstdCompressor() });
  } catch (e) {
    if (out) rmSync(output, { force: true });
    throw e;
  } finally {
    src.close();
    out?.close();
  }
}

/** Computes the report and writes report.md, report.json and the SVG plots into `dir`. */
export async function writeCaseReport(recording: CaseRecording, dir: string): Promise<CaseReport> {
  const report = await computeCaseReport(recording);
  const { markdown, files } = renderCaseReport(report);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.md'), markdown);
  writeFileSync(join(dir, 'report.json'), JSON.stringify(reportJson(report), null, 2) + '\n');
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return report;
}
