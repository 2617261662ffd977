/**
 * `neuroplan case …` and `neuroplan replay`, run as a user runs them (child processes) on a bundle built from
 * real DICOM fixtures, a synthetic DICOM file and a recorded simulated case (packages/cases/test/makeBundle.ts).
 * Report numbers are checked against values computed independently: tracking-error statistics by numpy from the
 * errors the simulation published, target errors and durations from the simulation's construction.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapIndexedReader } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChunkedMcapWriter } from '../packages/cases/src/mcap/writer.ts';
import { FileWritable, fileReadable } from '../packages/cases/src/node/fileIo.ts';
import { makeBundle } from '../packages/cases/test/makeBundle.ts';
import { TRAJECTORIES, type SimResult } from '../packages/cases/test/simCase.ts';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'apps', 'cli', 'bin', 'neuroplan.mjs');

function neuroplan(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const json = <T>(r: { stdout: string }) => JSON.parse(r.stdout) as T;

let dir: string;
let bundle: string;
let sim: SimResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-case-'));
  ({ bundle, sim } = await makeBundle(dir));
  return () => rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('neuroplan case verify', () => {
  it('accepts an intact bundle and names each missing, extra and altered file', () => {
    let r = neuroplan(['case', 'verify', bundle, '--json']);
    expect(r.status).toBe(0);
    expect(json<{ ok: boolean; checked: number }>(r)).toMatchObject({ ok: true, checked: 5 });

    const bad = join(dir, 'bad-bundle');
    cpSync(bundle, bad, { recursive: true });
    appendFileSync(join(bad, 'plan.json'), ' ');
    rmSync(join(bad, 'imaging', 'imaging', 'MR_small.dcm'));
    writeFileSync(join(bad, 'imaging', 'notes.txt'), 'not in the manifest');
    r = neuroplan(['case', 'verify', bad, '--json']);
    expect(r.status).toBe(1);
    const v = json<{ ok: boolean; problems: Array<{ kind: string; path: string }> }>(r);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'missing', path: 'imaging/imaging/MR_small.dcm' }),
        expect.objectContaining({ kind: 'extra', path: 'imaging/notes.txt' }),
        expect.objectContaining({ kind: 'hash_mismatch', path: 'plan.json' }),
      ]),
    );
    r = neuroplan(['case', 'verify', bad]);
    expect(r.stdout).toMatch(/MR_small\.dcm is listed in the manifest but missing/);
    expect(neuroplan(['case', 'verify', join(dir, 'nowhere')]).status).toBe(1);
  });
});

describe('neuroplan case bundle', () => {
  it('makes a bundle whose manifest verifies; an existing non-empty folder is refused', () => {
    const out = join(dir, 'bundle-cli');
    const w = join(dir, 'work');
    const args = [
      'case',
      'bundle',
      '--case-id',
      'C1',
      '--imaging',
      join(w, 'imaging'),
      '--plan',
      join(w, 'plan.json'),
    ];
    let r = neuroplan([...args, '--recording', join(w, 'recording.mcap'), '--out', out, '--json']);
    expect(r.status).toBe(0);
    const m = json<{ caseId: string; files: Array<{ path: string; role: string; sha256: string }> }>(r);
    expect(m.caseId).toBe('C1');
    expect(m.files.map((f) => f.role).sort()).toEqual(['imaging', 'imaging', 'imaging', 'plan', 'recording']);
    // SHA-256 of the plan by coreutils' sha256sum (not our manifest code)
    const sha = execFileSync('/usr/bin/sha256sum', [join(out, 'plan.json')], { encoding: 'utf8' }).split(
      ' ',
    )[0];
    expect(m.files.find((f) => f.path === 'plan.json')!.sha256).toBe(sha);
    expect(neuroplan(['case', 'verify', out]).status).toBe(0);
    r = neuroplan([...args, '--recording', join(w, 'recording.mcap'), '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/exists and is not empty/);
    expect(neuroplan(['case', 'bundle', '--case-id', 'C1']).status).toBe(2);
  });
});

describe('neuroplan case recover', () => {
  it('rebuilds the index of a truncated recording and reports the cut', async () => {
    const cut = join(dir, 'cut.mcap');
    const full = readFileSync(join(bundle, 'recording.mcap'));
    writeFileSync(cut, full.subarray(0, Math.floor(full.byteLength * 0.6)));
    expect(neuroplan(['replay', cut, '--report', join(dir, 'r0')]).status).toBe(1); // not indexed: refused, with advice
    const r = neuroplan(['case', 'recover', cut, '--out', join(dir, 'fixed.mcap'), '--json']);
    expect(r.status).toBe(0);
    const rep = json<{ messageCount: number; validBytes: number; fileBytes: number; wasComplete: boolean }>(
      r,
    );
    expect(rep.wasComplete).toBe(false);
    expect(rep.fileBytes).toBe(Math.floor(full.byteLength * 0.6));
    expect(rep.messageCount).toBeGreaterThan(500);
    const src = fileReadable(join(dir, 'fixed.mcap'));
    try {
      const reader = await McapIndexedReader.Initialize({
        readable: src,
        decompressHandlers: await loadDecompressHandlers(),
      });
      expect(Number(reader.statistics!.messageCount)).toBe(rep.messageCount);
    } finally {
      src.close();
    }
    const r2 = neuroplan(['case', 'recover', join(bundle, 'plan.json'), '--out', join(dir, 'nothing.mcap')]);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/plan\.json: not an MCAP file/);
  });
});

/** Copies a recording, altering the actor of audit entry `seq` (a forger editing the file). */
async function tamperAudit(from: string, to: string, seq: number): Promise<void> {
  const src = fileReadable(from);
  const out = new FileWritable(to);
  try {
    const reader = await McapIndexedReader.Initialize({
      readable: src,
      decompressHandlers: await loadDecompressHandlers(),
    });
    const w = new ChunkedMcapWriter({ writable: out });
    await w.start(reader.header);
    for await (const m of reader.readMetadata()) await w.addMetadata(m);
    const ids = new Map<number, number>();
    for (const ch of reader.channelsById.values()) {
      const s = reader.schemasById.get(ch.schemaId)!;
      const schemaId = await w.registerSchema({ name: s.name, encoding: s.encoding, data: s.data });
      ids.set(ch.id, await w.registerChannel({ ...ch, schemaId }));
    }
    const audit = [...reader.channelsById.values()].find((c) => c.topic === '/audit')!.id;
    for await (const m of reader.readMessages()) {
      let data = m.data;
      if (m.channelId === audit) {
        const e = JSON.parse(new TextDecoder().decode(data));
        if (e.seq === seq) data = new TextEncoder().encode(JSON.stringify({ ...e, actor: 'Mallory' }));
      }
      await w.addMessage({ ...m, channelId: ids.get(m.channelId)!, data });
    }
    await w.end();
  } finally {
    src.close();
    out.close();
  }
}

describe('neuroplan case audit', () => {
  it('passes an intact chain and names a tampered entry', async () => {
    let r = neuroplan(['case', 'audit', bundle]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/audit chain intact \(10 entries, head matches\)/);
    const bad = join(dir, 'tampered.mcap');
    await tamperAudit(join(bundle, 'recording.mcap'), bad, 4);
    r = neuroplan(['case', 'audit', bad, '--json']);
    expect(r.status).toBe(1);
    const v = json<{ ok: boolean; problems: Array<{ seq: number; reason: string }> }>(r);
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0]!.seq).toBe(4);
    expect(v.problems[0]!.reason).toMatch(/Mallory.*altered/);
  }, 30_000);
});

describe('neuroplan case deidentify', () => {
  it('exports a verifiable de-identified bundle; bad arguments are usage errors', () => {
    const out = join(dir, 'deid');
    let r = neuroplan([
      'case',
      'deidentify',
      bundle,
      '--out',
      out,
      '--date-shift-days',
      '-30',
      '--seed',
      'k',
      '--json',
    ]);
    expect(r.status).toBe(0);
    expect(json<{ dicomFiles: number; operatorsPseudonymised: number }>(r)).toMatchObject({
      dicomFiles: 3,
      operatorsPseudonymised: 2,
    });
    expect(neuroplan(['case', 'verify', out]).status).toBe(0);
    r = neuroplan(['case', 'deidentify', bundle, '--out', join(dir, 'x'), '--date-shift-days', '1.5']);
    expect(r.status).toBe(2);
    expect(neuroplan(['case', 'deidentify', bundle, '--out', out]).status).toBe(1); // output not empty
  });
});

describe('neuroplan replay --report', () => {
  it('writes a report whose numbers equal independently computed ones', () => {
    const reportDir = join(dir, 'report');
    const r = neuroplan(['replay', bundle, '--report', reportDir, '--json']);
    expect(r.status).toBe(0);
    const rep = json<{
      electrodes: Array<{
        trajectoryId: string;
        electrodeId: string;
        targetErrorMm: number;
        insertionDurationS: number;
        trackingError: { samples: number; rmsUm: number; p95Um: number; maxUm: number };
        bciYield: { ok: number; total: number };
      }>;
      trackingError: { samples: number; rmsUm: number; p95Um: number; maxUm: number };
      safetyEvents: Array<{ kind: string }>;
    }>(r);
    // numpy oracle over the errors the simulation published during `inserting`
    const errs = Object.fromEntries(TRAJECTORIES.map((t) => [t.id, sim.trackingErrors.get(t.id)!]));
    const oracle = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          '-c',
          `import json,sys,numpy as np
d=json.load(sys.stdin)
st=lambda a:{"samples":len(a),"rms":float(np.sqrt(np.mean(np.square(a)))),"p95":float(np.percentile(a,95)),"max":float(np.max(a))}
print(json.dumps({**{k:st(np.array(v)) for k,v in d.items()},"all":st(np.concatenate([np.array(v) for v in d.values()]))}))`,
        ],
        { input: JSON.stringify(errs), encoding: 'utf8' },
      ),
    ) as Record<string, { samples: number; rms: number; p95: number; max: number }>;
    expect(rep.electrodes.map((e) => e.trajectoryId)).toEqual(['T1', 'T2']);
    for (const t of TRAJECTORIES) {
      const e = rep.electrodes.find((x) => x.trajectoryId === t.id)!;
      const o = oracle[t.id]!;
      expect(e.trackingError.samples).toBe(o.samples);
      expect(e.trackingError.rmsUm).toBeCloseTo(o.rms, 9);
      expect(e.trackingError.p95Um).toBeCloseTo(o.p95, 9);
      expect(e.trackingError.maxUm).toBeCloseTo(o.max, 9);
      // by construction the tip ends at target + tipEndOffsetMm; insertion runs from insertStartMs to doneMs
      expect(e.targetErrorMm).toBeCloseTo(Math.hypot(...t.tipEndOffsetMm), 6);
      expect(e.insertionDurationS).toBeCloseTo((t.doneMs - t.insertStartMs) / 1000, 9);
      expect(e.electrodeId).toBe(t.electrodeId);
    }
    expect(rep.trackingError.rmsUm).toBeCloseTo(oracle.all!.rms, 9);
    expect(rep.trackingError.p95Um).toBeCloseTo(oracle.all!.p95, 9);
    // the simulation's last BCI summary: E1 has 7 of 8 channels ok, E2 5 of 8
    const y = (e: string) => sim.lastBci.filter((c) => c.electrode_id === e);
    expect(rep.electrodes[0]!.bciYield).toEqual({
      ok: y('E1').filter((c) => c.verdict === 'ok').length,
      total: 8,
    });
    expect(rep.electrodes[1]!.bciYield).toEqual({ ok: 5, total: 8 });
    expect(rep.safetyEvents.map((e) => e.kind)).toEqual(['estop', 'reset']);
    const md = readFileSync(join(reportDir, 'report.md'), 'utf8');
    expect(md).toContain('![Tracking error](tracking-error.svg)');
    expect(md).toContain(`| T1 | E1 |`);
    for (const svg of ['tracking-error.svg', 'depth.svg']) {
      const text = readFileSync(join(reportDir, svg), 'utf8');
      // well-formed XML with one polyline per trajectory (checked by python's XML parser)
      const n = execFileSync(
        '/usr/bin/python3',
        [
          '-c',
          `import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print(len(r.findall('{http://www.w3.org/2000/svg}polyline')))`,
          join(reportDir, svg),
        ],
        { encoding: 'utf8' },
      );
      expect(Number(n)).toBe(2);
      expect(statSync(join(reportDir, svg)).size).toBeGreaterThan(1000);
      expect(text.startsWith('<svg')).toBe(true);
    }
  });

  it('is a usage error without --report', () => {
    expect(neuroplan(['replay', bundle]).status).toBe(2);
  });
});
