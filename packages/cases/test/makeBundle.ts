/**
 * Test fixtures built at run time: a synthetic DICOM file carrying many of the attributes PS3.15 Table E.1-1
 * names (made with dcmjs from MR_small.dcm: every table attribute with a plain VR gets a value, plus private
 * attributes and a sequence with identifying items), a recorded simulated case, and a case bundle holding
 * copies of real fixtures (packages/imaging/test/fixtures/dicom), the synthetic file, the plan and the recording.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs, { type DicomDataset } from 'dcmjs';
import { CASE_TOPICS } from '../src/channels.ts';
import { rosMessagesCodec } from '../src/codecRos.ts';
import { PROFILE_ROWS } from '../src/deid/profileTable.ts';
import { createBundle } from '../src/node/bundle.ts';
import { startFileRecorder } from '../src/node/files.ts';
import { RosGraph, T0_NS, runSimCase, simPlan, type SimResult } from './simCase.ts';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'imaging', 'test', 'fixtures', 'dicom');

function valueFor(vr: string, k: number): unknown[] | undefined {
  switch (vr) {
    case 'DA':
      return ['20240115'];
    case 'DT':
      return ['20240115103000'];
    case 'TM':
      return ['103000'];
    case 'PN':
      return [{ Alphabetic: `Synthetic^Person${k}` }];
    case 'UI':
      return [`1.2.826.0.1.3680043.8.498.77.${k}`];
    case 'CS':
      return [`VALUE${k}`.slice(0, 16)];
    case 'AS':
      return ['045Y'];
    case 'US':
    case 'UL':
    case 'SS':
    case 'SL':
      return [k];
    case 'FL':
    case 'FD':
      return [k + 0.5];
    case 'DS':
      return [`${k}.5`];
    case 'IS':
      return [String(k)];
    case 'AE':
      return [`AET${k}`];
    case 'SH':
      return [`id ${k}`];
    case 'LO':
    case 'LT':
    case 'ST':
    case 'UT':
    case 'UC':
      return [`identifying text ${k}`];
    default:
      return undefined; // OB/OW/UN/SQ/multi-VR: not synthesised
  }
}

/** Writes the synthetic file; returns how many table attributes it carries. */
export function writeSyntheticDicom(path: string): number {
  const b = readFileSync(join(FIXTURES, 'MR_small.dcm'));
  const dicom = dcmjs.data.DicomMessage.readFile(
    b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer,
  );
  let added = 0;
  PROFILE_ROWS.forEach((row, k) => {
    if (
      !/^[0-9A-F]{8}$/.test(row.tag) ||
      row.tag.startsWith('0002') ||
      row.tag.startsWith('FFF') ||
      row.tag.startsWith('0000')
    )
      return;
    const entry = dcmjs.data.DicomMetaDictionary.dictionary[`(${row.tag.slice(0, 4)},${row.tag.slice(4)})`];
    if (!entry || !valueFor(entry.vr, k)) return;
    if (dicom.dict[row.tag]) return;
    dicom.dict[row.tag] = { vr: entry.vr, Value: valueFor(entry.vr, k)! };
    added += 1;
  });
  // identifying content inside a kept sequence and inside a removed one; private attributes
  dicom.dict['00081115'] = {
    vr: 'SQ',
    Value: [
      {
        '0020000E': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.77.9001'] },
        '00081070': { vr: 'PN', Value: [{ Alphabetic: 'Nested^Operator' }] },
      } as DicomDataset,
    ],
  };
  dicom.dict['00090010'] = { vr: 'LO', Value: ['ACME PRIVATE'] };
  dicom.dict['00091001'] = { vr: 'LO', Value: ['private patient note'] };
  dicom.dict['60003000'] = { vr: 'OW', Value: [new Uint8Array(16).buffer] };
  writeFileSync(path, Buffer.from(dicom.write()));
  return added;
}

/** Records the simulated case into `file`. */
export async function recordSimCase(file: string): Promise<SimResult> {
  const clock = { ns: T0_NS };
  const graph = new RosGraph();
  const { recorder, close } = await startFileRecorder(file, {
    codec: rosMessagesCodec(),
    caseId: 'ACC-2025-0042',
    softwareVersion: '0.1.0-test',
    metadata: { operator_names: 'Dr Jane Roe, Sam Poe', patient_name: 'CompressedSamples^MR1' },
    clockNs: () => clock.ns,
  });
  recorder.recordTopics(graph, CASE_TOPICS);
  const sim = runSimCase(recorder, graph, clock, { snippetSamples: 30, snippetEveryMs: 500 });
  await close();
  return sim;
}

/** Builds a bundle in `dir/bundle` (work files in `dir/work`); returns the bundle folder. */
export async function makeBundle(dir: string): Promise<{ bundle: string; sim: SimResult; studyUid: string }> {
  const work = join(dir, 'work');
  mkdirSync(join(work, 'imaging'), { recursive: true });
  for (const f of ['CT_small.dcm', 'MR_small.dcm']) copyFileSync(join(FIXTURES, f), join(work, 'imaging', f));
  writeSyntheticDicom(join(work, 'imaging', 'synthetic.dcm'));
  // the plan refers to the CT's study and series, so remapping must agree between DICOM and plan
  const ct = dcmjs.data.DicomMessage.readFile(
    (() => {
      const b = readFileSync(join(FIXTURES, 'CT_small.dcm'));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    })(),
  );
  const studyUid = String(ct.dict['0020000D']!.Value![0]);
  const seriesUid = String(ct.dict['0020000E']!.Value![0]);
  writeFileSync(join(work, 'plan.json'), JSON.stringify(simPlan(studyUid, seriesUid), null, 2));
  const sim = await recordSimCase(join(work, 'recording.mcap'));
  const bundle = join(dir, 'bundle');
  await createBundle(bundle, {
    caseId: 'ACC-2025-0042',
    imaging: [join(work, 'imaging')],
    planPath: join(work, 'plan.json'),
    recordingPath: join(work, 'recording.mcap'),
  });
  return { bundle, sim, studyUid };
}
