/** QIDO-RS searches: studies of a patient or a date range, the series of a study, the instances of a series. */
import { CancelledError } from '../task.ts';
import { jsonNumber, jsonString, jsonStrings, type DicomJsonDataset } from './dicomJson.ts';
import { requestDicomJson, serviceUrl, uidSegment } from './http.ts';
import {
  DicomWebError,
  type DicomWebServer,
  type InstanceSummary,
  type SeriesSummary,
  type StudyQuery,
  type StudySummary,
} from './types.ts';

// Attribute tags, as DICOM JSON keys.
const STUDY_DATE = '00080020';
const STUDY_TIME = '00080030';
const ACCESSION_NUMBER = '00080050';
const MODALITIES_IN_STUDY = '00080061';
const MODALITY = '00080060';
const SOP_CLASS_UID = '00080016';
const SOP_INSTANCE_UID = '00080018';
const STUDY_DESCRIPTION = '00081030';
const SERIES_DESCRIPTION = '0008103E';
const PATIENT_NAME = '00100010';
const PATIENT_ID = '00100020';
const STUDY_INSTANCE_UID = '0020000D';
const SERIES_INSTANCE_UID = '0020000E';
const SERIES_NUMBER = '00200011';
const INSTANCE_NUMBER = '00200013';
const STUDY_SERIES_COUNT = '00201206';
const STUDY_INSTANCE_COUNT = '00201208';
const SERIES_INSTANCE_COUNT = '00201209';

/** Study attributes the study list shows; servers return only some of them unless asked. */
const STUDY_FIELDS = [
  PATIENT_NAME,
  PATIENT_ID,
  STUDY_DATE,
  STUDY_TIME,
  STUDY_DESCRIPTION,
  ACCESSION_NUMBER,
  MODALITIES_IN_STUDY,
  STUDY_SERIES_COUNT,
  STUDY_INSTANCE_COUNT,
];
const SERIES_FIELDS = [MODALITY, SERIES_DESCRIPTION, SERIES_NUMBER, SERIES_INSTANCE_COUNT];
const INSTANCE_FIELDS = [SOP_CLASS_UID, INSTANCE_NUMBER];
/** Instances asked for per QIDO page; servers may cap pages lower, the loop goes on until one comes back short. */
const INSTANCE_PAGE = 1000;

export interface SearchOptions {
  signal?: AbortSignal;
}

function dicomDate(value: string, what: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  const [year, month, day] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (!m || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    throw new Error(`${what} "${value}" is not a date written YYYYMMDD`);
  return value;
}

/** A name without a wildcard matches as a prefix: "doe" finds "DOE^JANE" (PN matching is case-insensitive on most servers). */
function nameMatcher(name: string): string {
  const trimmed = name.trim();
  return /[*?]/.test(trimmed) ? trimmed : `${trimmed}*`;
}

function studyParams(query: StudyQuery): [string, string][] {
  const params: [string, string][] = [];
  if (query.patientName !== undefined && query.patientName.trim() !== '')
    params.push(['PatientName', nameMatcher(query.patientName)]);
  if (query.patientId !== undefined && query.patientId.trim() !== '')
    params.push(['PatientID', query.patientId.trim()]);
  const from = query.studyDateFrom ? dicomDate(query.studyDateFrom, 'studyDateFrom') : '';
  const to = query.studyDateTo ? dicomDate(query.studyDateTo, 'studyDateTo') : '';
  if (from && to && from > to) throw new Error(`studyDateFrom ${from} is after studyDateTo ${to}`);
  if (from === to && from) params.push(['StudyDate', from]);
  else if (from || to) params.push(['StudyDate', `${from}-${to}`]);
  if (query.limit !== undefined) {
    if (!Number.isInteger(query.limit) || query.limit < 1)
      throw new Error(`limit ${query.limit} is not a positive whole number`);
    params.push(['limit', String(query.limit)]);
  }
  for (const tag of STUDY_FIELDS) params.push(['includefield', tag]);
  return params;
}

function toStudy(ds: DicomJsonDataset): StudySummary {
  return {
    studyInstanceUid: jsonString(ds, STUDY_INSTANCE_UID),
    patientName: jsonString(ds, PATIENT_NAME),
    patientId: jsonString(ds, PATIENT_ID),
    studyDate: jsonString(ds, STUDY_DATE),
    studyTime: jsonString(ds, STUDY_TIME),
    studyDescription: jsonString(ds, STUDY_DESCRIPTION),
    accessionNumber: jsonString(ds, ACCESSION_NUMBER),
    modalities: jsonStrings(ds, MODALITIES_IN_STUDY),
    seriesCount: jsonNumber(ds, STUDY_SERIES_COUNT),
    instanceCount: jsonNumber(ds, STUDY_INSTANCE_COUNT),
  };
}

/** Studies matching every given criterion, newest first. No criterion lists every study the server gives. */
export async function searchStudies(
  server: DicomWebServer,
  query: StudyQuery = {},
  options: SearchOptions = {},
): Promise<StudySummary[]> {
  const url = serviceUrl(server, 'studies', studyParams(query));
  const found = await requestDicomJson(server, url, 'the study search', options.signal);
  const studies = found.map(toStudy).filter((s) => s.studyInstanceUid !== '');
  const key = (s: StudySummary): string => `${s.studyDate}${s.studyTime}`;
  return studies.sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
}

/** The series of a study, by series number. An unknown study is an error (every study has a series). */
export async function searchSeries(
  server: DicomWebServer,
  studyInstanceUid: string,
  options: SearchOptions = {},
): Promise<SeriesSummary[]> {
  const study = uidSegment(studyInstanceUid, 'StudyInstanceUID');
  const url = serviceUrl(
    server,
    `studies/${study}/series`,
    SERIES_FIELDS.map((t) => ['includefield', t] as const),
  );
  const found = await requestDicomJson(server, url, 'the series search', options.signal);
  const series = found
    .map((ds): SeriesSummary => ({
      studyInstanceUid: jsonString(ds, STUDY_INSTANCE_UID) || studyInstanceUid,
      seriesInstanceUid: jsonString(ds, SERIES_INSTANCE_UID),
      modality: jsonString(ds, MODALITY),
      seriesDescription: jsonString(ds, SERIES_DESCRIPTION),
      seriesNumber: jsonNumber(ds, SERIES_NUMBER),
      instanceCount: jsonNumber(ds, SERIES_INSTANCE_COUNT),
    }))
    .filter((s) => s.seriesInstanceUid !== '');
  if (series.length === 0)
    throw new DicomWebError(url, `no series found: study ${studyInstanceUid} is not on this server`);
  return series.sort((a, b) => (a.seriesNumber ?? Infinity) - (b.seriesNumber ?? Infinity));
}

/** The instances of a series, by instance number (then UID). An unknown series is an error. */
export async function searchInstances(
  server: DicomWebServer,
  studyInstanceUid: string,
  seriesInstanceUid: string,
  options: SearchOptions = {},
): Promise<InstanceSummary[]> {
  const path = `studies/${uidSegment(studyInstanceUid, 'StudyInstanceUID')}/series/${uidSegment(seriesInstanceUid, 'SeriesInstanceUID')}/instances`;
  const byUid = new Map<string, InstanceSummary>();
  let firstUrl = '';
  for (let offset = 0; ; offset += INSTANCE_PAGE) {
    if (options.signal?.aborted) throw new CancelledError('the instance search');
    const params: [string, string][] = [
      ['limit', String(INSTANCE_PAGE)],
      ['offset', String(offset)],
      ...INSTANCE_FIELDS.map((t): [string, string] => ['includefield', t]),
    ];
    const url = serviceUrl(server, path, params);
    firstUrl ||= url;
    const page = await requestDicomJson(server, url, 'the instance search', options.signal);
    const before = byUid.size;
    for (const ds of page) {
      const sopInstanceUid = jsonString(ds, SOP_INSTANCE_UID);
      if (sopInstanceUid !== '' && !byUid.has(sopInstanceUid))
        byUid.set(sopInstanceUid, {
          sopInstanceUid,
          sopClassUid: jsonString(ds, SOP_CLASS_UID),
          instanceNumber: jsonNumber(ds, INSTANCE_NUMBER),
        });
    }
    // A short page is the last; a page with nothing new means the server ignores limit/offset.
    if (page.length < INSTANCE_PAGE || byUid.size === before) break;
  }
  if (byUid.size === 0)
    throw new DicomWebError(
      firstUrl,
      `no instances found: series ${seriesInstanceUid} of study ${studyInstanceUid} is not on this server`,
    );
  return [...byUid.values()].sort(
    (a, b) =>
      (a.instanceNumber ?? Infinity) - (b.instanceNumber ?? Infinity) ||
      (a.sopInstanceUid < b.sopInstanceUid ? -1 : a.sopInstanceUid > b.sopInstanceUid ? 1 : 0),
  );
}
