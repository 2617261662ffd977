/**
 * `neuroplan surface <file-or-folder>... --level L | --label V [--smooth N] [--decimate F] [--close]
 *  [--volume-index N] [--out mesh.stl|.obj|.ply] [--json]`: the iso-surface of one loaded volume, in LPS mm.
 * Exit 0 with a mesh, 1 when nothing was loaded or the surface is empty, 2 on usage errors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  checkWatertight,
  decimateMesh,
  extractIsosurface,
  meshAreaMm2,
  meshFormatFromPath,
  meshToFile,
  meshVolumeMm3,
  smoothMesh,
  volumeStats,
  type TaskControl,
} from '@neuroplan/imaging';
import { loadPaths } from '@neuroplan/imaging/node';
import { progressReporter } from '../progress.ts';

export interface SurfaceJson {
  vertices: number;
  triangles: number;
  areaMm2: number;
  volumeMm3: number;
  watertight: boolean;
}

const finite = (name: string) => (text: string) => {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError(`--${name} must be a number`);
  return x;
};
const integer = (name: string, min: number, max: number) => (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
};
const fraction = (text: string) => {
  const x = Number(text);
  if (!(x >= 0 && x < 1)) throw new InvalidArgumentError('--decimate must be a fraction from 0 to below 1');
  return x;
};
const meshPath = (text: string) => {
  try {
    meshFormatFromPath(text);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return text;
};

interface SurfaceOptions {
  level?: number;
  label?: number;
  smooth?: number;
  decimate?: number;
  close?: boolean;
  volumeIndex: number;
  out?: string;
  json?: boolean;
}

function control(phase: string): TaskControl {
  const report = progressReporter(phase);
  return report ? { onProgress: (f, p) => report({ phase: p, done: Math.round(f * 100), total: 100 }) } : {};
}

export function surfaceCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('surface')
    .description('extract an iso-surface (or a label surface) of a volume as a mesh in LPS millimetres')
    .argument('<paths...>', 'DICOM files/folders or NIfTI files; the first volume loaded is used')
    .option(
      '--level <value>',
      'iso-value in the volume’s units (e.g. HU); voxels ≥ level are inside',
      finite('level'),
    )
    .option(
      '--label <value>',
      'surface of the voxels equal to this label value (a label map)',
      finite('label'),
    )
    .option('--smooth <n>', 'Taubin smoothing iterations (volume-preserving)', integer('smooth', 0, 10000))
    .option(
      '--decimate <fraction>',
      'remove this fraction of the triangles (quadric edge collapse)',
      fraction,
    )
    .option('--close', 'close objects cut by the volume edge (watertight meshes)')
    .option(
      '--volume-index <n>',
      'which loaded volume to use (default 0)',
      integer('volume-index', 0, 1e6),
      0,
    )
    .option('--out <file>', 'write the mesh: .stl (binary), .obj or .ply (binary)', meshPath)
    .option('--json', 'print exactly one JSON object on stdout')
    .action(async (paths: string[], opts: SurfaceOptions) => {
      if ((opts.level === undefined) === (opts.label === undefined)) {
        process.stderr.write('neuroplan surface: give exactly one of --level L or --label V\n');
        setExit(2);
        return;
      }
      const loaded = await loadPaths(paths, { onProgress: progressReporter('loading') });
      for (const e of loaded.errors) process.stderr.write(`could not read ${e.file}: ${e.reason}\n`);
      const volume = loaded.volumes[opts.volumeIndex];
      if (!volume) {
        process.stderr.write(
          `neuroplan surface: no volume #${opts.volumeIndex} (${loaded.volumes.length} volume(s) loaded)\n`,
        );
        setExit(1);
        return;
      }
      const level = opts.label !== undefined ? 0.5 : opts.level!;
      let mesh = extractIsosurface(volume, level, {
        labelValue: opts.label,
        closeAtBoundary: opts.close ?? false,
        control: control('surface'),
      });
      if (mesh.indices.length === 0) {
        const { min, max } = volumeStats(volume);
        const what = opts.label !== undefined ? `label ${opts.label}` : `level ${opts.level}`;
        process.stderr.write(
          `neuroplan surface: the surface at ${what} of ${volume.id} is empty (voxel values ${min} to ${max})\n`,
        );
        setExit(1);
        return;
      }
      if (opts.smooth) mesh = smoothMesh(mesh, { iterations: opts.smooth, control: control('smoothing') });
      if (opts.decimate)
        mesh = decimateMesh(mesh, { targetReduction: opts.decimate, control: control('decimating') });
      if (opts.out) {
        try {
          mkdirSync(dirname(opts.out), { recursive: true });
          writeFileSync(opts.out, meshToFile(mesh, meshFormatFromPath(opts.out)));
        } catch (e) {
          process.stderr.write(`neuroplan surface: ${opts.out}: cannot write (${(e as Error).message})\n`);
          setExit(1);
          return;
        }
      }
      const result: SurfaceJson = {
        vertices: mesh.positionsLps.length / 3,
        triangles: mesh.indices.length / 3,
        areaMm2: meshAreaMm2(mesh),
        volumeMm3: meshVolumeMm3(mesh),
        watertight: checkWatertight(mesh).watertight,
      };
      if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
      else
        process.stdout.write(
          [
            `surface of ${volume.id} at ${opts.label !== undefined ? `label ${opts.label}` : `level ${level}`}`,
            `  ${result.vertices} vertices, ${result.triangles} triangles (LPS mm)`,
            `  area ${result.areaMm2.toFixed(1)} mm², enclosed volume ${result.volumeMm3.toFixed(1)} mm³` +
              (result.watertight
                ? ' (watertight)'
                : ' (open: the surface reaches the volume edge; try --close)'),
            ...(opts.out ? [`  wrote ${opts.out}`] : []),
          ].join('\n') + '\n',
        );
      setExit(0);
    });
}
