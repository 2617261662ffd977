/**
 * `neuroplan register <fixed> <moving> --json`, run as a user runs it (a child process). The truth is
 * the rigid transform that packages/imaging/test/registration-oracle.py (numpy/scipy/nibabel) drew and
 * applied to the brain T1 fixture, never our own output.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'apps', 'cli', 'bin', 'neuroplan.mjs');
const nifti = join(root, 'packages', 'imaging', 'test', 'fixtures', 'nifti');
const brain = join(nifti, 'brain-t1.nii.gz');
const work = mkdtempSync(join(tmpdir(), 'np-cli-register-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function neuroplan(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const moved = join(work, 'moved.nii.gz');
let truth: number[];
let corners: [number, number, number][];
beforeAll(() => {
  const out = JSON.parse(
    execFileSync(
      '/usr/bin/python3',
      [
        join(root, 'packages', 'imaging', 'test', 'registration-oracle.py'),
        'move',
        brain,
        moved,
        '7',
        join(nifti, 'brain-t1-skullstrip-mask.nii.gz'),
      ],
      { encoding: 'utf8' },
    ),
  ) as { movingToFixedLps: number[]; pointsLps: [number, number, number][] };
  truth = out.movingToFixedLps;
  corners = out.pointsLps;
});

const apply = (m: number[], p: number[]) =>
  [0, 1, 2].map((r) => m[r * 4]! * p[0]! + m[r * 4 + 1]! * p[1]! + m[r * 4 + 2]! * p[2]! + m[r * 4 + 3]!);
/** Inverse of a rigid row-major 4×4. */
const invertRigid = (m: number[]) => {
  const out = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[i * 4 + j] = m[j * 4 + i]!;
    out[i * 4 + 3] = -(m[i]! * m[3]! + m[4 + i]! * m[7]! + m[8 + i]! * m[11]!);
  }
  return out;
};

describe('neuroplan register', () => {
  it('prints the moving → fixed transform of a known rigid motion within 0.5 mm and 0.5°', () => {
    const r = neuroplan(['register', brain, moved, '--json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>; // exactly one JSON object on stdout
    const m = json['movingToFixedLps'] as number[];
    expect(m).toHaveLength(16);
    expect(m.slice(12)).toEqual([0, 0, 0, 1]);
    for (const key of ['metric', 'iterations', 'seconds', 'initialMetric'])
      expect(Number.isFinite(json[key] as number)).toBe(true);
    expect(json['metric'] as number).toBeLessThan(json['initialMetric'] as number);
    const back = invertRigid(truth);
    for (const q of corners) {
      const e = apply(m, apply(back, q));
      expect(Math.hypot(e[0]! - q[0], e[1]! - q[1], e[2]! - q[2])).toBeLessThanOrEqual(0.5);
    }
    let trace = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) trace += m[i * 4 + j]! * truth[i * 4 + j]!;
    expect((Math.acos(Math.min(1, (trace - 1) / 2)) * 180) / Math.PI).toBeLessThanOrEqual(0.5);
  });

  it('refuses a folder that gives several volumes unless --fixed-index picks one', () => {
    const several = neuroplan(['register', nifti, moved, '--json']);
    expect(several.status).toBe(1);
    expect(several.stdout).toBe('');
    expect(several.stderr).toContain(`${nifti}: gives 2 volumes`);
    expect(several.stderr).toContain('--fixed-index');
    // The message lists the volumes; pick the T1 (not the mask) by its index.
    const index = /(\d+): MR [^;]*brain-t1\.nii\.gz/.exec(several.stderr)?.[1];
    expect(index).toBeDefined();
    const picked = neuroplan(['register', nifti, moved, '--json', '--fixed-index', index!]);
    expect(picked.status).toBe(0);
    expect((JSON.parse(picked.stdout) as { movingToFixedLps: number[] }).movingToFixedLps).toHaveLength(16);
    const outOfRange = neuroplan(['register', nifti, moved, '--json', '--fixed-index', '5']);
    expect(outOfRange.status).toBe(1);
    expect(outOfRange.stderr).toMatch(/--fixed-index 5 is out of range/);
  });

  it('a path with no volume is an error naming it; a bad option is a usage error', () => {
    const missing = join(work, 'does-not-exist');
    const r = neuroplan(['register', brain, missing, '--json']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${missing}: no volume could be loaded`);
    expect(neuroplan(['register', brain, moved, '--bins', '2']).status).toBe(2);
    expect(neuroplan(['register', brain]).status).toBe(2);
  });
});
