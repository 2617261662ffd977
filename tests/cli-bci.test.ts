/**
 * `neuroplan bci simulate` and `neuroplan bci check`, run as a user runs them (child processes). The expected
 * faults come from the simulator's ground truth (<name>.truth.json, written by `simulate`), the NWB structure
 * from h5py (packages/bci/test/fixtures/nwb_oracle.py), never from the checks themselves.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'apps', 'cli', 'bin', 'neuroplan.mjs');
const bciFixtures = join(root, 'packages', 'bci', 'test', 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'cli-bci-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI without blocking the test worker (vitest's RPC must keep running while the child works). */
function neuroplan(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { encoding: 'utf8', timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

interface CheckJson {
  file: string;
  format: string;
  sampleRateHz: number;
  channelCount: number;
  channels: {
    index: number;
    label: string;
    electrodeId: string;
    contactNumber: number;
    verdict: string;
    reasons: string[];
    noiseUv: number;
    spikeRateHz: number;
    impedanceKohm: number | null;
  }[];
  electrodes: { electrodeId: string; verdict: string; summary: string }[];
  warnings: string[];
}

interface Truth {
  sampleRateHz: number;
  sampleCount: number;
  channels: {
    index: number;
    fault: string;
    shortPartner?: number;
    impedanceKohm: number;
    inTissue: boolean;
  }[];
}

describe('neuroplan bci simulate → check', () => {
  const nwb = join(dir, 'sim.nwb');
  let truth: Truth;

  it('simulate writes a valid NWB file and the ground truth beside it', async () => {
    const r = await neuroplan([
      'bci',
      'simulate',
      '--channels',
      '24',
      '--seconds',
      '2',
      '--seed',
      '7',
      '--out',
      nwb,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as { nwbPath: string; truthPath: string; channelCount: number };
    expect(summary.truthPath).toBe(join(dir, 'sim.truth.json'));
    expect(summary.channelCount).toBe(24);
    truth = JSON.parse(readFileSync(summary.truthPath, 'utf8')) as Truth;
    expect(truth.channels).toHaveLength(24);
    const o = JSON.parse(
      execFileSync('/usr/bin/python3', [join(bciFixtures, 'nwb_oracle.py'), nwb], { encoding: 'utf8' }),
    ) as { errors: string[]; shape: number[]; rate: number; series: string[] };
    expect(o.errors).toEqual([]);
    expect(o.shape).toEqual([truth.sampleCount, 24]);
    expect(o.rate).toBe(30000);
    expect(o.series).toEqual(['ElectricalSeries', 'ImpedanceTest']);
  });

  it('check --json reports every channel and flags the faulty ones of the ground truth', async () => {
    const r = await neuroplan(['bci', 'check', nwb, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as CheckJson;
    expect(report.format).toBe('nwb');
    expect(report.channelCount).toBe(24);
    expect(report.channels.map((c) => c.index)).toEqual([...Array(24).keys()]);
    for (const c of report.channels) {
      expect(typeof c.verdict).toBe('string');
      expect(Array.isArray(c.reasons)).toBe(true);
      expect(Number.isFinite(c.noiseUv)).toBe(true);
      expect(Number.isFinite(c.spikeRateHz)).toBe(true);
      expect(c.impedanceKohm).not.toBeNull();
    }
    expect(new Set(report.electrodes.map((e) => e.electrodeId))).toEqual(new Set(['E1', 'E2']));
    const faulty = truth.channels.filter((c) => c.fault !== 'none');
    expect(faulty.length).toBeGreaterThan(0);
    for (const t of faulty) {
      const c = report.channels[t.index]!;
      expect(c.verdict, `channel ${t.index} (${t.fault})`).toBe(t.fault);
      expect(c.reasons.length).toBeGreaterThan(0);
    }
    // Impedances re-measured from the stored impedance test agree with the simulator's truth.
    for (const t of truth.channels)
      expect(report.channels[t.index]!.impedanceKohm! / t.impedanceKohm).toBeGreaterThan(0.9);
  });

  it('check prints a table without --json, and takes --k, --notch and --car', async () => {
    const r = await neuroplan(['bci', 'check', nwb, '--k', '4.5', '--notch', 'off', '--car']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/24 channels/);
    expect(r.stdout).toMatch(/electrode E1: /);
  });

  it('checks an Intan .rhd file, with the impedances its header stores', async () => {
    const rhd = join(bciFixtures, 'intan-v1.3.rhd');
    const r = await neuroplan(['bci', 'check', rhd, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as CheckJson;
    expect(report.format).toBe('intan-rhd');
    // Header values written by fixtures/make_rhd.py: 150 kΩ, 1.9 MΩ (float32), 12 kΩ.
    expect(report.channels.map((c) => c.impedanceKohm)).toEqual([150, Math.fround(1.9e6) / 1000, 12]);
    expect(report.channels.map((c) => c.label)).toEqual(['CA1-1', 'CA1-2', 'CA1-4']);
  });
});

describe('neuroplan bci errors', () => {
  const oneLine = (s: string) => s.trim().split('\n').length === 1 && !/\n\s+at /.test(s);

  it('bad files exit 1 with one line naming the file', async () => {
    const text = join(dir, 'text.nwb');
    writeFileSync(text, 'not HDF5 at all');
    const src = join(dir, 'sim.nwb');
    const whole = readFileSync(src);
    const truncated = join(dir, 'truncated.nwb');
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 3)));
    const noAcq = join(dir, 'no-acquisition.nwb');
    execFileSync('/usr/bin/python3', [join(bciFixtures, 'make_nwb.py'), dir]);
    const cutRhd = join(dir, 'cut.rhd');
    const rhd = readFileSync(join(bciFixtures, 'intan-v3.0.rhd'));
    writeFileSync(cutRhd, rhd.subarray(0, rhd.length - 7));
    const cases: [string, RegExp][] = [
      [text, /not a recording this program reads/],
      [truncated, /not a readable HDF5 file: truncated file/],
      [noAcq, /not an NWB file: missing \/acquisition/],
      [join(dir, 'no-data.nwb'), /missing \/acquisition\/wideband\/data/],
      [cutRhd, /truncated at byte \d+: data block 2/],
    ];
    const runs = await Promise.all(cases.map(([file]) => neuroplan(['bci', 'check', file, '--json'])));
    for (const [i, [file, reason]] of cases.entries()) {
      const r = runs[i]!;
      expect(r.status, file).toBe(1);
      expect(r.stdout).toBe('');
      expect(oneLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(reason);
    }
  });

  it('usage errors exit 2', async () => {
    const runs = await Promise.all([
      neuroplan(['bci', 'check', join(dir, 'sim.nwb'), '--notch', '55']),
      neuroplan(['bci', 'simulate', '--channels', '0', '--seconds', '1', '--out', join(dir, 'x.nwb')]),
      neuroplan(['bci', 'simulate', '--channels', '4', '--seconds', '1', '--out', join(dir, 'x.txt')]),
    ]);
    expect(runs.map((r) => r.status)).toEqual([2, 2, 2]);
    expect(runs[0]!.stderr).toMatch(/--notch must be 50, 60 or off/);
    expect(runs[2]!.stderr).toMatch(/--out must name an \.nwb file/);
  });
});
