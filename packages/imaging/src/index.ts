/** @neuroplan/imaging: browser-safe entry (no Node APIs). File loading lives in '@neuroplan/imaging/node'. */
export * from './math.ts';
export * from './volume.ts';
export * from './task.ts';
export { mulberry32, type Rng } from './random.ts';
export type * from './dicom/types.ts';
export { parseDicomFile, TruncatedHeaderError, type ParsedDicom } from './dicom/parse.ts';
export { readPixelFormat } from './dicom/pixelFormat.ts';
export { decodeFrame, SUPPORTED_TRANSFER_SYNTAXES, type StoredPixels } from './dicom/decode.ts';
export { readDicomHeader } from './dicom/header.ts';
export { planVolumes } from './dicom/series.ts';
export { assembleVolume, allocateScalars, writeSlice, finishVolume } from './dicom/assemble.ts';
export { isNifti, readNifti, type NiftiReadOptions } from './nifti/readNifti.ts';
export { sampleLinear, sampleNearest } from './sampling.ts';
export { resampleVolume, type GridSpec } from './resample.ts';
export { reslicePlane } from './reslice.ts';
export * from './phantom/index.ts';
export * from './surface/index.ts';
export * from './registration/index.ts';
/** Segmentation (label maps, morphology, components, vesselness...): a namespace, its names are generic. */
export * as segmentation from './segmentation/index.ts';
export {
  distanceTransform,
  distanceMapMm,
  type DistanceKind,
  type DistanceTransformOptions,
  type MaskGrid,
} from './distance/distanceTransform.ts';
export {
  runTask,
  controlLast,
  controlInOptions,
  type TaskName,
  type TaskArgs,
  type TaskResult,
  type TaskOp,
  type TaskOptions,
} from './tasks/registry.ts';
export type { RunOptions, TaskRunner } from './tasks/taskPool.ts';
export { transferables } from './tasks/protocol.ts';
export * from './dicomweb/index.ts';
