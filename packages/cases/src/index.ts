/**
 * @neuroplan/cases: case recording (MCAP, ROS 2 profile), replay, audit chain, recovery, de-identification of
 * DICOM/plan/recording, and the case report. Browser-safe; file and bundle helpers are in `@neuroplan/cases/node`.
 */
export { CaseRecorder, defaultClockNs } from './recorder.ts';
export type { CaseRecorderOptions, GraphLike, RecorderSummary, SyncableWritable } from './recorder.ts';
export type { RosCodec } from './codec.ts';
export { rosMessagesCodec } from './codecRos.ts';
export * from './channels.ts';
export { GENESIS_HASH, auditEntryHash, buildAuditChain, nextAuditEntry, verifyAuditChain } from './audit.ts';
export type {
  AuditEntry,
  AuditHead,
  AuditInput,
  AuditProblem,
  AuditVerification,
  JsonValue,
} from './audit.ts';
export { CaseRecording, bytesReadable, openRecording } from './replay.ts';
export type { CaseEvent, RecordedMessage, TopicInfo } from './replay.ts';
export { recoverMcap } from './recover.ts';
export type { RecoveryReport } from './recover.ts';
export { ChunkedMcapWriter } from './mcap/writer.ts';
export type { ChunkCompressor, ChunkedMcapWriterOptions } from './mcap/writer.ts';
export { loadZstdCompressor } from './mcap/compression.ts';
export { SerialQueue } from './mcap/serialQueue.ts';
export { computeCaseReport, errorStats, renderCaseReport, reportJson } from './report.ts';
export type { CaseReport, ElectrodeReport, ErrorStats } from './report.ts';
export { svgLinePlot, niceTicks } from './svg.ts';
export type { PlotOptions, PlotSeries } from './svg.ts';
export { deidentifyDicom, shiftDa } from './deid/dicom.ts';
export type { DicomDeidOptions, DicomDeidResult } from './deid/dicom.ts';
export { PROFILE_ROWS, PS3_15_TABLE_E1_1 } from './deid/profileTable.ts';
export type { ProfileAction, ProfileRow } from './deid/profileTable.ts';
export { UidMapper } from './deid/uids.ts';
export { scrubString, scrubValue } from './deid/scrub.ts';
export type { ScrubOptions } from './deid/scrub.ts';
