/** @neuroplan/cases/node: files, bundles, recovery of files, de-identified export (Node only). */
export { FileWritable, fileReadable, openRecordingFile } from './fileIo.ts';
export { startFileRecorder, recoverFile, writeCaseReport } from './files.ts';
export {
  BUNDLE_FORMAT,
  MANIFEST,
  createBundle,
  listFiles,
  readManifest,
  sha256File,
  verifyBundle,
  writeManifest,
} from './bundle.ts';
export type {
  BundleManifest,
  BundleProblem,
  BundleVerification,
  CreateBundleInput,
  ManifestFile,
} from './bundle.ts';
export { deidentifyBundle } from './deidentify.ts';
export type { DeidentifyOptions, DeidentifyReport } from './deidentify.ts';
export { attachSimRecording, transformToMatrixMm } from './simRecording.ts';
export type { SimRecording, SimRecordingOptions } from './simRecording.ts';
