/** The Image Pixel module of a parsed file, checked so that decoding can trust it. */
import type { ParsedDicom } from './parse.ts';
import { reasonOf } from './parse.ts';
import { neverHasPixels, notAnImageReason, sopClassUidOf } from './sopClasses.ts';
import type { PixelFormat } from './types.ts';

const MONOCHROME_OR_PALETTE = new Set(['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR']);
const THREE_SAMPLES = new Set([
  'RGB',
  'YBR_FULL',
  'YBR_FULL_422',
  'YBR_PARTIAL_422',
  'YBR_PARTIAL_420',
  'YBR_ICT',
  'YBR_RCT',
]);

/** Reads and validates the pixel layout; throws Error("<file>: <reason>") when it cannot be decoded. */
export function readPixelFormat(parsed: ParsedDicom): PixelFormat {
  const { file, dataSet } = parsed;
  const fail = (reason: string): never => {
    throw new Error(`${file}: ${reason}`);
  };
  const us = (tag: string, name: string): number | undefined => {
    try {
      return dataSet.uint16(tag);
    } catch (e) {
      return fail(`unreadable ${name} ${tag}: ${reasonOf(e)}`);
    }
  };
  const text = (tag: string): string | undefined => {
    try {
      return dataSet.string(tag)?.trim() || undefined;
    } catch (e) {
      return fail(`unreadable ${tag}: ${reasonOf(e)}`);
    }
  };

  const floatPixelData =
    dataSet.elements['x7fe00008'] !== undefined && dataSet.elements['x7fe00010'] === undefined;
  if (dataSet.elements['x7fe00009'] !== undefined && !floatPixelData && !dataSet.elements['x7fe00010'])
    fail('Double Float Pixel Data (7FE0,0009) is not supported');
  if (!floatPixelData && dataSet.elements['x7fe00010'] === undefined) {
    const uid = sopClassUidOf(dataSet);
    fail(
      neverHasPixels(uid)
        ? notAnImageReason(uid)
        : `${notAnImageReason(uid)} element (7FE0,0010), or the file is cut short before it`,
    );
  }

  const rows = us('x00280010', 'Rows');
  const columns = us('x00280011', 'Columns');
  if (!rows || !columns) {
    const size = (value: number | undefined, name: string) =>
      value === undefined ? `no ${name}` : `${name} ${value}`;
    fail(
      `pixel data without a usable image size: ${size(rows, 'Rows (0028,0010)')}, ${size(columns, 'Columns (0028,0011)')}`,
    );
  }
  const samplesPerPixel = us('x00280002', 'SamplesPerPixel') ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3)
    fail(`SamplesPerPixel ${samplesPerPixel} is not supported (only 1 or 3)`);

  const bitsAllocated = us('x00280100', 'BitsAllocated');
  if (bitsAllocated === undefined) fail('BitsAllocated (0028,0100) is missing');
  if (![1, 8, 16, 32].includes(bitsAllocated!))
    fail(`BitsAllocated ${bitsAllocated} is not supported (only 1, 8, 16 or 32)`);
  if (floatPixelData && bitsAllocated !== 32)
    fail(`Float Pixel Data needs BitsAllocated 32, not ${bitsAllocated}`);
  if (bitsAllocated === 1 && samplesPerPixel !== 1)
    fail('1-bit pixels with more than one sample are not supported');

  const bitsStored = floatPixelData ? 32 : (us('x00280101', 'BitsStored') ?? bitsAllocated!);
  if (bitsStored < 1 || bitsStored > bitsAllocated!)
    fail(`BitsStored ${bitsStored} must be between 1 and BitsAllocated (${bitsAllocated})`);
  const highBit = floatPixelData ? 31 : (us('x00280102', 'HighBit') ?? bitsStored - 1);
  if (highBit !== bitsStored - 1)
    fail(
      `HighBit ${highBit} with BitsStored ${bitsStored}: only values that start at bit 0 (HighBit = BitsStored - 1) are supported`,
    );

  const representation = floatPixelData ? 0 : (us('x00280103', 'PixelRepresentation') ?? 0);
  if (representation !== 0 && representation !== 1)
    fail(`PixelRepresentation ${representation} is neither 0 (unsigned) nor 1 (signed)`);

  const photometricInterpretation = text('x00280004') ?? (samplesPerPixel === 1 ? 'MONOCHROME2' : 'RGB');
  if (samplesPerPixel === 1 && !MONOCHROME_OR_PALETTE.has(photometricInterpretation))
    fail(`PhotometricInterpretation ${photometricInterpretation} does not fit SamplesPerPixel 1`);
  if (samplesPerPixel === 3 && !THREE_SAMPLES.has(photometricInterpretation))
    fail(`PhotometricInterpretation ${photometricInterpretation} does not fit SamplesPerPixel 3`);

  const planar = samplesPerPixel > 1 ? (us('x00280006', 'PlanarConfiguration') ?? 0) : 0;
  if (planar !== 0 && planar !== 1) fail(`PlanarConfiguration ${planar} is neither 0 nor 1`);

  const format: PixelFormat = {
    rows: rows!,
    columns: columns!,
    samplesPerPixel,
    bitsAllocated: bitsAllocated!,
    bitsStored,
    highBit,
    pixelRepresentation: representation as 0 | 1,
    photometricInterpretation,
    planarConfiguration: planar as 0 | 1,
    transferSyntaxUid: parsed.transferSyntaxUid,
  };
  if (floatPixelData) format.floatPixelData = true;
  return format;
}
