/**
 * Open Ephys binary reader (the Open Ephys acquisition board records Intan headstages). Oracle:
 * fixtures/make_openephys.py writes a GUI-0.6 recording folder with numpy and prints the µV numpy computes.
 * Also: readRecordingFile's format detection on the committed Intan fixture.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOpenEphysBinary } from '../src/node/openEphys.ts';
import { readRecordingFile } from '../src/node/readRecording.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'bci-oe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const e = JSON.parse(
  execFileSync('/usr/bin/python3', [join(fixtures, 'make_openephys.py'), dir], { encoding: 'utf8' }),
) as {
  dir: string;
  folder: string;
  rate: number;
  first: number;
  names: string[];
  uvHeadstage: number[];
  uvAll: number[];
};

describe('Open Ephys binary reader', () => {
  it('reads the headstage channels in µV with the first sample time', () => {
    const r = readOpenEphysBinary(e.dir);
    expect(r.guiVersion).toBe('0.6.7');
    expect(r.stream).toBe(e.folder);
    expect(r.recording.sampleRateHz).toBe(e.rate);
    expect(r.recording.startTimeS).toBeCloseTo(e.first / e.rate, 12);
    expect(r.recording.channels.map((c) => c.label)).toEqual(e.names.slice(0, 3));
    expect(Array.from(r.recording.dataUv)).toEqual(e.uvHeadstage.map(Math.fround));
    const all = readOpenEphysBinary(join(e.dir, 'structure.oebin'), { allChannels: true });
    expect(Array.from(all.recording.dataUv)).toEqual(e.uvAll.map(Math.fround));
  });

  it('names the file and the reason for broken recordings', () => {
    const dat = join(e.dir, 'continuous', e.folder, 'continuous.dat');
    const size = readFileSync(dat).length;
    truncateSync(dat, size - 3);
    expect(() => readOpenEphysBinary(e.dir)).toThrow(
      `${dat}: truncated at byte ${size - 3}: not a whole number of 4-channel int16 frames (5 byte(s) left over)`,
    );
    const oebin = join(e.dir, 'structure.oebin');
    writeFileSync(oebin, '{"continuous": [');
    expect(() => readOpenEphysBinary(e.dir)).toThrow(new RegExp(`^${oebin}: not valid JSON`));
    expect(() => readOpenEphysBinary(join(dir, 'nowhere'))).toThrow(/nowhere: cannot read: ENOENT/);
  });
});

describe('readRecordingFile', () => {
  it('recognises an Intan file by its magic number and keeps its impedances', async () => {
    const r = await readRecordingFile(join(fixtures, 'intan-v1.3.rhd'));
    expect(r.format).toBe('intan-rhd');
    expect(r.recording.channelCount).toBe(3);
    expect(r.impedanceOhm).toEqual([150e3, Math.fround(1.9e6), 12e3]);
    expect(r.acquisitionNotchHz).toBe(50);
  });

  it('refuses files of no known format, naming them', async () => {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'just text');
    await expect(readRecordingFile(f)).rejects.toThrow(`${f}: not a recording this program reads`);
    await expect(readRecordingFile(join(dir, 'missing.nwb'))).rejects.toThrow(
      /missing\.nwb: cannot open: ENOENT/,
    );
  });
});
