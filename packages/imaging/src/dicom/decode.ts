/**
 * One frame of a parsed file to stored values: native pixel data (little/big endian, 1/8/16/32-bit, float)
 * or encapsulated fragments through the codec for the transfer syntax. BitsStored masking and sign
 * extension are applied; the modality LUT is not (the caller rescales per frame).
 */
import type { Element } from 'dicom-parser';
import type { ParsedDicom } from './parse.ts';
import { reasonOf } from './parse.ts';
import { describeTransferSyntax, SUPPORTED_TRANSFER_SYNTAXES, transferSyntaxInfo } from './transferSyntax.ts';
import type { CodecKind } from './transferSyntax.ts';
import type { PixelFormat } from './types.ts';
import type { DecodedFrame } from './codecs/types.ts';
import { readJ2kHeader, readJpegHeader, startsCodestream } from './codecs/markers.ts';
import type { CodestreamHeader } from './codecs/markers.ts';

export type StoredPixels =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array;

/** UID → name of every transfer syntax decodeFrame decodes. */
export { SUPPORTED_TRANSFER_SYNTAXES };
export { setCodecWasmLocator, type WasmLocator } from './codecs/emscripten.ts';

/** Decoded frames larger than this are refused (a corrupt header must not trigger a huge allocation). */
const MAX_FRAME_BYTES = 2 ** 31 - 1;

type IntArrayCtor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor;

function arrayType(pixel: PixelFormat): IntArrayCtor {
  if (pixel.floatPixelData) return Float32Array;
  const signed = pixel.pixelRepresentation === 1;
  switch (pixel.bitsAllocated) {
    case 1:
      return Uint8Array;
    case 8:
      return signed ? Int8Array : Uint8Array;
    case 16:
      return signed ? Int16Array : Uint16Array;
    default:
      return signed ? Int32Array : Uint32Array;
  }
}

/**
 * Applies BitsStored: masks bits above HighBit (unsigned) or sign-extends from bit HighBit (signed).
 * Scans first so that clean data (the usual case) is returned as is, a view included.
 */
function applyBitsStored(values: StoredPixels, pixel: PixelFormat, owned: boolean): StoredPixels {
  const bits = pixel.bitsStored;
  if (pixel.floatPixelData || bits >= pixel.bitsAllocated || pixel.bitsAllocated === 1) return values;
  const signed = pixel.pixelRepresentation === 1;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const n = values.length;
  if (!signed) {
    // Hot path (every uncompressed CT/MR slice): one OR per value, no branch; clean data is returned as is.
    let bitsSeen = 0;
    for (let k = 0; k < n; k++) bitsSeen |= values[k]!;
    if (bitsSeen >>> 0 <= max) return values;
  }
  let i = 0;
  while (i < n) {
    const v = values[i]!;
    if (v > max || v < min) break;
    i++;
  }
  if (i === n) return values;
  const out = owned ? values : values.slice();
  const shift = 32 - bits;
  if (signed) {
    for (let k = i; k < n; k++) out[k] = (out[k]! << shift) >> shift;
  } else {
    const mask = bits === 32 ? 0xffffffff : 2 ** bits - 1;
    for (let k = i; k < n; k++) out[k] = (out[k]! & mask) >>> 0;
  }
  return out;
}

function numberOfFrames(parsed: ParsedDicom, fail: (r: string) => never): number {
  const element = parsed.dataSet.elements['x00280008'];
  if (!element || element.length === 0) return 1;
  let text: string | undefined;
  try {
    text = parsed.dataSet.string('x00280008');
  } catch (e) {
    fail(`unreadable NumberOfFrames: ${reasonOf(e)}`);
  }
  if (text === undefined || text.trim() === '') return 1;
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1) fail(`NumberOfFrames '${text}' is not a positive integer`);
  return n;
}

export interface DecodeOptions {
  /**
   * Hot path for loaders that rescale every value anyway: native little-endian frames come back as a
   * view WITHOUT the BitsStored scan, so the caller must check while it copies (writeSlice's
   * `storedMax` does) and call decodeFrame again without this option if a value is out of range.
   */
  uncheckedNative?: boolean;
}

export async function decodeFrame(
  parsed: ParsedDicom,
  pixel: PixelFormat,
  frameIndex: number,
  options: DecodeOptions = {},
): Promise<StoredPixels> {
  const { file } = parsed;
  try {
    return await decodeOrThrow(parsed, pixel, frameIndex, options);
  } catch (e) {
    const reason = reasonOf(e);
    if (e instanceof Error && reason.startsWith(`${file}: `)) throw e;
    throw new Error(`${file}: frame ${frameIndex}: ${reason}`);
  }
}

async function decodeOrThrow(
  parsed: ParsedDicom,
  pixel: PixelFormat,
  frameIndex: number,
  options: DecodeOptions,
): Promise<StoredPixels> {
  const { file, dataSet } = parsed;
  const fail = (reason: string): never => {
    throw new Error(`${file}: ${reason}`);
  };
  const uid = parsed.transferSyntaxUid;
  const syntax = transferSyntaxInfo(uid);
  if (!syntax?.supported)
    fail(
      `transfer syntax ${describeTransferSyntax(uid)} is not supported; supported are: ${Object.values(SUPPORTED_TRANSFER_SYNTAXES).join(', ')}`,
    );
  const frames = numberOfFrames(parsed, fail);
  if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= frames)
    fail(`frame ${frameIndex} requested, the file has ${frames} frame(s)`);

  const element = pixel.floatPixelData ? dataSet.elements['x7fe00008'] : dataSet.elements['x7fe00010'];
  if (!element)
    return fail(pixel.floatPixelData ? 'no Float Pixel Data (7FE0,0008)' : 'no pixel data (7FE0,0010)');
  const samples = pixel.rows * pixel.columns * pixel.samplesPerPixel;

  if (!syntax!.codec) {
    if (element.encapsulatedPixelData)
      fail(
        `pixel data is encapsulated but the transfer syntax ${describeTransferSyntax(uid)} is not compressed`,
      );
    return decodeNative(
      parsed,
      pixel,
      element,
      frameIndex,
      frames,
      samples,
      syntax!.bigEndian,
      fail,
      options,
    );
  }
  if (!element.encapsulatedPixelData || !element.fragments)
    fail(`transfer syntax ${describeTransferSyntax(uid)} needs encapsulated pixel data, (7FE0,0010) is not`);
  if (pixel.floatPixelData || pixel.bitsAllocated === 1)
    fail(
      `${pixel.floatPixelData ? 'float' : '1-bit'} pixels in a compressed transfer syntax are not supported`,
    );
  const bytesPerSample = pixel.bitsAllocated / 8;
  if (samples * bytesPerSample > MAX_FRAME_BYTES)
    fail(`a ${pixel.rows}×${pixel.columns}×${pixel.samplesPerPixel} frame is too large to decode`);

  const data = frameFragments(parsed, element, frameIndex, frames, syntax!.codec!, fail);
  const decoded = await runCodec(syntax!.codec!, data, pixel, fail);
  return toStored(decoded, pixel, samples, fail);
}

function decodeNative(
  parsed: ParsedDicom,
  pixel: PixelFormat,
  element: Element,
  frameIndex: number,
  frames: number,
  samples: number,
  bigEndian: boolean,
  fail: (r: string) => never,
  options: DecodeOptions,
): StoredPixels {
  const { bytes } = parsed;
  const available = Math.max(0, Math.min(element.length, bytes.length - element.dataOffset));
  const tooShort = (needed: number, frameBytes: number): never =>
    fail(
      `pixel data holds ${available} bytes, frame ${frameIndex} needs ${needed} ` +
        `(${frames} frame(s) of ${frameBytes} bytes; truncated file or wrong image size)`,
    );

  // Big endian OW holds 8- and 1-bit data as swapped 16-bit words: byte k of the value sits at k ^ 1.
  const swap = bigEndian && element.vr === 'OW' && pixel.bitsAllocated <= 8 ? 1 : 0;
  const base = element.dataOffset;

  if (pixel.bitsAllocated === 1) {
    // Frames of 1-bit data are packed back to back, not byte aligned; bit 0 of each byte comes first.
    const firstBit = frameIndex * samples;
    const endByte = Math.ceil((firstBit + samples) / 8);
    if (endByte > available) tooShort(endByte, samples / 8);
    const out = new Uint8Array(samples);
    for (let i = 0; i < samples; i++) {
      const bit = firstBit + i;
      out[i] = ((bytes[base + ((bit >>> 3) ^ swap)] ?? 0) >> (bit & 7)) & 1;
    }
    return out;
  }

  const bytesPerSample = pixel.bitsAllocated / 8;
  const frameBytes = samples * bytesPerSample;
  const start = frameIndex * frameBytes;
  if (start + frameBytes > available) tooShort(start + frameBytes, frameBytes);
  const Ctor = arrayType(pixel);
  if (swap) {
    const out = new Ctor(samples);
    const raw = new Uint8Array(out.buffer);
    for (let i = 0; i < frameBytes; i++) raw[i] = bytes[base + ((start + i) ^ 1)] ?? 0;
    return applyBitsStored(out, pixel, true);
  }
  const offset = bytes.byteOffset + element.dataOffset + start;
  if (!bigEndian && offset % bytesPerSample === 0) {
    // The hot path: a view on the file's bytes, no copy.
    const view = new Ctor(bytes.buffer as ArrayBuffer, offset, samples);
    return options.uncheckedNative ? view : applyBitsStored(view, pixel, false);
  }
  const copy = bytes.slice(element.dataOffset + start, element.dataOffset + start + frameBytes);
  if (bigEndian && bytesPerSample > 1) swapBytes(copy, bytesPerSample);
  return applyBitsStored(new Ctor(copy.buffer, 0, samples), pixel, true);
}

function swapBytes(data: Uint8Array, size: number): void {
  if (size === 2) {
    for (let i = 0; i + 1 < data.length; i += 2) {
      const a = data[i]!;
      data[i] = data[i + 1]!;
      data[i + 1] = a;
    }
  } else {
    for (let i = 0; i + 3 < data.length; i += 4) {
      const a = data[i]!;
      const b = data[i + 1]!;
      data[i] = data[i + 3]!;
      data[i + 1] = data[i + 2]!;
      data[i + 2] = b;
      data[i + 3] = a;
    }
  }
}

/** Extended Offset Table (7FE0,0001) and its lengths (7FE0,0002), 64-bit little-endian values. */
function extendedOffsets(parsed: ParsedDicom): number[] | undefined {
  const table = parsed.dataSet.elements['x7fe00001'];
  if (!table || table.length === 0 || table.length % 8 !== 0) return undefined;
  const { bytes } = parsed;
  if (table.dataOffset + table.length > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + table.dataOffset, table.length);
  const out: number[] = [];
  for (let i = 0; i < table.length; i += 8)
    out.push(view.getUint32(i, true) + view.getUint32(i + 4, true) * 2 ** 32);
  return out;
}

/**
 * The bytes of frame `frameIndex`: from the Extended Offset Table, the Basic Offset Table, one fragment per
 * frame, or (no usable table) the fragments that start a new codestream.
 */
function frameFragments(
  parsed: ParsedDicom,
  element: Element,
  frameIndex: number,
  frames: number,
  codec: CodecKind,
  fail: (r: string) => never,
): Uint8Array {
  const { bytes } = parsed;
  const fragments = element.fragments!;
  if (fragments.length === 0) fail('encapsulated pixel data holds no fragments (truncated file?)');
  const fragmentBytes = (i: number): Uint8Array => {
    const f = fragments[i]!;
    if (f.position + f.length > bytes.length)
      fail(
        `pixel data fragment ${i} needs bytes up to ${f.position + f.length}, the file has ${bytes.length} (truncated)`,
      );
    return bytes.subarray(f.position, f.position + f.length);
  };
  const indexOfOffset = (offset: number): number => fragments.findIndex((f) => f.offset === offset);
  const join = (first: number, end: number): Uint8Array => {
    if (end - first === 1) return fragmentBytes(first);
    let total = 0;
    for (let i = first; i < end; i++) total += fragments[i]!.length;
    if (total > bytes.length) fail('pixel data fragments run past the end of the file');
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = first; i < end; i++) {
      const part = fragmentBytes(i);
      out.set(part, at);
      at += part.length;
    }
    return out;
  };

  if (frames === 1) return join(0, fragments.length);

  const eot = extendedOffsets(parsed);
  if (eot && eot.length === frames) {
    const at = indexOfOffset(eot[frameIndex]!);
    if (at >= 0) return fragmentBytes(at);
  }

  const bot = element.basicOffsetTable ?? [];
  if (bot.length === frames && bot[0] === 0 && bot.every((o, i) => i === 0 || o > bot[i - 1]!)) {
    const first = indexOfOffset(bot[frameIndex]!);
    const next = frameIndex + 1 < frames ? indexOfOffset(bot[frameIndex + 1]!) : fragments.length;
    if (first >= 0 && next > first) return join(first, next);
  }

  if (fragments.length === frames) return fragmentBytes(frameIndex);

  if (codec !== 'rle') {
    const family = codec === 'jpeg2000' || codec === 'htj2k' ? 'j2k' : 'jpeg';
    const starts: number[] = [];
    for (let i = 0; i < fragments.length; i++) {
      const f = fragments[i]!;
      const head = bytes.subarray(f.position, Math.min(f.position + Math.min(f.length, 8), bytes.length));
      if (startsCodestream(head, family)) starts.push(i);
    }
    if (starts.length === frames && starts[0] === 0)
      return join(starts[frameIndex]!, frameIndex + 1 < frames ? starts[frameIndex + 1]! : fragments.length);
  }
  return fail(
    `cannot tell which of the ${fragments.length} pixel data fragments hold frame ${frameIndex} ` +
      `(${frames} frames, no usable offset table)`,
  );
}

const sizeText = (h: { rows: number; columns: number; components: number }): string =>
  `${h.rows}×${h.columns}×${h.components}`;

function checkHeader(
  header: CodestreamHeader,
  pixel: PixelFormat,
  what: string,
  fail: (r: string) => never,
): void {
  if (
    header.rows !== pixel.rows ||
    header.columns !== pixel.columns ||
    header.components !== pixel.samplesPerPixel
  )
    fail(
      `the ${what} codestream is ${sizeText(header)} (rows×columns×samples), the DICOM header says ` +
        `${sizeText({ rows: pixel.rows, columns: pixel.columns, components: pixel.samplesPerPixel })}`,
    );
  if (header.precision > pixel.bitsAllocated)
    fail(
      `the ${what} codestream has ${header.precision}-bit samples, BitsAllocated is ${pixel.bitsAllocated}`,
    );
}

async function runCodec(
  codec: CodecKind,
  data: Uint8Array,
  pixel: PixelFormat,
  fail: (r: string) => never,
): Promise<DecodedFrame> {
  if (codec === 'rle') {
    checkRleHeader(data, pixel, fail);
    const { decodeWithDcmtk } = await import('./codecs/dcmtk.ts');
    return decodeWithDcmtk('rle', data, pixel);
  }
  if (codec === 'jpeg2000' || codec === 'htj2k') {
    const header = readJ2kHeader(data);
    if (!header) fail('frame does not start with a JPEG 2000 codestream (SOC + SIZ markers)');
    checkHeader(header!, pixel, 'JPEG 2000', fail);
    const { decodeHtj2k, decodeJpeg2000 } = await import('./codecs/jpeg2000.ts');
    return codec === 'htj2k' ? decodeHtj2k(data) : decodeJpeg2000(data);
  }
  // The JPEG family: the frame header says which process was used, whatever the transfer syntax claims.
  const header = readJpegHeader(data);
  if (!header) fail('frame does not start with a JPEG codestream (no SOI and frame header)');
  checkHeader(header!, pixel, 'JPEG', fail);
  switch (header!.process) {
    case 'jpeg-ls': {
      const { decodeJpegLs } = await import('./codecs/jpegLs.ts');
      return decodeJpegLs(data);
    }
    case 'lossless': {
      const { decodeJpegLossless } = await import('./codecs/jpegLossless.ts');
      return decodeJpegLossless(data, header!);
    }
    case 'baseline':
    case 'extended':
      if (header!.precision <= 8) {
        const { decodeJpeg8 } = await import('./codecs/jpegBaseline.ts');
        return decodeJpeg8(data);
      }
      if (header!.precision <= 12) {
        const { decodeWithDcmtk } = await import('./codecs/dcmtk.ts');
        return decodeWithDcmtk('jpeg', data, pixel);
      }
      return fail(`JPEG ${header!.process} process with ${header!.precision}-bit samples is not valid`);
    default:
      return fail(`JPEG ${header!.process} coding process is not supported`);
  }
}

/** RLE: a 64-byte header of segment count and offsets; refuse inconsistent ones before decoding. */
function checkRleHeader(data: Uint8Array, pixel: PixelFormat, fail: (r: string) => never): void {
  if (data.length < 64) fail(`RLE frame is ${data.length} bytes, shorter than its 64-byte header`);
  const view = new DataView(data.buffer, data.byteOffset, 64);
  const segments = view.getUint32(0, true);
  const expected = pixel.samplesPerPixel * (pixel.bitsAllocated / 8);
  if (segments !== expected)
    fail(
      `RLE header lists ${segments} segments, ${expected} expected for ${pixel.bitsAllocated}-bit ×${pixel.samplesPerPixel}`,
    );
  let previous = 63;
  for (let s = 0; s < segments; s++) {
    const offset = view.getUint32(4 + 4 * s, true);
    if (offset <= previous || offset >= data.length)
      fail(`RLE segment ${s} offset ${offset} is out of order or outside the ${data.length}-byte frame`);
    previous = offset;
  }
}

/** Decoded codec bytes → the stored-value array of the pixel format (widening 8-bit output if needed). */
function toStored(
  decoded: DecodedFrame,
  pixel: PixelFormat,
  samples: number,
  fail: (r: string) => never,
): StoredPixels {
  if (
    decoded.rows !== pixel.rows ||
    decoded.columns !== pixel.columns ||
    decoded.components !== pixel.samplesPerPixel
  )
    fail(
      `the decoder produced a ${sizeText(decoded)} image, the DICOM header says ${pixel.rows}×${pixel.columns}×${pixel.samplesPerPixel}`,
    );
  const size = pixel.bitsAllocated / 8;
  const got = decoded.bytes.length;
  const Ctor = arrayType(pixel);
  let values: StoredPixels;
  if (got === samples * size) {
    const aligned = decoded.bytes.byteOffset % size === 0 ? decoded.bytes : decoded.bytes.slice();
    values = new Ctor(aligned.buffer as ArrayBuffer, aligned.byteOffset, samples);
  } else if (got === samples * decoded.bytesPerSample && decoded.bytesPerSample < size) {
    const narrow =
      decoded.bytesPerSample === 1
        ? new Uint8Array(decoded.bytes.buffer, decoded.bytes.byteOffset, samples)
        : new Uint16Array(decoded.bytes.slice().buffer, 0, samples);
    values = new Ctor(samples);
    for (let i = 0; i < samples; i++) values[i] = narrow[i]!;
  } else {
    return fail(`the decoder produced ${got} bytes, ${samples * size} expected`);
  }
  return applyBitsStored(values, pixel, true);
}
