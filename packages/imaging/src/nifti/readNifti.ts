/**
 * NIfTI-1 and NIfTI-2 single files (.nii, .nii.gz) to a Volume with LPS geometry.
 *
 * The header is parsed by nifti-reader-js; the transform is chosen as the NIfTI standard says
 * (sform when sform_code > 0, else qform when qform_code > 0, else the ANALYZE pixdim fallback),
 * then converted from RAS to LPS. Voxels keep the file's i, j, k order: the direction matrix
 * carries the orientation. Browser-safe (gunzip with pako).
 */
import { NIFTI1, NIFTI2 } from 'nifti-reader-js';
import type { Mat4, Vec3 } from '../math.ts';
import { createVolume, type Volume, type VolumeMetadata, type VoxelArray } from '../volume.ts';
import { gunzipPrefix, isGzip, type GunzipResult } from './gunzip.ts';
import {
  lpsGeometryFromRasAffine,
  maxCornerDisagreementMm,
  pixdimAffine,
  quaternToAffine,
} from './niftiTransform.ts';

export interface NiftiReadOptions {
  /** For 4D files: which volume (0-based) to load; default 0. */
  timeIndex?: number;
}

const NIFTI1_HEADER_BYTES = 348;
const NIFTI2_HEADER_BYTES = 540;
/** Header plus the 4-byte extension flag: the least a single-file NIfTI-2 can hold before voxels. */
const HEAD_BYTES = NIFTI2_HEADER_BYTES + 4;
/** Refuse grids beyond this many voxels per volume (a corrupted header, not an image). */
const MAX_VOXELS_PER_VOLUME = 2 ** 30;
/** sform and qform closer than this over the grid corners count as agreeing (float32 header noise). */
const XFORM_AGREEMENT_MM = 1e-3;
/** Axes further than this from orthogonal are reported as a shear. */
const SHEAR_WARNING_DEG = 0.01;

type ArrayCtor = new (buffer: ArrayBuffer) => VoxelArray;

const DATATYPES: ReadonlyMap<number, { name: string; bytes: number; array: ArrayCtor }> = new Map([
  [2, { name: 'uint8', bytes: 1, array: Uint8Array }],
  [256, { name: 'int8', bytes: 1, array: Int8Array }],
  [4, { name: 'int16', bytes: 2, array: Int16Array }],
  [512, { name: 'uint16', bytes: 2, array: Uint16Array }],
  [8, { name: 'int32', bytes: 4, array: Int32Array }],
  [768, { name: 'uint32', bytes: 4, array: Uint32Array }],
  [16, { name: 'float32', bytes: 4, array: Float32Array }],
  [64, { name: 'float64', bytes: 8, array: Float64Array }],
]);

const UNSUPPORTED_DATATYPES: ReadonlyMap<number, string> = new Map([
  [1, 'binary (1 bit)'],
  [32, 'complex64'],
  [128, 'RGB24 colour'],
  [1024, 'int64'],
  [1280, 'uint64'],
  [1536, 'float128'],
  [1792, 'complex128'],
  [2048, 'complex256'],
  [2304, 'RGBA32 colour'],
]);

/** NIfTI intents whose voxels are not an MR image (statistics, labels, vectors...). */
const isNonImageIntent = (code: number): boolean =>
  (code >= 2 && code <= 24) || (code >= 1001 && code <= 1011);

const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0..7] as stored. */
  dims: number[];
  datatype: number;
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  xyztUnits: number;
  calMin: number;
  calMax: number;
  description: string;
  intentCode: number;
  qformCode: number;
  sformCode: number;
  quatern: Vec3;
  qoffset: Vec3;
  /** sform rows as a 4×4 (last row 0 0 0 1). */
  srow: Mat4;
}

type MagicKind = { version: 1 | 2; littleEndian: boolean; pair: boolean } | undefined;

function detectMagic(head: Uint8Array): MagicKind {
  if (head.length < NIFTI1_HEADER_BYTES) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const ascii = (from: number, n: number) => String.fromCharCode(...head.subarray(from, from + n));
  const sizeLe = view.getInt32(0, true);
  const sizeBe = view.getInt32(0, false);
  if (sizeLe === NIFTI1_HEADER_BYTES || sizeBe === NIFTI1_HEADER_BYTES) {
    const magic = ascii(344, 4);
    if (magic === 'n+1\0' || magic === 'ni1\0')
      return { version: 1, littleEndian: sizeLe === NIFTI1_HEADER_BYTES, pair: magic === 'ni1\0' };
  }
  if (
    (sizeLe === NIFTI2_HEADER_BYTES || sizeBe === NIFTI2_HEADER_BYTES) &&
    head.length >= NIFTI2_HEADER_BYTES
  ) {
    const magic = ascii(4, 8);
    if (magic === 'n+2\0\r\n\x1a\n' || magic === 'ni2\0\r\n\x1a\n')
      return { version: 2, littleEndian: sizeLe === NIFTI2_HEADER_BYTES, pair: magic.startsWith('ni2') };
  }
  return undefined;
}

/** A plain Uint8Array view of the same bytes: a Node Buffer's `slice` would share memory, not copy. */
const plainBytes = (b: Uint8Array): Uint8Array =>
  b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** True when `bytes` (gzip-compressed or not) start with a single-file NIfTI-1 or NIfTI-2 header. */
export function isNifti(bytes: Uint8Array): boolean {
  let head = plainBytes(bytes);
  if (isGzip(bytes)) {
    try {
      head = gunzipPrefix(bytes, HEAD_BYTES, () => 0).data;
    } catch {
      return false;
    }
  }
  const kind = detectMagic(head);
  return kind !== undefined && !kind.pair;
}

/** A NUL-terminated Latin-1 string field. */
function cString(bytes: Uint8Array, from: number, length: number): string {
  const field = bytes.subarray(from, from + length);
  const end = field.indexOf(0);
  return String.fromCharCode(...(end < 0 ? field : field.subarray(0, end))).trim();
}

function parseHeader(head: Uint8Array, file: string): NiftiHeader {
  const kind = detectMagic(head);
  if (!kind) {
    if (head.length < NIFTI1_HEADER_BYTES)
      throw new Error(
        `${file}: not a NIfTI file (only ${head.length} bytes, a NIfTI header needs ${NIFTI1_HEADER_BYTES})`,
      );
    throw new Error(`${file}: not a NIfTI file (no NIfTI-1 or NIfTI-2 magic in the header)`);
  }
  if (kind.pair)
    throw new Error(
      `${file}: this is the header of a .hdr/.img pair; only single .nii or .nii.gz files are supported`,
    );
  const size = kind.version === 1 ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES;
  // Only the fixed header goes to the parser: extensions are not needed and may be malformed.
  const headerCopy = head.slice(0, size).buffer;
  let h: NIFTI1 | NIFTI2;
  try {
    h = kind.version === 1 ? new NIFTI1() : new NIFTI2();
    h.readHeader(headerCopy);
  } catch (e) {
    throw new Error(`${file}: unreadable NIfTI-${kind.version} header (${(e as Error).message})`);
  }
  const view = new DataView(headerCopy);
  const srow = new Float64Array(16);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++)
      srow[r * 4 + c] =
        kind.version === 1
          ? view.getFloat32(280 + (r * 4 + c) * 4, kind.littleEndian)
          : view.getFloat64(400 + (r * 4 + c) * 8, kind.littleEndian);
  srow[15] = 1;
  return {
    version: kind.version,
    littleEndian: kind.littleEndian,
    dims: h.dims.slice(0, 8),
    datatype: h.datatypeCode,
    pixdim: h.pixDims.slice(0, 8),
    voxOffset: h.vox_offset,
    sclSlope: h.scl_slope,
    sclInter: h.scl_inter,
    xyztUnits: h.xyzt_units,
    calMin: h.cal_min,
    calMax: h.cal_max,
    description: cString(head, kind.version === 1 ? 148 : 240, 80),
    intentCode: h.intent_code,
    qformCode: h.qform_code,
    sformCode: h.sform_code,
    quatern: [h.quatern_b, h.quatern_c, h.quatern_d],
    qoffset: [h.qoffset_x, h.qoffset_y, h.qoffset_z],
    srow,
  };
}

interface Layout {
  dims: [number, number, number];
  timePoints: number;
  datatype: { name: string; bytes: number; array: ArrayCtor };
  voxOffset: number;
  volumeBytes: number;
}

/** Checks dims, datatype and offset; throws a plain-language error for anything unreadable. */
function dataLayout(h: NiftiHeader, file: string, warnings: string[]): Layout {
  const ndim = h.dims[0]!;
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7)
    throw new Error(
      `${file}: invalid header: dim[0] = ${ndim}, must be 1 to 7 (corrupt or byte-swapped header)`,
    );
  const dim = (d: number) => (d <= ndim ? h.dims[d]! : 1);
  for (let d = 1; d <= ndim; d++) {
    const n = h.dims[d]!;
    if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 31 - 1)
      throw new Error(`${file}: invalid header: dim[${d}] = ${n} (each dimension must be a positive size)`);
  }
  const dims: [number, number, number] = [dim(1), dim(2), dim(3)];
  const voxels = dims[0] * dims[1] * dims[2];
  if (voxels > MAX_VOXELS_PER_VOLUME)
    throw new Error(
      `${file}: absurd dimensions ${dims.join('×')} (${voxels} voxels per volume; corrupt header?)`,
    );
  for (let d = 5; d <= ndim; d++)
    if (h.dims[d]! > 1)
      throw new Error(
        `${file}: ${ndim}D data (dim[${d}] = ${h.dims[d]}, e.g. vector or tensor components) is not supported`,
      );
  const timePoints = dim(4);

  const datatype = DATATYPES.get(h.datatype);
  if (!datatype) {
    const known = UNSUPPORTED_DATATYPES.get(h.datatype);
    throw new Error(
      known
        ? `${file}: ${known} voxels (NIfTI datatype ${h.datatype}) are not supported; convert to a scalar type`
        : `${file}: unknown NIfTI datatype code ${h.datatype}`,
    );
  }

  const minOffset = (h.version === 1 ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES) + 4;
  let voxOffset = Math.floor(h.voxOffset);
  if (!Number.isFinite(voxOffset) || voxOffset < minOffset) {
    if (voxOffset !== 0)
      warnings.push(
        `vox_offset ${h.voxOffset} lies inside the header; reading voxels from byte ${minOffset}`,
      );
    voxOffset = minOffset;
  }
  return { dims, timePoints, datatype, voxOffset, volumeBytes: voxels * datatype.bytes };
}

/** Millimetres per header length unit (xyzt_units bits 0–2). */
function mmPerUnit(xyztUnits: number, warnings: string[]): number {
  switch (xyztUnits & 7) {
    case 0: // unknown: NIfTI tools assume millimetres
    case 2:
      return 1;
    case 1:
      warnings.push('spatial units are metres; converted to millimetres');
      return 1000;
    case 3:
      warnings.push('spatial units are micrometres; converted to millimetres');
      return 1e-3;
    default:
      warnings.push(`unknown spatial unit code ${xyztUnits & 7}; assuming millimetres`);
      return 1;
  }
}

/** The ijk → RAS (mm) affine the NIfTI standard prescribes, with warnings about its choice. */
function chooseAffine(h: NiftiHeader, dims: [number, number, number], warnings: string[]): Mat4 {
  const pixdimMm = (): Vec3 => {
    const p = [1, 2, 3].map((d) => h.pixdim[d]!);
    if (p.some((x) => !(x > 0) || !Number.isFinite(x))) {
      warnings.push(`invalid voxel size in pixdim (${p.join(', ')}); using 1 for the invalid values`);
      return p.map((x) => (x > 0 && Number.isFinite(x) ? x : 1)) as Vec3;
    }
    return p as Vec3;
  };
  const qform = () => quaternToAffine(h.quatern, h.qoffset, pixdimMm(), h.pixdim[0]! < 0 ? -1 : 1);
  if (h.sformCode > 0) {
    if (h.qformCode > 0) {
      const q = qform();
      const diffMm = maxCornerDisagreementMm(h.srow, q, dims);
      if (diffMm > XFORM_AGREEMENT_MM)
        warnings.push(
          `sform and qform disagree (by up to ${diffMm.toPrecision(3)} mm over the grid); using the sform as the NIfTI standard says`,
        );
    }
    for (let c = 0; c < 3; c++) {
      const len = Math.hypot(h.srow[c]!, h.srow[4 + c]!, h.srow[8 + c]!);
      const pd = h.pixdim[c + 1]!;
      if (Math.abs(len - pd) > 1e-4 * Math.max(1, len))
        warnings.push(
          `pixdim[${c + 1}] says ${pd} but the sform gives ${len.toPrecision(6)} along axis ${c}; using the sform`,
        );
    }
    return h.srow;
  }
  if (h.qformCode > 0) return qform();
  warnings.push(
    'no sform or qform in the header: using the ANALYZE fallback (voxel size only, position and orientation unknown)',
  );
  return pixdimAffine(pixdimMm());
}

/** Copies one volume's voxels out of the file bytes, byte-swapped to host order, scaled when asked. */
function readVoxels(
  data: Uint8Array,
  layout: Layout,
  timeIndex: number,
  h: NiftiHeader,
  warnings: string[],
): VoxelArray {
  const start = layout.voxOffset + timeIndex * layout.volumeBytes;
  const raw = data.slice(start, start + layout.volumeBytes);
  const size = layout.datatype.bytes;
  if (size > 1 && h.littleEndian !== HOST_LITTLE_ENDIAN)
    for (let at = 0; at < raw.length; at += size) raw.subarray(at, at + size).reverse();
  const stored = new layout.datatype.array(raw.buffer);

  const slope = h.sclSlope;
  if (slope === 0 || !Number.isFinite(slope)) return stored; // "no scaling" per the standard
  let inter = h.sclInter;
  if (!Number.isFinite(inter)) {
    warnings.push(`scl_inter is ${inter}; using 0`);
    inter = 0;
  }
  if (slope === 1 && inter === 0) return stored;
  const out =
    stored instanceof Float64Array ? new Float64Array(stored.length) : new Float32Array(stored.length);
  for (let i = 0; i < stored.length; i++) out[i] = stored[i]! * slope + inter;
  return out;
}

/**
 * Reads a NIfTI-1/NIfTI-2 file (.nii or .nii.gz bytes) into a Volume. `file` names the file in
 * errors and warnings. Throws `"<file>: <reason>"` for anything unreadable.
 */
export function readNifti(input: Uint8Array, file: string, options: NiftiReadOptions = {}): Volume {
  const bytes = plainBytes(input);
  const warnings: string[] = [];
  const timeIndexAsked = options.timeIndex ?? 0;
  if (!Number.isInteger(timeIndexAsked) || timeIndexAsked < 0)
    throw new Error(`${file}: invalid time index ${options.timeIndex}`);

  let data = bytes;
  let gzipProblem: GunzipResult['problem'];
  if (isGzip(bytes)) {
    // Inflate only as far as the volume asked for; an unreadable head stops at once and is reported below.
    const result = gunzipPrefix(bytes, HEAD_BYTES, (head) => {
      try {
        const layout = dataLayout(parseHeader(head, file), file, []);
        return layout.voxOffset + (Math.min(timeIndexAsked, layout.timePoints - 1) + 1) * layout.volumeBytes;
      } catch {
        return 0;
      }
    });
    data = result.data;
    gzipProblem = result.problem;
    if (gzipProblem && detectMagic(data) === undefined) throw new Error(`${file}: ${gzipProblem.message}`);
  }

  // A gzip-compressed DICOM file (or a DICOM file named .nii) is not "a NIfTI without magic": say what it is.
  const dicm = data.length >= 132 && String.fromCharCode(...data.subarray(128, 132)) === 'DICM';
  if (dicm && detectMagic(data) === undefined)
    throw new Error(
      `${file}: not a NIfTI file: it holds a DICOM file ("DICM" at byte 128)` +
        (data !== bytes ? ' compressed with gzip; decompress it to load it' : ''),
    );
  const h = parseHeader(data, file);
  const layout = dataLayout(h, file, warnings);
  if (timeIndexAsked >= layout.timePoints)
    throw new Error(
      `${file}: time index ${timeIndexAsked} asked, but the file holds ${layout.timePoints} volume(s)`,
    );
  const heldBytes = Math.max(0, data.length - layout.voxOffset);
  if (heldBytes < layout.volumeBytes * (timeIndexAsked + 1)) {
    const shape = `${layout.dims.join('×')}${layout.timePoints > 1 ? `×${layout.timePoints}` : ''} ${layout.datatype.name}`;
    throw new Error(
      `${file}: ${gzipProblem ? gzipProblem.message : 'truncated'}: header says ${layout.volumeBytes * layout.timePoints} bytes of voxels (${shape}), file holds ${heldBytes}`,
    );
  }
  // The voxels asked for are all there: a damaged stream (bad CRC...) is still an error, a cut trailer is not.
  if (gzipProblem?.kind === 'corrupt') throw new Error(`${file}: ${gzipProblem.message}`);
  if (gzipProblem) warnings.push(`${gzipProblem.message}, after the voxels that were loaded`);
  if (layout.timePoints > 1)
    warnings.push(`4D file with ${layout.timePoints} volumes; loaded volume ${timeIndexAsked} (0-based)`);

  const mmPer = mmPerUnit(h.xyztUnits, warnings);
  const ras = Float64Array.from(chooseAffine(h, layout.dims, warnings));
  if (mmPer !== 1) for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) ras[r * 4 + c]! *= mmPer;
  const geometry = lpsGeometryFromRasAffine(ras);
  if (typeof geometry === 'string') throw new Error(`${file}: ${geometry}`);
  if (geometry.shearDeg > SHEAR_WARNING_DEG)
    warnings.push(
      `the voxel axes are not orthogonal (shear of ${geometry.shearDeg.toPrecision(3)}°); kept exactly in the direction matrix`,
    );

  const scalars = readVoxels(data, layout, timeIndexAsked, h, warnings);
  const metadata: VolumeMetadata = { source: 'nifti', valueUnit: '' };
  if (h.description) metadata.seriesDescription = h.description;
  if (layout.timePoints > 1) metadata.timePoints = layout.timePoints;
  if (Number.isFinite(h.calMin) && Number.isFinite(h.calMax) && h.calMax > h.calMin) {
    metadata.windowCenter = (h.calMax + h.calMin) / 2;
    metadata.windowWidth = h.calMax - h.calMin;
  }
  try {
    return createVolume({
      id: layout.timePoints > 1 ? `${file}#t${timeIndexAsked}` : file,
      modality: isNonImageIntent(h.intentCode) ? 'OT' : 'MR',
      dimensions: layout.dims,
      spacingMm: geometry.spacingMm,
      originLps: geometry.originLps,
      directionLps: geometry.directionLps,
      scalars,
      metadata,
      warnings,
    });
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}
