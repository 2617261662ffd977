/**
 * Iso-surfaces, smoothing, decimation, measurement and mesh files.
 *
 * Expected numbers come from outside our code: analytic spheres (area 4πr², volume 4/3πr³), and
 * test/surface-oracle.py, which runs VTK C++ vtkFlyingEdges3D (Debian python3-vtk9) on the same voxels
 * (or, for the NIfTI brain, on voxels and affine read by nibabel), maps VTK's index-space points through
 * the ijk→LPS matrix itself and measures area, |volume|, centroid and open edges with numpy; it also
 * reads our STL/OBJ/PLY files back with VTK's readers. Our vertex count must equal VTK's exactly (one
 * vertex per cut voxel edge, same inside rule value ≥ level); area and volume within 1%.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPaths } from '../src/node/loadPaths.ts';
import { writePhantomCase } from '../src/node/writePhantom.ts';
import {
  checkWatertight,
  decimateMesh,
  extractIsosurface,
  meshAreaMm2,
  meshToObj,
  meshToPly,
  meshToStl,
  meshVolumeMm3,
  smoothMesh,
  type Mesh,
} from '../src/surface/index.ts';
import { CancelledError } from '../src/task.ts';
import { createVolume, type Volume } from '../src/volume.ts';

const here = dirname(fileURLToPath(import.meta.url));
const oracleScript = join(here, 'surface-oracle.py');
const brainNii = join(here, 'fixtures', 'nifti', 'brain-t1.nii.gz');
const work = mkdtempSync(join(tmpdir(), 'neuroplan-surface-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface OracleMesh {
  points: number;
  triangles: number;
  areaMm2: number;
  volumeMm3: number;
  centroidLps: [number, number, number];
  boundaryEdges: number;
}

const python = (args: string[]): unknown =>
  JSON.parse(
    execFileSync('/usr/bin/python3', [oracleScript, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 }),
  );

let rawCount = 0;
/** VTK flying edges on our loaded voxels, placed by the volume's ijk→LPS matrix in numpy. */
function vtkSurface(v: Volume, level: number, opts: { label?: number; pad?: boolean } = {}): OracleMesh {
  const raw = join(work, `voxels-${rawCount++}.raw`);
  const s = v.scalars;
  writeFileSync(raw, new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
  const dtype = { Int16Array: 'int16', Uint16Array: 'uint16', Uint8Array: 'uint8', Float32Array: 'float32' }[
    s.constructor.name
  ]!;
  const spec = join(work, `spec-${rawCount}.json`);
  writeFileSync(
    spec,
    JSON.stringify({ raw, dtype, dims: v.dimensions, ijkToLps: Array.from(v.ijkToLps), level, ...opts }),
  );
  return python(['raw', spec]) as OracleMesh;
}

function centroidLps(m: Mesh): [number, number, number] {
  const p = m.positionsLps;
  const ix = m.indices;
  const c = [0, 0, 0];
  let total = 0;
  for (let t = 0; t < ix.length; t += 3) {
    const [a, b, d] = [ix[t]! * 3, ix[t + 1]! * 3, ix[t + 2]! * 3];
    const u = [p[b]! - p[a]!, p[b + 1]! - p[a + 1]!, p[b + 2]! - p[a + 2]!];
    const w = [p[d]! - p[a]!, p[d + 1]! - p[a + 1]!, p[d + 2]! - p[a + 2]!];
    const area =
      Math.hypot(
        u[1]! * w[2]! - u[2]! * w[1]!,
        u[2]! * w[0]! - u[0]! * w[2]!,
        u[0]! * w[1]! - u[1]! * w[0]!,
      ) / 2;
    for (let k = 0; k < 3; k++) c[k]! += (area * (p[a + k]! + p[b + k]! + p[d + k]!)) / 3;
    total += area;
  }
  return [c[0]! / total, c[1]! / total, c[2]! / total];
}

function expectLikeVtk(m: Mesh, vtk: OracleMesh, closed: boolean): void {
  expect(m.positionsLps.length / 3).toBe(vtk.points);
  expect(Math.abs(meshAreaMm2(m) / vtk.areaMm2 - 1)).toBeLessThan(0.01);
  const c = centroidLps(m);
  // Ignoring the direction matrix would move the centroid by centimetres; triangulation choices in
  // ambiguous cubes move it by a small fraction of a voxel.
  for (let k = 0; k < 3; k++) expect(Math.abs(c[k]! - vtk.centroidLps[k]!)).toBeLessThan(0.25);
  const report = checkWatertight(m);
  if (closed) {
    expect(vtk.boundaryEdges).toBe(0);
    expect(report.watertight).toBe(true);
    expect(Math.abs(meshVolumeMm3(m) / vtk.volumeMm3 - 1)).toBeLessThan(0.01);
  } else {
    expect(vtk.boundaryEdges).toBeGreaterThan(0);
    expect(report.boundaryEdges).toBeGreaterThan(0);
    expect(report.nonManifoldEdges + report.misorientedEdges).toBe(0);
  }
}

function sphereVolume(
  n: number,
  centre: [number, number, number],
  radiusVox: number,
  direction: number[],
): Volume {
  const s = new Float32Array(n * n * n);
  for (let k = 0; k < n; k++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++)
        s[i + j * n + k * n * n] = radiusVox - Math.hypot(i - centre[0], j - centre[1], k - centre[2]); // > 0 inside
  return createVolume({
    id: 'sphere',
    modality: 'OT',
    dimensions: [n, n, n],
    spacingMm: [0.8, 0.8, 0.8],
    originLps: [10, -20, 30],
    directionLps: direction,
    scalars: s,
  });
}

describe('extractIsosurface on analytic spheres', () => {
  const r = 12; // voxels; 9.6 mm
  const rMm = r * 0.8;
  const cases: [string, number[]][] = [
    ['identity (right-handed)', [1, 0, 0, 0, 1, 0, 0, 0, 1]],
    ['mirrored i axis (left-handed)', [-1, 0, 0, 0, 1, 0, 0, 0, 1]],
    ['oblique left-handed', [0.8, 0.6, 0, -0.6, 0.8, 0, 0, 0, -1]],
  ];
  for (const [name, dir] of cases)
    it(`is closed, merged and wound outward on a ${name} grid`, () => {
      const v = sphereVolume(32, [15.3, 16.1, 14.7], r, dir);
      const m = extractIsosurface(v, 0);
      const report = checkWatertight(m);
      expect(report).toEqual({
        watertight: true,
        boundaryEdges: 0,
        nonManifoldEdges: 0,
        misorientedEdges: 0,
      });
      expect(Math.abs(meshAreaMm2(m) / (4 * Math.PI * rMm ** 2) - 1)).toBeLessThan(0.01);
      expect(Math.abs(meshVolumeMm3(m) / ((4 / 3) * Math.PI * rMm ** 3) - 1)).toBeLessThan(0.01); // positive
      // The sphere centre in LPS, computed here from the definition lps = origin + D·diag(s)·ijk.
      const ijk = [15.3, 16.1, 14.7];
      const centre = [0, 1, 2].map(
        (row) =>
          [10, -20, 30][row]! +
          dir[row * 3]! * 0.8 * ijk[0]! +
          dir[row * 3 + 1]! * 0.8 * ijk[1]! +
          dir[row * 3 + 2]! * 0.8 * ijk[2]!,
      );
      const p = m.positionsLps;
      const nrm = m.normalsLps!;
      let worst = Infinity;
      for (let q = 0; q < p.length; q += 3) {
        const d = [p[q]! - centre[0]!, p[q + 1]! - centre[1]!, p[q + 2]! - centre[2]!];
        const len = Math.hypot(d[0]!, d[1]!, d[2]!);
        expect(Math.abs(len - rMm)).toBeLessThan(0.1);
        worst = Math.min(worst, (d[0]! * nrm[q]! + d[1]! * nrm[q + 1]! + d[2]! * nrm[q + 2]!) / len);
        expect(Math.abs(Math.hypot(nrm[q]!, nrm[q + 1]!, nrm[q + 2]!) - 1)).toBeLessThan(1e-5);
      }
      expect(worst).toBeGreaterThan(0.9); // every normal points outward, near radial
    });

  it('closes objects cut by the volume edge only with closeAtBoundary', () => {
    const v = sphereVolume(24, [2, 12, 12], 8, [1, 0, 0, 0, 1, 0, 0, 0, 1]); // sticks out at i = 0
    const open = extractIsosurface(v, 0);
    expect(checkWatertight(open).boundaryEdges).toBeGreaterThan(0);
    const closed = extractIsosurface(v, 0, { closeAtBoundary: true });
    expect(checkWatertight(closed).watertight).toBe(true);
    // The cap lies on the plane i = 0 (L = 10 mm): the enclosed volume is the sphere cut at that plane.
    // Cap of height h = r − 2 voxels: V = π h² (3r − h) / 3, all in mm (0.8 mm voxels).
    const [rm, dm] = [8 * 0.8, 2 * 0.8];
    const h = rm - dm;
    const expected = (4 / 3) * Math.PI * rm ** 3 - (Math.PI * h * h * (3 * rm - h)) / 3;
    expect(Math.abs(meshVolumeMm3(closed) / expected - 1)).toBeLessThan(0.02);
    let minL = Infinity;
    for (let q = 0; q < closed.positionsLps.length; q += 3) minL = Math.min(minL, closed.positionsLps[q]!);
    expect(minL).toBeCloseTo(10, 4);
  });

  it('rejects bad levels with a clear message', () => {
    const v = sphereVolume(8, [4, 4, 4], 2, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(() => extractIsosurface(v, Number.NaN)).toThrow(/level must be a finite number/);
    expect(() => extractIsosurface(v, 3, { labelValue: 1 })).toThrow(/strictly between 0 and 1/);
  });

  it('returns an empty mesh when the level is outside the values', () => {
    const v = sphereVolume(8, [4, 4, 4], 2, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const m = extractIsosurface(v, 100);
    expect(m.indices.length).toBe(0);
    expect(m.positionsLps.length).toBe(0);
    expect(checkWatertight(m).watertight).toBe(false);
  });

  it('stops with CancelledError when the signal is already aborted, and reports progress', () => {
    const v = sphereVolume(24, [12, 12, 12], 8, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const controller = new AbortController();
    controller.abort();
    expect(() => extractIsosurface(v, 0, { control: { signal: controller.signal } })).toThrow(CancelledError);
    const m = extractIsosurface(v, 0);
    expect(() => smoothMesh(m, { control: { signal: controller.signal } })).toThrow(CancelledError);
    const fractions: number[] = [];
    extractIsosurface(v, 0, { control: { onProgress: (f) => fractions.push(f) } });
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.every((f, n) => n === 0 || f >= fractions[n - 1]!)).toBe(true);
  });
});

describe('against VTK C++ vtkFlyingEdges3D', () => {
  let ct: Volume;
  let mr: Volume;
  let brain: Volume;
  beforeAll(async () => {
    const dir = join(work, 'phantom');
    await writePhantomCase(dir, { size: 64, slices: 50, seed: 7 });
    const loaded = await loadPaths([join(dir, 'ct'), join(dir, 'mr-t1')]);
    ct = loaded.volumes.find((v) => v.modality === 'CT')!;
    mr = loaded.volumes.find((v) => v.modality === 'MR')!;
    brain = (await loadPaths([brainNii])).volumes[0]!;
    expect(ct && mr && brain).toBeTruthy();
  });

  it('phantom CT skull at 300 HU: open like VTK, and closed with closeAtBoundary', () => {
    const open = vtkSurface(ct, 300);
    expectLikeVtk(extractIsosurface(ct, 300), open, open.boundaryEdges === 0);
    expectLikeVtk(
      extractIsosurface(ct, 300, { closeAtBoundary: true }),
      vtkSurface(ct, 300, { pad: true }),
      true,
    );
  });

  it('phantom oblique MR T1 at 700: placed through its direction matrix', () => {
    expect(Math.abs(mr.directionLps[0]!)).toBeLessThan(0.9999); // really oblique
    expectLikeVtk(
      extractIsosurface(mr, 700, { closeAtBoundary: true }),
      vtkSurface(mr, 700, { pad: true }),
      true,
    );
  });

  it('label map: the surface of voxels equal to a value (iso 0.5 of the indicator)', () => {
    const labels = new Uint8Array(ct.scalars.length);
    for (let n = 0; n < labels.length; n++)
      labels[n] = ct.scalars[n]! >= 300 ? 2 : ct.scalars[n]! > -300 ? 1 : 0;
    const lv = createVolume({ ...ct, id: 'labels', scalars: labels });
    for (const value of [1, 2]) {
      const m = extractIsosurface(lv, 0.5, { labelValue: value, closeAtBoundary: true });
      expectLikeVtk(m, vtkSurface(lv, 0.5, { label: value, pad: true }), true);
    }
  });

  it('real brain T1 (NIfTI, LSA axes) at 60: voxels and affine read by nibabel in the oracle', () => {
    const open = python(['nifti', brainNii, '60']) as OracleMesh;
    expectLikeVtk(extractIsosurface(brain, 60), open, false);
    const closed = python(['nifti', brainNii, '60', 'pad']) as OracleMesh;
    expectLikeVtk(extractIsosurface(brain, 60, { closeAtBoundary: true }), closed, true);
  });

  it('mesh files: VTK readers get back our counts and area; the header says LPS millimetres', () => {
    const m = extractIsosurface(ct, 300, { closeAtBoundary: true });
    const files = ['stl', 'obj', 'ply'].map((ext) => join(work, `skull.${ext}`));
    writeFileSync(files[0]!, meshToStl(m));
    writeFileSync(files[1]!, meshToObj(m));
    writeFileSync(files[2]!, meshToPly(m));
    const back = python(['files', ...files]) as Record<'stl' | 'obj' | 'ply', OracleMesh> & {
      stlHeader: string;
    };
    const nt = m.indices.length / 3;
    const area = meshAreaMm2(m);
    expect(back.stlHeader).toBe('NeuroPlan mesh, LPS millimetres');
    expect(back.stl.triangles).toBe(nt);
    expect(back.stl.points).toBe(3 * nt); // STL stores each corner
    for (const f of ['obj', 'ply'] as const) {
      expect(back[f].points).toBe(m.positionsLps.length / 3);
      expect(back[f].triangles).toBe(nt);
      expect(back[f].boundaryEdges).toBe(0);
    }
    for (const f of ['stl', 'obj', 'ply'] as const)
      expect(Math.abs(back[f].areaMm2 / area - 1)).toBeLessThan(1e-5);
    expect(Math.abs(back.ply.volumeMm3 / meshVolumeMm3(m) - 1)).toBeLessThan(1e-5);
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes.subarray(0, 200));
    expect(text(meshToObj(m)).split('\n')[0]).toBe('# NeuroPlan mesh, LPS millimetres');
    expect(text(meshToPly(m))).toContain('\ncomment NeuroPlan mesh, LPS millimetres\n');
  });

  it('Taubin smoothing: volume within 1% (restored on closed meshes), less staircase, still watertight', () => {
    // Area shrink that shows the staircase went: the phantom renders partial-volume edges, so its
    // iso-surface has less staircase to lose than the real brain's.
    for (const [v, level, areaRatio] of [
      [ct, 300, 0.99],
      [brain, 60, 0.98],
    ] as const) {
      const m = extractIsosurface(v, level, { closeAtBoundary: true });
      const s = smoothMesh(m, { iterations: 20 });
      expect(checkWatertight(s).watertight).toBe(true);
      expect(Math.abs(meshVolumeMm3(s) / meshVolumeMm3(m) - 1)).toBeLessThan(0.01);
      expect(meshAreaMm2(s)).toBeLessThan(meshAreaMm2(m) * areaRatio); // the staircase is gone
      expect(s.normalsLps).toBeDefined();
      // Smoothing moves vertices by a fraction of a voxel, not more.
      let sum = 0;
      const [a, b] = [m.positionsLps, s.positionsLps];
      for (let q = 0; q < a.length; q += 3)
        sum += Math.hypot(a[q]! - b[q]!, a[q + 1]! - b[q + 1]!, a[q + 2]! - b[q + 2]!);
      expect(sum / (a.length / 3)).toBeLessThan(0.5 * Math.min(...v.spacingMm));
    }
    // Plain Taubin (no volume restoration) on the brain already keeps the volume within 1%.
    const m = extractIsosurface(brain, 60, { closeAtBoundary: true });
    const plain = smoothMesh(m, { iterations: 20, preserveVolume: false });
    expect(Math.abs(meshVolumeMm3(plain) / meshVolumeMm3(m) - 1)).toBeLessThan(0.01);
    expect(meshVolumeMm3(plain)).not.toBe(meshVolumeMm3(smoothMesh(m, { iterations: 20 })));
    expect(() => smoothMesh(m, { iterations: -1 })).toThrow(/iterations/);
    expect(() => smoothMesh(m, { lambda: 1.5 })).toThrow(/λ/);
  });

  it('quadric decimation reaches the target, stays watertight and keeps the volume within 1%', () => {
    const m = extractIsosurface(ct, 300, { closeAtBoundary: true });
    const d = decimateMesh(m, { targetReduction: 0.5 });
    const nt = m.indices.length / 3;
    expect(d.indices.length / 3).toBeLessThanOrEqual(Math.ceil(nt * 0.5) + 2);
    expect(d.indices.length / 3).toBeGreaterThan(nt * 0.45);
    expect(checkWatertight(d).watertight).toBe(true);
    expect(Math.abs(meshVolumeMm3(d) / meshVolumeMm3(m) - 1)).toBeLessThan(0.01);
    expect(() => decimateMesh(m, { targetReduction: 1 })).toThrow(/reduction/);
    const controller = new AbortController();
    controller.abort();
    expect(() => decimateMesh(m, { targetReduction: 0.9, control: { signal: controller.signal } })).toThrow(
      CancelledError,
    );
  });
});
