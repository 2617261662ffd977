/**
 * A small DICOM Part 10 writer for uncompressed images in Explicit VR Little Endian: 128-byte preamble,
 * "DICM", the file meta group (with its group length) and the data set, elements in ascending tag
 * order. Not a codec: pixel data is written raw. It leaves room for the pixel data and reports where,
 * so the caller renders straight into the file buffer without a copy. Values are checked against the
 * VR rules used here (lengths, characters, UID syntax) so a bug surfaces as an error, not a bad file.
 */

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

export type Vr =
  'AE' | 'CS' | 'DA' | 'DS' | 'IS' | 'LO' | 'PN' | 'SH' | 'TM' | 'UI' | 'US' | 'UL' | 'OB' | 'OW';

export interface DicomElement {
  /** (group << 16) | element. */
  tag: number;
  vr: Vr;
  /** Strings for text VRs (an array is a multi-value), numbers for US/UL/DS/IS, bytes for OB. */
  value: string | number | readonly (string | number)[] | Uint8Array;
}

/** Maximum value length per text VR (PS3.5 table 6.2-1). */
const MAX_LENGTH: Partial<Record<Vr, number>> = {
  AE: 16,
  CS: 16,
  DA: 8,
  DS: 16,
  IS: 12,
  LO: 64,
  PN: 64,
  SH: 16,
  TM: 14,
  UI: 64,
};
const LONG_LENGTH_VRS = new Set<Vr>(['OB', 'OW']);
const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$/;

export const tagName = (tag: number): string =>
  `(${(tag >>> 16).toString(16).padStart(4, '0')},${(tag & 0xffff).toString(16).padStart(4, '0')})`.toUpperCase();

/** Decimal String: the shortest form that reads back as the same double, checked to fit 16 characters. */
export function formatDs(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`DS value ${x} is not a finite number`);
  let s = String(x === 0 ? 0 : x);
  if (s.length > 16) s = x.toPrecision(16 - (x < 0 ? 7 : 6)); // sign, "0.", "e-xx"
  if (s.length > 16) throw new Error(`DS value ${x} does not fit in 16 characters`);
  return s;
}

function textValue(el: DicomElement): string {
  const values = Array.isArray(el.value) ? el.value : [el.value];
  const parts = values.map((v) => {
    const s = typeof v === 'number' ? (el.vr === 'DS' ? formatDs(v) : String(v)) : String(v);
    if (el.vr === 'IS' && !/^[+-]?[0-9]+$/.test(s))
      throw new Error(`${tagName(el.tag)} IS value "${s}" is not an integer`);
    if (el.vr === 'UI' && s !== '' && (!UID_PATTERN.test(s) || s.length > 64))
      throw new Error(`${tagName(el.tag)} "${s}" is not a valid UID`);
    const max = MAX_LENGTH[el.vr];
    if (max !== undefined && s.length > max)
      throw new Error(`${tagName(el.tag)} ${el.vr} value "${s}" exceeds ${max} characters`);
    if (!/^[\x20-\x7e]*$/.test(s) || s.includes('\\'))
      throw new Error(
        `${tagName(el.tag)} value "${s}" has characters outside printable ASCII or a backslash`,
      );
    return s;
  });
  return parts.join('\\');
}

/** Encodes one element: header and even-padded value. */
function encode(el: DicomElement): Uint8Array {
  let value: Uint8Array;
  if (el.vr === 'US' || el.vr === 'UL') {
    const nums = (Array.isArray(el.value) ? el.value : [el.value]) as number[];
    const width = el.vr === 'US' ? 2 : 4;
    value = new Uint8Array(nums.length * width);
    const dv = new DataView(value.buffer);
    nums.forEach((n, i) => {
      const max = width === 2 ? 0xffff : 0xffffffff;
      if (!Number.isInteger(n) || n < 0 || n > max)
        throw new Error(`${tagName(el.tag)} ${el.vr} value ${n} out of range`);
      if (width === 2) dv.setUint16(i * 2, n, true);
      else dv.setUint32(i * 4, n, true);
    });
  } else if (el.value instanceof Uint8Array) {
    value = el.value;
  } else {
    const s = textValue(el);
    const padded = s.length % 2 === 0 ? s : s + (el.vr === 'UI' ? '\0' : ' ');
    value = new Uint8Array(padded.length);
    for (let i = 0; i < padded.length; i++) value[i] = padded.charCodeAt(i);
  }
  const valueLength = value.length + (value.length % 2);
  const long = LONG_LENGTH_VRS.has(el.vr);
  if (!long && valueLength > 0xffff) throw new Error(`${tagName(el.tag)} value too long for ${el.vr}`);
  const headerLength = long ? 12 : 8;
  const out = new Uint8Array(headerLength + valueLength);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, el.tag >>> 16, true);
  dv.setUint16(2, el.tag & 0xffff, true);
  out[4] = el.vr.charCodeAt(0);
  out[5] = el.vr.charCodeAt(1);
  if (long) dv.setUint32(8, valueLength, true);
  else dv.setUint16(6, valueLength, true);
  out.set(value, headerLength);
  return out;
}

function checkOrder(elements: readonly DicomElement[]): void {
  for (let i = 1; i < elements.length; i++)
    if (elements[i]!.tag <= elements[i - 1]!.tag)
      throw new Error(
        `DICOM elements out of order: ${tagName(elements[i]!.tag)} after ${tagName(elements[i - 1]!.tag)}`,
      );
}

export interface Part10Layout {
  bytes: Uint8Array;
  /** Byte offset of the pixel data value (even, so a Uint16Array view can be placed on it). */
  pixelDataOffset: number;
}

/**
 * Encodes a Part 10 file whose data set is `dataset` (sorted, without Pixel Data) followed by an OW Pixel
 * Data element of `pixelDataBytes` zero bytes for the caller to fill.
 */
export function buildPart10(
  meta: {
    sopClassUid: string;
    sopInstanceUid: string;
    implementationClassUid: string;
    implementationVersionName: string;
  },
  dataset: readonly DicomElement[],
  pixelDataBytes: number,
): Part10Layout {
  if (!Number.isInteger(pixelDataBytes) || pixelDataBytes < 0 || pixelDataBytes % 2 !== 0)
    throw new Error(`pixel data length ${pixelDataBytes} must be a non-negative even byte count`);
  const metaBody = [
    { tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) },
    { tag: 0x00020002, vr: 'UI', value: meta.sopClassUid },
    { tag: 0x00020003, vr: 'UI', value: meta.sopInstanceUid },
    { tag: 0x00020010, vr: 'UI', value: EXPLICIT_VR_LITTLE_ENDIAN },
    { tag: 0x00020012, vr: 'UI', value: meta.implementationClassUid },
    { tag: 0x00020013, vr: 'SH', value: meta.implementationVersionName },
  ] satisfies DicomElement[];
  checkOrder(dataset);
  if (dataset.some((e) => e.tag >>> 16 === 0x0002 || e.tag >= 0x7fe00010))
    throw new Error('data set must not contain file meta or pixel data elements');
  const metaParts = metaBody.map(encode);
  const metaLength = metaParts.reduce((n, p) => n + p.length, 0);
  const groupLength = encode({ tag: 0x00020000, vr: 'UL', value: metaLength });
  const dataParts = dataset.map(encode);
  const pixelHeader = new Uint8Array(12);
  const pv = new DataView(pixelHeader.buffer);
  pv.setUint16(0, 0x7fe0, true);
  pv.setUint16(2, 0x0010, true);
  pixelHeader[4] = 0x4f; // 'O'
  pixelHeader[5] = 0x57; // 'W'
  pv.setUint32(8, pixelDataBytes, true);
  const parts = [groupLength, ...metaParts, ...dataParts, pixelHeader];
  const headerLength = 132 + parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(headerLength + pixelDataBytes);
  bytes.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM"
  let offset = 132;
  for (const p of parts) {
    bytes.set(p, offset);
    offset += p.length;
  }
  return { bytes, pixelDataOffset: offset };
}
