/**
 * Seek latency in a recording of ≥ 1 GB: `stateAt(t)` (latest insertion status, raw snippet and joint state at
 * t, found through the chunk and message indexes) at random instants, target median < 50 ms. Peer: a plain
 * sequential scan (McapStreamReader from the start of the file up to t, the way a reader without the index
 * must do it) at a few of the same instants; ratio = scan / ours.
 * The file is written fast: pre-serialised raw-signal snippets (64 ch × 300 samples at 30 kHz, 100 Hz) and
 * insertion statuses / joint states at their rates, through ChunkedMcapWriter without compression.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { McapStreamReader } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';
import { join } from 'node:path';
import { rosMessagesCodec } from '../../packages/cases/src/codecRos.ts';
import { offeredQosProfiles } from '../../packages/cases/src/channels.ts';
import { ChunkedMcapWriter } from '../../packages/cases/src/mcap/writer.ts';
import { FileWritable, openRecordingFile } from '../../packages/cases/src/node/fileIo.ts';
import { median, report } from '../results.ts';
import { TYPES, cdr, message, snippet } from './synth.ts';

const T0 = 1_764_000_000_000_000_000n;

async function generate(file: string, targetBytes: number): Promise<{ seconds: number; messages: number }> {
  const codec = rosMessagesCodec();
  const out = new FileWritable(file);
  const w = new ChunkedMcapWriter({ writable: out, chunkSizeBytes: 4 * 1024 * 1024 });
  await w.start({ profile: 'ros2', library: 'bench' });
  const ch: Record<string, number> = {};
  for (const topic of ['/bci/snippets', '/robot/insertion_status', '/joint_states']) {
    const schemaId = await w.registerSchema({
      name: TYPES[topic]!,
      encoding: 'ros2msg',
      data: new TextEncoder().encode(codec.schemaText(TYPES[topic]!)),
    });
    ch[topic] = await w.registerChannel({
      schemaId,
      topic,
      messageEncoding: 'cdr',
      metadata: new Map([['offered_qos_profiles', offeredQosProfiles(false)]]),
    });
  }
  const snip = cdr('/bci/snippets', snippet(T0, 300, 1));
  const ins = Array.from({ length: 100 }, (_, i) =>
    cdr('/robot/insertion_status', message('/robot/insertion_status', T0, i)),
  );
  const js = cdr('/joint_states', message('/joint_states', T0, 0));
  let ms = 0;
  let messages = 0;
  const seq: Record<string, number> = {};
  const add = async (topic: string, data: Uint8Array, t: bigint) => {
    seq[topic] = (seq[topic] ?? 0) + 1;
    await w.addMessage({ channelId: ch[topic]!, sequence: seq[topic]!, logTime: t, publishTime: t, data });
    messages += 1;
  };
  while (Number(out.position()) < targetBytes) {
    const t = T0 + BigInt(ms) * 1_000_000n;
    if (ms % 4 === 0) await add('/joint_states', js, t);
    if (ms % 10 === 0) {
      await add('/robot/insertion_status', ins[(ms / 10) % 100]!, t);
      await add('/bci/snippets', snip, t);
    }
    if (ms % 500 === 499) await w.flushChunk();
    ms += 1;
  }
  await w.end();
  out.close();
  return { seconds: ms / 1000, messages };
}

export async function run(args: string[]): Promise<void> {
  const gb = args.includes('--quick') ? 0.2 : 1.05;
  const dir = join(import.meta.dirname, '..', '..', '.tmp', 'cases-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'seek.mcap');
  const g0 = performance.now();
  const { seconds } = await generate(file, gb * 1024 ** 3);
  const genS = (performance.now() - g0) / 1000;
  const bytes = statSync(file).size;

  const o0 = performance.now();
  const { recording, close } = await openRecordingFile(file, rosMessagesCodec());
  const openS = (performance.now() - o0) / 1000;
  const topics = ['/robot/insertion_status', '/bci/snippets', '/joint_states'];
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  // the peer's instants (a quarter, half and three quarters into the file) come first
  const spread = [0.25, 0.5, 0.75].map((f) => T0 + BigInt(Math.floor(f * seconds * 1e9)));
  const instants = [
    ...spread,
    ...Array.from({ length: 30 }, () => T0 + BigInt(Math.floor(rand() * seconds * 1e9))),
  ];
  const ours: number[] = [];
  for (const t of instants) {
    const s0 = performance.now();
    const state = await recording.stateAt(t, topics);
    ours.push((performance.now() - s0) / 1000);
    if (state.size !== 3) throw new Error(`stateAt found ${state.size} topics at ${t}`);
  }
  await close();

  // Peer: sequential scan to t (first 3 instants: each reads on average half the file).
  const handlers = await loadDecompressHandlers();
  const scan: number[] = [];
  for (const t of spread) {
    const s0 = performance.now();
    const fh = await open(file, 'r');
    const reader = new McapStreamReader({ decompressHandlers: handlers, validateCrcs: false });
    const latest = new Map<number, bigint>();
    const buf = new Uint8Array(8 * 1024 * 1024);
    let pos = 0;
    let done = false;
    while (!done) {
      const { bytesRead } = await fh.read(buf, 0, buf.byteLength, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      reader.append(buf.subarray(0, bytesRead));
      for (let r; (r = reader.nextRecord());) {
        if (r.type === 'Message') {
          if (r.logTime > t) {
            done = true;
            break;
          }
          latest.set(r.channelId, r.logTime);
        }
      }
    }
    await fh.close();
    scan.push((performance.now() - s0) / 1000);
  }
  const oursMed = median(ours);
  const oursSpread = median(ours.slice(0, 3));
  report('cases', {
    name: 'seek-stateAt-1GB',
    ours_s: oursMed,
    peer: 'sequential scan to t (McapStreamReader, no index), at 25/50/75 % of the file',
    peer_s: median(scan),
    ratio: median(scan) / oursSpread,
    target: 0.05,
    met: oursMed < 0.05,
    target_note: 'median stateAt latency under 50 ms',
    ours_max_s: Math.max(...ours),
    open_s: openS,
    file_bytes: bytes,
    recording_s: seconds,
    generate_s: genS,
    instants: ours.length,
  });
  if (!args.includes('--keep')) rmSync(file, { force: true });
}
