/**
 * Robustness: deterministic corruptions (seeded PRNG) of real fixture files — truncations, bit flips, absurd
 * element lengths, wrong VRs, corrupted transfer syntax UIDs, corrupted Image Pixel attributes, offset tables
 * and fragment items. Each variant must either decode or fail with an Error whose message starts with the
 * file name and says why (never a bare TypeError/RangeError, never a hang, never a huge allocation).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DataSet, Element } from 'dicom-parser';
import { parseDicomFile, TruncatedHeaderError } from '../src/dicom/parse.ts';
import { readPixelFormat } from '../src/dicom/pixelFormat.ts';
import { decodeFrame } from '../src/dicom/decode.ts';
import { mulberry32 } from '../src/random.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const SOURCES = [
  'dicom/MR_small.dcm',
  'dicom/CT_small.dcm',
  'dicom/MR_small_RLE.dcm',
  'dicom/JPEG2000.dcm',
  'transfer-syntax/mr_implicit_le.dcm',
  'transfer-syntax/mr_explicit_be.dcm',
  'transfer-syntax/mr_deflated.dcm',
  'transfer-syntax/mr_no_preamble_implicit.dcm',
  'transfer-syntax/mr_1bit.dcm',
  'transfer-syntax/mr_float32.dcm',
  'transfer-syntax/mr12s_junk.dcm',
  'transfer-syntax/mr_3frames_rle.dcm',
  'transfer-syntax/mr_3frames_rle_eot.dcm',
  'transfer-syntax/mr8_jpeg_baseline.dcm',
  'transfer-syntax/mr12u_jpeg_extended.dcm',
  'transfer-syntax/mr_jpeg_lossless_sv1.dcm',
  'transfer-syntax/mr_3frames_jpeg_lossless_nobot.dcm',
  'transfer-syntax/mr_jpegls_lossless.dcm',
  'transfer-syntax/mr_j2k_lossless.dcm',
  'transfer-syntax/mr_htj2k_lossless.dcm',
];

interface Variant {
  name: string;
  bytes: Uint8Array;
}

const ABSURD_LENGTHS = [0xfffffff0, 0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 1, 3];
const VR_JUNK = ['SQ', 'OB', 'UN', 'OW', 'UT', 'ZZ', '\0\0', 'OV', 'US', 'AT'];
const TS_JUNK = [
  '1.2.840.10008.1.2.4.99',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.5',
  'garbage-not-a-uid!!',
  '',
];

/** Where an element's length field sits and how wide it is (from dicom-parser's parse of the clean file). */
function lengthField(el: Element, bytes: Uint8Array, implicit: boolean): { at: number; size: 2 | 4 } {
  if (implicit) return { at: el.dataOffset - 4, size: 4 };
  // Explicit: short form is tag(4) VR(2) len(2); long form is tag(4) VR(2) 00 00 len(4).
  const shortVr = String.fromCharCode(bytes[el.dataOffset - 4]!, bytes[el.dataOffset - 3]!);
  return /^[A-Z]{2}$/.test(shortVr) ? { at: el.dataOffset - 2, size: 2 } : { at: el.dataOffset - 4, size: 4 };
}

function writeUint(bytes: Uint8Array, at: number, size: 2 | 4, value: number, bigEndian: boolean): void {
  for (let i = 0; i < size; i++) {
    const shift = bigEndian ? 8 * (size - 1 - i) : 8 * i;
    if (at + i >= 0 && at + i < bytes.length) bytes[at + i] = Math.floor(value / 2 ** shift) & 0xff;
  }
}

function variantsOf(file: string, seed: number): Variant[] {
  const original = new Uint8Array(readFileSync(join(fixtures, file)));
  const parsed = parseDicomFile(original, file);
  const { dataSet } = parsed;
  const implicit = parsed.transferSyntaxUid === '1.2.840.10008.1.2';
  const bigEndian = parsed.transferSyntaxUid === '1.2.840.10008.1.2.2';
  const deflated = parsed.transferSyntaxUid.endsWith('.99');
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const int = (n: number) => Math.floor(rand() * n);
  const out: Variant[] = [];
  const add = (kind: string, bytes: Uint8Array) => out.push({ name: `${file}#${kind}${out.length}`, bytes });
  const copy = () => original.slice();
  // Elements whose headers lie in the original bytes (not in an inflated data set), meta elements included.
  const elements = Object.values(dataSet.elements).filter(
    (el) => el.dataOffset > 8 && el.dataOffset <= original.length && (!deflated || el.tag < 'x00030000'),
  );
  const isMeta = (el: Element) => el.tag < 'x00030000';

  // Truncations at many offsets, including inside the header and inside the pixel data.
  for (let i = 0; i < 6; i++) add('cut', original.slice(0, int(original.length)));
  for (const el of elements.slice(0, 40).filter(() => rand() < 0.15))
    add('cut-at-element', original.slice(0, el.dataOffset));

  // Random bit flips, 1 to 16 of them.
  for (let i = 0; i < 8; i++) {
    const b = copy();
    const flips = 1 + int(16);
    for (let f = 0; f < flips; f++) b[int(b.length)]! ^= 1 << int(8);
    add('flip', b);
  }
  // Bit flips confined to the first 2 KiB (header territory).
  for (let i = 0; i < 4; i++) {
    const b = copy();
    for (let f = 0; f < 4; f++) b[int(Math.min(2048, b.length))]! ^= 1 << int(8);
    add('flip-head', b);
  }

  // Absurd element lengths.
  for (let i = 0; i < 7 && elements.length > 0; i++) {
    const el = pick(elements);
    const field = lengthField(el, original, implicit && !isMeta(el));
    const b = copy();
    const value = field.size === 2 ? pick([0xffff, 0xfff0, 0x8000, 1]) : pick(ABSURD_LENGTHS);
    writeUint(b, field.at, field.size, value, bigEndian && !isMeta(el));
    add('length', b);
  }

  // Wrong VRs (explicit VR files).
  if (!implicit) {
    for (let i = 0; i < 4 && elements.length > 0; i++) {
      const el = pick(elements);
      const field = lengthField(el, original, false);
      const vrAt = field.size === 2 ? el.dataOffset - 4 : el.dataOffset - 8;
      const b = copy();
      const vr = pick(VR_JUNK);
      b[vrAt] = vr.charCodeAt(0);
      b[vrAt + 1] = vr.charCodeAt(1);
      add('vr', b);
    }
  }

  // Corrupted transfer syntax UID (files with meta).
  const tsElement = dataSet.elements['x00020010'];
  if (tsElement) {
    for (let i = 0; i < 3; i++) {
      const b = copy();
      const text = pick(TS_JUNK).padEnd(tsElement.length, '\0').slice(0, tsElement.length);
      for (let k = 0; k < tsElement.length; k++) b[tsElement.dataOffset + k] = text.charCodeAt(k);
      add('ts', b);
    }
  }

  // Image Pixel attributes with absurd values (rows × columns × frames far beyond the bytes there).
  const us = (tag: string) => dataSet.elements[tag];
  for (const [tag, values] of [
    ['x00280010', [0, 1, 0xffff, 4096]],
    ['x00280011', [0, 0xffff, 65]],
    ['x00280100', [0, 7, 12, 64, 32, 1]],
    ['x00280101', [0, 17, 64]],
    ['x00280102', [0, 3, 40]],
    ['x00280002', [0, 2, 3, 4]],
    ['x00280103', [2, 1, 0]],
  ] as const) {
    const el = us(tag);
    if (!el || (deflated && !isMeta(el))) continue;
    const b = copy();
    writeUint(b, el.dataOffset, 2, pick(values), bigEndian);
    add(`pixel-${tag}`, b);
  }
  const frames = us('x00280008');
  if (frames && !deflated && frames.length >= 2) {
    for (const text of [
      '9999999999'.slice(0, frames.length),
      '-1'.padEnd(frames.length, ' '),
      'x'.repeat(frames.length),
    ]) {
      const b = copy();
      for (let k = 0; k < frames.length; k++) b[frames.dataOffset + k] = text.charCodeAt(k);
      add('frames', b);
    }
  }

  // Encapsulated pixel data: offset tables, fragment item tags and lengths.
  const pixel = dataSet.elements['x7fe00010'];
  if (pixel?.encapsulatedPixelData && pixel.fragments) {
    const botStart = pixel.dataOffset + 8;
    for (let i = 0; i < 3 && pixel.basicOffsetTable!.length > 0; i++) {
      const b = copy();
      writeUint(
        b,
        botStart + 4 * int(pixel.basicOffsetTable!.length),
        4,
        pick([0xfffffff0, 1, 12345, 0]),
        false,
      );
      add('bot', b);
    }
    {
      const b = copy();
      writeUint(b, pixel.dataOffset + 4, 4, pick([0xfffffff0, 0x7ffffff0, 6, 4000]), false); // BOT item length
      add('bot-length', b);
    }
    for (let i = 0; i < 4; i++) {
      const fragment = pick(pixel.fragments);
      const b = copy();
      const field = rand() < 0.5 ? fragment.position - 4 : fragment.position - 8;
      writeUint(b, field, 4, pick([0xfffffff0, 0xffffffff, 0, 7, 0x00010000]), false);
      add('fragment', b);
    }
    for (let i = 0; i < 3; i++) {
      const fragment = pick(pixel.fragments);
      const b = copy();
      // Break the codestream header at the start of a fragment.
      for (let k = 0; k < 12; k++) b[fragment.position + int(Math.min(64, fragment.length))] = int(256);
      add('codestream', b);
    }
    const eot = dataSet.elements['x7fe00001'];
    if (eot) {
      const b = copy();
      writeUint(b, eot.dataOffset + 8 * int(eot.length / 8), 4, pick([0xfffffff0, 7, 0]), false);
      add('eot', b);
    }
  }
  return out;
}

function checkError(e: unknown, name: string): string {
  expect(e).toBeInstanceOf(Error);
  const error = e as Error;
  // Our errors only: not a TypeError/RangeError escaping from deep inside a library.
  expect([Error, TruncatedHeaderError]).toContain(error.constructor);
  expect(error.message.startsWith(`${name}: `), error.message).toBe(true);
  const reason = error.message.slice(name.length + 2);
  expect(reason.length, error.message).toBeGreaterThan(8);
  return reason;
}

async function attempt(v: Variant): Promise<'decoded' | string> {
  // Header-only read of the first part, as the loader does.
  try {
    parseDicomFile(v.bytes.subarray(0, 4096), v.name, { untilPixelData: true });
  } catch (e) {
    checkError(e, v.name);
  }
  try {
    const parsed = parseDicomFile(v.bytes, v.name);
    const pixel = readPixelFormat(parsed);
    const values = await decodeFrame(parsed, pixel, 0);
    expect(values.length).toBe(pixel.rows * pixel.columns * pixel.samplesPerPixel);
    return 'decoded';
  } catch (e) {
    return checkError(e, v.name);
  }
}

describe('corrupted DICOM files fail cleanly', () => {
  // FUZZ_ROUNDS=n (default 1) multiplies the seeds for a longer local run.
  const rounds = Number(process.env['FUZZ_ROUNDS'] ?? 1);
  const variants = Array.from({ length: rounds }, (_, r) =>
    SOURCES.flatMap((file, i) => variantsOf(file, 1000 + i + 7919 * r)),
  ).flat();

  it(`generates at least 500 variants (${variants.length})`, () => {
    expect(variants.length).toBeGreaterThanOrEqual(500);
  });

  it('each variant decodes or throws "<file>: <reason>"', { timeout: 90_000 * rounds }, async () => {
    const outcomes = new Map<string, number>();
    for (const v of variants) {
      const outcome = await attempt(v);
      const key = outcome === 'decoded' ? 'decoded' : outcome.replace(/\d+/g, 'N').slice(0, 70);
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    // Both kinds of outcome occur: the corruptions are neither all harmless nor all fatal.
    expect(outcomes.get('decoded') ?? 0).toBeGreaterThan(20);
    expect(variants.length - (outcomes.get('decoded') ?? 0)).toBeGreaterThan(200);
    if (process.env['FUZZ_REPORT'])
      console.log(
        [...outcomes.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${n}\t${k}`)
          .join('\n'),
      );
  });

  it('rejects absurd image sizes before allocating (native and encapsulated)', async () => {
    for (const file of [
      'dicom/MR_small.dcm',
      'transfer-syntax/mr_jpegls_lossless.dcm',
      'transfer-syntax/mr_rle.dcm',
    ]) {
      const bytes = new Uint8Array(readFileSync(join(fixtures, file)));
      const ds: DataSet = parseDicomFile(bytes, file).dataSet;
      for (const tag of ['x00280010', 'x00280011'])
        writeUint(bytes, ds.elements[tag]!.dataOffset, 2, 0xffff, false);
      const parsed = parseDicomFile(bytes, file);
      const pixel = readPixelFormat(parsed);
      expect(pixel.rows).toBe(0xffff);
      await expect(decodeFrame(parsed, pixel, 0)).rejects.toThrow(
        new RegExp(
          `^${file.replace(/[./]/g, '\\$&')}: (pixel data holds \\d+ bytes, frame 0 needs|the JPEG codestream is 64×64×1|RLE frame|.*65535)`,
        ),
      );
    }
  });
});
