/**
 * WADO-RS retrieval of DICOM Part 10 files: one instance, or a whole series instance by instance with a
 * few requests in flight, so progress is fine-grained and one bad instance costs only itself (it is
 * listed in `errors`, the others still arrive). Browser-safe.
 */
import { reasonOf } from '../errorReason.ts';
import type { LoadError } from '../dicom/types.ts';
import { CancelledError } from '../task.ts';
import { httpRequest, serviceUrl, uidSegment } from './http.ts';
import { parseContentType, parseMultipart } from './multipart.ts';
import { searchInstances } from './qido.ts';
import {
  DicomWebError,
  type DicomWebServer,
  type RetrievedFile,
  type RetrieveOptions,
  type RetrieveResult,
} from './types.ts';

/** The stored transfer syntax, whatever it is (`transfer-syntax=*`): no transcoding by the server. */
const ACCEPT_DICOM = 'multipart/related; type="application/dicom"; transfer-syntax=*';
const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 16;

export function instanceUrl(
  server: DicomWebServer,
  studyInstanceUid: string,
  seriesInstanceUid: string,
  sopInstanceUid: string,
): string {
  const study = uidSegment(studyInstanceUid, 'StudyInstanceUID');
  const series = uidSegment(seriesInstanceUid, 'SeriesInstanceUID');
  const sop = uidSegment(sopInstanceUid, 'SOPInstanceUID');
  return serviceUrl(server, `studies/${study}/series/${series}/instances/${sop}`);
}

function isPart10(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

/** The single DICOM file of a WADO-RS instance answer (multipart/related, or bare application/dicom). */
function dicomPayload(url: string, contentType: string, body: Uint8Array): Uint8Array {
  const type = parseContentType(contentType).type;
  let payload: Uint8Array;
  if (type.startsWith('multipart/')) {
    let parts;
    try {
      parts = parseMultipart(body, contentType);
    } catch (e) {
      throw new DicomWebError(url, (e as Error).message, undefined, { cause: e });
    }
    if (parts.length !== 1)
      throw new DicomWebError(url, `${parts.length} parts for one instance, expected 1`);
    const part = parts[0]!;
    const partType = parseContentType(part.headers['content-type'] ?? 'application/dicom').type;
    if (partType !== 'application/dicom')
      throw new DicomWebError(url, `the part is ${partType}, not application/dicom`);
    payload = part.body;
  } else if (type === 'application/dicom') {
    payload = body;
  } else {
    throw new DicomWebError(url, `the answer is ${type || 'untyped'}, not application/dicom`);
  }
  if (!isPart10(payload))
    throw new DicomWebError(url, 'not a DICOM Part 10 file (no "DICM" marker at byte 128)');
  // A copy of exactly the file, so it owns its buffer (workers and transfers see only this file).
  return payload.byteOffset === 0 && payload.byteLength === payload.buffer.byteLength
    ? payload
    : payload.slice();
}

/** One instance as a DICOM Part 10 file; throws DicomWebError (or CancelledError) when it cannot. */
export async function retrieveInstance(
  server: DicomWebServer,
  studyInstanceUid: string,
  seriesInstanceUid: string,
  sopInstanceUid: string,
  options: { signal?: AbortSignal } = {},
): Promise<RetrievedFile> {
  const url = instanceUrl(server, studyInstanceUid, seriesInstanceUid, sopInstanceUid);
  const answer = await httpRequest(server, url, {
    accept: ACCEPT_DICOM,
    what: `retrieving instance ${sopInstanceUid}`,
    signal: options.signal,
  });
  return {
    name: `${sopInstanceUid}.dcm`,
    bytes: dicomPayload(url, answer.contentType, answer.bytes),
    sopInstanceUid,
    url,
  };
}

/**
 * Every instance of a series, as DICOM files for loadFiles (browser) or to write beside each other for
 * loadPaths (Node). Throws when the series cannot be listed (server down, unknown study or series);
 * an instance that fails is listed in `errors` with its URL and the good ones are still returned.
 */
export async function retrieveSeries(
  server: DicomWebServer,
  studyInstanceUid: string,
  seriesInstanceUid: string,
  options: RetrieveOptions = {},
): Promise<RetrieveResult> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`concurrency ${concurrency} is not a positive whole number`);
  const instances = await searchInstances(server, studyInstanceUid, seriesInstanceUid, {
    signal: options.signal,
  });
  const total = instances.length;
  const files: (RetrievedFile | undefined)[] = new Array<RetrievedFile | undefined>(total);
  const failures: { index: number; error: LoadError }[] = [];
  let next = 0;
  let done = 0;
  options.onProgress?.({ done, total });
  const work = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      const sop = instances[index]!.sopInstanceUid;
      const url = instanceUrl(server, studyInstanceUid, seriesInstanceUid, sop);
      try {
        files[index] = await retrieveInstance(server, studyInstanceUid, seriesInstanceUid, sop, options);
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        failures.push({ index, error: { file: url, reason: reasonOf(e, url) } });
      }
      options.onProgress?.({ done: ++done, total });
    }
  };
  const workers = Math.min(concurrency, MAX_CONCURRENCY, total);
  await Promise.all(Array.from({ length: workers }, work));
  if (options.signal?.aborted) throw new CancelledError(`retrieving series ${seriesInstanceUid}`);
  return {
    files: files.filter((f): f is RetrievedFile => f !== undefined),
    errors: failures.sort((a, b) => a.index - b.index).map((f) => f.error),
  };
}
