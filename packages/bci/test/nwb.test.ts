/**
 * NWB read/write. Oracles: h5py + numpy (Debian python3-h5py), independent of h5wasm:
 * - fixtures/nwb_oracle.py opens the files we write, checks the NWB 2.x structure (required attributes,
 *   datasets, groups, links, object references, DynamicTable/DynamicTableRegion) and recomputes per-channel
 *   sums of the stored samples in µV, which we compare with sums of the recording we wrote;
 * - fixtures/make_nwb.py writes NWB-layout files with h5py (int16 + conversion + offset + channel_conversion,
 *   timestamps, permuted electrodes region) and prints the µV numpy computes, which our reader must return.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNwbBytes, writeNwbBytes } from '../src/nwb/bytes.ts';
import { readNwbFile, truthPathFor, writeNwbFile } from '../src/node/nwb.ts';
import type { Recording, RecordingChannel } from '../src/recording.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'bci-nwb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface OracleReport {
  errors: string[];
  nwb_version: string;
  shape: number[];
  dtype: string;
  unit: string;
  conversion: number;
  rate: number;
  start: number;
  region: number[];
  ids: number[];
  colnames: string[];
  columns: Record<string, (string | number | null)[]>;
  sum_uv: number[];
  sumsq_uv: number[];
  first_row_uv: number[];
  last_row_uv: number[];
  session_start_time: string;
  series: string[];
}

const oracle = (file: string) =>
  JSON.parse(
    execFileSync('/usr/bin/python3', [join(fixtures, 'nwb_oracle.py'), file], { encoding: 'utf8' }),
  ) as OracleReport;

/** A small deterministic recording: 3 electrodes with 3 + 2 + 2 contacts, irregular values, known depths. */
function makeRecording(T = 1500, rate = 30000): Recording {
  const channels: RecordingChannel[] = [];
  const layout: [string, number][] = [
    ['T1', 3],
    ['T2/b', 2],
    ['electrodes', 2], // collides with the table's name: must still get its own group
  ];
  for (const [electrodeId, n] of layout)
    for (let k = 1; k <= n; k++) {
      const ch: RecordingChannel = {
        index: channels.length,
        label: `${electrodeId}-${k}`,
        electrodeId,
        contactNumber: k,
      };
      if (electrodeId !== 'T2/b') ch.depthMm = 40 - 3.5 * (k - 1);
      channels.push(ch);
    }
  const C = channels.length;
  const dataUv = new Float32Array(T * C);
  let s = 12345;
  for (let i = 0; i < dataUv.length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    dataUv[i] = (s / 2 ** 31 - 0.5) * 400 + (i % C) * 10;
  }
  return { sampleRateHz: rate, channelCount: C, sampleCount: T, dataUv, channels, startTimeS: 2.25 };
}

function columnSums(rec: Recording) {
  const sum = new Array<number>(rec.channelCount).fill(0);
  const sumsq = new Array<number>(rec.channelCount).fill(0);
  for (let t = 0; t < rec.sampleCount; t++)
    for (let c = 0; c < rec.channelCount; c++) {
      const v = rec.dataUv[t * rec.channelCount + c]!;
      sum[c]! += v;
      sumsq[c]! += v * v;
    }
  return { sum, sumsq };
}

describe('NWB writer, checked by h5py', () => {
  const rec = makeRecording();
  const impedanceOhm = [120e3, 95e3, 2.1e6, 130e3, 8e3, 110e3, 140e3];
  const file = join(dir, 'float.nwb');
  const start = new Date('2026-11-25T04:00:00.000Z');

  it('writes a valid NWB 2.x ElectricalSeries with the recording, channel map and impedances', async () => {
    await writeNwbFile(file, rec, {
      sessionStartTime: start,
      impedanceOhm,
      impedancePhaseDeg: impedanceOhm.map((_, i) => -70 + i),
      locations: { T1: 'hippocampus' },
      identifier: 'session-1',
    });
    const o = oracle(file);
    expect(o.errors).toEqual([]);
    expect(o.nwb_version).toBe('2.7.0');
    expect(new Date(o.session_start_time).getTime()).toBe(start.getTime());
    expect(o.shape).toEqual([rec.sampleCount, rec.channelCount]);
    expect(o.dtype).toBe('<f4');
    expect(o.unit).toBe('volts');
    expect(o.rate).toBe(30000);
    expect(o.start).toBe(2.25);
    expect(o.region).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(o.colnames).toEqual(
      expect.arrayContaining([
        'location',
        'group',
        'group_name',
        'imp',
        'electrode_id',
        'contact_number',
        'depth_mm',
        'label',
      ]),
    );
    expect(o.columns.electrode_id).toEqual(rec.channels.map((c) => c.electrodeId));
    expect(o.columns.contact_number).toEqual(rec.channels.map((c) => c.contactNumber));
    expect(o.columns.depth_mm).toEqual(rec.channels.map((c) => c.depthMm ?? null));
    expect(o.columns.label).toEqual(rec.channels.map((c) => c.label));
    expect(o.columns.imp).toEqual(impedanceOhm);
    expect(o.columns.imp_phase_deg).toEqual(impedanceOhm.map((_, i) => -70 + i));
    expect(o.columns.location).toEqual(
      rec.channels.map((c) => (c.electrodeId === 'T1' ? 'hippocampus' : 'unknown')),
    );
    // Three distinct ElectrodeGroups, one per electrode, whatever their ids look like.
    expect(new Set(o.columns.group).size).toBe(3);
    const { sum, sumsq } = columnSums(rec);
    o.sum_uv.forEach((v, c) => expect(v).toBeCloseTo(sum[c]!, 3));
    o.sumsq_uv.forEach((v, c) => expect(v / sumsq[c]!).toBeCloseTo(1, 9));
    expect(o.first_row_uv.map(Math.fround)).toEqual(Array.from(rec.dataUv.subarray(0, rec.channelCount)));
  });

  it('reads its own file back exactly', async () => {
    const back = await readNwbFile(file);
    expect(back.recording.dataUv).toEqual(rec.dataUv);
    expect(back.recording.channels).toEqual(rec.channels);
    expect(back.recording.sampleRateHz).toBe(30000);
    expect(back.recording.startTimeS).toBe(2.25);
    expect(back.impedanceOhm).toEqual(impedanceOhm);
    expect(back.impedancePhaseDeg).toEqual(impedanceOhm.map((_, i) => -70 + i));
    expect(back.identifier).toBe('session-1');
    expect(back.seriesName).toBe('ElectricalSeries');
    expect(back.warnings).toEqual([]);
  });

  it('int16 encoding quantises to the given step, with gzip compression', async () => {
    const f16 = join(dir, 'int16.nwb');
    await writeNwbFile(f16, rec, { encoding: { kind: 'int16', uvPerCount: 0.195 }, compressionLevel: 4 });
    const o = oracle(f16);
    expect(o.errors).toEqual([]);
    expect(o.dtype).toBe('<i2');
    expect(o.conversion).toBeCloseTo(0.195e-6, 15);
    const back = await readNwbFile(f16);
    let worst = 0;
    rec.dataUv.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - back.recording.dataUv[i]!))));
    expect(worst).toBeLessThanOrEqual(0.195 / 2 + 1e-4);
    expect(worst).toBeGreaterThan(0); // it really is quantised
    // h5py's sums of the int16 counts × conversion match ours.
    const ours = columnSums(back.recording);
    o.sum_uv.forEach((v, c) => expect(v).toBeCloseTo(ours.sum[c]!, 1));
  });

  it('keeps the ground truth beside the file', async () => {
    const f = join(dir, 'sim.nwb');
    const truth = { faulty: [{ channel: 2, fault: 'open' }] };
    const written = await writeNwbFile(f, makeRecording(200), { truth });
    expect(written.truthPath).toBe(join(dir, 'sim.truth.json'));
    expect(truthPathFor('/a/b/x.NWB')).toBe('/a/b/x.truth.json');
    expect(JSON.parse(readFileSync(written.truthPath!, 'utf8'))).toEqual(truth);
  });

  it('keeps the raw impedance test as a second series the reader returns (and does not take for the data)', async () => {
    const small = makeRecording(400, 20000);
    const C = small.channelCount;
    const n = 4000;
    const zData = new Float32Array(n * C);
    for (let t = 0; t < n; t++)
      for (let c = 0; c < C; c++)
        zData[t * C + c] = (100 + 10 * c) * Math.sin((2 * Math.PI * 1000 * t) / 20000 + c);
    const impedanceTest = {
      frequencyHz: 1000,
      sampleRateHz: 20000,
      channelCount: C,
      sampleCount: n,
      currentNa: Float64Array.from({ length: C }, (_, c) => 3.85 / (c + 1)),
      dataUv: zData,
    };
    const f = join(dir, 'ztest.nwb');
    await writeNwbFile(f, small, { impedanceTest });
    const o = oracle(f);
    expect(o.errors).toEqual([]);
    expect(o.series).toEqual(['ElectricalSeries', 'ImpedanceTest']);
    expect(o.columns.imp_test_current_na).toEqual(Array.from(impedanceTest.currentNa));
    const back = await readNwbFile(f);
    expect(back.seriesName).toBe('ElectricalSeries');
    expect(back.warnings).toEqual([]);
    expect(back.recording.dataUv).toEqual(small.dataUv);
    expect(back.impedanceTest).toEqual(impedanceTest);
  });

  it('round-trips through bytes with the browser build of h5wasm', async () => {
    const small = makeRecording(300, 20000);
    const bytes = await writeNwbBytes(small, { sessionStartTime: start });
    expect(Array.from(bytes.subarray(1, 4), (b) => String.fromCharCode(b)).join('')).toBe('HDF');
    const f = join(dir, 'bytes.nwb');
    writeFileSync(f, bytes);
    expect(oracle(f).errors).toEqual([]);
    const back = await readNwbBytes(bytes, 'bytes.nwb');
    expect(back.recording.dataUv).toEqual(small.dataUv);
    expect(back.recording.channels).toEqual(small.channels);
  });
});

describe('NWB reader on files written by h5py', () => {
  const expected = JSON.parse(
    execFileSync('/usr/bin/python3', [join(fixtures, 'make_nwb.py'), dir], { encoding: 'utf8' }),
  ) as {
    sampleCount: number;
    channelCount: number;
    rate: number;
    start: number;
    uv: number[];
    electrodeOfChannel: string[];
    idOfChannel: number[];
    locationOfChannel: string[];
    impOfChannel: number[];
  };

  it('applies conversion, offset and channel_conversion, timestamps and the region permutation', async () => {
    const r = await readNwbFile(join(dir, 'h5py.nwb'));
    const rec = r.recording;
    expect(rec.sampleCount).toBe(expected.sampleCount);
    expect(rec.channelCount).toBe(expected.channelCount);
    expect(rec.sampleRateHz).toBeCloseTo(expected.rate, 6);
    expect(rec.startTimeS).toBe(expected.start);
    let worst = 0;
    expected.uv.forEach(
      (v, i) => (worst = Math.max(worst, Math.abs(v - rec.dataUv[i]!) / Math.max(1, Math.abs(v)))),
    );
    expect(worst).toBeLessThan(1e-6); // float32 rounding of µV
    expect(rec.channels.map((c) => c.electrodeId)).toEqual(expected.electrodeOfChannel);
    // No contact_number column: contacts are numbered by row order within each electrode (our documented rule).
    expect(rec.channels.map((c) => c.contactNumber)).toEqual([1, 1, 2]);
    expect(rec.channels.map((c) => c.label)).toEqual(
      expected.electrodeOfChannel.map((e, i) => `${e}-${expected.idOfChannel[i]}`),
    );
    expect(rec.channels.every((c) => c.depthMm === undefined)).toBe(true);
    expect(r.locations).toEqual(expected.locationOfChannel);
    expect(r.impedanceOhm).toEqual(expected.impOfChannel);
    expect(r.nwbVersion).toBe('2.6.0');
    expect(r.seriesName).toBe('wideband');
  });

  it('names the file and the reason for files that are not usable NWB', async () => {
    const notHdf5 = join(dir, 'text.nwb');
    writeFileSync(notHdf5, 'hello, this is not HDF5\n');
    await expect(readNwbFile(notHdf5)).rejects.toThrow(`${notHdf5}: not an NWB file: no HDF5 signature`);

    const whole = readFileSync(join(dir, 'h5py.nwb'));
    const truncated = join(dir, 'truncated.nwb');
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(readNwbFile(truncated)).rejects.toThrow(
      new RegExp(`^${truncated}: not a readable HDF5 file: truncated file`),
    );

    const noAcq = join(dir, 'no-acquisition.nwb');
    await expect(readNwbFile(noAcq)).rejects.toThrow(`${noAcq}: not an NWB file: missing /acquisition`);
    const noData = join(dir, 'no-data.nwb');
    await expect(readNwbFile(noData)).rejects.toThrow(`${noData}: missing /acquisition/wideband/data`);
    const missing = join(dir, 'does-not-exist.nwb');
    await expect(readNwbFile(missing)).rejects.toThrow(`${missing}: cannot open: ENOENT`);
    expect(existsSync(missing)).toBe(false);
    await expect(readNwbFile(join(dir, 'h5py.nwb'), { series: 'lfp' })).rejects.toThrow(
      /no ElectricalSeries "lfp" in \/acquisition \(found: wideband\)/,
    );
    await expect(readNwbFile(join(dir, 'h5py.nwb'), { maxValues: 1000 })).rejects.toThrow(
      /holds 500 × 3 values, more than the 1000/,
    );
  });
});
