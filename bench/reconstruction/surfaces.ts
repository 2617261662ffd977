/**
 * Surfaces benchmark: the skull iso-surface (300 HU) of the phantom CT at 256³ and 512×512×400, timed
 * in the same run against
 *  - vtk.js 36.4.1 vtkImageMarchingCubes, in this process (same voxels, same level, mergePoints on so
 *    its output is a merged mesh like ours, normals off) — target: ours ≥ 5× faster;
 *  - VTK C++ 9.1 vtkFlyingEdges3D via python3-vtk9 (normals/gradients off, VTK's default threads) —
 *    target: ours takes no more than 2× its time (ratio = peer_s / ours_s ≥ 0.5).
 * Two JSON lines per size, one per peer. Every side times only the extraction (voxels already in
 * memory); ours and VTK C++ run 5 times, vtk.js 3 times (once at 512×512×400, where it takes tens of
 * seconds); medians are reported. Ours has normals off too (`computeNormals: false`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray.js';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData.js';
import vtkImageMarchingCubes from '@kitware/vtk.js/Filters/General/ImageMarchingCubes.js';
import { extractIsosurface, type Volume } from '@neuroplan/imaging';
import { loadPaths, writePhantomCase } from '@neuroplan/imaging/node';
import { median, report } from '../results.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const LEVEL_HU = 300;

async function phantomCt(size: number, slices: number): Promise<Volume> {
  const caseDir = join(root, '.tmp', `bench-phantom-${size}x${slices}`);
  if (!existsSync(join(caseDir, 'ground-truth.json'))) {
    console.error(`writing phantom ${size}×${size}×${slices} to ${caseDir} ...`);
    await writePhantomCase(caseDir, { size, slices, seed: 1 });
  }
  const { volumes, errors } = await loadPaths([join(caseDir, 'ct')]);
  if (volumes.length !== 1 || errors.length) throw new Error(`${caseDir}/ct: expected one volume`);
  return volumes[0]!;
}

function timeOurs(v: Volume, repeats: number) {
  const seconds: number[] = [];
  let mesh = extractIsosurface(v, LEVEL_HU, { computeNormals: false }); // warm-up (JIT)
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    mesh = extractIsosurface(v, LEVEL_HU, { computeNormals: false });
    seconds.push((performance.now() - t0) / 1000);
  }
  return { seconds, points: mesh.positionsLps.length / 3, triangles: mesh.indices.length / 3 };
}

function timeVtkJs(v: Volume, repeats: number) {
  const image = vtkImageData.newInstance();
  image.setDimensions([...v.dimensions]);
  image.setSpacing([...v.spacingMm]);
  image.setOrigin([...v.originLps]);
  // vtk.js's .d.ts files import each other without extensions, so NodeNext loses vtkDataSet's methods.
  const withPointData = image as unknown as { getPointData(): { setScalars(a: unknown): void } };
  withPointData
    .getPointData()
    .setScalars(vtkDataArray.newInstance({ numberOfComponents: 1, values: v.scalars }));
  const seconds: number[] = [];
  let points = 0;
  let triangles = 0;
  // vtk.js times itself with console.time; keep those lines out of the benchmark's JSON output.
  const { time, timeEnd } = console;
  console.time = console.timeEnd = () => {};
  for (let r = 0; r < repeats; r++) {
    const mc = vtkImageMarchingCubes.newInstance({
      contourValue: LEVEL_HU,
      computeNormals: false,
      mergePoints: true,
    });
    mc.setInputData(image);
    const t0 = performance.now();
    const out = mc.getOutputData();
    seconds.push((performance.now() - t0) / 1000);
    points = out.getNumberOfPoints();
    triangles = out.getPolys().getNumberOfCells();
  }
  Object.assign(console, { time, timeEnd });
  return { seconds, points, triangles };
}

function timeVtkCpp(v: Volume, repeats: number) {
  const raw = join(root, '.tmp', `bench-surfaces-${v.dimensions.join('x')}.raw`);
  const s = v.scalars;
  writeFileSync(raw, new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
  const dtype = { Int16Array: 'int16', Uint16Array: 'uint16', Float32Array: 'float32' }[s.constructor.name];
  if (!dtype) throw new Error(`benchmark: unexpected voxel type ${s.constructor.name}`);
  const out = JSON.parse(
    execFileSync(
      '/usr/bin/python3',
      [
        join(here, '..', 'peers', 'vtk_flying_edges.py'),
        raw,
        dtype,
        ...v.dimensions.map(String),
        String(LEVEL_HU),
        String(repeats),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    ),
  ) as { seconds: number[]; points: number; triangles: number; backend: string; threads: number };
  return out;
}

export async function run(args: string[]): Promise<void> {
  const sizes: [number, number][] = args.length
    ? [[Number(args[0]), Number(args[1] ?? args[0])]]
    : [
        [256, 256],
        [512, 400],
      ];
  for (const [size, slices] of sizes) {
    const v = await phantomCt(size, slices);
    const dims = v.dimensions.join('x');
    const ours = timeOurs(v, 5);
    const cpp = timeVtkCpp(v, 5);
    const js = timeVtkJs(v, size >= 512 ? 1 : 3);
    const oursS = median(ours.seconds);
    const common = { level_hu: LEVEL_HU, ours_points: ours.points, ours_triangles: ours.triangles };
    const jsS = median(js.seconds);
    report('reconstruction', {
      name: `surfaces.isosurface_ct_${dims}`,
      ours_s: +oursS.toFixed(4),
      peer: 'vtk.js 36.4.1 vtkImageMarchingCubes (mergePoints, no normals, same process)',
      peer_s: +jsS.toFixed(4),
      ratio: +(jsS / oursS).toFixed(2),
      target: 5,
      met: jsS / oursS >= 5,
      ...common,
      peer_points: js.points,
      peer_triangles: js.triangles,
      peer_runs: js.seconds.length,
    });
    const cppS = median(cpp.seconds);
    report('reconstruction', {
      name: `surfaces.isosurface_ct_${dims}`,
      ours_s: +oursS.toFixed(4),
      peer: `VTK C++ 9.1 vtkFlyingEdges3D (python3-vtk9, ${cpp.backend} ${cpp.threads} threads, no normals)`,
      peer_s: +cppS.toFixed(4),
      ratio: +(cppS / oursS).toFixed(2),
      target: 0.5,
      met: cppS / oursS >= 0.5,
      target_note: 'ours at most 2x the time of VTK C++ (ratio = peer_s/ours_s >= 0.5)',
      ...common,
      peer_points: cpp.points,
      peer_triangles: cpp.triangles,
    });
  }
}
