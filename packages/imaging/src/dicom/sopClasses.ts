/**
 * Names of common SOP classes (PS3.4 Annex B / PS3.6 Table A-1), so that a file that is not an image can
 * be called what it is. `pixels: false` marks classes whose instances never hold pixel data; RT Dose
 * (a DVH-only dose has none) and Segmentation are named but may hold pixels.
 */
import type { DataSet } from 'dicom-parser';

interface SopClass {
  name: string;
  pixels: boolean;
}

const image = (name: string): SopClass => ({ name, pixels: true });
const other = (name: string): SopClass => ({ name, pixels: false });

const S = '1.2.840.10008.5.1.4.1.1.';

const SOP_CLASSES: Readonly<Record<string, SopClass>> = {
  '1.2.840.10008.1.3.10': other('Media Storage Directory Storage'),
  [`${S}1`]: image('Computed Radiography Image Storage'),
  [`${S}2`]: image('CT Image Storage'),
  [`${S}2.1`]: image('Enhanced CT Image Storage'),
  [`${S}4`]: image('MR Image Storage'),
  [`${S}4.1`]: image('Enhanced MR Image Storage'),
  [`${S}7`]: image('Secondary Capture Image Storage'),
  [`${S}20`]: image('Nuclear Medicine Image Storage'),
  [`${S}30`]: image('Parametric Map Storage'),
  [`${S}128`]: image('Positron Emission Tomography Image Storage'),
  [`${S}130`]: image('Enhanced PET Image Storage'),
  [`${S}481.1`]: image('RT Image Storage'),
  [`${S}481.2`]: image('RT Dose Storage'),
  [`${S}481.3`]: other('RT Structure Set Storage'),
  [`${S}481.4`]: other('RT Beams Treatment Record Storage'),
  [`${S}481.5`]: other('RT Plan Storage'),
  [`${S}481.6`]: other('RT Brachy Treatment Record Storage'),
  [`${S}481.7`]: other('RT Treatment Summary Record Storage'),
  [`${S}481.8`]: other('RT Ion Plan Storage'),
  [`${S}481.9`]: other('RT Ion Beams Treatment Record Storage'),
  [`${S}88.11`]: other('Basic Text SR Storage'),
  [`${S}88.22`]: other('Enhanced SR Storage'),
  [`${S}88.33`]: other('Comprehensive SR Storage'),
  [`${S}88.34`]: other('Comprehensive 3D SR Storage'),
  [`${S}88.35`]: other('Extensible SR Storage'),
  [`${S}88.40`]: other('Procedure Log Storage'),
  [`${S}88.50`]: other('Mammography CAD SR Storage'),
  [`${S}88.59`]: other('Key Object Selection Document Storage'),
  [`${S}88.65`]: other('Chest CAD SR Storage'),
  [`${S}88.67`]: other('X-Ray Radiation Dose SR Storage'),
  [`${S}88.68`]: other('Radiopharmaceutical Radiation Dose SR Storage'),
  [`${S}88.69`]: other('Colon CAD SR Storage'),
  [`${S}88.71`]: other('Acquisition Context SR Storage'),
  [`${S}88.73`]: other('Patient Radiation Dose SR Storage'),
  [`${S}9.1.1`]: other('12-lead ECG Waveform Storage'),
  [`${S}9.1.2`]: other('General ECG Waveform Storage'),
  [`${S}9.1.3`]: other('Ambulatory ECG Waveform Storage'),
  [`${S}9.2.1`]: other('Hemodynamic Waveform Storage'),
  [`${S}9.3.1`]: other('Cardiac Electrophysiology Waveform Storage'),
  [`${S}9.4.1`]: other('Basic Voice Audio Waveform Storage'),
  [`${S}9.4.2`]: other('General Audio Waveform Storage'),
  [`${S}9.5.1`]: other('Arterial Pulse Waveform Storage'),
  [`${S}9.6.1`]: other('Respiratory Waveform Storage'),
  [`${S}11.1`]: other('Grayscale Softcopy Presentation State Storage'),
  [`${S}11.2`]: other('Color Softcopy Presentation State Storage'),
  [`${S}11.3`]: other('Pseudo-Color Softcopy Presentation State Storage'),
  [`${S}11.4`]: other('Blending Softcopy Presentation State Storage'),
  [`${S}66`]: other('Raw Data Storage'),
  [`${S}66.1`]: other('Spatial Registration Storage'),
  [`${S}66.2`]: other('Spatial Fiducials Storage'),
  [`${S}66.3`]: other('Deformable Spatial Registration Storage'),
  [`${S}66.4`]: image('Segmentation Storage'),
  [`${S}66.5`]: other('Surface Segmentation Storage'),
  [`${S}67`]: other('Real World Value Mapping Storage'),
  [`${S}104.1`]: other('Encapsulated PDF Storage'),
  [`${S}104.2`]: other('Encapsulated CDA Storage'),
  [`${S}104.3`]: other('Encapsulated STL Storage'),
};

/** UID → name of every SOP class named here (for tests and messages). */
export const SOP_CLASS_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SOP_CLASSES).map(([uid, c]) => [uid, c.name]),
);

/** SOPClassUID (0008,0016), else the file meta's MediaStorageSOPClassUID (0002,0002); undefined if neither. */
export function sopClassUidOf(ds: DataSet): string | undefined {
  for (const tag of ['x00080016', 'x00020002']) {
    const el = ds.elements[tag];
    if (!el || el.length === 0 || el.dataOffset + el.length > ds.byteArray.length) continue;
    const uid = ds.string(tag)?.replace(/\0/g, '').trim();
    if (uid) return uid;
  }
  return undefined;
}

/** "RT Plan Storage (1.2.840.10008.5.1.4.1.1.481.5)", "SOP class 1.2.3", or undefined without a UID. */
export function describeSopClass(uid: string | undefined): string | undefined {
  if (uid === undefined) return undefined;
  const known = Object.hasOwn(SOP_CLASSES, uid) ? SOP_CLASSES[uid] : undefined;
  return known ? `${known.name} (${uid})` : `SOP class ${uid}`;
}

/** True for SOP classes whose instances never hold pixel data (structure sets, plans, reports...). */
export function neverHasPixels(uid: string | undefined): boolean {
  return uid !== undefined && Object.hasOwn(SOP_CLASSES, uid) && !SOP_CLASSES[uid]!.pixels;
}

/** The words after "<file>: " for a complete data set without pixel data. */
export function notAnImageReason(uid: string | undefined): string {
  const what = describeSopClass(uid);
  return what
    ? `not an image: ${what} has no pixel data`
    : 'not an image: the data set has no SOP Class UID and no pixel data';
}
