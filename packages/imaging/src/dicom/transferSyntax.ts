/** The transfer syntaxes we know: how the data set is encoded and which codec (if any) holds the pixels. */

/** Which decoder a compressed transfer syntax needs (see ./codecs/). */
export type CodecKind =
  'rle' | 'jpeg-baseline' | 'jpeg-extended' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000' | 'htj2k';

export interface TransferSyntaxInfo {
  name: string;
  /** Data set encoding. */
  implicitVr: boolean;
  bigEndian: boolean;
  /** The data set after the file meta group is deflated (raw deflate, RFC 1951). */
  deflated: boolean;
  /** Pixel data is encapsulated (fragments) and decoded by this codec; undefined for native pixel data. */
  codec?: CodecKind;
  /** Whether we decode its pixel data. */
  supported: boolean;
}

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';

const native = (
  name: string,
  implicitVr: boolean,
  bigEndian: boolean,
  deflated = false,
): TransferSyntaxInfo => ({
  name,
  implicitVr,
  bigEndian,
  deflated,
  supported: true,
});
const encapsulated = (name: string, codec: CodecKind | undefined): TransferSyntaxInfo => ({
  name,
  implicitVr: false,
  bigEndian: false,
  deflated: false,
  ...(codec ? { codec } : {}),
  supported: codec !== undefined,
});

/** Every transfer syntax we recognise, supported or not (unsupported ones are named in errors). */
export const TRANSFER_SYNTAXES: Readonly<Record<string, TransferSyntaxInfo>> = {
  [IMPLICIT_VR_LITTLE_ENDIAN]: native('Implicit VR Little Endian', true, false),
  [EXPLICIT_VR_LITTLE_ENDIAN]: native('Explicit VR Little Endian', false, false),
  [EXPLICIT_VR_BIG_ENDIAN]: native('Explicit VR Big Endian (retired)', false, true),
  [DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN]: native('Deflated Explicit VR Little Endian', false, false, true),
  '1.2.840.10008.1.2.5': encapsulated('RLE Lossless', 'rle'),
  '1.2.840.10008.1.2.4.50': encapsulated('JPEG Baseline (Process 1), 8-bit lossy', 'jpeg-baseline'),
  '1.2.840.10008.1.2.4.51': encapsulated('JPEG Extended (Process 2 & 4), 12-bit lossy', 'jpeg-extended'),
  '1.2.840.10008.1.2.4.57': encapsulated('JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg-lossless'),
  '1.2.840.10008.1.2.4.70': encapsulated(
    'JPEG Lossless, Non-Hierarchical, First-Order Prediction (SV1)',
    'jpeg-lossless',
  ),
  '1.2.840.10008.1.2.4.80': encapsulated('JPEG-LS Lossless', 'jpeg-ls'),
  '1.2.840.10008.1.2.4.81': encapsulated('JPEG-LS Near-Lossless', 'jpeg-ls'),
  '1.2.840.10008.1.2.4.90': encapsulated('JPEG 2000 (Lossless Only)', 'jpeg2000'),
  '1.2.840.10008.1.2.4.91': encapsulated('JPEG 2000', 'jpeg2000'),
  '1.2.840.10008.1.2.4.201': encapsulated('High-Throughput JPEG 2000 (Lossless Only)', 'htj2k'),
  '1.2.840.10008.1.2.4.202': encapsulated(
    'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
    'htj2k',
  ),
  '1.2.840.10008.1.2.4.203': encapsulated('High-Throughput JPEG 2000', 'htj2k'),
  // Recognised so errors can name them; no decoder here.
  '1.2.840.10008.1.2.4.52': encapsulated('JPEG Extended (Process 3 & 5, retired)', undefined),
  '1.2.840.10008.1.2.4.53': encapsulated('JPEG Spectral Selection (retired)', undefined),
  '1.2.840.10008.1.2.4.55': encapsulated('JPEG Full Progression (retired)', undefined),
  '1.2.840.10008.1.2.4.92': encapsulated('JPEG 2000 Part 2 Multi-component (Lossless Only)', undefined),
  '1.2.840.10008.1.2.4.93': encapsulated('JPEG 2000 Part 2 Multi-component', undefined),
  '1.2.840.10008.1.2.4.94': encapsulated('JPIP Referenced', undefined),
  '1.2.840.10008.1.2.4.100': encapsulated('MPEG2 Main Profile / Main Level', undefined),
  '1.2.840.10008.1.2.4.102': encapsulated('MPEG-4 AVC/H.264 High Profile', undefined),
  '1.2.840.10008.1.2.4.110': encapsulated('JPEG XL Lossless', undefined),
  '1.2.840.10008.1.2.4.111': encapsulated('JPEG XL JPEG Recompression', undefined),
  '1.2.840.10008.1.2.4.112': encapsulated('JPEG XL', undefined),
};

/** UID → name of every transfer syntax whose pixel data decodeFrame decodes. */
export const SUPPORTED_TRANSFER_SYNTAXES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(TRANSFER_SYNTAXES)
    .filter(([, info]) => info.supported)
    .map(([uid, info]) => [uid, info.name]),
);

export function transferSyntaxInfo(uid: string): TransferSyntaxInfo | undefined {
  return Object.hasOwn(TRANSFER_SYNTAXES, uid) ? TRANSFER_SYNTAXES[uid] : undefined;
}

/** "1.2.840.10008.1.2.4.80 (JPEG-LS Lossless)", or the bare UID when unknown; for messages. */
export function describeTransferSyntax(uid: string): string {
  const info = transferSyntaxInfo(uid);
  return info ? `${uid} (${info.name})` : `'${uid}'`;
}
