/**
 * Small, strict readers for header values out of a dicom-parser DataSet. Decimal strings (DS) are
 * parsed by the grammar of PS3.5 6.2 (spaces allowed around each value, exponents allowed), so
 * "1.0E+00", " 0.5" and "1.5E1 " read right and "1.5mm" is refused rather than read as 1.5.
 */
import type { DataSet } from 'dicom-parser';

const DS_GRAMMAR = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const IS_GRAMMAR = /^[+-]?\d+$/;

/** "(gggg,eeee)" for messages, from dicom-parser's "xggggeeee". */
export const tagName = (tag: string): string => `(${tag.slice(1, 5)},${tag.slice(5, 9)})`.toUpperCase();

/** The whole value as text, trimmed; undefined when absent or empty. */
export function textValue(ds: DataSet, tag: string): string | undefined {
  const element = ds.elements[tag];
  if (!element || element.length === 0) return undefined;
  const s = ds.string(tag);
  return s === undefined || s === '' ? undefined : s;
}

/** Backslash-separated values, each trimmed; undefined when absent or empty. */
export function textValues(ds: DataSet, tag: string): string[] | undefined {
  const element = ds.elements[tag];
  if (!element || element.length === 0) return undefined;
  const s = ds.string(tag);
  if (s === undefined || s === '') return undefined;
  return s.split('\\').map((v) => v.trim());
}

/** Parses one DS value; undefined when it is not a decimal number. */
export function parseDecimal(s: string): number | undefined {
  const t = s.trim();
  if (!DS_GRAMMAR.test(t)) return undefined;
  const x = Number(t);
  return Number.isFinite(x) ? x : undefined;
}

/**
 * All values of a DS element. Absent or empty → undefined. A value that is not a number, or a count
 * other than `count` (when given), throws "<file>: <name> (gggg,eeee) ...".
 */
export function decimals(
  ds: DataSet,
  tag: string,
  file: string,
  name: string,
  count?: number,
): number[] | undefined {
  const values = textValues(ds, tag);
  if (!values) return undefined;
  const raw = values.join('\\');
  if (count !== undefined && values.length !== count)
    throw new Error(
      `${file}: ${name} ${tagName(tag)} "${raw}" should hold ${count} numbers, it holds ${values.length}`,
    );
  return values.map((v) => {
    const x = parseDecimal(v);
    if (x === undefined)
      throw new Error(`${file}: ${name} ${tagName(tag)} "${raw}" is not a list of numbers`);
    return x;
  });
}

/** The first value of a DS element, strictly (see `decimals`). */
export function decimal(ds: DataSet, tag: string, file: string, name: string): number | undefined {
  return decimals(ds, tag, file, name)?.[0];
}

/** The first value of a DS element, or undefined when absent or malformed (for display-only values). */
export function looseDecimal(ds: DataSet, tag: string): number | undefined {
  const first = textValues(ds, tag)?.[0];
  return first === undefined ? undefined : parseDecimal(first);
}

/** The first value of an IS element; undefined when absent or not an integer. */
export function integerString(ds: DataSet, tag: string): number | undefined {
  const first = textValues(ds, tag)?.[0];
  if (first === undefined || !IS_GRAMMAR.test(first)) return undefined;
  return Number(first);
}

/**
 * An unsigned 16-bit value that may arrive as US, as UN (raw 2 bytes), or, from some converters,
 * as an integer string.
 */
export function unsignedShort(ds: DataSet, tag: string): number | undefined {
  const element = ds.elements[tag];
  if (!element || element.length === 0) return undefined;
  if (element.length === 2 && (element.vr === undefined || element.vr === 'US' || element.vr === 'UN'))
    return ds.uint16(tag);
  return integerString(ds, tag);
}

/** The values of an unsigned 32-bit element (UL), e.g. DimensionIndexValues. */
export function unsignedLongs(ds: DataSet, tag: string): number[] | undefined {
  const element = ds.elements[tag];
  if (!element || element.length === 0 || element.length % 4 !== 0) return undefined;
  const out: number[] = [];
  for (let i = 0; i < element.length / 4; i++) out.push(ds.uint32(tag, i)!);
  return out;
}

/** The item data sets of a sequence (empty when absent). */
export function sequenceItems(ds: DataSet | undefined, tag: string): DataSet[] {
  const items = ds?.elements[tag]?.items;
  if (!items) return [];
  const out: DataSet[] = [];
  for (const item of items) if (item.dataSet) out.push(item.dataSet);
  return out;
}

export const firstItem = (ds: DataSet | undefined, tag: string): DataSet | undefined =>
  sequenceItems(ds, tag)[0];

/** The raw bytes of an element (e.g. a private OB blob); undefined when absent. */
export function elementBytes(ds: DataSet, tag: string): Uint8Array | undefined {
  const element = ds.elements[tag];
  if (!element || element.length === 0) return undefined;
  const end = element.dataOffset + element.length;
  if (end > ds.byteArray.length) return undefined;
  return ds.byteArray.subarray(element.dataOffset, end);
}

/**
 * The element tag of a private attribute: finds which block (gggg,00xx) the creator reserved, so
 * (0019,100A) of "SIEMENS MR HEADER" is found even when the creator sits in another block.
 */
export function privateTag(ds: DataSet, group: string, creatorPrefix: string, elementLow: string): string {
  for (let block = 0x10; block <= 0xff; block++) {
    const b = block.toString(16).padStart(2, '0');
    const creator = textValue(ds, `x${group}00${b}`);
    if (creator?.toUpperCase().startsWith(creatorPrefix)) return `x${group}${b}${elementLow}`;
  }
  return `x${group}10${elementLow}`; // the usual block when no creator is recorded
}
