/** DICOMweb client (browser-safe, fetch only): QIDO-RS search and WADO-RS retrieval of DICOM files. */
export { searchStudies, searchSeries, searchInstances, type SearchOptions } from './qido.ts';
export { retrieveSeries, retrieveInstance } from './wado.ts';
export { parseMultipart, parseContentType, type MimePart } from './multipart.ts';
export {
  DicomWebError,
  type DicomWebServer,
  type StudyQuery,
  type StudySummary,
  type SeriesSummary,
  type InstanceSummary,
  type RetrievedFile,
  type RetrieveOptions,
  type RetrieveProgress,
  type RetrieveResult,
} from './types.ts';
