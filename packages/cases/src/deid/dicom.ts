/**
 * De-identification of one DICOM file: PS3.15 Annex E Basic Application Level Confidentiality Profile
 * (Table E.1-1, Basic Profile column, see profileTable.ts) with the Retain Longitudinal Temporal Information
 * with Modified Dates Option: every DA and DT value is shifted by the export's day offset (one per case)
 * instead of being removed, so intervals between studies and the recording are kept.
 *
 * Per attribute of the table (at any depth, inside sequences too):
 *   X, X/Z, X/D, X/Z/D, X/Z/U*  → removed (DA/DT: shifted)
 *   Z                          → emptied (Patient's Name / ID: the case pseudonym; DA/DT: shifted; birth date emptied)
 *   D, Z/D                     → a dummy value for the VR (DA/DT: shifted; SQ: emptied)
 *   U                          → remapped through the export's UidMapper (consistent across files and the plan)
 * Private attributes (odd groups), curve data (50xx) and overlay data/comments (60xx,3000/4000) are removed.
 * Then PatientIdentityRemoved = YES, DeidentificationMethod and its code sequence (DCM 113100, 113107) and
 * LongitudinalTemporalInformationModified = MODIFIED are written. Pixel data is not inspected for burned-in
 * text (that needs the Clean Pixel Data Option, not claimed).
 */
import dcmjs, { type DicomDataset, type DicomElement } from 'dcmjs';
import { PROFILE_ROWS, type ProfileAction } from './profileTable.ts';
import type { UidMapper } from './uids.ts';

export interface DicomDeidOptions {
  uids: UidMapper;
  /** Whole days added to every date (negative moves dates back). */
  dateShiftDays: number;
  /** Replaces Patient's Name and Patient ID. */
  patientPseudonym: string;
  /** Names the file in errors. */
  name?: string;
}

export interface DicomDeidResult {
  bytes: Uint8Array;
  /** Identity values seen (names, IDs), so the caller can scrub them from the plan and recording too. */
  identities: string[];
  studyInstanceUid?: string;
}

const BY_TAG = new Map<string, ProfileAction>(
  PROFILE_ROWS.filter((r) => /^[0-9A-F]{8}$/.test(r.tag)).map((r) => [r.tag, r.action]),
);

function profileAction(tag: string): ProfileAction | 'private' | undefined {
  const group = parseInt(tag.slice(0, 4), 16);
  if (group % 2 === 1) return 'private';
  if (/^50[0-1][0-9A-E]/.test(tag) && group >= 0x5000 && group <= 0x501e) return 'X';
  if (group >= 0x6000 && group <= 0x601e && (tag.endsWith('3000') || tag.endsWith('4000'))) return 'X';
  return BY_TAG.get(tag);
}

const DUMMY_TEXT = 'DEIDENTIFIED';

export function shiftDa(da: string, days: number): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  if (!m) return '';
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + days * 86_400_000;
  const d = new Date(t);
  if (Number.isNaN(t)) return '';
  return `${String(d.getUTCFullYear()).padStart(4, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

function shiftDt(dt: string, days: number): string {
  const s = dt.trim();
  if (s.length < 8) return '';
  const date = shiftDa(s.slice(0, 8), days);
  return date ? date + s.slice(8) : '';
}

function dummyFor(vr: string): unknown[] {
  switch (vr) {
    case 'PN':
      return [{ Alphabetic: DUMMY_TEXT }];
    case 'DS':
    case 'IS':
      return ['0'];
    case 'TM':
      return ['000000'];
    case 'US':
    case 'SS':
    case 'UL':
    case 'SL':
    case 'FL':
    case 'FD':
    case 'UV':
    case 'SV':
      return [0];
    case 'SQ':
      return [];
    case 'AS':
      return ['000Y'];
    default:
      return [DUMMY_TEXT];
  }
}

function textValues(el: DicomElement): string[] {
  return (el.Value ?? []).map((v) =>
    typeof v === 'string'
      ? v
      : v && typeof v === 'object' && 'Alphabetic' in v
        ? String((v as { Alphabetic: unknown }).Alphabetic)
        : String(v),
  );
}

function set(ds: DicomDataset, tag: string, vr: string, Value: unknown[]): void {
  ds[tag] = { vr, Value };
}

/** Every DA/DT value of the element moved by the case's one offset (the "modified dates" option). */
function shiftDates(ds: DicomDataset, tag: string, el: DicomElement, days: number): void {
  set(
    ds,
    tag,
    el.vr,
    textValues(el).map((v) => (el.vr === 'DA' ? shiftDa(v, days) : shiftDt(v, days))),
  );
}

function processDataset(ds: DicomDataset, o: DicomDeidOptions, identities: Set<string>, top: boolean): void {
  for (const tag of Object.keys(ds)) {
    const el = ds[tag]!;
    const action = profileAction(tag);
    const isDate = el.vr === 'DA' || el.vr === 'DT';
    if (action === undefined) {
      // Not named by the profile: keep, but dates still move with the case and sequences are searched.
      if (isDate) shiftDates(ds, tag, el, o.dateShiftDays);
      else if (el.vr === 'SQ')
        for (const item of (el.Value ?? []) as DicomDataset[]) processDataset(item, o, identities, false);
      continue;
    }
    if (action === 'private') {
      delete ds[tag];
      continue;
    }
    if (el.vr === 'PN' || tag === '00100020' || tag === '00101000')
      for (const v of textValues(el)) if (v.trim()) identities.add(v.trim());
    if (action === 'U') {
      set(
        ds,
        tag,
        el.vr,
        textValues(el).map((v) => o.uids.map(v)),
      );
      continue;
    }
    if (isDate && tag !== '00100030') {
      shiftDates(ds, tag, el, o.dateShiftDays);
      continue;
    }
    if (action.startsWith('X')) {
      delete ds[tag];
      continue;
    }
    if (top && tag === '00100010') set(ds, tag, 'PN', [{ Alphabetic: o.patientPseudonym }]);
    else if (top && tag === '00100020') set(ds, tag, 'LO', [o.patientPseudonym]);
    else if (action === 'Z') set(ds, tag, el.vr, []);
    else set(ds, tag, el.vr, dummyFor(el.vr)); // D, Z/D
  }
}

function code(value: string, meaning: string): DicomDataset {
  return {
    '00080100': { vr: 'SH', Value: [value] },
    '00080102': { vr: 'SH', Value: ['DCM'] },
    '00080104': { vr: 'LO', Value: [meaning] },
  };
}

/** De-identifies one DICOM Part 10 file; throws `<name>: <reason>` for a file dcmjs cannot read. */
export function deidentifyDicom(bytes: Uint8Array, o: DicomDeidOptions): DicomDeidResult {
  const name = o.name ?? 'DICOM file';
  let dicom;
  try {
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    dicom = dcmjs.data.DicomMessage.readFile(ab);
  } catch (e) {
    throw new Error(
      `${name}: not a readable DICOM Part 10 file (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const identities = new Set<string>();
  const studyUid = dicom.dict['0020000D'] ? textValues(dicom.dict['0020000D'])[0] : undefined;
  processDataset(dicom.dict, o, identities, true);
  const mediaUid = dicom.meta['00020003'];
  if (mediaUid)
    set(
      dicom.meta,
      '00020003',
      'UI',
      textValues(mediaUid).map((v) => o.uids.map(v)),
    );
  set(dicom.dict, '00120062', 'CS', ['YES']);
  set(dicom.dict, '00120063', 'LO', [
    `NeuroPlan: PS3.15 Basic Profile; dates shifted ${o.dateShiftDays} days`.slice(0, 64),
  ]);
  set(dicom.dict, '00120064', 'SQ', [
    code('113100', 'Basic Application Confidentiality Profile'),
    code('113107', 'Retain Longitudinal Temporal Information Modified Dates Option'),
  ]);
  set(dicom.dict, '00280303', 'CS', ['MODIFIED']);
  const out = dicom.write();
  return {
    bytes: new Uint8Array(out),
    identities: [...identities],
    ...(studyUid ? { studyInstanceUid: o.uids.map(studyUid) } : {}),
  };
}
