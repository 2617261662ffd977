/**
 * A compact, exact fingerprint of a loaded volume, computed the same way in the browser page and in
 * Node, so the two loaders' results can be compared without shipping the voxels across.
 */
import type { Volume } from '../../packages/imaging/src/volume.ts';

export interface VolumeSummary {
  id: string;
  modality: string;
  dimensions: number[];
  spacingMm: number[];
  originLps: number[];
  directionLps: number[];
  warnings: string[];
  metadata: Record<string, unknown>;
  voxelType: string;
  voxels: number;
  sum: number;
  min: number;
  max: number;
  /** FNV-1a (32-bit) over the voxel bytes: any changed voxel changes it. */
  fnv1a: number;
}

export function summarize(v: Volume): VolumeSummary {
  const s = v.scalars;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < s.length; i++) {
    const x = s[i]!;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const bytes = new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return {
    id: v.id,
    modality: v.modality,
    dimensions: [...v.dimensions],
    spacingMm: [...v.spacingMm],
    originLps: [...v.originLps],
    directionLps: Array.from(v.directionLps),
    warnings: [...v.warnings],
    metadata: { ...v.metadata },
    voxelType: s.constructor.name,
    voxels: s.length,
    sum,
    min,
    max,
    fnv1a: hash >>> 0,
  };
}
