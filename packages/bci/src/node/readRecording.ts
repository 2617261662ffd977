/** One entry point for every recording file the command line and the server open (Node). */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ImpedanceTestSegment } from '../checks/impedance.ts';
import type { Recording } from '../recording.ts';
import { RHD_MAGIC } from '../intan/rhd.ts';
import { readRhdFile } from './intan.ts';
import { hasHdf5Signature, readNwbFile } from './nwb.ts';
import { readOpenEphysBinary } from './openEphys.ts';

export type RecordingFormat = 'nwb' | 'intan-rhd' | 'open-ephys-binary';

export interface LoadedRecording {
  path: string;
  format: RecordingFormat;
  recording: Recording;
  /** Per channel impedance magnitude, ohms; NaN where the file has none (Intan writes 0 when never measured). */
  impedanceOhm?: number[];
  impedancePhaseDeg?: number[];
  /** The raw impedance test, when the file keeps one (our NWB writer's /acquisition/ImpedanceTest). */
  impedanceTest?: ImpedanceTestSegment;
  /** Notch the acquisition software already applied (Intan header), Hz. */
  acquisitionNotchHz?: 0 | 50 | 60;
  warnings: string[];
}

export interface ReadRecordingOptions {
  /** NWB: ElectricalSeries name; Open Ephys: stream folder name. */
  series?: string;
}

/** Reads an NWB file, an Intan .rhd file or an Open Ephys binary recording (folder or structure.oebin). */
export async function readRecordingFile(
  path: string,
  options: ReadRecordingOptions = {},
): Promise<LoadedRecording> {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new Error(`${path}: cannot open: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (isDir || basename(path) === 'structure.oebin') {
    const r = readOpenEphysBinary(path, options.series === undefined ? {} : { stream: options.series });
    return { path, format: 'open-ephys-binary', recording: r.recording, warnings: r.warnings };
  }
  if (firstWord(path) === RHD_MAGIC) {
    const r = readRhdFile(path);
    return {
      path,
      format: 'intan-rhd',
      recording: r.recording,
      impedanceOhm: r.impedanceOhm.map((z) => (z > 0 ? z : NaN)),
      impedancePhaseDeg: r.impedancePhaseDeg,
      acquisitionNotchHz: r.header.notchFilterHz,
      warnings: r.warnings,
    };
  }
  if (hasHdf5Signature(path)) {
    const r = await readNwbFile(path, options.series === undefined ? {} : { series: options.series });
    const loaded: LoadedRecording = { path, format: 'nwb', recording: r.recording, warnings: r.warnings };
    if (r.impedanceOhm)
      loaded.impedanceOhm = r.impedanceOhm.map((z) => (Number.isFinite(z) && z > 0 ? z : NaN));
    if (r.impedancePhaseDeg) loaded.impedancePhaseDeg = r.impedancePhaseDeg;
    if (r.impedanceTest) loaded.impedanceTest = r.impedanceTest;
    return loaded;
  }
  throw new Error(
    `${path}: not a recording this program reads (NWB/HDF5, Intan .rhd, or an Open Ephys folder / structure.oebin)`,
  );
}

function firstWord(path: string): number | undefined {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 ? b.readUInt32LE(0) : undefined;
  } finally {
    closeSync(fd);
  }
}
