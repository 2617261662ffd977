/**
 * The HTTP step of the DICOMweb client: fetch with the server's headers, a time limit and the caller's
 * AbortSignal; every failure becomes a DicomWebError naming the URL and the reason (or a CancelledError
 * when the caller cancelled). Browser-safe: fetch only.
 */
import { CancelledError } from '../task.ts';
import { DicomWebError, type DicomWebServer } from './types.ts';

const DEFAULT_TIMEOUT_S = 30;
/** Longest server error text quoted in a message. */
const DETAIL_CHARS = 200;

/**
 * A query value percent-encoded only where it must be: `^` (PN component separator), `?`, `,`, `:`, `@`
 * and `/` stay as they are, being legal in a query. Servers that decode %XX see the same value either
 * way, and some do not decode query values at all (Orthanc 1.10 with DICOMweb plugin 1.7 matches
 * `PatientName=DOE%5EJ*` against the literal text "DOE%5EJ*" and finds nothing).
 */
function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%(5E|3F|2C|3A|40|2F)/gi, (escaped) =>
    decodeURIComponent(escaped),
  );
}

/** `<baseUrl>/<path>?<params>`: path segments are given already joined, parameters are encoded here. */
export function serviceUrl(
  server: DicomWebServer,
  path: string,
  params: readonly (readonly [string, string])[] = [],
): string {
  const base = server.baseUrl.replace(/\/+$/, '');
  const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeQueryValue(v)}`).join('&');
  return `${base}/${path}${query ? `?${query}` : ''}`;
}

/** A UID as a path segment: digits and dots only, so a typo cannot become another URL. */
export function uidSegment(uid: string, what: string): string {
  if (!/^[0-9]+(\.[0-9]+)*$/.test(uid) || uid.length > 64)
    throw new Error(`${what} "${uid}" is not a DICOM UID (digits separated by dots, at most 64 characters)`);
  return uid;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  bytes: Uint8Array;
}

/** Why fetch itself failed, in words (Node's undici keeps the system error in `cause`). */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
  return `no answer from the server (${detail}): is it running, is the URL right, does it allow this origin (CORS)?`;
}

/** The server's own words about an error status: Orthanc's JSON {Message, Details}, or the start of the text. */
function errorDetail(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 4096)).trim();
  try {
    const json = JSON.parse(text) as { Message?: unknown; Details?: unknown };
    const parts = [json.Message, json.Details].filter((x) => typeof x === 'string' && x !== '');
    if (parts.length > 0) return parts.join(': ').slice(0, DETAIL_CHARS);
  } catch {
    // not JSON: quote the text
  }
  return text.replace(/\s+/g, ' ').slice(0, DETAIL_CHARS);
}

/** Reads a body chunk by chunk, calling `onChunk` after each (it re-arms the stall timer); stops after `max` bytes. */
async function readBody(response: Response, onChunk: () => void, max = Infinity): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    onChunk();
    if (done) break;
    chunks.push(value);
    length += value.length;
    if (length >= max) {
      await reader.cancel();
      break;
    }
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/**
 * GETs `url` and reads the whole body. Resolves only with a 2xx answer; throws DicomWebError when the
 * server does not answer, stays silent for `timeoutS` (before the headers or between two chunks of the
 * body: a slow but steady transfer of a large file is not cut off) or answers with an error status,
 * and CancelledError when `signal` fires.
 */
export async function httpRequest(
  server: DicomWebServer,
  url: string,
  init: { accept: string; what: string; signal?: AbortSignal | undefined },
): Promise<HttpAnswer> {
  const timeoutS = server.timeoutS ?? DEFAULT_TIMEOUT_S;
  if (!(timeoutS > 0)) throw new Error(`timeoutS ${timeoutS} is not a positive number of seconds`);
  if (init.signal?.aborted) throw new CancelledError(init.what);
  const controller = new AbortController();
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, timeoutS * 1000);
  };
  const cancel = (): void => controller.abort();
  init.signal?.addEventListener('abort', cancel, { once: true });
  const failed = (e: unknown, during: string): Error => {
    if (init.signal?.aborted) return new CancelledError(init.what);
    if (stalled)
      return new DicomWebError(url, `no answer within ${timeoutS} s ${during}`, undefined, { cause: e });
    return during === 'while connecting'
      ? new DicomWebError(url, networkReason(e), undefined, { cause: e })
      : new DicomWebError(url, `the answer broke off ${during} (${(e as Error).message})`, undefined, {
          cause: e,
        });
  };
  try {
    arm();
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { ...server.headers, Accept: init.accept },
        signal: controller.signal,
      });
    } catch (e) {
      throw failed(e, 'while connecting');
    }
    arm();
    let bytes: Uint8Array;
    try {
      bytes = await readBody(response, arm, response.ok ? Infinity : 4096);
    } catch (e) {
      throw failed(e, 'while reading the body');
    }
    if (!response.ok) {
      const detail = errorDetail(bytes);
      const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      throw new DicomWebError(url, detail ? `${status}: ${detail}` : status, response.status);
    }
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', bytes };
  } finally {
    clearTimeout(timer);
    init.signal?.removeEventListener('abort', cancel);
  }
}

/** A QIDO-RS answer: a DICOM JSON array (204 No Content and an empty body mean no matches). */
export async function requestDicomJson(
  server: DicomWebServer,
  url: string,
  what: string,
  signal?: AbortSignal,
): Promise<Record<string, unknown>[]> {
  const answer = await httpRequest(server, url, {
    accept: 'application/dicom+json, application/json',
    what,
    signal,
  });
  const text = new TextDecoder().decode(answer.bytes).trim();
  if (answer.status === 204 || text === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DicomWebError(
      url,
      `the answer is not DICOM JSON (${answer.contentType || 'no content type'}: ${(e as Error).message})`,
    );
  }
  if (!Array.isArray(json) || !json.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x)))
    throw new DicomWebError(url, 'the answer is not a DICOM JSON array of datasets');
  return json as Record<string, unknown>[];
}
