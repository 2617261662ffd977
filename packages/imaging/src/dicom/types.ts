/**
 * The contracts between the DICOM stages:
 *   bytes --parseDicomFile--> DataSet --readDicomHeader--> DicomHeader
 *   DicomHeader[] --planVolumes--> { plans: VolumePlan[], errors }
 *   VolumePlan + decodeFrame(...) per slice --assemble / reconstruct--> Volume
 * Everything here is plain data (structured-clone safe) so it can cross worker boundaries.
 */
import type { Mat3, Vec3 } from '../math.ts';
import type { VolumeMetadata } from '../volume.ts';

/** How the stored pixels of one file are laid out (from the Image Pixel module). */
export interface PixelFormat {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  photometricInterpretation: string;
  planarConfiguration: 0 | 1;
  transferSyntaxUid: string;
  /**
   * True for Float Pixel Data (7FE0,0008): samples are IEEE float32 (bitsAllocated 32) and decodeFrame
   * returns a Float32Array; pixelRepresentation is then meaningless (0).
   */
  floatPixelData?: boolean;
}

/** Plane geometry of one image (a frame, or one tile of a mosaic), all in LPS mm. */
export interface PlaneGeometry {
  /** Centre of the first transmitted pixel (ImagePositionPatient). */
  imagePositionLps: Vec3;
  /** Direction of increasing column index, i.e. along a row (first triplet of ImageOrientationPatient). */
  rowDirectionLps: Vec3;
  /** Direction of increasing row index, i.e. down a column (second triplet of ImageOrientationPatient). */
  columnDirectionLps: Vec3;
  /** PixelSpacing as DICOM orders it: [between rows (along columnDirection), between columns (along rowDirection)]. */
  pixelSpacingMm: [number, number];
  sliceThicknessMm?: number;
}

/** One image plane a file contributes: a single-frame image, one frame, or one mosaic tile. */
export interface FrameRef {
  /** 0-based index of the frame inside the file's pixel data. */
  frameIndex: number;
  /** Undefined when the file has no usable plane geometry (e.g. secondary capture). */
  geometry: PlaneGeometry | undefined;
  /** Modality LUT: value = stored · slope + intercept (RT Dose: DoseGridScaling folded into slope). */
  rescaleSlope: number;
  rescaleIntercept: number;
  /** For a Siemens mosaic: the sub-rectangle of the frame that holds this plane. */
  tile?: { rowOffset: number; columnOffset: number; rows: number; columns: number };
  /** Temporal position / stack index for 4D data, when the header says. */
  temporalIndex?: number;
  /** Dimension index values or similar grouping key for enhanced objects with several stacks. */
  stackId?: string;
}

export interface DicomHeader {
  /** Path or name the bytes came from (used in every message). */
  file: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid?: string;
  modality: string;
  seriesDescription?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  acquisitionNumber?: number;
  patientId?: string;
  patientName?: string;
  studyDate?: string;
  imageType?: string[];
  windowCenter?: number;
  windowWidth?: number;
  /** Gantry/Detector Tilt (0018,1120) in degrees, when present. */
  gantryTiltDeg?: number;
  /** Unit of the rescaled values ('HU' for CT, 'Gy' for RT dose...), '' when unknown. */
  valueUnit: string;
  pixel: PixelFormat;
  numberOfFrames: number;
  /** The image planes this file contributes (mosaic: one per tile; enhanced: one per frame). */
  frames: FrameRef[];
  /**
   * What was tolerated in this file, in words (a data set in another VR than its transfer syntax says,
   * more per-frame items than frames...): planVolumes makes them warnings of the volume the file is in.
   */
  notes?: string[];
}

export type VoxelType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'int32' | 'uint32' | 'float32';

/** One slice of the stack as acquired: which file and which plane. */
export interface SliceSource {
  file: string;
  frame: FrameRef;
}

export interface GridGeometry {
  dimensions: [number, number, number];
  spacingMm: [number, number, number];
  originLps: Vec3;
  /** Row-major 3×3, columns are the i, j, k unit axes in LPS. */
  directionLps: Mat3 | number[];
}

export interface VolumePlan {
  id: string;
  modality: string;
  pixel: PixelFormat;
  voxelType: VoxelType;
  metadata: VolumeMetadata;
  warnings: string[];
  /** The slices in stacking order (sorted along the slice normal). */
  sources: SliceSource[];
  /** The final volume grid. */
  grid: GridGeometry;
  /**
   * 'direct': source s becomes slice k = s of the grid unchanged.
   * 'resample': the stack is not on the grid (gantry tilt, non-uniform spacing, missing slices);
   * sliceOriginsLps[s] is the LPS position of pixel (0,0) of source s, all sources share the
   * in-plane axes of the grid, and the final voxels are interpolated from the stack.
   */
  reconstruction: { kind: 'direct' } | { kind: 'resample'; sliceOriginsLps: Vec3[] };
}

/** A file or message that could not be used, and why, in words. */
export interface LoadError {
  file: string;
  reason: string;
}
