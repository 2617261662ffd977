/**
 * DataSet → DicomHeader: identity, value units, display hints and the image planes (frames) a file
 * contributes. Geometry is validated here so that later stages can trust it; anything unusable throws
 * "<file>: <reason>".
 */
import type { DataSet } from 'dicom-parser';
import type { ParsedDicom } from './parse.ts';
import { readPixelFormat } from './pixelFormat.ts';
import { firstItem, integerString, looseDecimal, textValue, textValues } from './headerValues.ts';
import {
  enhancedFrames,
  framesWithoutGeometry,
  mosaicFrames,
  readRescale,
  rtDoseFrames,
  singleFrame,
} from './multiframe.ts';
import type { DicomHeader, FrameRef } from './types.ts';

/** PET Units (0054,1001) codes in words. */
const PET_UNITS: Record<string, string> = {
  BQML: 'Bq/ml',
  CNTS: 'counts',
  GML: 'g/ml',
  CM2ML: 'cm2/ml',
  PROPCNTS: 'proportional counts',
  NONE: '',
};

function valueUnitOf(ds: DataSet, modality: string, rescaleType: string | undefined): string {
  if (modality === 'RTDOSE') {
    const units = textValue(ds, 'x30040002')?.toUpperCase();
    return units === 'RELATIVE' ? 'relative' : 'Gy';
  }
  if (modality === 'PT') {
    const units = textValue(ds, 'x00541001')?.toUpperCase();
    if (units !== undefined) return PET_UNITS[units] ?? units;
  }
  if (rescaleType !== undefined && rescaleType !== 'US') return rescaleType;
  return modality === 'CT' ? 'HU' : '';
}

export function readDicomHeader(parsed: ParsedDicom): DicomHeader {
  const { dataSet: ds, file } = parsed;
  const pixel = readPixelFormat(parsed);
  const modality = textValue(ds, 'x00080060')?.toUpperCase() ?? '';
  const imageType = textValues(ds, 'x00080008')?.map((v) => v.toUpperCase());
  const framesText = textValue(ds, 'x00280008');
  const numberOfFrames = framesText === undefined ? 1 : integerString(ds, 'x00280008');
  if (numberOfFrames === undefined || numberOfFrames < 1)
    throw new Error(`${file}: NumberOfFrames (0028,0008) "${framesText}" is not a positive integer`);

  const shared = firstItem(ds, 'x52009229');
  const perFrame = firstItem(ds, 'x52009230');
  const enhanced = shared !== undefined || perFrame !== undefined;
  const rescale = readRescale(ds, file) ?? { slope: 1, intercept: 0 };

  const notes = [...(parsed.notes ?? [])];
  let frames: FrameRef[];
  if (modality === 'RTDOSE') {
    const doseScale = textValue(ds, 'x30040002')?.toUpperCase() === 'CGY' ? 0.01 : 1;
    frames = rtDoseFrames(ds, file, numberOfFrames, rescale, doseScale, notes);
  } else if (enhanced) frames = enhancedFrames(ds, file, numberOfFrames, rescale, notes);
  else if (imageType?.includes('MOSAIC')) {
    if (numberOfFrames !== 1)
      throw new Error(`${file}: a Siemens mosaic with ${numberOfFrames} frames is not supported`);
    frames = mosaicFrames(ds, file, pixel, rescale);
  } else if (numberOfFrames > 1) frames = framesWithoutGeometry(ds, file, numberOfFrames, rescale, pixel);
  else frames = singleFrame(ds, file, rescale);

  // Enhanced objects keep the rescale type and the window in functional groups.
  const transform = firstItem(perFrame, 'x00289145') ?? firstItem(shared, 'x00289145');
  const rescaleType = (
    textValue(ds, 'x00281054') ??
    (transform && textValue(transform, 'x00281054'))
  )?.toUpperCase();
  const voi = firstItem(perFrame, 'x00289132') ?? firstItem(shared, 'x00289132');
  const windowCenter = looseDecimal(ds, 'x00281050') ?? (voi && looseDecimal(voi, 'x00281050'));
  const windowWidth = looseDecimal(ds, 'x00281051') ?? (voi && looseDecimal(voi, 'x00281051'));

  const header: DicomHeader = {
    file,
    sopClassUid: textValue(ds, 'x00080016') ?? textValue(ds, 'x00020002') ?? '',
    sopInstanceUid: textValue(ds, 'x00080018') ?? textValue(ds, 'x00020003') ?? '',
    studyInstanceUid: textValue(ds, 'x0020000d') ?? '',
    seriesInstanceUid: textValue(ds, 'x0020000e') ?? '',
    modality,
    valueUnit: valueUnitOf(ds, modality, rescaleType),
    pixel,
    numberOfFrames,
    frames,
  };
  const set = <K extends keyof DicomHeader>(key: K, value: DicomHeader[K] | undefined) => {
    if (value !== undefined) header[key] = value;
  };
  set('frameOfReferenceUid', textValue(ds, 'x00200052'));
  set('seriesDescription', textValue(ds, 'x0008103e'));
  set('seriesNumber', integerString(ds, 'x00200011'));
  set('instanceNumber', integerString(ds, 'x00200013'));
  set('acquisitionNumber', integerString(ds, 'x00200012'));
  set('patientId', textValue(ds, 'x00100020'));
  set('patientName', textValue(ds, 'x00100010'));
  set('studyDate', textValue(ds, 'x00080020'));
  set('imageType', imageType);
  set('windowCenter', windowCenter);
  set('windowWidth', windowWidth !== undefined && windowWidth > 0 ? windowWidth : undefined);
  set('gantryTiltDeg', looseDecimal(ds, 'x00181120'));
  if (notes.length > 0) header.notes = notes;
  return header;
}
