/**
 * Records a full synthetic case from a RosGraph (spec rates, simulated time), then replays it: every message
 * comes back byte-identical and decoded-identical, in order; the file follows the MCAP ros2 profile; stateAt,
 * messagesBetween, events and the audit chain work; tampering with the audit log is detected and named.
 * Expected values are the messages the test itself published.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapIndexedReader } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';
import { serializeCdr } from '@neuroplan/ros-messages';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain, type AuditEntry } from '../src/audit.ts';
import { CASE_TOPICS } from '../src/channels.ts';
import { rosMessagesCodec } from '../src/codecRos.ts';
import { startFileRecorder } from '../src/node/files.ts';
import { openRecordingFile } from '../src/node/fileIo.ts';
import { bytesReadable, type CaseRecording } from '../src/replay.ts';
import { OPERATOR, RosGraph, T0_NS, runSimCase, type SimResult } from './simCase.ts';

const codec = rosMessagesCodec();
let dir: string;
let file: string;
let sim: SimResult;
let recording: CaseRecording;
let closeFile: () => Promise<void>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cases-rr-'));
  file = join(dir, 'case.mcap');
  const clock = { ns: T0_NS };
  const graph = new RosGraph();
  const { recorder, close } = await startFileRecorder(file, {
    codec,
    caseId: 'ACC-2025-0042',
    softwareVersion: '0.1.0-test',
    robotDescription: '<robot name="neuroplan_robot"/>',
    clockNs: () => clock.ns,
  });
  recorder.recordTopics(graph, CASE_TOPICS);
  sim = runSimCase(recorder, graph, clock, { snippetSamples: 30, snippetEveryMs: 250 });
  await close();
  ({ recording, close: closeFile } = await openRecordingFile(file, codec));
  return async () => {
    await closeFile();
    rmSync(dir, { recursive: true, force: true });
  };
});

describe('record and replay a simulated case', () => {
  it('gives back every published message, identical and in order', async () => {
    const got: Array<{ topic: string; logTimeNs: bigint; message: unknown; data: Uint8Array }> = [];
    const rosTopics = CASE_TOPICS.map((t) => t.topic);
    for await (const m of recording.messagesBetween(undefined, undefined, rosTopics)) got.push(m);
    expect(sim.published.length).toBeGreaterThan(2500);
    expect(got.length).toBe(sim.published.length);
    got.forEach((m, i) => {
      const p = sim.published[i]!;
      expect(m.topic).toBe(p.topic);
      expect(m.logTimeNs).toBe(p.logTimeNs);
      expect(m.message).toEqual(p.msg);
      expect(Buffer.from(m.data).equals(Buffer.from(serializeCdr(p.type, p.msg)))).toBe(true);
    });
    // per-topic counts at the spec's rates over 4 simulated seconds
    const count = (t: string) => sim.published.filter((p) => p.topic === t).length;
    expect(count('/joint_states')).toBe(1000);
    expect(count('/tf')).toBe(1000);
    expect(count('/robot/insertion_status')).toBe(400);
    expect(count('/bci/summary')).toBe(40);
  });

  it('writes the ros2 profile: cdr channels with ros2msg schemas and offered_qos_profiles; JSON channels with JSON Schema', async () => {
    const reader = await McapIndexedReader.Initialize({
      readable: bytesReadable(new Uint8Array(readFileSync(file))),
      decompressHandlers: await loadDecompressHandlers(),
    });
    expect(reader.header.profile).toBe('ros2');
    for (const ch of reader.channelsById.values()) {
      const schema = reader.schemasById.get(ch.schemaId)!;
      if (ch.topic.startsWith('/case/') || ch.topic === '/audit') {
        expect(ch.messageEncoding).toBe('json');
        expect(schema.encoding).toBe('jsonschema');
        expect(JSON.parse(new TextDecoder().decode(schema.data)).type).toBe('object');
      } else {
        expect(ch.messageEncoding).toBe('cdr');
        expect(schema.encoding).toBe('ros2msg');
        expect(schema.name).toMatch(/^[a-z_0-9]+\/msg\/[A-Za-z0-9]+$/);
        expect(ch.metadata.get('offered_qos_profiles')).toMatch(/reliability: 1/);
      }
    }
    const latched = [...reader.channelsById.values()].find((c) => c.topic === '/tf_static')!;
    expect(latched.metadata.get('offered_qos_profiles')).toMatch(/durability: 1/);
    expect(reader.chunkIndexes.length).toBeGreaterThanOrEqual(8); // a chunk at least every 0.5 s of log time
    expect(reader.chunkIndexes.some((c) => c.compression === 'zstd')).toBe(true);
    const meta = await recording.metadata();
    expect(meta.get('case')).toMatchObject({ case_id: 'ACC-2025-0042', software_version: '0.1.0-test' });
    expect(meta.get('robot_description')?.urdf).toContain('neuroplan_robot');
  });

  it('has valid data-section and summary CRCs and clean top-level framing (zlib oracle)', () => {
    const r = JSON.parse(
      execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'oracles', 'mcap_crcs.py'), file], {
        encoding: 'utf8',
      }),
    ) as {
      data_crc_ok: boolean;
      summary_crc_ok: boolean;
      framing_ends_at_data_end: boolean;
      top_level_opcodes: number[];
    };
    expect(r).toEqual({
      data_crc_ok: true,
      summary_crc_ok: true,
      framing_ends_at_data_end: true,
      // header, schema, channel, chunk, message index, metadata — no loose messages
      top_level_opcodes: [0x01, 0x03, 0x04, 0x06, 0x07, 0x0c],
    });
  });

  it('seeks: stateAt returns the latest message of each topic at an instant; messagesBetween a window', async () => {
    const t = T0_NS + 1_234_500_000n; // 1.2345 s
    const state = await recording.stateAt(t, [
      '/joint_states',
      '/robot/insertion_status',
      '/bci/summary',
      '/robot_description',
    ]);
    const latest = (topic: string) =>
      [...sim.published].reverse().find((p) => p.topic === topic && p.logTimeNs <= t)!;
    for (const topic of ['/joint_states', '/robot/insertion_status', '/bci/summary', '/robot_description']) {
      expect(state.get(topic)?.logTimeNs).toBe(latest(topic).logTimeNs);
      expect(state.get(topic)?.message).toEqual(latest(topic).msg);
    }
    const t0 = T0_NS + 2_000_000_000n;
    const t1 = T0_NS + 2_100_000_000n;
    const win = await recording.collect(['/robot/insertion_status'], t0, t1);
    const expected = sim.published.filter(
      (p) => p.topic === '/robot/insertion_status' && p.logTimeNs >= t0 && p.logTimeNs <= t1,
    );
    expect(win.map((m) => m.logTimeNs)).toEqual(expected.map((p) => p.logTimeNs));
    const last = sim.published.reduce((a, p) => (p.logTimeNs > a ? p.logTimeNs : a), T0_NS);
    expect(recording.durationS).toBe(Number(last - T0_NS) / 1e9);
  });

  it('lists operator actions and safety events in time order', async () => {
    const events = await recording.events();
    const safety = events.filter((e) => e.kind === 'safety_event');
    expect(safety).toHaveLength(sim.safetyEvents);
    expect(safety[0]!.timeNs).toBe(T0_NS + 1_950_000_000n);
    const actions = events
      .filter((e) => e.kind === 'operator_action')
      .map((e) => (e.record as { action: string }).action);
    expect(actions).toEqual([
      'claim_control',
      'insert',
      'insertion_done',
      'insert',
      'reset_estop',
      'insertion_done',
    ]);
    for (let i = 1; i < events.length; i++) expect(events[i]!.timeNs >= events[i - 1]!.timeNs).toBe(true);
  });

  it('keeps an intact audit chain whose head matches the recording', async () => {
    const { entries, head } = await recording.audit();
    expect(entries.length).toBe(head!.count);
    // plan + claim + registration + 2×(insert, done) + 2 safety + reset action
    expect(entries.length).toBe(10);
    expect(entries[0]).toMatchObject({ seq: 0, actor: OPERATOR.operator, action: 'load_plan' });
    expect(verifyAuditChain(entries, head)).toEqual({ ok: true, problems: [] });
  });

  it('detects and names a tampered, a removed, a reordered and a truncated audit entry', async () => {
    const { entries, head } = await recording.audit();
    const altered = structuredClone(entries) as AuditEntry[];
    altered[3]!.actor = 'Someone Else';
    let v = verifyAuditChain(altered, head);
    expect(v.ok).toBe(false);
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0]).toMatchObject({ index: 3, seq: 3 });
    expect(v.problems[0]!.reason).toMatch(/seq 3 .*altered/);

    const removed = entries.filter((_, i) => i !== 5);
    v = verifyAuditChain(removed, head);
    expect(v.problems[0]).toMatchObject({ index: 5, seq: 6 });
    expect(v.problems[0]!.reason).toMatch(/seq 5 missing/);

    const swapped = [...entries];
    [swapped[6], swapped[7]] = [swapped[7]!, swapped[6]!];
    v = verifyAuditChain(swapped, head);
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => p.seq)).toContain(7);
    expect(v.problems.find((p) => p.seq === 6)!.reason).toMatch(/out of order|removed|chain/);

    v = verifyAuditChain(entries.slice(0, -2), head);
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0]!.reason).toMatch(/2 entries missing at the end/);

    // A forger who recomputes the altered entry's own hash still breaks the link to the next entry.
    const { auditEntryHash } = await import('../src/audit.ts');
    const forged = structuredClone(entries) as AuditEntry[];
    forged[2]!.details = { success: false };
    forged[2]!.hash = auditEntryHash(forged[2]!);
    v = verifyAuditChain(forged, head);
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0]).toMatchObject({ index: 3, seq: 3 });
  });
});
