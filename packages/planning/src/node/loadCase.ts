/**
 * Loads a patient's case folder (every DICOM series / NIfTI file in it) and builds its planning scene.
 * Roles: the CT is the CT series (the largest when there are several); the angiogram is an MR whose
 * description or protocol mentions TOF, angio or MRA; the T1 is another MR, preferring one whose
 * description mentions T1 or MPRAGE (else the largest).
 */
import { loadPaths, type LoadResult } from '@neuroplan/imaging/node';
import type { TaskControl, Volume } from '@neuroplan/imaging';
import { basename, resolve } from 'node:path';
import { buildPlanningScene } from '../scene/buildScene.ts';
import type { PlanningScene } from '../scene/types.ts';

export interface LoadPlanningCaseOptions {
  /** Decode threads (default: loadPaths' default). */
  workers?: number;
  control?: TaskControl;
  /** Maps voxel size (mm, default 1). */
  spacingMm?: number;
  /** Row-major 4×4 MR LPS → CT LPS, when known (skips registration). */
  mrToCtLps?: ArrayLike<number>;
}

export interface PlanningCaseVolumes {
  ct: Volume;
  t1?: Volume;
  angio?: Volume;
  /** Series loaded but not used. */
  others: Volume[];
}

export interface LoadedPlanningCase {
  scene: PlanningScene;
  /** Files that could not be read (the case was built from the rest). */
  errors: LoadResult['errors'];
  volumes: PlanningCaseVolumes;
}

const voxels = (v: Volume): number => v.dimensions[0] * v.dimensions[1] * v.dimensions[2];
const describe = (v: Volume): string => `${v.metadata.seriesDescription ?? ''} ${v.id}`;

/** Chooses the CT, T1 and angiogram among loaded volumes (see the module comment); throws without a CT. */
export function choosePlanningRoles(volumes: readonly Volume[], where: string): PlanningCaseVolumes {
  const cts = volumes.filter((v) => v.modality === 'CT').sort((a, b) => voxels(b) - voxels(a));
  const ct = cts[0];
  if (!ct)
    throw new Error(
      `${where}: no CT series found (${volumes.length} volume(s): ${volumes.map((v) => v.modality).join(', ') || 'none'}); planning needs a CT`,
    );
  const mrs = volumes.filter((v) => v.modality === 'MR').sort((a, b) => voxels(b) - voxels(a));
  const angio = mrs.find((v) => /\btof\b|angio|\bmra\b/i.test(describe(v)));
  const rest = mrs.filter((v) => v !== angio);
  const t1 = rest.find((v) => /t1|mprage|mp-rage|spgr|bravo/i.test(describe(v))) ?? rest[0];
  const used = new Set([ct, t1, angio]);
  return {
    ct,
    ...(t1 && { t1 }),
    ...(angio && { angio }),
    others: volumes.filter((v) => !used.has(v)),
  };
}

export async function loadPlanningCase(
  dir: string,
  options: LoadPlanningCaseOptions = {},
): Promise<LoadedPlanningCase> {
  const where = resolve(dir);
  const loaded = await loadPaths([where], options.workers !== undefined ? { workers: options.workers } : {});
  const volumes = choosePlanningRoles(loaded.volumes, where);
  const scene = buildPlanningScene(
    {
      caseId: basename(where),
      ct: volumes.ct,
      ...(volumes.t1 && { t1: volumes.t1 }),
      ...(volumes.angio && { angio: volumes.angio }),
      ...(options.mrToCtLps && { mrToCtLps: options.mrToCtLps }),
    },
    {
      ...(options.spacingMm !== undefined && { spacingMm: options.spacingMm }),
      ...(options.control && { control: options.control }),
    },
  );
  if (loaded.errors.length > 0)
    scene.warnings.push(`${loaded.errors.length} file(s) in ${where} could not be read and were skipped.`);
  return { scene, errors: loaded.errors, volumes };
}
