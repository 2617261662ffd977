/** What the DICOMweb client (QIDO-RS search, WADO-RS retrieve) takes and gives. Browser-safe. */
import type { LoadError } from '../dicom/types.ts';

/** A DICOMweb service: its root URL and any headers every request needs (e.g. Authorization). */
export interface DicomWebServer {
  /** The service root, e.g. `http://127.0.0.1:8042/dicom-web` (a trailing slash is ignored). */
  baseUrl: string;
  headers?: Record<string, string>;
  /** A request that has not answered within this many seconds fails (default 30). */
  timeoutS?: number;
}

export interface StudyQuery {
  /** DICOM PN matching; `*` and `?` are wildcards. Text without a wildcard matches as a prefix. */
  patientName?: string;
  patientId?: string;
  /** First and last study date, YYYYMMDD, inclusive; either may be left out. */
  studyDateFrom?: string;
  studyDateTo?: string;
  /** At most this many studies (the server may return fewer). */
  limit?: number;
}

export interface StudySummary {
  studyInstanceUid: string;
  /** DICOM PN as written (alphabetic group), e.g. `DOE^JANE`; '' when absent. */
  patientName: string;
  patientId: string;
  /** YYYYMMDD, '' when absent. */
  studyDate: string;
  studyTime: string;
  studyDescription: string;
  accessionNumber: string;
  /** Modalities in Study, e.g. ['CT'] or ['MR', 'SR']. */
  modalities: string[];
  /** Undefined where the server does not say. */
  seriesCount?: number;
  instanceCount?: number;
}

export interface SeriesSummary {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  seriesDescription: string;
  seriesNumber?: number;
  /** Undefined where the server does not say. */
  instanceCount?: number;
}

export interface InstanceSummary {
  sopInstanceUid: string;
  sopClassUid: string;
  instanceNumber?: number;
}

/** A retrieved DICOM Part 10 file, in the shape the loaders take (BrowserFile: unique name, bytes). */
export interface RetrievedFile {
  /** `<SOPInstanceUID>.dcm`: unique within a series and safe as a file name. */
  name: string;
  bytes: Uint8Array;
  sopInstanceUid: string;
  /** The WADO-RS URL it came from. */
  url: string;
}

export interface RetrieveProgress {
  /** Instances finished (retrieved or failed) out of `total`. */
  done: number;
  total: number;
}

export interface RetrieveOptions {
  onProgress?: (progress: RetrieveProgress) => void;
  /** Cancels the retrieval: the call then rejects with a CancelledError. */
  signal?: AbortSignal;
  /** Instances requested at once (default 4). */
  concurrency?: number;
}

export interface RetrieveResult {
  /** The instances that arrived as DICOM files, in Instance Number order. */
  files: RetrievedFile[];
  /** One entry per instance that did not: `file` is its WADO-RS URL. */
  errors: LoadError[];
}

/** A request that failed: the message names the URL and says why. */
export class DicomWebError extends Error {
  readonly url: string;
  /** The HTTP status, where the server answered with an error status. */
  readonly status: number | undefined;

  constructor(url: string, reason: string, status?: number, options?: { cause?: unknown }) {
    super(`${url}: ${reason}`, options);
    this.name = 'DicomWebError';
    this.url = url;
    this.status = status;
  }
}
