/**
 * De-identified export of a case bundle: every DICOM file through the PS3.15 Basic Profile (deid/dicom.ts),
 * the plan and the recording scrubbed of identities (patient name/ID, operator names → role pseudonyms such
 * as `surgeon-1`), all dates and times shifted by one offset per export, all UIDs remapped consistently
 * (DICOM files and the plan's case reference alike), the audit chain re-sealed over the scrubbed entries, and
 * a new manifest. Neither the date offset nor the UID key is written to the export.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { McapIndexedReader, type IWritable } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';
import { FileHandleReadable } from '@mcap/nodejs';
import { open } from 'node:fs/promises';
import { sha256Hex } from '@neuroplan/planning';
import { nextAuditEntry, type AuditEntry } from '../audit.ts';
import {
  AUDIT_TOPIC,
  META_AUDIT_HEAD,
  META_CASE,
  OPERATOR_ACTIONS_TOPIC,
  type OperatorAction,
} from '../channels.ts';
import type { RosCodec } from '../codec.ts';
import { deidentifyDicom } from '../deid/dicom.ts';
import { scrubValue, type ScrubOptions } from '../deid/scrub.ts';
import { UidMapper } from '../deid/uids.ts';
import { loadZstdCompressor } from '../mcap/compression.ts';
import { ChunkedMcapWriter } from '../mcap/writer.ts';
import { FileWritable } from './fileIo.ts';
import { listFiles, readManifest, writeManifest } from './bundle.ts';

export interface DeidentifyOptions {
  /** Whole days to add to every date; default derived from `seed`, else random in [-3650, -366]. */
  dateShiftDays?: number;
  /** Makes the export reproducible (same UIDs, same shift); default random. Keep it secret. */
  seed?: string;
  codec: RosCodec;
}

export interface DeidentifyReport {
  caseId: string;
  dicomFiles: number;
  uidsRemapped: number;
  operatorsPseudonymised: number;
  messages: number;
  auditEntries: number;
}

const DAY_NS = 86_400_000_000_000n;
const enc = new TextEncoder();
const dec = new TextDecoder();

function isDicom(bytes: Uint8Array): boolean {
  return bytes.byteLength > 132 && dec.decode(bytes.subarray(128, 132)) === 'DICM';
}

export async function deidentifyBundle(
  src: string,
  out: string,
  o: DeidentifyOptions,
): Promise<DeidentifyReport> {
  const manifest = readManifest(src);
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new Error(`${out}: the output folder exists and is not empty`);
  const key = o.seed ?? randomBytes(32).toString('hex');
  const shift =
    o.dateShiftDays ??
    -(366 + (parseInt(sha256Hex(`date-shift\u0000${key}`).slice(0, 8), 16) % (3650 - 366)));
  if (!Number.isInteger(shift)) throw new Error(`date shift must be a whole number of days, got ${shift}`);
  const uids = new UidMapper(key);
  const caseId = `case-${sha256Hex(`case\u0000${key}\u0000${manifest.caseId}`).slice(0, 12)}`;
  const identities = new Map<string, string>([[manifest.caseId, caseId]]);
  const knownUids = new Set<string>();
  mkdirSync(out, { recursive: true });

  // 1. DICOM (collects patient identities and the UIDs the plan may reference).
  let dicomFiles = 0;
  const files = listFiles(src);
  for (const rel of files.filter((p) => p.startsWith('imaging/'))) {
    const bytes = new Uint8Array(readFileSync(join(src, rel)));
    const to = join(out, rel);
    mkdirSync(dirname(to), { recursive: true });
    if (!isDicom(bytes))
      throw new Error(`${join(src, rel)}: not a DICOM Part 10 file; refusing to export it unexamined`);
    const before = new Set(uids.entries().map(([k]) => k));
    const r = deidentifyDicom(bytes, {
      uids,
      dateShiftDays: shift,
      patientPseudonym: caseId,
      name: join(src, rel),
    });
    for (const [k] of uids.entries()) if (!before.has(k)) knownUids.add(k);
    for (const id of r.identities) if (id.length >= 2 && !identities.has(id)) identities.set(id, caseId);
    writeFileSync(to, r.bytes);
    dicomFiles += 1;
  }

  // 2. Operators → role pseudonyms (from the recording's operator actions and audit entries).
  const recPath = files.find((p) => p === 'recording.mcap');
  const roles = new Map<string, string>();
  let reader: McapIndexedReader | undefined;
  const handle = recPath ? await open(join(src, recPath), 'r') : undefined;
  try {
    if (handle) {
      reader = await McapIndexedReader.Initialize({
        readable: new FileHandleReadable(handle),
        decompressHandlers: await loadDecompressHandlers(),
      });
      const topics = [OPERATOR_ACTIONS_TOPIC, AUDIT_TOPIC];
      const byId = new Map([...reader.channelsById.values()].map((c) => [c.id, c.topic]));
      for await (const m of reader.readMessages({ topics })) {
        const v = JSON.parse(dec.decode(m.data)) as Partial<OperatorAction & AuditEntry>;
        const who = byId.get(m.channelId) === OPERATOR_ACTIONS_TOPIC ? v.operator : v.actor;
        if (who && v.role && v.role !== 'system' && !roles.has(who)) roles.set(who, v.role);
      }
    }
    const perRole = new Map<string, number>();
    for (const [name, role] of roles) {
      const n = (perRole.get(role) ?? 0) + 1;
      perRole.set(role, n);
      identities.set(name, `${role}-${n}`);
    }

    // 3. The plan.
    const planRel = files.find((p) => p === 'plan.json');
    let scrub: ScrubOptions = { replacements: identities, dateShiftDays: shift, uids, knownUids };
    if (planRel) {
      const plan = JSON.parse(readFileSync(join(src, planRel), 'utf8')) as Record<string, unknown>;
      const ref = (plan.caseRef ?? {}) as Record<string, unknown>;
      if (typeof ref.patientId === 'string' && ref.patientId) identities.set(ref.patientId, caseId);
      for (const k of ['studyInstanceUid', 'planningSeriesInstanceUid', 'frameOfReferenceUid'])
        if (typeof ref[k] === 'string') knownUids.add(ref[k]);
      for (const s of (ref.series ?? []) as Array<Record<string, unknown>>)
        if (typeof s.seriesInstanceUid === 'string') knownUids.add(s.seriesInstanceUid);
      const approval = plan.approval as Record<string, unknown> | undefined;
      if (approval && typeof approval.by === 'string' && !identities.has(approval.by))
        identities.set(
          approval.by,
          `${typeof approval.role === 'string' ? approval.role : 'approver'}-approver`,
        );
      scrub = { replacements: identities, dateShiftDays: shift, uids, knownUids };
      const clean = scrubValue(plan, scrub) as Record<string, unknown>;
      const cref = (clean.caseRef ?? {}) as Record<string, unknown>;
      delete cref.patientId;
      cref.caseId = caseId;
      writeFileSync(join(out, planRel), JSON.stringify(clean, null, 2) + '\n');
    }

    // 4. The recording.
    let messages = 0;
    let auditEntries = 0;
    if (reader && recPath) {
      const w = new FileWritable(join(out, recPath));
      try {
        ({ messages, auditEntries } = await rewriteRecording(reader, w, scrub, shift, caseId, o.codec));
      } finally {
        w.close();
      }
    }
    for (const rel of files)
      if (!rel.startsWith('imaging/') && rel !== planRel && rel !== recPath)
        throw new Error(
          `${join(src, rel)}: unknown file kind in the bundle; refusing to export it unexamined`,
        );
    const report: DeidentifyReport = {
      caseId,
      dicomFiles,
      uidsRemapped: uids.entries().length,
      operatorsPseudonymised: roles.size,
      messages,
      auditEntries,
    };
    writeFileSync(
      join(out, 'deidentification.json'),
      JSON.stringify(
        {
          method: 'DICOM PS3.15 E.1 Basic Application Level Confidentiality Profile with modified dates',
          codes: ['113100', '113107'],
          ...report,
        },
        null,
        2,
      ) + '\n',
    );
    await writeManifest(out, caseId, {
      deidentified: {
        method: 'PS3.15 Basic Profile, dates shifted, UIDs remapped, operators pseudonymised',
        profile: ['113100', '113107'],
      },
    });
    return report;
  } finally {
    await handle?.close();
  }
}

async function rewriteRecording(
  reader: McapIndexedReader,
  writable: IWritable,
  scrub: ScrubOptions,
  shiftDays: number,
  caseId: string,
  codec: RosCodec,
): Promise<{ messages: number; auditEntries: number }> {
  const writer = new ChunkedMcapWriter({ writable, compressChunk: await loadZstdCompressor() });
  await writer.start({ profile: reader.header.profile, library: reader.header.library });
  for await (const m of reader.readMetadata()) {
    if (m.name === META_AUDIT_HEAD) continue;
    if (m.name === META_CASE) {
      const keep = new Map<string, string>([['case_id', caseId]]);
      const sv = m.metadata.get('software_version');
      if (sv) keep.set('software_version', sv);
      const started = m.metadata.get('started_at');
      if (started) keep.set('started_at', scrubValue(started, scrub) as string);
      await writer.addMetadata({ name: m.name, metadata: keep });
    } else {
      await writer.addMetadata({
        name: m.name,
        metadata: new Map([...m.metadata].map(([k, v]) => [k, scrubValue(v, scrub) as string])),
      });
    }
  }
  const ids = new Map<number, number>();
  const kinds = new Map<number, { topic: string; type: string; encoding: string }>();
  for (const ch of reader.channelsById.values()) {
    const s = reader.schemasById.get(ch.schemaId);
    const schemaId = s
      ? await writer.registerSchema({ name: s.name, encoding: s.encoding, data: s.data })
      : 0;
    ids.set(
      ch.id,
      await writer.registerChannel({
        schemaId,
        topic: ch.topic,
        messageEncoding: ch.messageEncoding,
        metadata: ch.metadata,
      }),
    );
    kinds.set(ch.id, { topic: ch.topic, type: s?.name ?? '', encoding: ch.messageEncoding });
  }
  // Audit entries are scrubbed, then the chain is re-sealed in the same order.
  let prevAudit: AuditEntry | undefined;
  let messages = 0;
  let auditEntries = 0;
  const shiftNs = BigInt(shiftDays) * DAY_NS;
  for await (const m of reader.readMessages()) {
    const k = kinds.get(m.channelId)!;
    let data: Uint8Array;
    if (k.encoding === 'json') {
      const v = scrubValue(JSON.parse(dec.decode(m.data)), scrub);
      if (k.topic === AUDIT_TOPIC) {
        const e = v as AuditEntry;
        const next = nextAuditEntry(prevAudit, {
          actor: e.actor,
          role: e.role,
          action: e.action,
          details: e.details,
          time: e.time,
        });
        prevAudit = next;
        auditEntries += 1;
        data = enc.encode(JSON.stringify(next));
      } else data = enc.encode(JSON.stringify(v));
    } else if (k.encoding === 'cdr') {
      data = codec.serialize(k.type, scrubValue(codec.deserialize(k.type, m.data), scrub));
    } else data = m.data;
    await writer.addMessage({
      channelId: ids.get(m.channelId)!,
      sequence: m.sequence,
      logTime: m.logTime + shiftNs,
      publishTime: m.publishTime + shiftNs,
      data,
    });
    messages += 1;
  }
  await writer.addMetadata({
    name: META_AUDIT_HEAD,
    metadata: new Map([
      ['count', String(auditEntries)],
      ['hash', prevAudit?.hash ?? ''],
    ]),
  });
  await writer.end();
  return { messages, auditEntries };
}
