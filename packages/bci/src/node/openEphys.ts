/**
 * Open Ephys binary format (GUI ≥ 0.5): a recording folder holds `structure.oebin` (JSON describing each
 * continuous stream: folder_name, sample_rate, num_channels, channels[] with channel_name, bit_volts, units)
 * and, per stream, `continuous/<folder_name>/continuous.dat` (interleaved little-endian int16) plus
 * `sample_numbers.npy` (GUI ≥ 0.6) or `timestamps.npy` (0.5, int64 sample numbers) for the first sample.
 * µV = int16 × bit_volts for channels in "uV" (headstage channels); ADC/aux channels (units "V"/"mV") are
 * left out unless asked for, so that the signal checks see electrodes only.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Recording, RecordingChannel } from '../recording.ts';
import { validateRecording } from '../recording.ts';

export interface OpenEphysReadOptions {
  /** Stream folder_name (or stream_name) to read; default the first continuous stream. */
  stream?: string;
  /** Keep ADC/aux channels too (scaled to µV). */
  allChannels?: boolean;
  /** Refuse more samples × channels than this; default 2^28. */
  maxValues?: number;
}

export interface OpenEphysReadResult {
  recording: Recording;
  stream: string;
  guiVersion?: string;
  warnings: string[];
}

interface OebinChannel {
  channel_name?: string;
  bit_volts?: number;
  units?: string;
}
interface OebinStream {
  folder_name?: string;
  stream_name?: string;
  sample_rate?: number;
  num_channels?: number;
  channels?: OebinChannel[];
}

const UV_PER_UNIT: Record<string, number> = { uV: 1, µV: 1, mV: 1e3, V: 1e6 };

/** `path`: the structure.oebin file or the folder that holds it. */
export function readOpenEphysBinary(path: string, options: OpenEphysReadOptions = {}): OpenEphysReadResult {
  const oebin = statSafe(path)?.isDirectory() ? join(path, 'structure.oebin') : path;
  const fail = (why: string): never => {
    throw new Error(`${oebin}: ${why}`);
  };
  let doc: { 'GUI version'?: string; continuous?: OebinStream[] };
  try {
    doc = JSON.parse(readFileSync(oebin, 'utf8')) as typeof doc;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code ? `cannot read: ${code}` : `not valid JSON: ${(e as Error).message}`);
  }
  const streams = Array.isArray(doc.continuous) ? doc.continuous : [];
  if (streams.length === 0) fail('no continuous streams');
  const nameOf = (s: OebinStream) => (s.folder_name ?? '').replace(/\/+$/, '');
  const stream =
    options.stream === undefined
      ? streams[0]!
      : (streams.find((s) => nameOf(s) === options.stream || s.stream_name === options.stream) ??
        fail(`no continuous stream "${options.stream}" (found: ${streams.map(nameOf).join(', ')})`));
  const folder = nameOf(stream);
  const rate = stream.sample_rate;
  const n = stream.num_channels;
  const described = stream.channels ?? [];
  if (!folder) fail('a continuous stream has no folder_name');
  if (!(typeof rate === 'number' && rate > 0))
    fail(`stream ${folder}: sample_rate must be a positive number`);
  if (!(Number.isInteger(n) && n! > 0)) fail(`stream ${folder}: num_channels must be a positive integer`);
  if (described.length !== n)
    fail(`stream ${folder}: ${described.length} channel descriptions for ${n} channels`);

  const keep: { source: number; uvPerBit: number; name: string }[] = [];
  described.forEach((ch, i) => {
    const perUnit = UV_PER_UNIT[ch.units ?? 'uV'];
    if (perUnit === undefined) fail(`stream ${folder}: channel ${i + 1} has unknown units "${ch.units}"`);
    if (!(typeof ch.bit_volts === 'number' && Number.isFinite(ch.bit_volts)))
      fail(`stream ${folder}: channel ${i + 1} has no numeric bit_volts`);
    if (perUnit === 1 || options.allChannels)
      keep.push({ source: i, uvPerBit: ch.bit_volts! * perUnit!, name: ch.channel_name ?? `CH${i + 1}` });
  });
  if (keep.length === 0) fail(`stream ${folder}: no channels in µV (use allChannels for ADC channels)`);

  const streamDir = join(dirname(oebin), 'continuous', folder);
  const datPath = join(streamDir, 'continuous.dat');
  const size = statSafe(datPath)?.size ?? fail(`missing ${datPath}`);
  const frame = 2 * n!;
  if (size % frame !== 0)
    throw new Error(
      `${datPath}: truncated at byte ${size}: not a whole number of ${n}-channel int16 frames (${size % frame} byte(s) left over)`,
    );
  const T = size / frame;
  if (T === 0) throw new Error(`${datPath}: holds no samples`);
  const C = keep.length;
  const maxValues = options.maxValues ?? 2 ** 28;
  if (T * C > maxValues)
    throw new Error(`${datPath}: ${T} × ${C} values is more than the ${maxValues} this reader loads`);
  const raw = readFileSync(datPath);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dataUv = new Float32Array(T * C);
  for (let t = 0; t < T; t++)
    for (let c = 0; c < C; c++) {
      const k = keep[c]!;
      dataUv[t * C + c] = view.getInt16(t * frame + 2 * k.source, true) * k.uvPerBit;
    }

  const warnings: string[] = [];
  const first = firstSampleNumber(streamDir, warnings);
  const channels: RecordingChannel[] = keep.map((k, index) => ({
    index,
    label: k.name,
    electrodeId: folder,
    contactNumber: index + 1,
  }));
  const recording: Recording = {
    sampleRateHz: rate!,
    channelCount: C,
    sampleCount: T,
    dataUv,
    channels,
    startTimeS: first / rate!,
  };
  validateRecording(recording, datPath);
  const result: OpenEphysReadResult = { recording, stream: folder, warnings };
  if (typeof doc['GUI version'] === 'string') result.guiVersion = doc['GUI version'];
  return result;
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The first sample number from sample_numbers.npy (0.6+) or timestamps.npy holding int64 (0.5); 0 when
 * neither is there. Only the .npy header and the first value are read.
 */
function firstSampleNumber(streamDir: string, warnings: string[]): number {
  for (const name of ['sample_numbers.npy', 'timestamps.npy']) {
    const path = join(streamDir, name);
    if (!statSafe(path)) continue;
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(4096);
      const got = readSync(fd, head, 0, head.length, 0);
      const value = npyFirstInt64(head.subarray(0, got), path);
      if (value !== undefined) return value;
    } finally {
      closeSync(fd);
    }
  }
  warnings.push(`no sample_numbers.npy in ${basename(streamDir)}: the first sample is taken as sample 0`);
  return 0;
}

/** First element of a little-endian int64 .npy array, or undefined when the array holds another type. */
function npyFirstInt64(bytes: Buffer, path: string): number | undefined {
  if (bytes.length < 10 || bytes[0] !== 0x93 || bytes.toString('latin1', 1, 6) !== 'NUMPY')
    throw new Error(`${path}: not a .npy file`);
  const major = bytes[6]!;
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = bytes.toString('latin1', major === 1 ? 10 : 12, start);
  if (!/'descr':\s*'<i8'/.test(header)) return undefined;
  if (start + 8 > bytes.length) throw new Error(`${path}: truncated at byte ${bytes.length}: no first value`);
  return Number(bytes.readBigInt64LE(start));
}
