/**
 * `neuroplan plan <case> --target x,y,z --json --out plan.json`, run as a user runs it, on a phantom case.
 * The returned trajectory is checked against the phantom's analytic vessels by the numpy oracle (not the
 * planner's maps), and the plan file is read back with the plan parser (schema-validated) and its
 * approval checked.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePhantomCase } from '@neuroplan/imaging/node';
import type { PhantomGroundTruth } from '@neuroplan/imaging';
import { approvalStatus, parsePlan } from '@neuroplan/planning';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'apps', 'cli', 'bin', 'neuroplan.mjs');
const oracle = join(root, 'packages', 'planning', 'test', 'vessel-clearance-oracle.py');
const work = mkdtempSync(join(tmpdir(), 'np-cli-plan-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function neuroplan(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const caseDir = join(work, 'case');
let truth: PhantomGroundTruth;
let target: [number, number, number];
beforeAll(async () => {
  await writePhantomCase(caseDir, { size: 128, seed: 5 });
  truth = JSON.parse(readFileSync(join(caseDir, 'ground-truth.json'), 'utf8')) as PhantomGroundTruth;
  const r = truth.anatomy.shells.brainOuter!.axesLps;
  // 28 mm to the left of the brain centre, 10 mm below it (head axes from the analytic shells).
  target = [0, 1, 2].map((a) => truth.brainCenterLps[a]! + 28 * r[a * 3]! - 10 * r[a * 3 + 2]!) as [
    number,
    number,
    number,
  ];
}, 120_000);

describe('neuroplan plan', () => {
  it('prints ranked trajectories that keep the vessel margin and writes an approved, valid plan', () => {
    const out = join(work, 'plan.json');
    const r = neuroplan([
      'plan',
      caseDir,
      '--target',
      target.join(','),
      '--electrode',
      'seeg-8',
      '--count',
      '2',
      '--json',
      '--out',
      out,
      '--approve-by',
      'Dr Test',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as {
      trajectories: {
        electrode: string;
        entryLps: number[];
        targetLps: number[];
        lengthMm: number;
        minVesselDistanceMm: number;
        score: number;
        violations: unknown[];
      }[];
    };
    expect(json.trajectories.length).toBeGreaterThanOrEqual(1);
    expect(json.trajectories.length).toBeLessThanOrEqual(2);
    for (const t of json.trajectories) {
      expect(t.electrode).toBe('seeg-8');
      expect(t.violations).toEqual([]);
      expect(t.targetLps.every((x, a) => Math.abs(x - target[a]!) < 1e-9)).toBe(true);
      expect(t.lengthMm).toBeCloseTo(Math.hypot(...t.entryLps.map((x, a) => x - t.targetLps[a]!)), 6);
      expect(t.score).toBeGreaterThanOrEqual(0);
      expect(t.score).toBeLessThanOrEqual(1);
    }
    const trajFile = join(work, 'trajectories.json');
    writeFileSync(trajFile, JSON.stringify(json.trajectories.map((t) => ({ ...t, radiusMm: 0.4 }))));
    const clearances = JSON.parse(
      execFileSync('/usr/bin/python3', [oracle, join(caseDir, 'ground-truth.json'), trajFile], {
        encoding: 'utf8',
      }),
    ) as { clearanceMm: number }[];
    clearances.forEach((c, n) => {
      expect(c.clearanceMm).toBeGreaterThanOrEqual(2);
      expect(c.clearanceMm).toBeGreaterThanOrEqual(json.trajectories[n]!.minVesselDistanceMm - 1e-6);
    });

    const plan = parsePlan(JSON.parse(readFileSync(out, 'utf8')) as unknown, out);
    expect(plan.trajectories).toHaveLength(1);
    expect(plan.trajectories[0]!.entryLps).toEqual(json.trajectories[0]!.entryLps);
    expect(approvalStatus(plan).state).toBe('approved');
  });

  it('refuses a malformed target (exit 2) and names a missing case folder (exit 1)', () => {
    const bad = neuroplan(['plan', caseDir, '--target', '1,2', '--json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--target must be three numbers/);
    const missing = join(work, 'no-such-case');
    const r = neuroplan(['plan', missing, '--target', '0,0,0', '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(missing);
    const unknown = neuroplan(['plan', caseDir, '--target', '0,0,0', '--electrode', 'nope']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown electrode 'nope'/);
  });
});
