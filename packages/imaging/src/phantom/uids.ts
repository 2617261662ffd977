/**
 * Deterministic DICOM UIDs: "2.25." followed by the decimal form of a 128-bit number hashed from the
 * seed and a key (PS3.5 B.2 allows a UUID-derived integer under 2.25). At most 44 characters, no
 * leading zeros, so always a valid UID; the same seed and key always give the same UID.
 */
import { hashString } from './random.ts';

export function phantomUid(seed: number, key: string): string {
  let value = 0n;
  for (let word = 0; word < 4; word++)
    value = (value << 32n) | BigInt(hashString(key, (seed + word * 0x9e3779b9) >>> 0));
  if (value === 0n) value = 1n;
  return `2.25.${value.toString()}`;
}

/** Implementation Class UID of the NeuroPlan phantom writer (file meta group). */
export const IMPLEMENTATION_CLASS_UID = phantomUid(0, 'neuroplan-phantom-writer');
export const IMPLEMENTATION_VERSION_NAME = 'NEUROPLAN_PH_1';
