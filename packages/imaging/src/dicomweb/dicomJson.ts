/**
 * Reading values out of DICOM JSON datasets (PS3.18 F.2): `{ "0020000D": { "vr": "UI", "Value": [...] } }`.
 * Servers differ in small ways (numbers as strings for IS/DS, PN as an object or, wrongly, a string):
 * the readers accept both and return '' / undefined for what is absent or unreadable.
 */
export type DicomJsonDataset = Record<string, unknown>;

function values(ds: DicomJsonDataset, tag: string): unknown[] {
  const element = ds[tag] ?? ds[tag.toLowerCase()];
  const value = (element as { Value?: unknown } | undefined)?.Value;
  return Array.isArray(value) ? value : [];
}

/** The first value as text; a PN value gives its alphabetic group. */
export function jsonString(ds: DicomJsonDataset, tag: string): string {
  const first = values(ds, tag)[0];
  if (typeof first === 'string') return first.trim();
  if (typeof first === 'number') return String(first);
  if (first && typeof first === 'object') {
    const alphabetic = (first as { Alphabetic?: unknown }).Alphabetic;
    return typeof alphabetic === 'string' ? alphabetic.trim() : '';
  }
  return '';
}

/** Every value as text (multi-valued CS such as Modalities in Study). */
export function jsonStrings(ds: DicomJsonDataset, tag: string): string[] {
  return values(ds, tag)
    .map((v) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : ''))
    .filter((v) => v !== '');
}

/** The first value as a finite number (IS/DS/US may come as numbers or strings), else undefined. */
export function jsonNumber(ds: DicomJsonDataset, tag: string): number | undefined {
  const first = values(ds, tag)[0];
  const n =
    typeof first === 'number'
      ? first
      : typeof first === 'string' && first.trim() !== ''
        ? Number(first)
        : NaN;
  return Number.isFinite(n) ? n : undefined;
}
