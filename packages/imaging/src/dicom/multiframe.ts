/**
 * The image planes a file contributes (FrameRef[]): single-frame images, enhanced multi-frame objects
 * (functional groups), RT Dose grids, Siemens mosaics and multi-frame images without positions (cine).
 * Geometry is read exactly as stored; the only derived positions are the ones the standard or the
 * vendor convention defines (RT Dose GridFrameOffsetVector, mosaic tile positions).
 */
import type { DataSet } from 'dicom-parser';
import { add, cross, dot, norm, scale, type Vec3 } from '../math.ts';
import {
  decimal,
  decimals,
  elementBytes,
  firstItem,
  integerString,
  privateTag,
  sequenceItems,
  tagName,
  textValue,
  unsignedLongs,
  unsignedShort,
} from './headerValues.ts';
import type { FrameRef, PixelFormat, PlaneGeometry } from './types.ts';

/** Largest frame count accepted for multi-frame images without per-frame items to bound it. */
const MAX_PLAIN_FRAMES = 100_000;

export interface Rescale {
  slope: number;
  intercept: number;
}

/** Modality LUT of one data set (or functional group item); undefined when it has none. */
export function readRescale(ds: DataSet, file: string, where = ''): Rescale | undefined {
  const slope = decimal(ds, 'x00281053', file, `${where}RescaleSlope`);
  const intercept = decimal(ds, 'x00281052', file, `${where}RescaleIntercept`);
  if (slope === undefined && intercept === undefined) return undefined;
  if (slope === 0)
    throw new Error(`${file}: ${where}RescaleSlope (0028,1053) is 0, so every value would be equal`);
  return { slope: slope ?? 1, intercept: intercept ?? 0 };
}

function unit(v: Vec3, file: string, what: string): Vec3 {
  const n = norm(v);
  if (!(n > 0.5 && n < 1.5))
    throw new Error(`${file}: ${what} [${v.join(', ')}] is not a unit vector (length ${n.toFixed(4)})`);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/**
 * Builds a checked PlaneGeometry from the three geometry values. Returns undefined when the plane is
 * not described (IPP or IOP or PixelSpacing absent); throws when a value is present but unusable.
 */
export function planeFrom(
  ipp: number[] | undefined,
  iop: number[] | undefined,
  spacing: number[] | undefined,
  thickness: number | undefined,
  file: string,
  where = '',
): PlaneGeometry | undefined {
  if (!ipp || !iop || !spacing) return undefined;
  const rowDirectionLps = unit(
    [iop[0]!, iop[1]!, iop[2]!],
    file,
    `${where}ImageOrientationPatient row direction`,
  );
  const columnDirectionLps = unit(
    [iop[3]!, iop[4]!, iop[5]!],
    file,
    `${where}ImageOrientationPatient column direction`,
  );
  const cosine = dot(rowDirectionLps, columnDirectionLps);
  if (Math.abs(cosine) > 1e-3)
    throw new Error(
      `${file}: ${where}ImageOrientationPatient row and column directions are not perpendicular ` +
        `(${((Math.acos(Math.max(-1, Math.min(1, cosine))) * 180) / Math.PI).toFixed(3)}°)`,
    );
  const [rowSpacing, columnSpacing] = spacing as [number, number];
  if (!(rowSpacing > 0 && columnSpacing > 0))
    throw new Error(`${file}: ${where}PixelSpacing (0028,0030) ${spacing.join('\\')} is not positive`);
  const geometry: PlaneGeometry = {
    imagePositionLps: [ipp[0]!, ipp[1]!, ipp[2]!],
    rowDirectionLps,
    columnDirectionLps,
    pixelSpacingMm: [rowSpacing, columnSpacing],
  };
  if (thickness !== undefined && thickness > 0) geometry.sliceThicknessMm = thickness;
  return geometry;
}

/** The plane of a classic single-frame image (Image Plane module), or undefined without one. */
export function readPlaneGeometry(ds: DataSet, file: string): PlaneGeometry | undefined {
  const ipp = decimals(ds, 'x00200032', file, 'ImagePositionPatient', 3);
  const iop = decimals(ds, 'x00200037', file, 'ImageOrientationPatient', 6);
  const spacing = decimals(ds, 'x00280030', file, 'PixelSpacing', 2);
  const thickness = decimal(ds, 'x00180050', file, 'SliceThickness');
  return planeFrom(ipp, iop, spacing, thickness, file);
}

const normalOf = (g: PlaneGeometry): Vec3 => cross(g.rowDirectionLps, g.columnDirectionLps);

/** A classic single-frame image: one plane, the file's rescale. */
export function singleFrame(ds: DataSet, file: string, rescale: Rescale): FrameRef[] {
  const frame: FrameRef = {
    frameIndex: 0,
    geometry: readPlaneGeometry(ds, file),
    rescaleSlope: rescale.slope,
    rescaleIntercept: rescale.intercept,
  };
  const temporal = integerString(ds, 'x00200100'); // TemporalPositionIdentifier
  if (temporal !== undefined) frame.temporalIndex = temporal;
  // Echoes of a multi-echo series share positions: each echo is its own stack.
  const echo = integerString(ds, 'x00180086'); // EchoNumbers
  if (echo !== undefined) frame.stackId = `echo ${echo}`;
  return [frame];
}

/** Multi-frame image without per-frame positions (cine, multi-frame secondary capture). */
export function framesWithoutGeometry(
  ds: DataSet,
  file: string,
  numberOfFrames: number,
  rescale: Rescale,
  pixel: PixelFormat,
): FrameRef[] {
  checkPlainFrameCount(ds, file, numberOfFrames, pixel);
  const frames: FrameRef[] = [];
  for (let f = 0; f < numberOfFrames; f++)
    frames.push({
      frameIndex: f,
      geometry: undefined,
      rescaleSlope: rescale.slope,
      rescaleIntercept: rescale.intercept,
      temporalIndex: f,
    });
  return frames;
}

/** Refuses a NumberOfFrames that the pixel data cannot hold (a corrupted count must not allocate). */
function checkPlainFrameCount(ds: DataSet, file: string, numberOfFrames: number, pixel: PixelFormat): void {
  const pixelData = ds.elements['x7fe00010'];
  if (pixelData && !pixelData.encapsulatedPixelData && pixelData.length > 0) {
    const frameBytes = (pixel.rows * pixel.columns * pixel.samplesPerPixel * pixel.bitsAllocated) / 8;
    const held = Math.floor(pixelData.length / frameBytes);
    if (held < numberOfFrames)
      throw new Error(
        `${file}: NumberOfFrames says ${numberOfFrames} frames but the pixel data holds only ${held}`,
      );
  } else if (numberOfFrames > MAX_PLAIN_FRAMES)
    throw new Error(`${file}: NumberOfFrames ${numberOfFrames} is implausibly large for a multi-frame image`);
}

// ---------------------------------------------------------------- enhanced multi-frame

/**
 * Extra per-frame values beyond NumberOfFrames (e.g. a multi-frame object cut down to its first frames
 * without its per-frame data): frame f keeps value f, as it would without the extras.
 */
const extraValues = (what: string, count: number, unit: string, frames: number): string =>
  `${what} has ${count} ${unit} for ${frames} frame${frames === 1 ? '' : 's'}: ` +
  `${frames === 1 ? 'only the first was' : `the first ${frames} were`} used, the rest ignored`;

/** Dimension index pointers that mean "position in the stack" (not a separate stack). */
const SPATIAL_DIMENSIONS = new Set(['x00209057', 'x00200032', 'x00209056']);
/** Dimension index pointers that mean "time". */
const TEMPORAL_DIMENSIONS = new Set(['x00209128', 'x00209153', 'x00189072']);

/**
 * Enhanced MR/CT/PET (and other functional-group) objects: each frame's plane, rescale and
 * stack/temporal indices come from its Per-frame Functional Groups item, falling back to the Shared
 * Functional Groups item, and for rescale finally to the top-level Modality LUT.
 */
export function enhancedFrames(
  ds: DataSet,
  file: string,
  numberOfFrames: number,
  topRescale: Rescale,
  notes: string[] = [],
): FrameRef[] {
  const shared = firstItem(ds, 'x52009229');
  const perFrame = sequenceItems(ds, 'x52009230');
  if (perFrame.length < numberOfFrames && perFrame.length !== 0)
    throw new Error(
      `${file}: PerFrameFunctionalGroupsSequence (5200,9230) has ${perFrame.length} items for ${numberOfFrames} frames`,
    );
  if (perFrame.length > numberOfFrames)
    notes.push(
      extraValues('PerFrameFunctionalGroupsSequence (5200,9230)', perFrame.length, 'items', numberOfFrames),
    );
  if (perFrame.length === 0 && numberOfFrames > MAX_PLAIN_FRAMES)
    throw new Error(`${file}: NumberOfFrames ${numberOfFrames} is implausibly large`);
  const dimensionPointers = sequenceItems(ds, 'x00209222').map(
    (item) => item.attributeTag('x00209165') ?? '',
  );
  const frames: FrameRef[] = [];
  for (let f = 0; f < numberOfFrames; f++) {
    const own = perFrame[f];
    const where = `frame ${f + 1} `;
    const macro = (tag: string) => firstItem(own, tag) ?? firstItem(shared, tag);
    const position = macro('x00209113'); // PlanePositionSequence
    const orientation = macro('x00209116'); // PlaneOrientationSequence
    const measures = macro('x00289110'); // PixelMeasuresSequence
    const transform = macro('x00289145'); // PixelValueTransformationSequence
    const ipp = position && decimals(position, 'x00200032', file, `${where}ImagePositionPatient`, 3);
    const iop = orientation && decimals(orientation, 'x00200037', file, `${where}ImageOrientationPatient`, 6);
    const spacing = measures && decimals(measures, 'x00280030', file, `${where}PixelSpacing`, 2);
    const thickness = measures && decimal(measures, 'x00180050', file, `${where}SliceThickness`);
    const rescale = (transform && readRescale(transform, file, where)) ?? topRescale;
    const frame: FrameRef = {
      frameIndex: f,
      geometry: planeFrom(ipp, iop, spacing, thickness, file, where),
      rescaleSlope: rescale.slope,
      rescaleIntercept: rescale.intercept,
    };
    const content = firstItem(own, 'x00209111'); // FrameContentSequence
    if (content) {
      const temporal = content.uint32('x00209128'); // TemporalPositionIndex
      if (temporal !== undefined) frame.temporalIndex = temporal;
      const stack: string[] = [];
      const stackId = textValue(content, 'x00209056');
      if (stackId !== undefined) stack.push(`stack ${stackId}`);
      const indices = unsignedLongs(content, 'x00209157'); // DimensionIndexValues
      indices?.forEach((value, d) => {
        const pointer = dimensionPointers[d] ?? '';
        if (SPATIAL_DIMENSIONS.has(pointer)) return;
        if (TEMPORAL_DIMENSIONS.has(pointer)) {
          frame.temporalIndex ??= value;
          return;
        }
        stack.push(`${pointer ? tagName(pointer) : `dimension ${d + 1}`}=${value}`);
      });
      if (stack.length > 0) frame.stackId = stack.join(' ');
    }
    frames.push(frame);
  }
  return frames;
}

// ---------------------------------------------------------------- RT Dose

/**
 * RT Dose: one plane per frame at GridFrameOffsetVector along the normal. Per PS3.3 C.8.8.3.2 a
 * vector whose first value is 0 holds offsets from ImagePositionPatient along row × column; otherwise
 * the values are absolute patient z coordinates (only defined for axial grids). DoseGridScaling is
 * folded into the rescale slope so voxels are in Gy.
 */
export function rtDoseFrames(
  ds: DataSet,
  file: string,
  numberOfFrames: number,
  rescale: Rescale,
  doseScale: number,
  notes: string[] = [],
): FrameRef[] {
  const plane = readPlaneGeometry(ds, file);
  if (!plane)
    throw new Error(
      `${file}: RT Dose without ImagePositionPatient, ImageOrientationPatient and PixelSpacing cannot be placed`,
    );
  const scaling = decimal(ds, 'x3004000e', file, 'DoseGridScaling') ?? 1;
  const slope = rescale.slope * scaling * doseScale;
  let offsets = decimals(ds, 'x3004000c', file, 'GridFrameOffsetVector');
  if (!offsets) {
    if (numberOfFrames > 1)
      throw new Error(
        `${file}: RT Dose has ${numberOfFrames} frames but no GridFrameOffsetVector (3004,000C)`,
      );
    offsets = [0];
  }
  if (offsets.length < numberOfFrames)
    throw new Error(
      `${file}: GridFrameOffsetVector (3004,000C) has ${offsets.length} values for ${numberOfFrames} frames`,
    );
  if (offsets.length > numberOfFrames) {
    notes.push(extraValues('GridFrameOffsetVector (3004,000C)', offsets.length, 'values', numberOfFrames));
    offsets = offsets.slice(0, numberOfFrames);
  }
  const normal = normalOf(plane);
  const relative = offsets[0] === 0;
  if (!relative && Math.abs(Math.abs(normal[2]) - 1) > 1e-6)
    throw new Error(
      `${file}: GridFrameOffsetVector holds absolute z positions (first value ${offsets[0]}), ` +
        'which the standard only defines for axial dose grids, but this grid is not axial',
    );
  const origin = plane.imagePositionLps;
  return offsets.map((offset, f) => ({
    frameIndex: f,
    geometry: {
      ...plane,
      imagePositionLps: relative ? add(origin, scale(normal, offset)) : [origin[0], origin[1], offset],
    },
    rescaleSlope: slope,
    rescaleIntercept: rescale.intercept,
  }));
}

// ---------------------------------------------------------------- Siemens mosaic

/**
 * Reads a Siemens CSA header (the "SV10" CSA2 layout and the older CSA1 one) into name → values.
 * Every length is checked against the buffer, so a corrupted header yields fewer entries, never a
 * hang or a large allocation.
 */
export function parseCsaHeader(bytes: Uint8Array): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const csa2 = bytes.length >= 16 && String.fromCharCode(...bytes.subarray(0, 4)) === 'SV10';
  let p = csa2 ? 8 : 0;
  if (p + 8 > bytes.length) return out;
  const nTags = view.getUint32(p, true);
  if (nTags < 1 || nTags > 1000) return out;
  p += 8;
  const decoder = new TextDecoder('latin1');
  const cString = (start: number, length: number) => {
    const raw = bytes.subarray(start, start + length);
    const end = raw.indexOf(0);
    return decoder.decode(end >= 0 ? raw.subarray(0, end) : raw).trim();
  };
  for (let t = 0; t < nTags; t++) {
    if (p + 84 > bytes.length) return out;
    const name = cString(p, 64);
    const nItems = view.getInt32(p + 76, true);
    p += 84;
    if (nItems < 0 || nItems > 1000) return out;
    const values: string[] = [];
    for (let i = 0; i < nItems; i++) {
      if (p + 16 > bytes.length) return out;
      const itemLength = view.getInt32(p + 4, true);
      p += 16;
      if (itemLength < 0 || p + itemLength > bytes.length) return out;
      const value = cString(p, itemLength);
      if (value !== '') values.push(value);
      p += Math.ceil(itemLength / 4) * 4;
    }
    out.set(name, values);
  }
  return out;
}

/**
 * A Siemens mosaic: N slices tiled into one frame as a ceil(√N) × ceil(√N) grid. The stored
 * ImagePositionPatient is the corner of the whole mosaic as if it were one large slice centred on the
 * first tile, so tile 0's corner is IPP + rowDir·Δcol·(C − c)/2 + colDir·Δrow·(R − r)/2 (the
 * correction dcm2niix applies); tile s lies s slice spacings further along the slice normal, reversed
 * when the CSA SliceNormalVector points against row × column.
 */
export function mosaicFrames(ds: DataSet, file: string, pixel: PixelFormat, rescale: Rescale): FrameRef[] {
  const csaBytes = elementBytes(ds, privateTag(ds, '0029', 'SIEMENS CSA HEADER', '10'));
  const csa = csaBytes ? parseCsaHeader(csaBytes) : new Map<string, string[]>();
  const csaCount = Number(csa.get('NumberOfImagesInMosaic')?.[0]);
  const privateCount = unsignedShort(ds, privateTag(ds, '0019', 'SIEMENS MR HEADER', '0a'));
  const count = Number.isInteger(csaCount) && csaCount > 0 ? csaCount : privateCount;
  if (!count || count < 1)
    throw new Error(
      `${file}: Siemens mosaic (ImageType MOSAIC) without NumberOfImagesInMosaic in the CSA image header ` +
        '(0029,1010) or in (0019,100A): the tiles cannot be unpacked',
    );
  const perSide = Math.ceil(Math.sqrt(count));
  if (pixel.rows % perSide !== 0 || pixel.columns % perSide !== 0)
    throw new Error(
      `${file}: a ${pixel.columns}×${pixel.rows} mosaic cannot hold ${count} images in a ${perSide}×${perSide} grid ` +
        'of equal tiles: the tiles cannot be unpacked',
    );
  const tileRows = pixel.rows / perSide;
  const tileColumns = pixel.columns / perSide;
  const plane = readPlaneGeometry(ds, file);
  if (!plane)
    throw new Error(
      `${file}: Siemens mosaic without ImagePositionPatient/ImageOrientationPatient/PixelSpacing`,
    );
  const gap =
    decimal(ds, 'x00180088', file, 'SpacingBetweenSlices') ??
    decimal(ds, 'x00180050', file, 'SliceThickness');
  if (count > 1 && !(gap !== undefined && gap > 0))
    throw new Error(
      `${file}: Siemens mosaic without SpacingBetweenSlices or SliceThickness: the tiles cannot be placed`,
    );
  const normal = normalOf(plane);
  const csaNormal = (csa.get('SliceNormalVector') ?? []).map(Number);
  const sign =
    csaNormal.length === 3 && csaNormal.every(Number.isFinite) && dot(csaNormal as Vec3, normal) < 0 ? -1 : 1;
  const [rowSpacing, columnSpacing] = plane.pixelSpacingMm;
  const first = add(
    add(
      plane.imagePositionLps,
      scale(plane.rowDirectionLps, (columnSpacing * (pixel.columns - tileColumns)) / 2),
    ),
    scale(plane.columnDirectionLps, (rowSpacing * (pixel.rows - tileRows)) / 2),
  );
  const frames: FrameRef[] = [];
  for (let s = 0; s < count; s++)
    frames.push({
      frameIndex: 0,
      geometry: { ...plane, imagePositionLps: add(first, scale(normal, sign * s * (gap ?? 0))) },
      rescaleSlope: rescale.slope,
      rescaleIntercept: rescale.intercept,
      tile: {
        rowOffset: Math.floor(s / perSide) * tileRows,
        columnOffset: (s % perSide) * tileColumns,
        rows: tileRows,
        columns: tileColumns,
      },
    });
  return frames;
}
