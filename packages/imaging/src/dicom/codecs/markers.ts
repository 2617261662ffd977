/**
 * Reads only the frame header of a JPEG-family or JPEG 2000 codestream (not a decoder): which coding
 * process it uses and the image size it claims, so a frame that does not match the DICOM header is
 * refused before a codec allocates for it, and the JPEG frames go to the decoder that handles their process.
 */

export type JpegProcess = 'baseline' | 'extended' | 'progressive' | 'lossless' | 'jpeg-ls' | 'other';

export interface CodestreamHeader {
  rows: number;
  columns: number;
  components: number;
  /** Sample precision in bits. */
  precision: number;
}

export interface JpegHeader extends CodestreamHeader {
  process: JpegProcess;
}

const u16 = (b: Uint8Array, p: number): number => (b[p]! << 8) | b[p + 1]!;
const u32 = (b: Uint8Array, p: number): number => u16(b, p) * 65536 + u16(b, p + 2);

function processOf(marker: number): JpegProcess {
  if (marker === 0xc0) return 'baseline';
  if (marker === 0xc1) return 'extended';
  if (marker === 0xc2) return 'progressive';
  if (marker === 0xc3) return 'lossless';
  if (marker === 0xf7) return 'jpeg-ls';
  return 'other';
}

/** The SOFn (or JPEG-LS SOF55) segment of a JPEG codestream, or undefined when there is none before the scan. */
export function readJpegHeader(data: Uint8Array): JpegHeader | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let p = 2;
  while (p + 4 <= data.length) {
    if (data[p] !== 0xff) return undefined;
    const marker = data[p + 1]!;
    if (marker === 0xff) {
      p += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image or start of scan before any SOF
    const length = u16(data, p + 2);
    if (length < 2) return undefined;
    const isSof =
      (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) ||
      marker === 0xf7;
    if (isSof) {
      if (p + 10 > data.length) return undefined;
      return {
        process: processOf(marker),
        precision: data[p + 4]!,
        rows: u16(data, p + 5),
        columns: u16(data, p + 7),
        components: data[p + 9]!,
      };
    }
    p += 2 + length;
  }
  return undefined;
}

/** The SIZ segment of a JPEG 2000 codestream (raw, or inside a JP2 file's jp2c box). */
export function readJ2kHeader(data: Uint8Array): CodestreamHeader | undefined {
  let p = 0;
  // JP2 file format: boxes until the contiguous codestream box.
  if (data.length >= 12 && u32(data, 0) === 12 && u32(data, 4) === 0x6a502020) {
    p = -1;
    let box = 0;
    while (box + 8 <= data.length) {
      const size = u32(data, box);
      const type = u32(data, box + 4);
      if (type === 0x6a703263) {
        p = box + 8;
        break;
      }
      if (size === 1 || size === 0) return undefined; // 64-bit or to-end boxes before jp2c: give up
      if (size < 8) return undefined;
      box += size;
    }
    if (p < 0) return undefined;
  }
  // SOC (FF4F) then SIZ (FF51): Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz {Ssiz XRsiz YRsiz}
  if (p + 4 + 38 + 3 > data.length || u16(data, p) !== 0xff4f || u16(data, p + 2) !== 0xff51)
    return undefined;
  const s = p + 4;
  const xsiz = u32(data, s + 4);
  const ysiz = u32(data, s + 8);
  const xo = u32(data, s + 12);
  const yo = u32(data, s + 16);
  const components = u16(data, s + 36);
  if (xsiz <= xo || ysiz <= yo) return undefined;
  return { columns: xsiz - xo, rows: ysiz - yo, components, precision: (data[s + 38]! & 0x7f) + 1 };
}

/** Whether a fragment starts a new frame: JPEG SOI, JPEG 2000 SOC+SIZ, or a JP2 signature box. */
export function startsCodestream(fragment: Uint8Array, family: 'jpeg' | 'j2k'): boolean {
  if (family === 'jpeg')
    return fragment.length >= 3 && fragment[0] === 0xff && fragment[1] === 0xd8 && fragment[2] === 0xff;
  if (fragment.length >= 4 && u16(fragment, 0) === 0xff4f && u16(fragment, 2) === 0xff51) return true;
  return fragment.length >= 8 && u32(fragment, 0) === 12 && u32(fragment, 4) === 0x6a502020;
}
