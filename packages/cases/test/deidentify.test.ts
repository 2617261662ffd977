/**
 * De-identified export of a case bundle. The DICOM side is checked independently by pydicom
 * (oracles/check_deid.py): no attribute named by PS3.15 Table E.1-1 survives with its original value, no
 * private/curve/overlay data remains, UIDs are 2.25 UIDs mapped consistently, dates moved by the shift. The plan
 * and the recording are checked for identities (patient name/ID, operator names, case id) in every decoded
 * message, the pseudonyms used, UID agreement with the DICOM files, shifted times and a valid audit chain.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../src/audit.ts';
import { rosMessagesCodec } from '../src/codecRos.ts';
import { shiftDa } from '../src/deid/dicom.ts';
import { verifyBundle } from '../src/node/bundle.ts';
import { deidentifyBundle } from '../src/node/deidentify.ts';
import { openRecordingFile } from '../src/node/fileIo.ts';
import { T0_NS } from './simCase.ts';
import { makeBundle } from './makeBundle.ts';

const SHIFT = -400;
const codec = rosMessagesCodec();
let bundle: string;
let out: string;
let studyUid: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cases-deid-'));
  ({ bundle, studyUid } = await makeBundle(dir));
  out = join(dir, 'deid');
  await deidentifyBundle(bundle, out, { codec, dateShiftDays: SHIFT, seed: 'test-export-key' });
  return () => rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('de-identified export', () => {
  it('leaves no attribute of PS3.15 Table E.1-1 with its original value (pydicom oracle)', () => {
    const res = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          join(import.meta.dirname, 'oracles', 'check_deid.py'),
          join(import.meta.dirname, '..', 'src', 'deid', 'profileTable.ts'),
          join(bundle, 'imaging'),
          join(out, 'imaging'),
          String(SHIFT),
        ],
        { encoding: 'utf8' },
      ),
    ) as {
      checked_files: number;
      checked_attributes: number;
      violations: string[];
      uid_map: Record<string, string>;
    };
    expect(res.violations).toEqual([]);
    expect(res.checked_files).toBe(3);
    // the synthetic file alone carries a few hundred of the table's attributes
    expect(res.checked_attributes).toBeGreaterThan(300);
    expect(res.uid_map[studyUid]).toMatch(/^2\.25\.\d+$/);
  });

  it('scrubs the plan: no patient id, case id pseudonymised, UIDs remapped like the DICOM files, dates shifted', () => {
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    const text = JSON.stringify(plan);
    for (const id of ['PAT-889911', 'ACC-2025-0042', 'Jane Roe', studyUid]) expect(text).not.toContain(id);
    expect(plan.caseRef.patientId).toBeUndefined();
    expect(plan.caseRef.caseId).toMatch(/^case-[0-9a-f]{12}$/);
    const mapped = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          join(import.meta.dirname, 'oracles', 'check_deid.py'),
          join(import.meta.dirname, '..', 'src', 'deid', 'profileTable.ts'),
          join(bundle, 'imaging'),
          join(out, 'imaging'),
          String(SHIFT),
        ],
        { encoding: 'utf8' },
      ),
    ).uid_map as Record<string, string>;
    expect(plan.caseRef.studyInstanceUid).toBe(mapped[studyUid]);
    expect(plan.approval.by).toBe('surgeon-1');
    expect(plan.createdAt).toBe(
      new Date(Date.parse('2025-11-20T09:30:00.000Z') + SHIFT * 86_400_000).toISOString(),
    );
  });

  it('scrubs the recording: identities gone from every message and metadata, operators → role pseudonyms, times shifted, audit re-sealed', async () => {
    const { recording, close } = await openRecordingFile(join(out, 'recording.mcap'), codec);
    try {
      const forbidden = ['Jane Roe', 'Sam Poe', 'PAT-889911', 'ACC-2025-0042', 'CompressedSamples'];
      let n = 0;
      for await (const m of recording.messagesBetween()) {
        const text = JSON.stringify(m.message, (_k, v: unknown) => (ArrayBuffer.isView(v) ? undefined : v));
        for (const f of forbidden) expect(text, `${m.topic}`).not.toContain(f);
        n += 1;
      }
      expect(n).toBeGreaterThan(2500);
      const meta = await recording.metadata();
      expect(JSON.stringify([...meta])).not.toMatch(/Jane|Sam Poe|ACC-2025|CompressedSamples/);
      expect(recording.startTimeNs).toBe(T0_NS + BigInt(SHIFT) * 86_400_000_000_000n);
      const actions = (await recording.events())
        .filter((e) => e.kind === 'operator_action')
        .map((e) => (e.record as { operator: string }).operator);
      expect(new Set(actions)).toEqual(new Set(['surgeon-1', 'engineer-1']));
      const state = await recording.stateAt(recording.endTimeNs, ['/robot/safety_state']);
      expect((state.get('/robot/safety_state')!.message as { controller: string }).controller).toBe(
        'surgeon-1',
      );
      const { entries, head } = await recording.audit();
      expect(entries.length).toBe(10);
      expect(verifyAuditChain(entries, head).ok).toBe(true);
      expect(entries.map((e) => e.actor)).not.toContain('Dr Jane Roe');
    } finally {
      await close();
    }
  });

  it('writes a verifiable bundle with a manifest of every file', async () => {
    const v = await verifyBundle(out);
    expect(v.problems).toEqual([]);
    expect(v.checked).toBe(6); // 3 DICOM, plan, recording, deidentification.json
    expect(readdirSync(join(out, 'imaging', 'imaging')).sort()).toEqual([
      'CT_small.dcm',
      'MR_small.dcm',
      'synthetic.dcm',
    ]);
  });

  it('shifts DICOM dates by whole days across month and year ends', () => {
    expect(shiftDa('20240301', -1)).toBe('20240229');
    expect(shiftDa('20231231', 1)).toBe('20240101');
    expect(shiftDa('garbage', 1)).toBe('');
  });
});
