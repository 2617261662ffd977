/**
 * Reads an ElectricalSeries of an NWB 2.x file into a Recording (time-major Float32 µV).
 *
 * µV = (raw × channel_conversion[c] × conversion + offset) × 1e6, as the NWB schema defines volts. The
 * channel map comes from the electrodes table rows the series' `electrodes` region points at: our own columns
 * (electrode_id, contact_number, depth_mm, label) when present, else group_name and the row order within it.
 */
import type { Dataset, Group } from 'h5wasm';
import type { ImpedanceTestSegment } from '../checks/impedance.ts';
import type { Recording, RecordingChannel } from '../recording.ts';
import { validateRecording } from '../recording.ts';
import {
  attrNumber,
  attrString,
  hdf5Reason,
  isDataset,
  isGroup,
  numericValues,
  stringValues,
  type H5Lib,
} from './h5lib.ts';
import {
  ACQUISITION,
  CUSTOM_COLUMNS,
  ELECTRODES_TABLE,
  IMPEDANCE_TEST_FREQUENCY_ATTR,
  IMPEDANCE_TEST_SERIES,
} from './layout.ts';

export interface NwbReadOptions {
  /** Name of the ElectricalSeries in /acquisition; default the only (or first, by name) one. */
  series?: string;
  /** Refuse data larger than this many values (a corrupted shape must not allocate gigabytes); default 2^28. */
  maxValues?: number;
}

export interface NwbReadResult {
  recording: Recording;
  /** Per channel impedance magnitude, ohms, from the electrodes table's `imp` column (when present). */
  impedanceOhm?: number[];
  /** Per channel impedance phase, degrees, from our `imp_phase_deg` column (when present). */
  impedancePhaseDeg?: number[];
  /** The raw impedance test, when the file keeps one (/acquisition/ImpedanceTest, as our writer does). */
  impedanceTest?: ImpedanceTestSegment;
  /** Per channel brain area from the table's `location` column. */
  locations: string[];
  seriesName: string;
  nwbVersion: string;
  identifier?: string;
  sessionStartTime?: string;
  /** Things that were read but look off (irregular timestamps, missing optional columns…). */
  warnings: string[];
}

/** Reads `path` on `lib`'s filesystem; `displayName` names the file in errors. */
export function readNwbFromPath(
  lib: H5Lib,
  path: string,
  displayName = path,
  options: NwbReadOptions = {},
): NwbReadResult {
  const fail = (why: string): never => {
    throw new Error(`${displayName}: ${why}`);
  };
  let file;
  try {
    file = new lib.File(path, 'r');
  } catch (e) {
    return fail(`not a readable HDF5 file: ${hdf5Reason(e)}`);
  }
  try {
    return readOpen(lib, file, fail, options);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`${displayName}:`)) throw e;
    return fail(`cannot read NWB: ${hdf5Reason(e)}`);
  } finally {
    file.close();
  }
}

function readOpen(
  lib: H5Lib,
  file: Group,
  fail: (why: string) => never,
  options: NwbReadOptions,
): NwbReadResult {
  const warnings: string[] = [];
  const rootType = attrString(file, 'neurodata_type');
  const nwbVersion = attrString(file, 'nwb_version');
  if (rootType !== 'NWBFile' || nwbVersion === undefined)
    fail('not an NWB file: the root group has no neurodata_type "NWBFile" and nwb_version attributes');
  if (!nwbVersion!.startsWith('2.')) fail(`NWB version ${nwbVersion} is not supported (2.x only)`);
  const acquisition = file.get(ACQUISITION);
  if (!isGroup(lib, acquisition)) return fail(`not an NWB file: missing ${ACQUISITION}`);

  const candidates = acquisition.keys().filter((k) => {
    const e = acquisition.get(k);
    return (
      isGroup(lib, e) &&
      attrString(e, 'neurodata_type') === 'ElectricalSeries' &&
      attrNumber(e, IMPEDANCE_TEST_FREQUENCY_ATTR) === undefined
    );
  });
  let seriesName: string;
  if (options.series !== undefined) {
    if (!candidates.includes(options.series))
      fail(
        `no ElectricalSeries "${options.series}" in ${ACQUISITION} (found: ${candidates.join(', ') || 'none'})`,
      );
    seriesName = options.series;
  } else {
    if (candidates.length === 0) fail(`no ElectricalSeries in ${ACQUISITION}`);
    seriesName = [...candidates].sort()[0]!;
    if (candidates.length > 1) warnings.push(`${candidates.length} ElectricalSeries; read "${seriesName}"`);
  }
  const seriesPath = `${ACQUISITION}/${seriesName}`;
  const es = acquisition.get(seriesName) as Group;
  const dataDs = es.get('data');
  if (!isDataset(lib, dataDs)) return fail(`missing ${seriesPath}/data`);

  // Shape and type, checked before anything is allocated.
  const shape = dataDs.shape ?? [];
  if (shape.length !== 1 && shape.length !== 2)
    fail(`${seriesPath}/data has ${shape.length} dimensions, expected 2 (time × channels)`);
  const T = shape[0]!;
  const C = shape.length === 2 ? shape[1]! : 1;
  if (T < 1 || C < 1) fail(`${seriesPath}/data is empty (${shape.join(' × ')})`);
  const maxValues = options.maxValues ?? 2 ** 28;
  if (T * C > maxValues)
    fail(`${seriesPath}/data holds ${T} × ${C} values, more than the ${maxValues} this reader loads`);
  const meta = dataDs.metadata;
  if (meta.type !== 0 && meta.type !== 1)
    fail(`${seriesPath}/data is not numeric (HDF5 type class ${meta.type})`);
  const unit = attrString(dataDs, 'unit') ?? 'volts';
  if (!['volts', 'volt', 'V'].includes(unit)) fail(`${seriesPath}/data unit is "${unit}", expected volts`);
  const conversion = attrNumber(dataDs, 'conversion') ?? 1;
  const offset = attrNumber(dataDs, 'offset') ?? 0;
  if (!Number.isFinite(conversion) || !Number.isFinite(offset))
    fail(`${seriesPath}/data has a non-finite conversion or offset`);
  let channelConversion: Float64Array | undefined;
  const ccDs = es.get('channel_conversion');
  if (isDataset(lib, ccDs)) {
    channelConversion = numericValues(ccDs);
    if (!channelConversion || channelConversion.length !== C)
      fail(
        `${seriesPath}/channel_conversion holds ${channelConversion?.length ?? 0} values for ${C} channels`,
      );
  }

  // Timing: starting_time + rate, else timestamps.
  let sampleRateHz: number;
  let startTimeS: number;
  const st = es.get('starting_time');
  const ts = es.get('timestamps');
  if (isDataset(lib, st)) {
    const rate = attrNumber(st, 'rate');
    if (rate === undefined || !(rate > 0) || !Number.isFinite(rate))
      fail(`${seriesPath}/starting_time has no positive rate attribute`);
    sampleRateHz = rate!;
    startTimeS = numericValues(st)?.[0] ?? fail(`${seriesPath}/starting_time is not a number`);
  } else if (isDataset(lib, ts)) {
    const t = numericValues(ts);
    if (!t || t.length !== T)
      fail(`${seriesPath}/timestamps holds ${t?.length ?? 0} values for ${T} samples`);
    if (T < 2) fail(`${seriesPath}: one timestamp does not define a sample rate`);
    const span = t![T - 1]! - t![0]!;
    if (!(span > 0)) fail(`${seriesPath}/timestamps do not increase`);
    sampleRateHz = (T - 1) / span;
    const dt = 1 / sampleRateHz;
    for (let i = 1; i < T; i++)
      if (Math.abs(t![i]! - t![i - 1]! - dt) > 0.01 * dt) {
        warnings.push(`${seriesPath}/timestamps are irregular (first at sample ${i}); used the mean rate`);
        break;
      }
    startTimeS = t![0]!;
  } else return fail(`${seriesPath} has neither starting_time nor timestamps`);

  // Channel map.
  const regionDs = es.get('electrodes');
  if (!isDataset(lib, regionDs)) return fail(`missing ${seriesPath}/electrodes`);
  const region = numericValues(regionDs);
  if (!region || region.length !== C)
    fail(`${seriesPath}/electrodes holds ${region?.length ?? 0} rows for ${C} data columns`);
  const table = file.get(ELECTRODES_TABLE);
  if (!isGroup(lib, table)) return fail(`not an NWB file: missing ${ELECTRODES_TABLE}`);
  const idDs = table.get('id');
  if (!isDataset(lib, idDs)) return fail(`missing ${ELECTRODES_TABLE}/id`);
  const rowCount = idDs.shape?.[0] ?? 0;
  for (const r of region!)
    if (!Number.isInteger(r) || r < 0 || r >= rowCount)
      fail(`${seriesPath}/electrodes points at row ${r} of a ${rowCount}-row electrodes table`);
  const ids = numericValues(idDs)!;
  const col = <V>(
    name: string,
    read: (d: Dataset) => V[] | Float64Array | undefined,
  ): (V | number)[] | undefined => {
    const d = table.get(name);
    if (!isDataset(lib, d)) return undefined;
    const v = read(d);
    if (!v || v.length !== rowCount)
      fail(`${ELECTRODES_TABLE}/${name} holds ${v?.length ?? 0} values for ${rowCount} rows`);
    return Array.from(v as ArrayLike<V | number>);
  };
  const text = (name: string) => col(name, stringValues) as string[] | undefined;
  const nums = (name: string) => col(name, numericValues) as number[] | undefined;
  const groupName = text('group_name');
  const electrodeIdCol = text(CUSTOM_COLUMNS.electrodeId);
  const contactCol = nums(CUSTOM_COLUMNS.contactNumber);
  const depthCol = nums(CUSTOM_COLUMNS.depthMm);
  const labelCol = text(CUSTOM_COLUMNS.label);
  const locationCol = text('location');
  const impCol = nums('imp');
  const impPhaseCol = nums(CUSTOM_COLUMNS.impedancePhaseDeg);
  if (!electrodeIdCol && !groupName)
    warnings.push('electrodes table has neither electrode_id nor group_name');

  const electrodeOfRow = (row: number) => electrodeIdCol?.[row] ?? groupName?.[row] ?? 'electrode';
  // Fallback contact numbers: 1-based order of the rows within their electrode.
  const rankInElectrode = new Map<number, number>();
  const seen = new Map<string, number>();
  for (let row = 0; row < rowCount; row++) {
    const e = electrodeOfRow(row);
    const n = (seen.get(e) ?? 0) + 1;
    seen.set(e, n);
    rankInElectrode.set(row, n);
  }
  const channels: RecordingChannel[] = Array.from(region!, (r, index) => {
    const depth = depthCol?.[r];
    const contact = contactCol?.[r];
    const ch: RecordingChannel = {
      index,
      label: labelCol?.[r] ?? `${electrodeOfRow(r)}-${ids[r]}`,
      electrodeId: electrodeOfRow(r),
      contactNumber:
        contact !== undefined && Number.isInteger(contact) && contact >= 1
          ? contact
          : rankInElectrode.get(r)!,
    };
    if (depth !== undefined && Number.isFinite(depth)) ch.depthMm = depth;
    return ch;
  });

  // Samples, in one read, scaled to µV.
  const raw = dataDs.value;
  if (!ArrayBuffer.isView(raw) || (raw as unknown as ArrayLike<number>).length !== T * C)
    fail(`${seriesPath}/data could not be read as ${T} × ${C} numbers`);
  const src = raw as unknown as ArrayLike<number | bigint>;
  const dataUv = new Float32Array(T * C);
  const scale = new Float64Array(C);
  for (let c = 0; c < C; c++) scale[c] = (channelConversion?.[c] ?? 1) * conversion * 1e6;
  const offsetUv = offset * 1e6;
  for (let t = 0, i = 0; t < T; t++)
    for (let c = 0; c < C; c++, i++) dataUv[i] = Number(src[i]!) * scale[c]! + offsetUv;

  const recording: Recording = {
    sampleRateHz,
    channelCount: C,
    sampleCount: T,
    dataUv,
    channels,
    startTimeS,
  };
  validateRecording(recording, seriesPath);
  const result: NwbReadResult = {
    recording,
    locations: Array.from(region!, (r) => locationCol?.[r] ?? 'unknown'),
    seriesName,
    nwbVersion: nwbVersion!,
    warnings,
  };
  if (impCol) result.impedanceOhm = Array.from(region!, (r) => impCol[r]!);
  if (impPhaseCol) result.impedancePhaseDeg = Array.from(region!, (r) => impPhaseCol[r]!);
  const zt = acquisition.get(IMPEDANCE_TEST_SERIES);
  if (isGroup(lib, zt) && attrNumber(zt, IMPEDANCE_TEST_FREQUENCY_ATTR) !== undefined) {
    const current = nums(CUSTOM_COLUMNS.impedanceTestCurrentNa);
    if (!current)
      fail(
        `${ACQUISITION}/${IMPEDANCE_TEST_SERIES} without the ${CUSTOM_COLUMNS.impedanceTestCurrentNa} column`,
      );
    result.impedanceTest = readImpedanceTest(lib, zt, region!, current!, fail);
  }
  const identifier = file.get('identifier');
  if (isDataset(lib, identifier)) result.identifier = stringValues(identifier)?.[0];
  const start = file.get('session_start_time');
  if (isDataset(lib, start)) result.sessionStartTime = stringValues(start)?.[0];
  return result;
}

function readImpedanceTest(
  lib: H5Lib,
  es: Group,
  region: Float64Array,
  currentOfRow: number[],
  fail: (why: string) => never,
): ImpedanceTestSegment {
  const where = `${ACQUISITION}/${IMPEDANCE_TEST_SERIES}`;
  const data = es.get('data');
  const st = es.get('starting_time');
  const zRegion = es.get('electrodes');
  if (!isDataset(lib, data) || !isDataset(lib, st) || !isDataset(lib, zRegion))
    return fail(`${where} lacks data, starting_time or electrodes`);
  const C = region.length;
  const shape = data.shape ?? [];
  if (shape.length !== 2 || shape[1] !== C)
    fail(`${where}/data is ${shape.join(' × ')}, expected samples × ${C}`);
  const rows = numericValues(zRegion);
  if (!rows || rows.length !== C || rows.some((r, i) => r !== region[i]))
    fail(`${where}/electrodes must list the same rows as the recording`);
  const n = shape[0]!;
  const rate = attrNumber(st, 'rate');
  if (rate === undefined || !(rate > 0)) fail(`${where}/starting_time has no positive rate attribute`);
  const scale = (attrNumber(data, 'conversion') ?? 1) * 1e6;
  const offsetUv = (attrNumber(data, 'offset') ?? 0) * 1e6;
  const raw = data.value as unknown as ArrayLike<number>;
  if (!ArrayBuffer.isView(raw) || raw.length !== n * C)
    fail(`${where}/data could not be read as ${n} × ${C} numbers`);
  const dataUv = new Float32Array(n * C);
  for (let i = 0; i < n * C; i++) dataUv[i] = Number(raw[i]!) * scale + offsetUv;
  return {
    frequencyHz: attrNumber(es, IMPEDANCE_TEST_FREQUENCY_ATTR)!,
    sampleRateHz: rate!,
    channelCount: C,
    sampleCount: n,
    currentNa: Float64Array.from(region, (r) => currentOfRow[r]!),
    dataUv,
  };
}
