/**
 * Which loaded series plays which part in planning: the CT (the largest CT), the angiogram (an MR whose
 * description mentions TOF, angio or MRA), the T1 (another MR, preferring one described as T1/MPRAGE,
 * else the largest); everything else is 'other'. A series too thin to be a 3D scan (fewer than
 * MIN_SLICES along an axis: a scout, a single slice) plays no part.
 */
import type { Volume } from '@neuroplan/imaging';
import type { LoadedSeries, SeriesRole } from '../store/types.ts';

const MIN_SLICES = 8;
const isVolume = (v: Volume): boolean => v.dimensions.every((n) => n >= MIN_SLICES);
const voxels = (v: Volume): number => v.dimensions[0] * v.dimensions[1] * v.dimensions[2];
const words = (v: Volume): string => `${v.metadata.seriesDescription ?? ''} ${v.id}`;
const ANGIO = /\btof\b|angio|\bmra\b/i;
const T1 = /t1|mprage|mp-rage|spgr|bravo/i;

export function assignRoles(volumes: readonly Volume[]): LoadedSeries[] {
  const bySize = volumes.filter(isVolume).sort((a, b) => voxels(b) - voxels(a));
  const ct = bySize.find((v) => v.modality === 'CT');
  const mrs = bySize.filter((v) => v.modality === 'MR');
  const angio = mrs.find((v) => ANGIO.test(words(v)));
  const rest = mrs.filter((v) => v !== angio);
  const t1 = rest.find((v) => T1.test(words(v))) ?? rest[0];
  const roleOf = (v: Volume): SeriesRole =>
    v === ct ? 'ct' : v === t1 ? 't1' : v === angio ? 'angio' : 'other';
  const order: Record<SeriesRole, number> = { ct: 0, t1: 1, angio: 2, other: 3 };
  return volumes
    .map((volume) => ({ role: roleOf(volume), volume }))
    .sort((a, b) => order[a.role] - order[b.role]);
}

/** The series of a role, if any. */
export const seriesOf = (series: readonly LoadedSeries[], role: SeriesRole): Volume | undefined =>
  series.find((s) => s.role === role)?.volume;
