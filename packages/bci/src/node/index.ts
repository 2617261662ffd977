/** Node-only entry of @neuroplan/bci (`@neuroplan/bci/node`): file formats on disk. */
export { nodeH5 } from './h5.ts';
export {
  hasHdf5Signature,
  readNwbFile,
  truthPathFor,
  writeNwbFile,
  type NwbFileWriteOptions,
} from './nwb.ts';
export { readRhdFile } from './intan.ts';
export { readOpenEphysBinary, type OpenEphysReadOptions, type OpenEphysReadResult } from './openEphys.ts';
export {
  readRecordingFile,
  type LoadedRecording,
  type ReadRecordingOptions,
  type RecordingFormat,
} from './readRecording.ts';
export type { NwbReadOptions, NwbReadResult } from '../nwb/read.ts';
export type { NwbSampleEncoding, NwbWriteOptions } from '../nwb/write.ts';
export type { RhdChannel, RhdHeader, RhdReadOptions, RhdReadResult } from '../intan/rhd.ts';
