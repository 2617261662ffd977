/**
 * DICOM Part 10 parsing on top of dicom-parser: preamble or not, file meta or not (then the encoding is
 * guessed from the first element), deflated data sets (pako), header-only reads of the start of a file.
 * Every failure is an Error "<file>: <reason>".
 */
import dicomParser from 'dicom-parser';
import type { ByteArrayParser, ByteStream, DataSet, Element } from 'dicom-parser';
import { Inflate, Z_FINISH } from 'pako';
import { neverHasPixels, notAnImageReason, sopClassUidOf } from './sopClasses.ts';
import {
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  describeTransferSyntax,
  IMPLICIT_VR_LITTLE_ENDIAN,
  transferSyntaxInfo,
} from './transferSyntax.ts';

export interface ParsedDicom {
  /** Path or name the bytes came from (used in every message). */
  file: string;
  /**
   * The bytes `dataSet`'s element offsets refer to: the file as given, or for a deflated transfer syntax
   * the file meta followed by the inflated data set.
   */
  bytes: Uint8Array;
  dataSet: DataSet;
  /** From the file meta; for files without one, the guessed implicit/explicit VR (little or big endian). */
  transferSyntaxUid: string;
  /**
   * What was tolerated while reading, in words (e.g. a data set in another VR encoding than its transfer
   * syntax says): readDicomHeader passes these on so they become warnings of the volume.
   */
  notes?: string[];
}

/**
 * A header-only read found no pixel data within the bytes given: retry with the whole file. Either the
 * bytes end inside the header (when they already were the whole file, the file is truncated), or they
 * hold a complete data set without pixel data, and the message already says "not an image: ..." (a
 * caller that gave only the start of the file learns from the retry whether more follows).
 */
export class TruncatedHeaderError extends Error {
  override name = 'TruncatedHeaderError';
}

/** Pixel data elements: Pixel Data, Float Pixel Data, Double Float Pixel Data. */
export const PIXEL_DATA_TAGS = ['x7fe00010', 'x7fe00008', 'x7fe00009'] as const;

/** A deflated data set may not inflate past this (a zip bomb would otherwise exhaust memory). */
const MAX_INFLATED_BYTES = 1 << 30;

/** dicom-parser exports DataSet at runtime but only declares it as an interface. */
const DataSetCtor = (
  dicomParser as unknown as {
    DataSet: new (
      parser: ByteArrayParser,
      byteArray: Uint8Array,
      elements: Record<string, Element>,
    ) => DataSet;
  }
).DataSet;

const VRS = new Set(
  'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(
    ' ',
  ),
);

type Encoding = { implicitVr: boolean; bigEndian: boolean };

/** dicom-parser throws strings, Errors, or { exception, dataSet }: the words, whatever the shape. */
export function reasonOf(e: unknown): string {
  if (e && typeof e === 'object' && 'exception' in e)
    return reasonOf((e as { exception: unknown }).exception);
  if (e instanceof Error) return e.message || e.name;
  return typeof e === 'string' && e ? e : String(e);
}

const ranPastEnd = (reason: string): boolean =>
  /past end|overread|overrun|maxP ?osition|cannot seek|greater than or equal to/i.test(reason);

const u16le = (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8);

/** Guesses the encoding of a data set that starts at `pos` from its first element header. */
function sniffEncoding(bytes: Uint8Array, pos: number): Encoding | undefined {
  if (pos + 8 > bytes.length) return undefined;
  const groupLe = u16le(bytes, pos);
  const vr = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!);
  const explicit = VRS.has(vr);
  // A data set's first element is in one of the low, even groups (usually 0008); a big-endian group 0x0008
  // reads 0x0800 little-endian.
  const plausible = (group: number) => group % 2 === 0 && group >= 0x0002 && group <= 0x0028;
  const groupBe = (bytes[pos]! << 8) | bytes[pos + 1]!;
  if (explicit && !plausible(groupLe) && plausible(groupBe)) return { implicitVr: false, bigEndian: true };
  if (!plausible(groupLe)) return undefined;
  if (!explicit) {
    const length = u16le(bytes, pos + 4) + u16le(bytes, pos + 6) * 65536;
    if (length !== 0xffffffff && pos + 8 + length > bytes.length) return undefined;
  }
  return { implicitVr: !explicit, bigEndian: false };
}

const isUpper = (c: number | undefined): boolean => c !== undefined && c >= 0x41 && c <= 0x5a;
/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 Table 7.1-1). */
const LONG_LENGTH_VRS = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));

/**
 * Whether the little-endian data set at `pos` reads as this VR encoding: the first element header
 * (explicit: two upper-case VR letters) and, when its value has a defined length that ends inside the
 * bytes, the next one (explicit: VR letters again; implicit: a higher tag). 'unknown' when the bytes
 * cannot tell (an undefined length, or a first value that runs past the bytes of a header-only read).
 */
function readsAs(bytes: Uint8Array, pos: number, implicitVr: boolean): 'yes' | 'no' | 'unknown' {
  const hasVr = (at: number) => isUpper(bytes[at + 4]) && isUpper(bytes[at + 5]);
  const tagAt = (at: number) => u16le(bytes, at) * 65536 + u16le(bytes, at + 2);
  if (pos + 8 > bytes.length) return 'unknown';
  if (!implicitVr && !hasVr(pos)) return 'no';
  let next: number;
  if (implicitVr) {
    const length = u16le(bytes, pos + 4) + u16le(bytes, pos + 6) * 65536;
    if (length === 0xffffffff) {
      // Undefined length: a sequence, whose value starts with an item or its delimiter (FFFE,E000/E0DD).
      if (pos + 12 > bytes.length) return 'unknown';
      const item = u16le(bytes, pos + 10);
      return u16le(bytes, pos + 8) === 0xfffe && (item === 0xe000 || item === 0xe0dd) ? 'yes' : 'unknown';
    }
    next = pos + 8 + length;
  } else if (LONG_LENGTH_VRS.has(String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!))) {
    if (pos + 12 > bytes.length) return 'unknown';
    const length = u16le(bytes, pos + 8) + u16le(bytes, pos + 10) * 65536;
    if (length === 0xffffffff) return 'unknown';
    next = pos + 12 + length;
  } else next = pos + 8 + u16le(bytes, pos + 6);
  if (next === bytes.length) return 'yes';
  if (next + 6 > bytes.length) return 'unknown';
  // Explicit VR is told by its letters alone (tags out of order do not make it implicit); implicit VR
  // has no mark of its own but the next tag, which must follow the first.
  if (!implicitVr) return hasVr(next) ? 'yes' : 'no';
  return tagAt(next) > tagAt(pos) ? 'yes' : 'no';
}

/**
 * Whether a little-endian data set said to be in one VR encoding is in the other one. Explicit VR is
 * recognised by its VR letters (strong evidence: two headers in a row); a data set said to be explicit is
 * read as implicit only when its first header has no VR letters and reads as implicit VR.
 */
function otherVrFits(bytes: Uint8Array, pos: number, statedImplicit: boolean): boolean {
  const explicit = readsAs(bytes, pos, false);
  const implicit = readsAs(bytes, pos, true);
  if (!statedImplicit) return explicit === 'no' && implicit === 'yes';
  return (explicit === 'yes' && implicit !== 'yes') || (implicit === 'no' && explicit !== 'no');
}

const vrWords = (implicitVr: boolean) => (implicitVr ? 'implicit VR' : 'explicit VR');

function encodingUid(e: Encoding): string {
  if (e.implicitVr) return IMPLICIT_VR_LITTLE_ENDIAN;
  return e.bigEndian ? EXPLICIT_VR_BIG_ENDIAN : EXPLICIT_VR_LITTLE_ENDIAN;
}

/** Raw-inflates `data`; `complete` is false when the deflate stream stops short (truncated input). */
function inflateRaw(data: Uint8Array, file: string): { bytes: Uint8Array; complete: boolean } {
  const inflator = new Inflate({ raw: true, chunkSize: 1 << 20 });
  const chunks: Uint8Array[] = [];
  let total = 0;
  inflator.onData = (chunk) => {
    total += chunk.length;
    if (total > MAX_INFLATED_BYTES)
      throw new Error(`${file}: deflated data set inflates to more than ${MAX_INFLATED_BYTES} bytes`);
    chunks.push(chunk);
  };
  inflator.onEnd = () => {};
  inflator.push(data, Z_FINISH);
  // -5 (Z_BUF_ERROR) under Z_FINISH: the input ended before the deflate stream did.
  if (inflator.err !== 0 && inflator.err !== -5)
    throw new Error(
      `${file}: deflated data set is corrupt (${inflator.msg || `zlib error ${inflator.err}`})`,
    );
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return { bytes: out, complete: inflator.err === 0 };
}

/** Reads the group 0002 elements starting at `start` (always explicit VR little endian). */
function readFileMeta(bytes: Uint8Array, start: number): { elements: Record<string, Element>; end: number } {
  const stream = new dicomParser.ByteStream(dicomParser.littleEndianByteArrayParser, bytes, start);
  const elements: Record<string, Element> = {};
  const warnings: string[] = [];
  while (stream.position + 2 <= bytes.length && u16le(bytes, stream.position) === 0x0002) {
    const element = dicomParser.readDicomElementExplicit(stream, warnings);
    // Meta values stay little endian even when the data set is big endian.
    element.parser = dicomParser.littleEndianByteArrayParser;
    elements[element.tag] = element;
  }
  if (stream.position > bytes.length) throw new RangeError('file meta element runs past end of buffer');
  return { elements, end: stream.position };
}

const hexTag = (tag: string): string => `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5, 9).toUpperCase()})`;

/** The element whose value runs past the end of the bytes, if any. */
function overrunningElement(dataSet: DataSet, size: number): Element | undefined {
  let worst: Element | undefined;
  for (const el of Object.values(dataSet.elements)) {
    const end = el.length === 0xffffffff ? Infinity : el.dataOffset + el.length;
    if (end > size && (!worst || el.dataOffset > worst.dataOffset)) worst = el;
  }
  return worst;
}

/** Parses elements until `untilTag` (top level) or the end; a thrown reason is returned, not thrown. */
function parseElements(
  dataSet: DataSet,
  stream: ByteStream,
  encoding: Encoding,
  end: number,
  untilTag?: string,
): { failure?: string } {
  try {
    if (encoding.implicitVr)
      dicomParser.parseDicomDataSetImplicit(dataSet, stream, end, untilTag ? { untilTag } : undefined);
    else parseExplicitElements(dataSet, stream, end, untilTag);
    return {};
  } catch (e) {
    return { failure: reasonOf(e) };
  }
}

/** VRs with a 4-byte length that dicom-parser 1.8 does not know (it would read a 2-byte length). */
const LONG_VRS_UNKNOWN_TO_PARSER = new Set(['OV', 'SV', 'UV']);

/**
 * dicom-parser's explicit VR loop, except that top-level OV/SV/UV elements (e.g. the Extended Offset Table
 * (7FE0,0001)) are skipped here with their 4-byte length.
 */
function parseExplicitElements(dataSet: DataSet, stream: ByteStream, end: number, untilTag?: string): void {
  const bytes = stream.byteArray;
  while (stream.position < end) {
    const at = stream.position;
    if (
      at + 12 <= end &&
      LONG_VRS_UNKNOWN_TO_PARSER.has(String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!))
    ) {
      const tag = dicomParser.readTag(stream);
      const vr = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!);
      stream.seek(4);
      const length = stream.readUint32();
      if (length === 0xffffffff)
        throw new Error(`element ${hexTag(tag)} of VR ${vr} has an undefined length`);
      dataSet.elements[tag] = { tag, vr, length, dataOffset: stream.position };
      stream.seek(length);
      continue;
    }
    const element = dicomParser.readDicomElementExplicit(stream, dataSet.warnings, untilTag);
    dataSet.elements[element.tag] = element;
    if (element.tag === untilTag) return;
  }
  if (stream.position > end) throw new RangeError('dicomParser:parseDicomDataSetExplicit: buffer overrun');
}

/**
 * Reads the value of (7FE0,0010) whose header the parser stopped at: the fragments of encapsulated data
 * (as many as are whole when the file is cut; decodeFrame checks the frame it needs), then any elements
 * after it (trailing padding, signatures), which are best effort.
 */
function readPixelDataElement(
  dataSet: DataSet,
  stream: ByteStream,
  pixel: Element,
  encoding: Encoding,
  end: number,
): void {
  if (pixel.length === 0xffffffff) {
    pixel.hadUndefinedLength = true;
    try {
      dicomParser.findEndOfEncapsulatedElement(stream, pixel, dataSet.warnings);
    } catch (e) {
      pixel.encapsulatedPixelData = true;
      pixel.basicOffsetTable ??= [];
      pixel.fragments ??= [];
      dataSet.warnings.push(`pixel data cut short: ${reasonOf(e)}`);
      return;
    }
  } else if (pixel.dataOffset + pixel.length >= end) {
    return;
  } else {
    stream.seek(pixel.length);
  }
  if (stream.position < end) {
    const after = parseElements(dataSet, stream, encoding, end);
    if (after.failure !== undefined) dataSet.warnings.push(`after pixel data: ${after.failure}`);
  }
}

export function parseDicomFile(
  bytes: Uint8Array,
  file: string,
  options: { untilPixelData?: boolean } = {},
): ParsedDicom {
  try {
    return parseOrThrow(bytes, file, options.untilPixelData === true);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`${file}: `)) throw e;
    throw new Error(`${file}: cannot parse the DICOM data set: ${reasonOf(e)}`);
  }
}

function parseOrThrow(bytes: Uint8Array, file: string, headerOnly: boolean): ParsedDicom {
  const truncated = (reason: string): Error =>
    headerOnly ? new TruncatedHeaderError(`${file}: ${reason}`) : new Error(`${file}: ${reason}`);
  if (bytes.length < 8) throw truncated(`not a DICOM file: only ${bytes.length} bytes`);

  const hasPreamble =
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d;
  let position = hasPreamble ? 132 : 0;
  if (position + 2 > bytes.length) throw truncated('file ends right after the "DICM" marker');

  // File meta information (group 0002), with or without the preamble before it.
  let metaElements: Record<string, Element> = {};
  let transferSyntaxUid: string | undefined;
  if (u16le(bytes, position) === 0x0002) {
    try {
      const meta = readFileMeta(bytes, position);
      metaElements = meta.elements;
      position = meta.end;
    } catch (e) {
      const reason = reasonOf(e);
      if (ranPastEnd(reason)) throw truncated(`file ends inside the file meta information (${reason})`);
      throw new Error(`${file}: unreadable file meta information: ${reason}`);
    }
    const ts = metaElements['x00020010'];
    if (ts && ts.dataOffset + ts.length <= bytes.length)
      transferSyntaxUid = dicomParser
        .readFixedString(bytes, ts.dataOffset, ts.length)
        .replace(/[\0\s]+$/, '')
        .trim();
  }
  if (position + 8 > bytes.length) throw truncated('file ends before the first data set element');

  const sniffed = sniffEncoding(bytes, position);
  let encoding: Encoding;
  let deflated = false;
  const notes: string[] = [];
  const hasMeta = Object.keys(metaElements).length > 0;
  const info = transferSyntaxUid ? transferSyntaxInfo(transferSyntaxUid) : undefined;
  if (info) {
    encoding = { implicitVr: info.implicitVr, bigEndian: info.bigEndian };
    deflated = info.deflated;
    // Some writers encode the data set in the other VR than the transfer syntax says (pydicom reads
    // these too): when the first elements only make sense in the other encoding, use it.
    const stated = encoding.implicitVr;
    if (!deflated && !encoding.bigEndian && otherVrFits(bytes, position, stated)) {
      encoding = { implicitVr: !stated, bigEndian: false };
      notes.push(
        `the transfer syntax ${describeTransferSyntax(transferSyntaxUid!)} says ${vrWords(stated)}, ` +
          `but the data set is encoded in ${vrWords(!stated)}: it was read as ${vrWords(!stated)}`,
      );
    }
  } else if (hasMeta && !transferSyntaxUid) {
    // File meta without a TransferSyntaxUID: the bytes are DICOM (DICM and group 0002 say so), so the
    // data set is read in the little-endian VR encoding its first elements fit, explicit if both do.
    const explicit = readsAs(bytes, position, false) !== 'no';
    if (!explicit && readsAs(bytes, position, true) === 'no')
      throw new Error(
        `${file}: the file meta information has no TransferSyntaxUID (0002,0010) and the data set reads ` +
          'neither as explicit nor as implicit VR little endian',
      );
    encoding = { implicitVr: !explicit, bigEndian: false };
    transferSyntaxUid = encodingUid(encoding);
    notes.push(
      `the file meta information has no TransferSyntaxUID (0002,0010): the data set was read as ` +
        `${vrWords(encoding.implicitVr)} little endian, as its first elements are encoded`,
    );
  } else if (sniffed) {
    // No meta, no transfer syntax, or one we do not know (decodeFrame names it): parse as the bytes look.
    encoding = sniffed;
    if (!transferSyntaxUid) transferSyntaxUid = encodingUid(sniffed);
  } else if (!hasPreamble && !transferSyntaxUid) {
    throw new Error(`${file}: not a DICOM file (no "DICM" marker and no data element at the start)`);
  } else {
    throw new Error(`${file}: the data set does not start with a readable element header`);
  }

  let byteArray = bytes;
  let inflatedCompletely = true;
  if (deflated) {
    const inflated = inflateRaw(bytes.subarray(position), file);
    byteArray = new Uint8Array(position + inflated.bytes.length);
    byteArray.set(bytes.subarray(0, position), 0);
    byteArray.set(inflated.bytes, position);
    inflatedCompletely = inflated.complete;
  }

  const parser = encoding.bigEndian
    ? dicomParser.bigEndianByteArrayParser
    : dicomParser.littleEndianByteArrayParser;
  const dataSet = new DataSetCtor(parser, byteArray, {});
  dataSet.warnings = [];
  const stream = new dicomParser.ByteStream(parser, byteArray, position);
  // Stop at the pixel data element header: what follows is read below, tolerating a cut inside it.
  const header = parseElements(dataSet, stream, encoding, byteArray.length, 'x7fe00010');
  for (const [tag, el] of Object.entries(metaElements)) dataSet.elements[tag] = el;
  const pixel = dataSet.elements['x7fe00010'];
  const overran = header.failure !== undefined || stream.position > byteArray.length || !inflatedCompletely;
  const sopClassUid = sopClassUidOf(dataSet);
  // A structure set, plan, report... is no image however its data set ends: say so, no retry needed.
  if (overran && !pixel && neverHasPixels(sopClassUid))
    throw new Error(`${file}: ${notAnImageReason(sopClassUid)}`);
  if (header.failure !== undefined && !ranPastEnd(header.failure))
    throw new Error(`${file}: cannot parse the DICOM data set: ${header.failure}`);

  if (overran) {
    // Only Float / Double Float Pixel Data (not stopped at) may run past the end: decodeFrame reports it.
    const culprit = overrunningElement(dataSet, byteArray.length);
    const floatPixelCut = header.failure === undefined || /overrun/.test(header.failure);
    if (!(culprit && floatPixelCut && (culprit.tag === 'x7fe00008' || culprit.tag === 'x7fe00009'))) {
      if (!pixel || culprit?.tag !== 'x7fe00010') {
        const where = culprit
          ? `element ${hexTag(culprit.tag)} at byte ${culprit.dataOffset} runs past the end (${byteArray.length} bytes)`
          : inflatedCompletely
            ? `an element header runs past the end (${byteArray.length} bytes)`
            : 'the deflated data set stops short';
        throw truncated(
          `file ends inside the header: ${where}${headerOnly ? '' : ' (truncated file or corrupt length)'}`,
        );
      }
    }
  }
  if (pixel && !headerOnly) readPixelDataElement(dataSet, stream, pixel, encoding, byteArray.length);

  if (!hasMeta) {
    const known = ['x00080016', 'x00080018', 'x00080060', 'x00100010', 'x00280010', ...PIXEL_DATA_TAGS];
    if (!known.some((t) => dataSet.elements[t] !== undefined))
      throw new Error(
        `${file}: not a DICOM file (no file meta information and none of the usual data elements)`,
      );
  }
  // The data set read to the end of the bytes without pixel data: not an image, unless the bytes were only
  // the start of the file (a header-only caller retries with the whole file on TruncatedHeaderError).
  if (headerOnly && !PIXEL_DATA_TAGS.some((t) => dataSet.elements[t] !== undefined))
    throw truncated(notAnImageReason(sopClassUid));
  const parsed: ParsedDicom = { file, bytes: byteArray, dataSet, transferSyntaxUid: transferSyntaxUid! };
  if (notes.length > 0) parsed.notes = notes;
  return parsed;
}
