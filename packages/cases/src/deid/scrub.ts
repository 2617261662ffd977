/**
 * Scrubbing identifying text out of JSON values (the plan, JSON channels, decoded ROS messages): known
 * identities (patient names and IDs, operator names) are replaced wherever they occur in a string, ISO 8601
 * times and ROS `{sec, nanosec}` stamps move by the export's date shift, and known UIDs are remapped.
 */
import type { UidMapper } from './uids.ts';

export interface ScrubOptions {
  /** Identity text → replacement (e.g. operator name → `surgeon-1`, patient ID → case pseudonym). */
  replacements: ReadonlyMap<string, string>;
  dateShiftDays: number;
  uids: UidMapper;
  /** UIDs to remap when a string equals one (those seen in the DICOM files). */
  knownUids: ReadonlySet<string>;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function scrubString(s: string, o: ScrubOptions): string {
  if (o.knownUids.has(s)) return o.uids.map(s);
  if (ISO.test(s)) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return new Date(t + o.dateShiftDays * 86_400_000).toISOString();
  }
  let out = s;
  // Longest first, so "Jane Doe" is replaced before "Jane".
  for (const [from, to] of [...o.replacements].sort((a, b) => b[0].length - a[0].length))
    if (from && out.includes(from)) out = out.split(from).join(to);
  return out;
}

/** A scrubbed deep copy; typed arrays and bigints pass through. */
export function scrubValue(v: unknown, o: ScrubOptions): unknown {
  if (typeof v === 'string') return scrubString(v, o);
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, o));
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  // builtin_interfaces/Time
  if (keys.length === 2 && typeof obj.sec === 'number' && typeof obj.nanosec === 'number' && obj.sec > 0)
    return { sec: obj.sec + o.dateShiftDays * 86_400, nanosec: obj.nanosec };
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = scrubValue(obj[k], o);
  return out;
}
