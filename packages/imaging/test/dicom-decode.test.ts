/**
 * Pixel decoding for every supported transfer syntax, checked against an independent oracle:
 * fixtures/transfer-syntax/oracle-pixels.py (pydicom 2.3 + numpy, run here) reads the uncompressed source
 * each fixture was made from (lossless: must match exactly), or the encoder tool's own decompression
 * of a lossy file (*.ref.dcm from dcmdjpeg / dcmdjpls / gdcmconv --raw / ojph_expand, see make-fixtures.sh:
 * must match within ±1; today they match exactly, the slack is for other builds of the same algorithms). The fixtures and how they were made: fixtures/transfer-syntax/README.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDicomFile, TruncatedHeaderError, type ParsedDicom } from '../src/dicom/parse.ts';
import { readPixelFormat } from '../src/dicom/pixelFormat.ts';
import { decodeFrame, SUPPORTED_TRANSFER_SYNTAXES, type StoredPixels } from '../src/dicom/decode.ts';
import { SOP_CLASS_NAMES } from '../src/dicom/sopClasses.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const TS = join(fixtures, 'transfer-syntax');
const SRC = join(fixtures, 'dicom');
const ts = (name: string) => join(TS, name);
const src = (name: string) => join(SRC, name);

interface Case {
  file: string;
  /** Transfer syntax UID parseDicomFile must report. */
  uid: string;
  /** The file the oracle reads for the expected stored values. */
  expected: string;
  /** Largest allowed |decoded - expected| (0: exact). */
  tolerance?: number;
}

const MR = src('MR_small.dcm');
const CT = src('CT_small.dcm');
const MR3 = ts('mr_3frames.dcm');

const CASES: Case[] = [
  // Native encodings: pydicom reads the same file (its own preamble/meta/VR detection for the bare ones).
  { file: MR, uid: '1.2.840.10008.1.2.1', expected: MR },
  { file: CT, uid: '1.2.840.10008.1.2.1', expected: CT },
  { file: ts('mr_implicit_le.dcm'), uid: '1.2.840.10008.1.2', expected: ts('mr_implicit_le.dcm') },
  { file: ts('mr_explicit_be.dcm'), uid: '1.2.840.10008.1.2.2', expected: ts('mr_explicit_be.dcm') },
  { file: ts('ct_explicit_be.dcm'), uid: '1.2.840.10008.1.2.2', expected: ts('ct_explicit_be.dcm') },
  {
    file: ts('mr_float32_explicit_be.dcm'),
    uid: '1.2.840.10008.1.2.2',
    expected: ts('mr_float32_explicit_be.dcm'),
  },
  // pydicom 2.3 gets big-endian 8/1-bit OW data wrong; DCMTK and GDCM (gdcmconv -w back to little endian)
  // agree that it is the little-endian source, so that is the oracle.
  { file: ts('mr_rgb8_explicit_be.dcm'), uid: '1.2.840.10008.1.2.2', expected: ts('mr_rgb8.dcm') },
  { file: ts('mr_1bit_explicit_be.dcm'), uid: '1.2.840.10008.1.2.2', expected: ts('mr_1bit.dcm') },
  { file: ts('mr_deflated.dcm'), uid: '1.2.840.10008.1.2.1.99', expected: ts('mr_deflated.dcm') },
  {
    file: ts('mr_no_preamble_implicit.dcm'),
    uid: '1.2.840.10008.1.2',
    expected: ts('mr_no_preamble_implicit.dcm'),
  },
  {
    file: ts('mr_preamble_no_meta.dcm'),
    uid: '1.2.840.10008.1.2.1',
    expected: ts('mr_preamble_no_meta.dcm'),
  },
  { file: ts('mr8.dcm'), uid: '1.2.840.10008.1.2.1', expected: ts('mr8.dcm') },
  { file: ts('mr_rgb8.dcm'), uid: '1.2.840.10008.1.2.1', expected: ts('mr_rgb8.dcm') },
  { file: ts('mr_1bit.dcm'), uid: '1.2.840.10008.1.2.1', expected: ts('mr_1bit.dcm') },
  { file: ts('mr_float32.dcm'), uid: '1.2.840.10008.1.2.1', expected: ts('mr_float32.dcm') },
  { file: ts('mr12s_junk.dcm'), uid: '1.2.840.10008.1.2.1', expected: ts('mr12s_junk.dcm') },
  {
    file: ts('mr12u_monochrome1_junk.dcm'),
    uid: '1.2.840.10008.1.2.1',
    expected: ts('mr12u_monochrome1_junk.dcm'),
  },
  { file: MR3, uid: '1.2.840.10008.1.2.1', expected: MR3 },
  // RLE (DCMTK dcmcrle; pydicom's MR_small_RLE.dcm).
  { file: ts('mr_rle.dcm'), uid: '1.2.840.10008.1.2.5', expected: MR },
  { file: src('MR_small_RLE.dcm'), uid: '1.2.840.10008.1.2.5', expected: MR },
  { file: ts('ct_rle.dcm'), uid: '1.2.840.10008.1.2.5', expected: CT },
  { file: ts('mr8_rle.dcm'), uid: '1.2.840.10008.1.2.5', expected: ts('mr8.dcm') },
  { file: ts('mr_rgb8_rle.dcm'), uid: '1.2.840.10008.1.2.5', expected: ts('mr_rgb8.dcm') },
  { file: ts('mr_3frames_rle.dcm'), uid: '1.2.840.10008.1.2.5', expected: MR3 },
  { file: ts('mr_3frames_rle_eot.dcm'), uid: '1.2.840.10008.1.2.5', expected: MR3 },
  // JPEG: baseline 8-bit and extended 12-bit are lossy (reference: dcmdjpeg); lossless P14 and SV1.
  {
    file: ts('mr8_jpeg_baseline.dcm'),
    uid: '1.2.840.10008.1.2.4.50',
    expected: ts('mr8_jpeg_baseline.ref.dcm'),
    tolerance: 1,
  },
  {
    file: ts('mr12u_jpeg_extended.dcm'),
    uid: '1.2.840.10008.1.2.4.51',
    expected: ts('mr12u_jpeg_extended.ref.dcm'),
    tolerance: 1,
  },
  { file: ts('mr_jpeg_lossless_p14.dcm'), uid: '1.2.840.10008.1.2.4.57', expected: MR },
  { file: ts('mr_jpeg_lossless_sv1.dcm'), uid: '1.2.840.10008.1.2.4.70', expected: MR },
  { file: ts('ct_jpeg_lossless_sv1.dcm'), uid: '1.2.840.10008.1.2.4.70', expected: CT },
  { file: ts('mr_3frames_jpeg_lossless_nobot.dcm'), uid: '1.2.840.10008.1.2.4.70', expected: MR3 },
  { file: ts('mr_3frames_jpeg_lossless_bot.dcm'), uid: '1.2.840.10008.1.2.4.70', expected: MR3 },
  // JPEG-LS lossless and near-lossless (NEAR=2; reference: dcmdjpls).
  { file: ts('mr_jpegls_lossless.dcm'), uid: '1.2.840.10008.1.2.4.80', expected: MR },
  { file: src('MR_small_jpeg_ls_lossless.dcm'), uid: '1.2.840.10008.1.2.4.80', expected: MR },
  { file: ts('ct_jpegls_lossless.dcm'), uid: '1.2.840.10008.1.2.4.80', expected: CT },
  { file: ts('mr_3frames_jpegls.dcm'), uid: '1.2.840.10008.1.2.4.80', expected: MR3 },
  {
    file: ts('mr12u_jpegls_near2.dcm'),
    uid: '1.2.840.10008.1.2.4.81',
    expected: ts('mr12u_jpegls_near2.ref.dcm'),
    tolerance: 1,
  },
  // JPEG 2000 (GDCM encoder; lossy reference: gdcmconv --raw). JPEG2000.dcm is pydicom's.
  { file: ts('mr_j2k_lossless.dcm'), uid: '1.2.840.10008.1.2.4.90', expected: MR },
  { file: ts('ct_j2k_lossless.dcm'), uid: '1.2.840.10008.1.2.4.90', expected: CT },
  {
    file: ts('mr_j2k_lossy.dcm'),
    uid: '1.2.840.10008.1.2.4.91',
    expected: ts('mr_j2k_lossy.ref.dcm'),
    tolerance: 1,
  },
  {
    file: src('JPEG2000.dcm'),
    uid: '1.2.840.10008.1.2.4.91',
    expected: ts('JPEG2000.ref.dcm'),
    tolerance: 1,
  },
  // HTJ2K from Debian's ojph_compress (lossy reference: ojph_expand).
  { file: ts('mr_htj2k_lossless.dcm'), uid: '1.2.840.10008.1.2.4.201', expected: MR },
  { file: ts('mr_htj2k_rpcl.dcm'), uid: '1.2.840.10008.1.2.4.202', expected: MR },
  {
    file: ts('mr_htj2k_lossy.dcm'),
    uid: '1.2.840.10008.1.2.4.203',
    expected: ts('mr_htj2k_lossy.ref.dcm'),
    tolerance: 1,
  },
];

interface OracleImage {
  rows: number;
  columns: number;
  samples: number;
  frames: number[][];
}

let oracle: Record<string, OracleImage>;

beforeAll(() => {
  const files = [...new Set(CASES.map((c) => c.expected))];
  const json = execFileSync('/usr/bin/python3', [join(TS, 'oracle-pixels.py'), ...files], {
    maxBuffer: 256 * 1024 * 1024,
  });
  oracle = JSON.parse(json.toString()) as Record<string, OracleImage>;
});

/** The oracle for one more file, outside the table above. */
async function oracleOf(file: string): Promise<OracleImage> {
  const json = execFileSync('/usr/bin/python3', [join(TS, 'oracle-pixels.py'), file]);
  return (JSON.parse(json.toString()) as Record<string, OracleImage>)[file]!;
}

const parse = (file: string, options?: { untilPixelData?: boolean }): ParsedDicom =>
  parseDicomFile(new Uint8Array(readFileSync(file)), file, options);

/** Largest |a - b|, and how many values differ at all. */
function compare(actual: StoredPixels, expected: number[]): { maxAbs: number; differing: number } {
  let maxAbs = 0;
  let differing = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (d > 0) differing++;
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
  }
  return { maxAbs, differing };
}

describe('decodeFrame: every transfer syntax against the pydicom oracle', () => {
  it.each(CASES.map((c) => [c.file.slice(fixtures.length + 1), c] as const))('%s', async (_name, c) => {
    const parsed = parse(c.file);
    expect(parsed.transferSyntaxUid).toBe(c.uid);
    const pixel = readPixelFormat(parsed);
    const want = oracle[c.expected]!;
    expect([pixel.rows, pixel.columns, pixel.samplesPerPixel]).toEqual([
      want.rows,
      want.columns,
      want.samples,
    ]);
    for (let k = 0; k < want.frames.length; k++) {
      const got = await decodeFrame(parsed, pixel, k);
      expect(got.length).toBe(want.frames[k]!.length);
      const { maxAbs, differing } = compare(got, want.frames[k]!);
      if (!c.tolerance) expect({ frame: k, differing }).toEqual({ frame: k, differing: 0 });
      else expect(maxAbs, `frame ${k}: max |difference|`).toBeLessThanOrEqual(c.tolerance);
    }
    await expect(decodeFrame(parsed, pixel, want.frames.length)).rejects.toThrow(
      new RegExp(`frame ${want.frames.length} requested, the file has ${want.frames.length} frame`),
    );
  });

  it('lists every required transfer syntax as supported', () => {
    const required = [
      '1.2.840.10008.1.2',
      '1.2.840.10008.1.2.1',
      '1.2.840.10008.1.2.2',
      '1.2.840.10008.1.2.1.99',
    ];
    for (const s of [
      '5',
      '4.50',
      '4.51',
      '4.57',
      '4.70',
      '4.80',
      '4.81',
      '4.90',
      '4.91',
      '4.201',
      '4.202',
      '4.203',
    ])
      required.push(`1.2.840.10008.1.2.${s}`);
    expect(Object.keys(SUPPORTED_TRANSFER_SYNTAXES).sort()).toEqual(required.sort());
  });
});

describe('decodeFrame: stored value semantics', () => {
  it('sign-extends 12-bit signed data with junk above HighBit to the values it was made from (MR − 1100)', async () => {
    const parsed = parse(ts('mr12s_junk.dcm'));
    const pixel = readPixelFormat(parsed);
    expect(pixel).toMatchObject({ bitsAllocated: 16, bitsStored: 12, highBit: 11, pixelRepresentation: 1 });
    const got = await decodeFrame(parsed, pixel, 0);
    expect(got).toBeInstanceOf(Int16Array);
    const mr = oracle[MR]!.frames[0]!;
    expect(
      compare(
        got,
        mr.map((v) => v - 1100),
      ).differing,
    ).toBe(0);
    expect(Math.min(...got)).toBeLessThan(0);
  });

  it('decodes 12-bit JPEG without bias against the uncompressed source (independent of DCMTK)', async () => {
    // The 12-bit decoder and its reference (dcmdjpeg) are both DCMTK: also compare with the pixels the file
    // was compressed from. A systematic offset (like the +15 of a pdf.js-derived decoder) fails here.
    const parsed = parse(ts('mr12u_jpeg_extended.dcm'));
    const got = await decodeFrame(parsed, readPixelFormat(parsed), 0);
    const source = (await oracleOf(ts('mr12u.dcm'))).frames[0]!;
    let sum = 0;
    let sumAbs = 0;
    for (let i = 0; i < source.length; i++) {
      sum += got[i]! - source[i]!;
      sumAbs += Math.abs(got[i]! - source[i]!);
    }
    expect(Math.abs(sum / source.length)).toBeLessThan(0.5);
    expect(sumAbs / source.length).toBeLessThan(5); // IJG quality 90 on 12-bit data: about 3
    expect(sumAbs).toBeGreaterThan(0); // it is lossy
  });

  it('masks junk above HighBit of unsigned MONOCHROME1 data and reports the photometric interpretation', async () => {
    const parsed = parse(ts('mr12u_monochrome1_junk.dcm'));
    const pixel = readPixelFormat(parsed);
    expect(pixel.photometricInterpretation).toBe('MONOCHROME1');
    const got = await decodeFrame(parsed, pixel, 0);
    expect(got).toBeInstanceOf(Uint16Array);
    expect(compare(got, oracle[MR]!.frames[0]!).differing).toBe(0);
  });

  it('returns a view on the file bytes (no copy) for aligned little-endian data', async () => {
    const parsed = parse(MR);
    const pixel = readPixelFormat(parsed);
    const element = parsed.dataSet.elements['x7fe00010']!;
    expect(element.dataOffset % 2).toBe(0);
    const got = await decodeFrame(parsed, pixel, 0);
    expect(got.buffer).toBe(parsed.bytes.buffer);
    expect(got.byteOffset).toBe(parsed.bytes.byteOffset + element.dataOffset);
    // Misaligned bytes still decode (by copying).
    const shifted = new Uint8Array(parsed.bytes.length + 1).subarray(1);
    shifted.set(parsed.bytes);
    const p2 = parseDicomFile(shifted, 'shifted.dcm');
    expect(Array.from(await decodeFrame(p2, readPixelFormat(p2), 0))).toEqual(Array.from(got));
  });

  it('reports Float Pixel Data as floatPixelData and decodes float32 values', async () => {
    const parsed = parse(ts('mr_float32.dcm'));
    const pixel = readPixelFormat(parsed);
    expect(pixel.floatPixelData).toBe(true);
    expect(await decodeFrame(parsed, pixel, 0)).toBeInstanceOf(Float32Array);
  });
});

describe('parseDicomFile: framing and headers', () => {
  it('guesses implicit VR for a bare data set and explicit VR after a preamble without meta', () => {
    const bare = parse(ts('mr_no_preamble_implicit.dcm'));
    expect(bare.dataSet.uint16('x00280010')).toBe(64);
    expect(bare.dataSet.string('x00080060')).toBe('MR');
    const noMeta = parse(ts('mr_preamble_no_meta.dcm'));
    expect(noMeta.dataSet.string('x00080060')).toBe('MR');
  });

  it('reads only the header with untilPixelData, also from the first part of a file', () => {
    const bytes = new Uint8Array(readFileSync(CT));
    const head = parseDicomFile(bytes.subarray(0, 7000), 'CT_small.dcm', { untilPixelData: true });
    expect(head.dataSet.elements['x7fe00010']).toBeDefined();
    expect(head.dataSet.uint16('x00280010')).toBe(128);
    // Cut inside the header: a recognisable error, so the caller re-reads the whole file.
    for (const cut of [200, 1000, 3000, 5000])
      expect(() => parseDicomFile(bytes.subarray(0, cut), 'CT_small.dcm', { untilPixelData: true })).toThrow(
        TruncatedHeaderError,
      );
    // A deflated file's header is inflated from the bytes given.
    const deflated = parse(ts('mr_deflated.dcm'), { untilPixelData: true });
    expect(deflated.dataSet.uint16('x00280011')).toBe(64);
  });

  it('gives a clear error for MR_truncated.dcm (pydicom test file whose pixel data is cut short)', async () => {
    const parsed = parse(src('MR_truncated.dcm'));
    const pixel = readPixelFormat(parsed);
    await expect(decodeFrame(parsed, pixel, 0)).rejects.toThrow(
      /MR_truncated\.dcm: pixel data holds 8130 bytes, frame 0 needs 8192/,
    );
  });

  it('names an unsupported transfer syntax', async () => {
    const bytes = new Uint8Array(readFileSync(ts('mr_jpegls_lossless.dcm')));
    const text = new TextDecoder('latin1').decode(bytes.subarray(0, 400));
    const at = text.indexOf('1.2.840.10008.1.2.4.80');
    expect(at).toBeGreaterThan(0);
    bytes.set(new TextEncoder().encode('1.2.840.10008.1.2.4.55'), at); // same length: JPEG full progression
    const parsed = parseDicomFile(bytes, 'progressive.dcm');
    await expect(decodeFrame(parsed, readPixelFormat(parsed), 0)).rejects.toThrow(
      /^progressive\.dcm: transfer syntax 1\.2\.840\.10008\.1\.2\.4\.55 \(JPEG Full Progression \(retired\)\) is not supported/,
    );
  });

  it('rejects files that are not DICOM, naming them', () => {
    const text = new TextEncoder().encode('This is a plain text file, not an image at all.\n'.repeat(10));
    expect(() => parseDicomFile(text, 'notes.txt')).toThrow(/^notes\.txt: not a DICOM file/);
    expect(() => parseDicomFile(new Uint8Array(3), 'tiny.dcm')).toThrow(
      /^tiny\.dcm: not a DICOM file: only 3 bytes/,
    );
  });
});

/**
 * Files from pydicom's own test corpus that the loader had never seen, and variants derived from them
 * (fixtures/corpus/README.md). Expected values: the pydicom oracle (fixtures/anomalies/oracle_volumes.py
 * 'frame' mode) reading the ORIGINAL file each variant was made from, and pydicom's UID dictionary for
 * SOP class names.
 */
describe('parseDicomFile: files from the pydicom corpus', () => {
  const CORPUS = join(fixtures, 'corpus');
  const corpus = (name: string) => join(CORPUS, name);
  const rescaledFrame = (file: string): number[] =>
    (
      JSON.parse(
        execFileSync(
          '/usr/bin/python3',
          [join(fixtures, 'anomalies', 'oracle_volumes.py'), 'frame', file, '0'],
          {
            encoding: 'utf8',
          },
        ),
      ) as { values: number[] }
    ).values;

  it('reads a data set encoded in the other VR than its transfer syntax says, and notes it', async () => {
    for (const [variant, original, said, found] of [
      ['mr_implicit_says_explicit.dcm', corpus('MR_small_implicit.dcm'), 'explicit', 'implicit'],
      ['mr_explicit_says_implicit.dcm', MR, 'implicit', 'explicit'],
    ] as const) {
      const parsed = parse(corpus(variant));
      expect(parsed.notes, variant).toEqual([
        expect.stringMatching(
          new RegExp(
            `says ${said} VR, but the data set is encoded in ${found} VR: it was read as ${found} VR`,
          ),
        ),
      ]);
      // MR_small has no rescale: stored values are the oracle's values.
      const pixel = readPixelFormat(parsed);
      expect([pixel.rows, pixel.columns]).toEqual([64, 64]);
      expect(compare(await decodeFrame(parsed, pixel, 0), rescaledFrame(original)).maxAbs).toBe(0);
      // The header-only read takes the same decision.
      expect(parse(corpus(variant), { untilPixelData: true }).notes).toEqual(parsed.notes);
    }
    // A file whose VR matches its transfer syntax carries no note, and one unreadable VR does not make
    // an explicit data set implicit (its first value length does not read as implicit VR).
    expect(parse(MR).notes).toBeUndefined();
    const mr = new Uint8Array(readFileSync(MR));
    const first = parse(MR).dataSet.elements['x00080008']!.dataOffset - 8;
    expect(String.fromCharCode(mr[first + 4]!, mr[first + 5]!)).toBe('CS');
    mr.set([0x3f, 0x3f], first + 4); // "??"
    const odd = parseDicomFile(mr, 'odd-vr.dcm');
    expect(odd.notes).toBeUndefined();
    expect(readPixelFormat(odd).rows).toBe(64);
    // SC_rgb_jpeg.dcm (pydicom: "Expected explicit VR, but found implicit VR"): readable, then refused as colour.
    const rgb = parse(corpus('SC_rgb_jpeg.dcm'));
    expect(rgb.notes?.join(' ')).toMatch(/JPEG Baseline.* says explicit VR, but .* implicit VR/);
    expect(readPixelFormat(rgb)).toMatchObject({ samplesPerPixel: 3, photometricInterpretation: 'RGB' });
  });

  it('guesses the VR of a file meta without TransferSyntaxUID from the data set, with a note', async () => {
    for (const [variant, original, vr] of [
      ['mr_no_tsyntax_implicit.dcm', corpus('MR_small_implicit.dcm'), 'implicit'],
      ['mr_no_tsyntax_explicit.dcm', MR, 'explicit'],
    ] as const) {
      const parsed = parse(corpus(variant));
      expect(parsed.transferSyntaxUid).toBe(vr === 'implicit' ? '1.2.840.10008.1.2' : '1.2.840.10008.1.2.1');
      expect(parsed.notes?.join(' ')).toMatch(
        new RegExp(`no TransferSyntaxUID \\(0002,0010\\): the data set was read as ${vr} VR little endian`),
      );
      const pixel = readPixelFormat(parsed);
      expect(compare(await decodeFrame(parsed, pixel, 0), rescaledFrame(original)).maxAbs).toBe(0);
    }
    // pydicom's own meta_missing_tsyntax.dcm: an implicit data set of private sequences and a 2-byte
    // pixel data element without an image size. Readable now; refused for what it is.
    const odd = parse(corpus('meta_missing_tsyntax.dcm'));
    expect(odd.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    expect(odd.dataSet.elements['x7fe00010']?.length).toBe(2);
    expect(() => readPixelFormat(odd)).toThrow(
      /^.*meta_missing_tsyntax\.dcm: pixel data without a usable image size: no Rows \(0028,0010\), no Columns/,
    );
  });

  it('calls a complete data set without pixel data "not an image", and retries a read that may be partial', () => {
    const plan = new Uint8Array(readFileSync(corpus('rtplan.dcm')));
    const notImage =
      /^rtplan\.dcm: not an image: RT Plan Storage \(1\.2\.840\.10008\.5\.1\.4\.1\.1\.481\.5\) has no pixel data$/;
    // The whole file, header only (the loader's reads): the plain reason. It is a TruncatedHeaderError so
    // that a caller who gave only the start of a file retries with all of it.
    expect(() => parseDicomFile(plan, 'rtplan.dcm', { untilPixelData: true })).toThrow(notImage);
    expect(() => parseDicomFile(plan, 'rtplan.dcm', { untilPixelData: true })).toThrow(TruncatedHeaderError);
    // Cut inside an element: an RT Plan never holds pixels, so the same words, at once, with no retry.
    let cutInside = 0;
    for (const cut of [600, 1000, 1500, 2000, 2600]) {
      let error: unknown;
      try {
        parseDicomFile(plan.subarray(0, cut), 'rtplan.dcm', { untilPixelData: true });
      } catch (e) {
        error = e;
      }
      expect(String((error as Error).message), `cut at ${cut}`).toMatch(notImage);
      if (!(error instanceof TruncatedHeaderError)) cutInside++;
    }
    expect(cutInside).toBeGreaterThan(0);
    // A full parse of a non-image reads fine; the pixel layout is refused with the same words.
    expect(() => readPixelFormat(parseDicomFile(plan, 'rtplan.dcm'))).toThrow(notImage);

    // An image cut exactly at the end of the element before its pixel data reads as a complete data set
    // without pixels: a retry signal (TruncatedHeaderError), and the whole file then reads.
    const ct = new Uint8Array(readFileSync(CT));
    const pixelHeader = parse(CT, { untilPixelData: true }).dataSet.elements['x7fe00010']!.dataOffset - 12;
    expect(() =>
      parseDicomFile(ct.subarray(0, pixelHeader), 'CT_small.dcm', { untilPixelData: true }),
    ).toThrow(TruncatedHeaderError);
    expect(() =>
      parseDicomFile(ct.subarray(0, pixelHeader), 'CT_small.dcm', { untilPixelData: true }),
    ).toThrow(
      /^CT_small\.dcm: not an image: CT Image Storage \(1\.2\.840\.10008\.5\.1\.4\.1\.1\.2\) has no pixel data$/,
    );
    expect(
      parseDicomFile(ct, 'CT_small.dcm', { untilPixelData: true }).dataSet.elements['x7fe00010'],
    ).toBeDefined();
  });

  it('names SOP classes as pydicom 2.3 does', () => {
    const uids = Object.keys(SOP_CLASS_NAMES);
    const theirs = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          '-c',
          'import json, sys; from pydicom.uid import UID; print(json.dumps({u: UID(u).name for u in sys.argv[1:]}))',
          ...uids,
        ],
        { encoding: 'utf8' },
      ),
    ) as Record<string, string>;
    expect(uids.length).toBeGreaterThan(40);
    expect(SOP_CLASS_NAMES).toEqual(theirs);
  });
});
