/**
 * Writes a Recording as an NWB 2.7 file: NWBFile root, one Device, one ElectrodeGroup per electrode, the
 * electrodes DynamicTable (one row per contact) and an ElectricalSeries in /acquisition.
 *
 * Samples are stored as float32 microvolts with `conversion` 1e-6 to volts (lossless for our Float32 µV), or
 * as int16 counts with `conversion` = µV per count × 1e-6 (half the size, quantised like an amplifier ADC).
 * `conversion` and `rate` are written as float64 (the schema says float32; readers accept the wider type) so
 * that µV survive the round trip exactly. The NWB schema itself is not cached in /specifications: readers
 * (pynwb/hdmf) fall back to their own copy of the core namespace, which is all this file uses.
 */
import type { File as H5File, GuessableDataTypes, Group } from 'h5wasm';
import type { ImpedanceTestSegment } from '../checks/impedance.ts';
import type { Recording } from '../recording.ts';
import { validateRecording } from '../recording.ts';
import { hdf5Reason, type H5Lib } from './h5lib.ts';
import {
  ACQUISITION,
  CUSTOM_COLUMNS,
  DEVICES,
  EXTRACELLULAR_EPHYS,
  NWB_VERSION,
  IMPEDANCE_TEST_FREQUENCY_ATTR,
  IMPEDANCE_TEST_SERIES,
  electrodeGroupName,
} from './layout.ts';

export type NwbSampleEncoding = { kind: 'float32' } | { kind: 'int16'; uvPerCount: number };

export interface NwbWriteOptions {
  /** Globally unique id of the file's session; default a random UUID. */
  identifier?: string;
  sessionDescription?: string;
  /** Default: now. Also written as timestamps_reference_time. */
  sessionStartTime?: Date;
  /** Default: now. */
  fileCreateDate?: Date;
  /** Name of the ElectricalSeries under /acquisition; default "ElectricalSeries". */
  seriesName?: string;
  seriesDescription?: string;
  deviceName?: string;
  deviceDescription?: string;
  manufacturer?: string;
  /** Brain area of each electrode (by electrodeId), written to the groups and the table; default "unknown". */
  locations?: Record<string, string>;
  /** Per channel impedance magnitude, ohms: written as the electrodes table's `imp` column. */
  impedanceOhm?: ArrayLike<number>;
  /** Per channel impedance phase, degrees: our column `imp_phase_deg`. */
  impedancePhaseDeg?: ArrayLike<number>;
  /**
   * The raw impedance test (sine current response), kept as a second ElectricalSeries
   * /acquisition/ImpedanceTest (float32 µV, attribute test_frequency_hz) with the per-channel current in the
   * electrodes table's `imp_test_current_na` column, so the check can re-measure impedance from the file.
   */
  impedanceTest?: ImpedanceTestSegment;
  /** Default float32 µV. */
  encoding?: NwbSampleEncoding;
  /** gzip level 1-9 for the sample data (chunked); default none. */
  compressionLevel?: number;
  /** UUID source for object_id attributes (tests pass a deterministic one); default crypto.randomUUID. */
  uuid?: () => string;
}

const TEXT = (s: string) => s;

/** Writes `rec` to `path` on `lib`'s filesystem; `displayName` names the file in errors. */
export function writeNwbToPath(
  lib: H5Lib,
  path: string,
  rec: Recording,
  options: NwbWriteOptions = {},
  displayName = path,
): void {
  validateRecording(rec, displayName);
  const C = rec.channelCount;
  const T = rec.sampleCount;
  if (options.impedanceOhm && options.impedanceOhm.length !== C)
    throw new Error(`${displayName}: ${options.impedanceOhm.length} impedances for ${C} channels`);
  const zt = options.impedanceTest;
  if (zt && (zt.channelCount !== C || zt.currentNa.length !== C || zt.dataUv.length !== zt.sampleCount * C))
    throw new Error(`${displayName}: the impedance test does not match the recording's ${C} channels`);
  if (zt && ((options.seriesName ?? 'ElectricalSeries') === IMPEDANCE_TEST_SERIES || !(zt.sampleCount >= 1)))
    throw new Error(`${displayName}: cannot store an empty impedance test or one named like the main series`);
  if (options.impedancePhaseDeg && options.impedancePhaseDeg.length !== C)
    throw new Error(`${displayName}: ${options.impedancePhaseDeg.length} impedance phases for ${C} channels`);
  const encoding = options.encoding ?? { kind: 'float32' };
  if (encoding.kind === 'int16' && !(encoding.uvPerCount > 0 && Number.isFinite(encoding.uvPerCount)))
    throw new Error(
      `${displayName}: int16 encoding needs a positive µV per count, got ${encoding.uvPerCount}`,
    );
  const level = options.compressionLevel;
  if (level !== undefined && !(Number.isInteger(level) && level >= 1 && level <= 9))
    throw new Error(`${displayName}: compression level must be an integer from 1 to 9, got ${level}`);
  const uuid = options.uuid ?? (() => crypto.randomUUID());
  const now = new Date();
  const start = options.sessionStartTime ?? now;
  const created = options.fileCreateDate ?? now;
  const seriesName = options.seriesName ?? 'ElectricalSeries';
  if (seriesName.includes('/') || seriesName === '')
    throw new Error(`${displayName}: series name "${seriesName}" is not a valid HDF5 name`);
  const deviceName = options.deviceName ?? 'amplifier';
  const location = (electrodeId: string) => options.locations?.[electrodeId] ?? 'unknown';

  if (T < 1) throw new Error(`${displayName}: the recording holds no samples to write`);
  const file = createFile(lib, path, displayName);
  try {
    const typed = (g: Pick<Group, 'create_attribute'>, type: string, namespace = 'core') => {
      g.create_attribute('namespace', namespace);
      g.create_attribute('neurodata_type', type);
      g.create_attribute('object_id', uuid());
    };
    // Root: the NWBFile.
    file.create_attribute('nwb_version', NWB_VERSION);
    typed(file, 'NWBFile');
    file.create_dataset({ name: 'identifier', data: TEXT(options.identifier ?? uuid()) });
    file.create_dataset({
      name: 'session_description',
      data: options.sessionDescription ?? 'NeuroPlan BCI recording',
    });
    file.create_dataset({ name: 'session_start_time', data: isoDateTime(start) });
    file.create_dataset({ name: 'timestamps_reference_time', data: isoDateTime(start) });
    file.create_dataset({ name: 'file_create_date', data: [isoDateTime(created)] });
    for (const g of ['acquisition', 'analysis', 'processing', 'stimulus', 'general']) file.create_group(g);
    file.create_group('stimulus/presentation');
    file.create_group('stimulus/templates');

    // The amplifier.
    const devices = file.create_group(DEVICES);
    const device = devices.create_group(deviceName);
    typed(device, 'Device');
    device.create_attribute('description', options.deviceDescription ?? 'amplifier that recorded the data');
    if (options.manufacturer) device.create_attribute('manufacturer', options.manufacturer);

    // One ElectrodeGroup per electrode, in order of first appearance.
    const ephys = file.create_group(EXTRACELLULAR_EPHYS);
    const groupPathOf = new Map<string, string>();
    for (const ch of rec.channels) {
      if (groupPathOf.has(ch.electrodeId)) continue;
      const name = electrodeGroupName(ch.electrodeId);
      if ([...groupPathOf.values()].includes(`${EXTRACELLULAR_EPHYS}/${name}`))
        throw new Error(
          `${displayName}: electrodes "${ch.electrodeId}" and another map to the same NWB group name`,
        );
      const g = ephys.create_group(name);
      typed(g, 'ElectrodeGroup');
      g.create_attribute('description', `electrode ${ch.electrodeId}`);
      g.create_attribute('location', location(ch.electrodeId));
      g.create_soft_link(`${DEVICES}/${deviceName}`, 'device');
      groupPathOf.set(ch.electrodeId, `${EXTRACELLULAR_EPHYS}/${name}`);
    }

    // The electrodes table: one row per channel, row i = channel i.
    const table = ephys.create_group('electrodes');
    const columns: string[] = [];
    const column = (name: string, description: string, data: GuessableDataTypes, dtype?: string) => {
      const ds = table.create_dataset({ name, data, dtype: dtype ?? null });
      ds.create_attribute('description', description);
      typed(ds, 'VectorData', 'hdmf-common');
      columns.push(name);
    };
    const idDs = table.create_dataset({ name: 'id', data: Int32Array.from(rec.channels, (_, i) => i) });
    typed(idDs, 'ElementIdentifiers', 'hdmf-common');
    column(
      'location',
      'brain area of the contact',
      rec.channels.map((ch) => location(ch.electrodeId)),
    );
    const groupRefs = rec.channels.map((ch) => file.get(groupPathOf.get(ch.electrodeId)!)!);
    column(
      'group',
      'reference to the ElectrodeGroup this contact belongs to',
      groupRefs.map((g) => (g as Group).create_reference()),
    );
    column(
      'group_name',
      'name of the ElectrodeGroup this contact belongs to',
      rec.channels.map((ch) => groupPathOf.get(ch.electrodeId)!.split('/').at(-1)!),
    );
    if (options.impedanceOhm)
      column('imp', 'impedance of the contact, in ohms', Float64Array.from(options.impedanceOhm), '<d');
    if (options.impedancePhaseDeg)
      column(
        CUSTOM_COLUMNS.impedancePhaseDeg,
        'phase of the contact impedance, degrees',
        Float64Array.from(options.impedancePhaseDeg),
        '<d',
      );
    if (zt)
      column(
        CUSTOM_COLUMNS.impedanceTestCurrentNa,
        `amplitude of the sine test current of ${IMPEDANCE_TEST_SERIES}, nA`,
        Float64Array.from(zt.currentNa),
        '<d',
      );
    column(
      CUSTOM_COLUMNS.electrodeId,
      'electrode (shank, lead) id, e.g. the plan trajectory id',
      rec.channels.map((ch) => ch.electrodeId),
    );
    column(
      CUSTOM_COLUMNS.contactNumber,
      '1-based contact number on its electrode, counted from the tip',
      Int32Array.from(rec.channels, (ch) => ch.contactNumber),
    );
    column(
      CUSTOM_COLUMNS.depthMm,
      'depth of the contact centre below the entry point along the trajectory, mm (NaN when unknown)',
      Float64Array.from(rec.channels, (ch) => ch.depthMm ?? NaN),
    );
    column(
      CUSTOM_COLUMNS.label,
      'channel label as the amplifier names it',
      rec.channels.map((ch) => ch.label),
    );
    typed(table, 'DynamicTable', 'hdmf-common');
    table.create_attribute('description', 'metadata about extracellular electrodes');
    table.create_attribute('colnames', columns);

    // The ElectricalSeries.
    const series = file.get(ACQUISITION) as Group;
    const writeSeries = (
      name: string,
      description: string,
      samples: { dataUv: Float32Array; sampleCount: number; rate: number; start: number },
      enc: NwbSampleEncoding,
    ) => {
      const n = samples.sampleCount;
      const es = series.create_group(name);
      typed(es, 'ElectricalSeries');
      es.create_attribute('description', description);
      es.create_attribute('comments', 'no comments');
      const chunks = level ? [Math.max(1, Math.min(n, Math.floor(262144 / C))), C] : null;
      const compression = level ? { compression: level } : {};
      const data =
        enc.kind === 'float32'
          ? es.create_dataset({
              name: 'data',
              data: samples.dataUv,
              shape: [n, C],
              dtype: '<f',
              chunks,
              ...compression,
            })
          : es.create_dataset({
              name: 'data',
              data: toInt16(samples.dataUv, enc.uvPerCount),
              shape: [n, C],
              dtype: '<h',
              chunks,
              ...compression,
            });
      const uvPerCount = enc.kind === 'float32' ? 1 : enc.uvPerCount;
      data.create_attribute('conversion', uvPerCount * 1e-6, null, '<d');
      data.create_attribute('offset', 0, null, '<d');
      data.create_attribute('resolution', enc.kind === 'float32' ? -1 : uvPerCount * 1e-6, null, '<d');
      data.create_attribute('unit', 'volts');
      const region = es.create_dataset({
        name: 'electrodes',
        data: Int32Array.from(rec.channels, (_, i) => i),
      });
      region.create_attribute(
        'description',
        'the electrodes (rows of the electrodes table) of the data columns',
      );
      region.create_attribute('table', table.create_reference());
      typed(region, 'DynamicTableRegion', 'hdmf-common');
      const startingTime = es.create_dataset({ name: 'starting_time', data: samples.start, dtype: '<d' });
      startingTime.create_attribute('rate', samples.rate, null, '<d');
      startingTime.create_attribute('unit', 'seconds');
      return es;
    };
    writeSeries(
      seriesName,
      options.seriesDescription ?? 'wideband extracellular voltage',
      { dataUv: rec.dataUv, sampleCount: T, rate: rec.sampleRateHz, start: rec.startTimeS },
      encoding,
    );
    if (zt) {
      const es = writeSeries(
        IMPEDANCE_TEST_SERIES,
        `impedance test: response to a ${zt.frequencyHz} Hz sine current (amplitude per channel in the electrodes table column ${CUSTOM_COLUMNS.impedanceTestCurrentNa})`,
        { dataUv: zt.dataUv, sampleCount: zt.sampleCount, rate: zt.sampleRateHz, start: 0 },
        { kind: 'float32' },
      );
      es.create_attribute(IMPEDANCE_TEST_FREQUENCY_ATTR, zt.frequencyHz, null, '<d');
    }
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`${displayName}:`)) throw e;
    throw new Error(`${displayName}: cannot write NWB: ${hdf5Reason(e)}`);
  } finally {
    file.close();
  }
}

function createFile(lib: H5Lib, path: string, displayName: string): H5File {
  try {
    return new lib.File(path, 'w');
  } catch (e) {
    throw new Error(`${displayName}: cannot create the file: ${hdf5Reason(e)}`);
  }
}

/** ISO 8601 with an explicit UTC offset, as pynwb writes it. */
export function isoDateTime(d: Date): string {
  return d.toISOString().replace('Z', '+00:00');
}

function toInt16(uv: Float32Array, uvPerCount: number): Int16Array {
  const out = new Int16Array(uv.length);
  for (let i = 0; i < uv.length; i++) {
    const c = Math.round(uv[i]! / uvPerCount);
    out[i] = c > 32767 ? 32767 : c < -32768 ? -32768 : c;
  }
  return out;
}
