/**
 * `neuroplan surface`, run as a user runs it (a child process) on the real brain T1 and its label map.
 * Expected numbers come from packages/imaging/test/surface-oracle.py: VTK C++ vtkFlyingEdges3D on the
 * voxels and affine as nibabel reads them, measured with numpy — never from our own code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'apps', 'cli', 'bin', 'neuroplan.mjs');
const nifti = join(root, 'packages', 'imaging', 'test', 'fixtures', 'nifti');
const brain = join(nifti, 'brain-t1.nii.gz');
const labels = join(nifti, 'brain-t1-skullstrip-mask.nii.gz'); // values 0, 4, 5, 6
const work = mkdtempSync(join(tmpdir(), 'neuroplan-cli-surface-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface SurfaceJson {
  vertices: number;
  triangles: number;
  areaMm2: number;
  volumeMm3: number;
  watertight: boolean;
}
interface OracleMesh {
  points: number;
  triangles: number;
  areaMm2: number;
  volumeMm3: number;
  boundaryEdges: number;
}

function neuroplan(args: string[]) {
  const r = spawnSync(process.execPath, [cli, 'surface', ...args], { encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const oracle = (...args: string[]) =>
  JSON.parse(
    execFileSync(
      '/usr/bin/python3',
      [join(root, 'packages', 'imaging', 'test', 'surface-oracle.py'), 'nifti', ...args],
      {
        encoding: 'utf8',
      },
    ),
  ) as OracleMesh;

const within1Percent = (ours: number, theirs: number) =>
  expect(Math.abs(ours / theirs - 1)).toBeLessThan(0.01);

describe('neuroplan surface', () => {
  it('brain T1 at 60: one JSON object, numbers like VTK, a binary STL in LPS mm', () => {
    const out = join(work, 'brain.stl');
    const r = neuroplan([brain, '--level', '60', '--out', out, '--json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as SurfaceJson; // exactly one JSON object on stdout
    expect(Object.keys(json).sort()).toEqual(['areaMm2', 'triangles', 'vertices', 'volumeMm3', 'watertight']);
    const vtk = oracle(brain, '60');
    expect(json.vertices).toBe(vtk.points);
    within1Percent(json.areaMm2, vtk.areaMm2);
    expect(vtk.boundaryEdges).toBeGreaterThan(0); // the head reaches the volume edge: open, as in VTK
    expect(json.watertight).toBe(false);
    const stl = readFileSync(out);
    expect(stl.subarray(0, 31).toString('ascii')).toBe('NeuroPlan mesh, LPS millimetres');
    expect(stl.readUInt32LE(80)).toBe(json.triangles);
    expect(stl.length).toBe(84 + 50 * json.triangles);
  });

  it('--close --smooth: watertight, enclosed volume within 1% of VTK (closed the same way), PLY written', () => {
    const out = join(work, 'sub', 'brain.ply');
    const r = neuroplan([brain, '--level', '60', '--close', '--smooth', '10', '--out', out, '--json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as SurfaceJson;
    const vtk = oracle(brain, '60', 'pad');
    expect(json.watertight).toBe(true);
    expect(json.vertices).toBe(vtk.points);
    within1Percent(json.volumeMm3, vtk.volumeMm3);
    expect(json.areaMm2).toBeLessThan(vtk.areaMm2); // smoothing removed the staircase
    expect(readFileSync(out).subarray(0, 80).toString('latin1')).toMatch(
      /^ply\nformat binary_little_endian 1\.0\ncomment NeuroPlan mesh, LPS millimetres\n/,
    );
  });

  it('--label on a label map, with OBJ output and decimation', () => {
    const out = join(work, 'label5.obj');
    const r = neuroplan([labels, '--label', '5', '--out', out, '--json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as SurfaceJson;
    const vtk = oracle(labels, '0.5', 'label=5');
    expect(vtk.boundaryEdges).toBe(0);
    expect(json.watertight).toBe(true);
    expect(json.vertices).toBe(vtk.points);
    within1Percent(json.areaMm2, vtk.areaMm2);
    within1Percent(json.volumeMm3, vtk.volumeMm3);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('# NeuroPlan mesh, LPS millimetres');
    const d = neuroplan([labels, '--label', '5', '--decimate', '0.5', '--json']);
    expect(d.status).toBe(0);
    const dj = JSON.parse(d.stdout) as SurfaceJson;
    expect(dj.watertight).toBe(true);
    expect(dj.triangles).toBeLessThanOrEqual(Math.ceil(json.triangles / 2) + 2);
    within1Percent(dj.volumeMm3, vtk.volumeMm3);
  });

  it('exits 1 with a clear message when the surface is empty, writing nothing', () => {
    const out = join(work, 'empty.stl');
    const r = neuroplan([brain, '--level', '100000', '--out', out, '--json']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /surface at level 100000 of .*brain-t1\.nii\.gz is empty \(voxel values 0 to \d+\)/,
    );
    expect(existsSync(out)).toBe(false);
    const none = neuroplan([join(work, 'missing-folder'), '--level', '1', '--json']);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no volume #0 \(0 volume\(s\) loaded\)/);
  });

  it('exits 2 on usage errors', () => {
    expect(neuroplan([brain]).status).toBe(2); // neither --level nor --label
    expect(neuroplan([brain, '--level', '60', '--label', '5']).status).toBe(2);
    expect(neuroplan([brain, '--level', 'abc']).status).toBe(2);
    expect(neuroplan([brain, '--level', '60', '--smooth', '-1']).status).toBe(2);
    expect(neuroplan([brain, '--level', '60', '--decimate', '1']).status).toBe(2);
    const bad = neuroplan([brain, '--level', '60', '--out', join(work, 'mesh.vtk')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/mesh\.vtk: unknown mesh file type \(use \.stl, \.obj or \.ply\)/);
    expect(existsSync(join(work, 'mesh.vtk'))).toBe(false);
    expect(statSync(work).isDirectory()).toBe(true);
  });
});
