/**
 * Intan RHD reader. Oracle: fixtures/make_rhd.py writes RHD files with Python's struct module following Intan's
 * file-format note (v1.0: uint32 timestamps, no temperature/eval-board fields; v1.3: 60-sample blocks with every
 * auxiliary stream, a disabled channel and a disabled port; v3.0: 128-sample blocks, reference channel, a
 * timestamp gap) and prints the header values and amplifier µV numpy computes. The three files are also
 * committed in fixtures/ (the test checks the script still makes them byte for byte).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRhd, parseRhdHeader } from '../src/intan/rhd.ts';
import { readRhdFile } from '../src/node/intan.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'bci-rhd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Expected {
  file: string;
  version: [number, number];
  sampleRateHz: number;
  notchFilterHz: number;
  notes: string[];
  temperatureSensorCount: number;
  evalBoardMode: number;
  referenceChannel: string;
  samplesPerBlock: number;
  headerBytes: number;
  blockCount: number;
  fileBytes: number;
  counts: Record<string, number>;
  amplifierNames: string[];
  amplifierPorts: string[];
  impedanceOhm: number[];
  impedancePhaseDeg: number[];
  timestamps: number[];
  uv: number[];
}

const expected = JSON.parse(
  execFileSync('/usr/bin/python3', [join(fixtures, 'make_rhd.py'), dir], { encoding: 'utf8' }),
) as Expected[];

describe('Intan RHD reader against files written by Python struct', () => {
  for (const e of expected) {
    it(`${e.file}: header, channel list, impedances, timestamps and µV`, () => {
      const r = readRhdFile(join(dir, e.file));
      const h = r.header;
      expect([h.version.major, h.version.minor]).toEqual(e.version);
      expect(h.sampleRateHz).toBe(e.sampleRateHz);
      expect(h.notchFilterHz).toBe(e.notchFilterHz);
      expect(h.notes).toEqual(e.notes);
      expect(h.temperatureSensorCount).toBe(e.temperatureSensorCount);
      expect(h.evalBoardMode).toBe(e.evalBoardMode);
      expect(h.referenceChannel).toBe(e.referenceChannel);
      expect(h.samplesPerBlock).toBe(e.samplesPerBlock);
      expect(h.headerBytes).toBe(e.headerBytes);
      expect(h.blockCount).toBe(e.blockCount);
      expect(h.actualUpperBandwidthHz).toBe(7500);
      expect(h.desiredImpedanceTestHz).toBe(1000);
      expect(Object.fromEntries(Object.entries(h.channels).map(([k, v]) => [k, v.length]))).toEqual(e.counts);
      const rec = r.recording;
      expect(rec.sampleRateHz).toBe(e.sampleRateHz);
      expect(rec.sampleCount).toBe(e.blockCount * e.samplesPerBlock);
      expect(rec.channels.map((c) => c.label)).toEqual(e.amplifierNames);
      expect(rec.channels.map((c) => c.electrodeId)).toEqual(e.amplifierPorts);
      expect(r.impedanceOhm).toEqual(e.impedanceOhm);
      expect(r.impedancePhaseDeg).toEqual(e.impedancePhaseDeg);
      expect(Array.from(r.timestamps)).toEqual(e.timestamps);
      expect(rec.startTimeS).toBeCloseTo(e.timestamps[0]! / e.sampleRateHz, 12);
      expect(Array.from(rec.dataUv)).toEqual(e.uv.map(Math.fround));
    });
  }

  it('numbers contacts per port and accepts a channel map', () => {
    const r = readRhdFile(join(dir, 'intan-v3.0.rhd'));
    expect(r.recording.channels.map((c) => `${c.electrodeId}:${c.contactNumber}`)).toEqual([
      'A:1',
      'A:2',
      'C:1',
      'C:2',
      'C:3',
    ]);
    expect(r.warnings).toEqual(['1 timestamp discontinuity (first at sample 200)']);
    const mapped = readRhdFile(join(dir, 'intan-v3.0.rhd'), {
      channelMap: (ch, i) => ({ electrodeId: 'SEEG-1', contactNumber: 5 - i, depthMm: 30 + i * 3.5 }),
    });
    expect(mapped.recording.channels[4]).toEqual({
      index: 4,
      label: 'C-002',
      electrodeId: 'SEEG-1',
      contactNumber: 1,
      depthMm: 44,
    });
  });

  it('the committed fixtures are what the script makes', () => {
    for (const e of expected)
      expect(readFileSync(join(fixtures, e.file)).equals(readFileSync(join(dir, e.file))), e.file).toBe(true);
  });
});

describe('Intan RHD reader on bad files', () => {
  const whole = readFileSync(join(fixtures, 'intan-v1.3.rhd'));
  const e13 = expected.find((e) => e.file === 'intan-v1.3.rhd')!;

  it('names the file and the byte offset when the data or the header is cut short', () => {
    const cut = join(dir, 'cut-data.rhd');
    writeFileSync(cut, whole.subarray(0, whole.length - 100));
    const blockBytes = (e13.fileBytes - e13.headerBytes) / e13.blockCount;
    expect(() => readRhdFile(cut)).toThrow(
      `${cut}: truncated at byte ${whole.length - 100}: data block 3 (from byte ${e13.headerBytes + 2 * blockBytes}) holds ${blockBytes - 100} of its ${blockBytes} bytes`,
    );
    const cutHeader = join(dir, 'cut-header.rhd');
    writeFileSync(cutHeader, whole.subarray(0, 150));
    expect(() => readRhdFile(cutHeader)).toThrow(
      new RegExp(`^${cutHeader}: truncated at byte 150: the header needs`),
    );
    expect(() => parseRhdHeader(whole.subarray(0, 3), 'x.rhd')).toThrow(
      'x.rhd: truncated at byte 3: the header needs 1 more byte(s) for the magic number (at byte 0)',
    );
  });

  it('refuses other files, absurd string lengths and empty recordings', () => {
    expect(() => parseRhd(new TextEncoder().encode('not an intan file at all'), 'a.rhd')).toThrow(
      /^a\.rhd: not an Intan RHD file: magic number 0x/,
    );
    const badString = Uint8Array.from(whole);
    // note 1's length field follows the 48 bytes of fixed fields: make it claim 2 GB.
    new DataView(badString.buffer).setUint32(48, 0x7ffffffe, true);
    expect(() => parseRhd(badString, 'b.rhd')).toThrow(
      /^b\.rhd: truncated at byte \d+: the header needs \d+ more byte\(s\) for note 1 \(at byte 52\)/,
    );
    expect(() => parseRhd(whole.subarray(0, e13.headerBytes), 'c.rhd')).toThrow(
      'c.rhd: the file holds a header but no data blocks',
    );
    expect(() => readRhdFile(join(dir, 'missing.rhd'))).toThrow(
      `${join(dir, 'missing.rhd')}: cannot read: ENOENT`,
    );
    expect(() => parseRhd(whole, 'd.rhd', { maxValues: 100 })).toThrow(/more than the 100 values/);
  });
});
