/**
 * Intan RHD2000 data files (`.rhd`, written by the RHD2000 evaluation software v1.x and Intan RHX, format
 * versions 1.0–3.x), after Intan's "RHD2000 Application Note: Data File Formats".
 *
 * Header: magic 0xC6912702, version, sample rate and bandwidths, notch mode, impedance test frequencies,
 * three notes, temperature-sensor count (≥1.1), eval-board mode (≥1.3), reference channel (≥2.0), then the
 * signal groups (ports) and their channels with names, order, type, impedance magnitude/phase.
 * Data: blocks of 60 (v1.x) or 128 (v2+) samples: timestamps (int32; uint32 before 1.2), amplifier (uint16,
 * channel-major within the block), aux inputs (¼ rate), supply voltage and temperature (1 per block), board
 * ADC, digital in and digital out (one uint16 word each). Only amplifier channels and timestamps are decoded
 * (µV = 0.195 × (u16 − 32768)); the other streams are skipped by their byte sizes.
 */
import type { Recording, RecordingChannel } from '../recording.ts';
import { validateRecording } from '../recording.ts';

export const RHD_MAGIC = 0xc6912702;
export const RHD_AMPLIFIER_UV_PER_BIT = 0.195;

export type RhdSignalType = 'amplifier' | 'aux' | 'supply' | 'adc' | 'digitalIn' | 'digitalOut';
const SIGNAL_TYPES: RhdSignalType[] = ['amplifier', 'aux', 'supply', 'adc', 'digitalIn', 'digitalOut'];

export interface RhdChannel {
  type: RhdSignalType;
  nativeName: string;
  customName: string;
  portName: string;
  portPrefix: string;
  nativeOrder: number;
  customOrder: number;
  chipChannel: number;
  boardStream: number;
  /** Last measured electrode impedance magnitude, ohms (0 when never measured). */
  impedanceOhm: number;
  impedancePhaseDeg: number;
}

export interface RhdHeader {
  version: { major: number; minor: number };
  sampleRateHz: number;
  dspEnabled: boolean;
  actualDspCutoffHz: number;
  actualLowerBandwidthHz: number;
  actualUpperBandwidthHz: number;
  desiredDspCutoffHz: number;
  desiredLowerBandwidthHz: number;
  desiredUpperBandwidthHz: number;
  /** Software notch the acquisition applied: 0 (none), 50 or 60 Hz. */
  notchFilterHz: 0 | 50 | 60;
  desiredImpedanceTestHz: number;
  actualImpedanceTestHz: number;
  notes: [string, string, string];
  temperatureSensorCount: number;
  evalBoardMode: number;
  referenceChannel: string;
  samplesPerBlock: 60 | 128;
  /** Enabled channels by type, in file order. */
  channels: Record<RhdSignalType, RhdChannel[]>;
  headerBytes: number;
  bytesPerBlock: number;
  blockCount: number;
}

export interface RhdReadOptions {
  /** Where each amplifier channel sits; default: electrode = port prefix ("A"), contacts numbered 1… in file order. */
  channelMap?: (
    ch: RhdChannel,
    index: number,
  ) => Pick<RecordingChannel, 'electrodeId' | 'contactNumber' | 'depthMm'>;
  /** Refuse more samples × channels than this (no absurd allocation from a bad header); default 2^28. */
  maxValues?: number;
}

export interface RhdReadResult {
  header: RhdHeader;
  recording: Recording;
  /** Sample counter of every amplifier sample. */
  timestamps: Int32Array;
  /** Per amplifier channel impedance magnitude, ohms, as measured before the recording (0 = not measured). */
  impedanceOhm: number[];
  impedancePhaseDeg: number[];
  warnings: string[];
}

class Cursor {
  private readonly view: DataView;
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string): void {
    if (this.pos + n > this.bytes.length)
      throw new Error(
        `${this.name}: truncated at byte ${this.bytes.length}: the header needs ${this.pos + n - this.bytes.length} more byte(s) for ${what} (at byte ${this.pos})`,
      );
  }
  u32(what: string) {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i16(what: string) {
    this.need(2, what);
    const v = this.view.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }
  f32(what: string) {
    this.need(4, what);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  /** Qt's QString: uint32 byte length (0xFFFFFFFF = null), then UTF-16LE. */
  qstring(what: string): string {
    const at = this.pos;
    const len = this.u32(what);
    if (len === 0xffffffff) return '';
    if (len % 2 !== 0) throw new Error(`${this.name}: bad string length ${len} for ${what} at byte ${at}`);
    this.need(len, what);
    const s = new TextDecoder('utf-16le').decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
}

const atLeast = (v: { major: number; minor: number }, major: number, minor: number) =>
  v.major > major || (v.major === major && v.minor >= minor);

/** Parses the header and sizes the data blocks; throws, naming the file, on anything malformed. */
export function parseRhdHeader(bytes: Uint8Array, name: string): RhdHeader {
  const r = new Cursor(bytes, name);
  const magic = r.u32('the magic number');
  if (magic !== RHD_MAGIC)
    throw new Error(`${name}: not an Intan RHD file: magic number 0x${magic.toString(16)} is not 0xc6912702`);
  const version = { major: r.i16('the version'), minor: r.i16('the version') };
  if (version.major < 1 || version.major > 3)
    throw new Error(
      `${name}: RHD format version ${version.major}.${version.minor} is not supported (1.x–3.x)`,
    );
  const sampleRateHz = r.f32('the sample rate');
  if (!(sampleRateHz > 0 && sampleRateHz <= 1e6))
    throw new Error(`${name}: implausible sample rate ${sampleRateHz} Hz at byte 8`);
  const dspEnabled = r.i16('dsp_enabled') !== 0;
  const actualDspCutoffHz = r.f32('the DSP cutoff');
  const actualLowerBandwidthHz = r.f32('the lower bandwidth');
  const actualUpperBandwidthHz = r.f32('the upper bandwidth');
  const desiredDspCutoffHz = r.f32('the DSP cutoff');
  const desiredLowerBandwidthHz = r.f32('the lower bandwidth');
  const desiredUpperBandwidthHz = r.f32('the upper bandwidth');
  const notchMode = r.i16('the notch filter mode');
  const notchFilterHz = notchMode === 1 ? 50 : notchMode === 2 ? 60 : 0;
  const desiredImpedanceTestHz = r.f32('the impedance test frequency');
  const actualImpedanceTestHz = r.f32('the impedance test frequency');
  const notes: [string, string, string] = [r.qstring('note 1'), r.qstring('note 2'), r.qstring('note 3')];
  const temperatureSensorCount = atLeast(version, 1, 1) ? r.i16('the temperature sensor count') : 0;
  if (temperatureSensorCount < 0) throw new Error(`${name}: negative temperature sensor count`);
  const evalBoardMode = atLeast(version, 1, 3) ? r.i16('the eval board mode') : 0;
  const referenceChannel = version.major > 1 ? r.qstring('the reference channel') : '';
  const samplesPerBlock = version.major > 1 ? 128 : 60;

  const channels: Record<RhdSignalType, RhdChannel[]> = {
    amplifier: [],
    aux: [],
    supply: [],
    adc: [],
    digitalIn: [],
    digitalOut: [],
  };
  const groupCount = r.i16('the signal group count');
  for (let g = 0; g < groupCount; g++) {
    const portName = r.qstring(`signal group ${g + 1}'s name`);
    const portPrefix = r.qstring(`signal group ${g + 1}'s prefix`);
    const enabled = r.i16(`signal group ${g + 1}'s enabled flag`);
    const channelCount = r.i16(`signal group ${g + 1}'s channel count`);
    r.i16(`signal group ${g + 1}'s amplifier channel count`);
    if (channelCount <= 0 || enabled <= 0) continue;
    for (let k = 0; k < channelCount; k++) {
      const what = `channel ${k + 1} of signal group "${portName}"`;
      const at = r.pos;
      const nativeName = r.qstring(what);
      const customName = r.qstring(what);
      const nativeOrder = r.i16(what);
      const customOrder = r.i16(what);
      const signalType = r.i16(what);
      const channelEnabled = r.i16(what);
      const chipChannel = r.i16(what);
      const boardStream = r.i16(what);
      r.need(8, what); // spike-scope trigger settings: mode, threshold, digital channel, edge polarity
      r.pos += 8;
      const impedanceOhm = r.f32(what);
      const impedancePhaseDeg = r.f32(what);
      const type = SIGNAL_TYPES[signalType];
      if (type === undefined)
        throw new Error(`${name}: unknown signal type ${signalType} for ${what} at byte ${at}`);
      if (!channelEnabled) continue;
      channels[type].push({
        type,
        nativeName,
        customName,
        portName,
        portPrefix,
        nativeOrder,
        customOrder,
        chipChannel,
        boardStream,
        impedanceOhm,
        impedancePhaseDeg,
      });
    }
  }

  const N = samplesPerBlock;
  const bytesPerBlock =
    N * 4 + // timestamps
    N * 2 * channels.amplifier.length +
    (N / 4) * 2 * channels.aux.length +
    2 * channels.supply.length +
    2 * temperatureSensorCount +
    N * 2 * channels.adc.length +
    (channels.digitalIn.length > 0 ? N * 2 : 0) +
    (channels.digitalOut.length > 0 ? N * 2 : 0);
  const headerBytes = r.pos;
  const dataBytes = bytes.length - headerBytes;
  const blockCount = Math.floor(dataBytes / bytesPerBlock);
  if (dataBytes % bytesPerBlock !== 0)
    throw new Error(
      `${name}: truncated at byte ${bytes.length}: data block ${blockCount + 1} (from byte ${headerBytes + blockCount * bytesPerBlock}) holds ${dataBytes % bytesPerBlock} of its ${bytesPerBlock} bytes`,
    );
  return {
    version,
    sampleRateHz,
    dspEnabled,
    actualDspCutoffHz,
    actualLowerBandwidthHz,
    actualUpperBandwidthHz,
    desiredDspCutoffHz,
    desiredLowerBandwidthHz,
    desiredUpperBandwidthHz,
    notchFilterHz,
    desiredImpedanceTestHz,
    actualImpedanceTestHz,
    notes,
    temperatureSensorCount,
    evalBoardMode,
    referenceChannel,
    samplesPerBlock,
    channels,
    headerBytes,
    bytesPerBlock,
    blockCount,
  };
}

/** Reads an RHD file's amplifier channels into a Recording (µV), with timestamps and impedances. */
export function parseRhd(bytes: Uint8Array, name: string, options: RhdReadOptions = {}): RhdReadResult {
  const header = parseRhdHeader(bytes, name);
  const amps = header.channels.amplifier;
  const C = amps.length;
  if (C === 0) throw new Error(`${name}: no enabled amplifier channels`);
  const N = header.samplesPerBlock;
  const T = header.blockCount * N;
  if (T === 0) throw new Error(`${name}: the file holds a header but no data blocks`);
  const maxValues = options.maxValues ?? 2 ** 28;
  if (T * C > maxValues)
    throw new Error(
      `${name}: ${T} samples × ${C} channels is more than the ${maxValues} values this reader loads`,
    );

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signedTimestamps = atLeast(header.version, 1, 2);
  const timestamps = new Int32Array(T);
  const dataUv = new Float32Array(T * C);
  for (let b = 0; b < header.blockCount; b++) {
    const block = header.headerBytes + b * header.bytesPerBlock;
    for (let s = 0; s < N; s++)
      timestamps[b * N + s] = signedTimestamps
        ? view.getInt32(block + 4 * s, true)
        : view.getUint32(block + 4 * s, true) | 0;
    const amp = block + 4 * N;
    for (let c = 0; c < C; c++) {
      const ch = amp + c * N * 2;
      for (let s = 0; s < N; s++)
        dataUv[(b * N + s) * C + c] = RHD_AMPLIFIER_UV_PER_BIT * (view.getUint16(ch + 2 * s, true) - 32768);
    }
  }

  const warnings: string[] = [];
  let gaps = 0;
  let firstGap = -1;
  for (let i = 1; i < T; i++)
    if (timestamps[i]! - timestamps[i - 1]! !== 1) {
      gaps++;
      if (firstGap < 0) firstGap = i;
    }
  if (gaps > 0)
    warnings.push(`${gaps} timestamp discontinuit${gaps === 1 ? 'y' : 'ies'} (first at sample ${firstGap})`);

  const perPort = new Map<string, number>();
  const channels: RecordingChannel[] = amps.map((a, index) => {
    let place: Pick<RecordingChannel, 'electrodeId' | 'contactNumber' | 'depthMm'>;
    if (options.channelMap) place = options.channelMap(a, index);
    else {
      const n = (perPort.get(a.portPrefix) ?? 0) + 1;
      perPort.set(a.portPrefix, n);
      place = { electrodeId: a.portPrefix || a.portName, contactNumber: n };
    }
    const ch: RecordingChannel = {
      index,
      label: a.customName || a.nativeName,
      electrodeId: place.electrodeId,
      contactNumber: place.contactNumber,
    };
    if (place.depthMm !== undefined) ch.depthMm = place.depthMm;
    return ch;
  });
  const recording: Recording = {
    sampleRateHz: header.sampleRateHz,
    channelCount: C,
    sampleCount: T,
    dataUv,
    channels,
    startTimeS: timestamps[0]! / header.sampleRateHz,
  };
  validateRecording(recording, name);
  return {
    header,
    recording,
    timestamps,
    impedanceOhm: amps.map((a) => a.impedanceOhm),
    impedancePhaseDeg: amps.map((a) => a.impedancePhaseDeg),
    warnings,
  };
}
