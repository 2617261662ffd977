/**
 * Report of a one-hour case in under 10 s: a recording of 3600 s at the spec's rates without raw signals
 * (joint states and tf 250 Hz, insertion status and tip pose 100 Hz, BCI summary 10 Hz; 60 insertions) is
 * synthesised with zstd chunks, then timed: open + computeCaseReport + render + write the files (what
 * `neuroplan replay --report` does). No peer exists for our report; the "peer" is the 10 s budget.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_CHANNELS, PLAN_TOPIC, offeredQosProfiles } from '../../packages/cases/src/channels.ts';
import { rosMessagesCodec } from '../../packages/cases/src/codecRos.ts';
import { loadZstdCompressor } from '../../packages/cases/src/mcap/compression.ts';
import { ChunkedMcapWriter } from '../../packages/cases/src/mcap/writer.ts';
import { FileWritable, openRecordingFile } from '../../packages/cases/src/node/fileIo.ts';
import { writeCaseReport } from '../../packages/cases/src/node/files.ts';
import { report } from '../results.ts';
import { RATES_HZ, TYPES, cdr, message } from './synth.ts';

const T0 = 1_764_000_000_000_000_000n;
const enc = new TextEncoder();

async function generate(file: string, seconds: number): Promise<number> {
  const codec = rosMessagesCodec();
  const out = new FileWritable(file);
  const w = new ChunkedMcapWriter({ writable: out, compressChunk: await loadZstdCompressor() });
  await w.start({ profile: 'ros2', library: 'bench' });
  await w.addMetadata({ name: 'case', metadata: new Map([['case_id', 'bench-1h']]) });
  const ch: Record<string, number> = {};
  for (const topic of Object.keys(RATES_HZ)) {
    const schemaId = await w.registerSchema({
      name: TYPES[topic]!,
      encoding: 'ros2msg',
      data: enc.encode(codec.schemaText(TYPES[topic]!)),
    });
    ch[topic] = await w.registerChannel({
      schemaId,
      topic,
      messageEncoding: 'cdr',
      metadata: new Map([['offered_qos_profiles', offeredQosProfiles(false)]]),
    });
  }
  const planSchema = await w.registerSchema({
    name: 'neuroplan.PlanRecord',
    encoding: 'jsonschema',
    data: enc.encode(JSON.stringify(JSON_CHANNELS[PLAN_TOPIC]!.schema)),
  });
  const planCh = await w.registerChannel({
    schemaId: planSchema,
    topic: PLAN_TOPIC,
    messageEncoding: 'json',
    metadata: new Map(),
  });
  const plan = {
    trajectories: Array.from({ length: Math.ceil(seconds / 60) }, (_, i) => ({
      id: `T${i}`,
      electrodeId: `E${i % 4}`,
      entryLps: [0, 0, 60],
      targetLps: [10, 20, 30],
    })),
  };
  await w.addMessage({
    channelId: planCh,
    sequence: 0,
    logTime: T0,
    publishTime: T0,
    data: enc.encode(
      JSON.stringify({ time: new Date(Number(T0 / 1_000_000n)).toISOString(), sha256: '', plan }),
    ),
  });
  // Variety where the report reads values (insertion status); fixed bytes elsewhere keep generation fast.
  const fixed: Record<string, Uint8Array[]> = {};
  for (const topic of ['/joint_states', '/tf', '/robot/tip_pose', '/bci/summary'])
    fixed[topic] = Array.from({ length: 16 }, (_, i) => cdr(topic, message(topic, T0, i)));
  let messages = 1;
  for (let ms = 0; ms < seconds * 1000; ms++) {
    const t = T0 + BigInt(ms) * 1_000_000n;
    for (const [topic, hz] of Object.entries(RATES_HZ)) {
      if (ms % (1000 / hz) !== 0) continue;
      const i = Math.floor(ms / (1000 / hz));
      const data =
        topic === '/robot/insertion_status' ? cdr(topic, message(topic, t, i)) : fixed[topic]![i % 16]!;
      await w.addMessage({ channelId: ch[topic]!, sequence: i, logTime: t, publishTime: t, data });
      messages += 1;
    }
    if (ms % 500 === 499) await w.flushChunk();
  }
  await w.end();
  out.close();
  return messages;
}

export async function run(args: string[]): Promise<void> {
  const seconds = args.includes('--quick') ? 600 : 3600;
  const dir = join(import.meta.dirname, '..', '..', '.tmp', 'cases-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `case-${seconds}s.mcap`);
  const g0 = performance.now();
  const messages = await generate(file, seconds);
  const genS = (performance.now() - g0) / 1000;
  const t0 = performance.now();
  const { recording, close } = await openRecordingFile(file, rosMessagesCodec());
  const r = await writeCaseReport(recording, join(dir, `report-${seconds}s`));
  await close();
  const wall = (performance.now() - t0) / 1000;
  report('cases', {
    name: seconds === 3600 ? 'report-1h-case' : `report-${seconds}s-case`,
    ours_s: wall,
    peer: 'budget (no peer report tool)',
    peer_s: 10,
    ratio: 10 / wall,
    target: 1,
    met: wall < 10,
    messages,
    file_bytes: statSync(file).size,
    recording_s: seconds,
    insertions: r.electrodes.filter((e) => e.insertionDurationS !== undefined).length,
    tracking_samples: r.trackingError.samples,
    generate_s: genS,
  });
  if (!args.includes('--keep')) rmSync(file, { force: true });
}
