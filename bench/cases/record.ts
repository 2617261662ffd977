/**
 * Recording throughput at full rates: joint states 250 Hz, tf 250 Hz, insertion status 100 Hz, tip pose 100 Hz,
 * BCI summary 10 Hz (64 channels), plus raw signals of 64 channels at 30 kHz as 10 ms snippets (100 Hz × 300
 * samples). Simulated time is pushed through CaseRecorder (serialise → serial queue → chunked MCAP → file, 0.5 s
 * chunk cadence, fsync per chunk) as fast as it goes. The "peer" is real time: ratio = simulated s / wall s must
 * be ≥ 1 for the recorder to keep up. No MCAP recorder peer (ros2 bag) is available on this machine.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { rosMessagesCodec } from '../../packages/cases/src/codecRos.ts';
import { startFileRecorder } from '../../packages/cases/src/node/files.ts';
import { report } from '../results.ts';
import { RATES_HZ, TYPES, message, snippet } from './synth.ts';

export async function run(args: string[]): Promise<void> {
  const seconds = args.includes('--quick') ? 3 : 10;
  const dir = join(import.meta.dirname, '..', '..', '.tmp', 'cases-bench');
  mkdirSync(dir, { recursive: true });
  for (const compression of ['zstd', 'none'] as const) {
    const file = join(dir, `record-${compression}.mcap`);
    let clockNs = 1_764_000_000_000_000_000n;
    const { recorder, close } = await startFileRecorder(file, {
      codec: rosMessagesCodec(),
      caseId: 'bench',
      softwareVersion: 'bench',
      clockNs: () => clockNs,
      ...(compression === 'none' ? { compressChunk: undefined } : {}),
    });
    let messages = 0;
    let payload = 0;
    const t0 = performance.now();
    for (let ms = 0; ms < seconds * 1000; ms++) {
      clockNs += 1_000_000n;
      for (const [topic, hz] of Object.entries(RATES_HZ)) {
        if (ms % (1000 / hz) !== 0) continue;
        recorder.recordRos(topic, TYPES[topic]!, message(topic, clockNs, ms));
        messages += 1;
      }
      if (ms % 10 === 0) {
        recorder.recordRos('/bci/snippets', TYPES['/bci/snippets']!, snippet(clockNs, 300, ms));
        messages += 1;
        payload += 64 * 300 * 4;
      }
      // let the queue drain now and then, as a live recorder would between timer ticks
      if (ms % 100 === 99) await recorder.flush();
    }
    await close();
    const wall = (performance.now() - t0) / 1000;
    const bytes = statSync(file).size;
    report('cases', {
      name: `record-full-rate-${compression}`,
      ours_s: wall,
      peer: 'real time (simulated seconds of traffic)',
      peer_s: seconds,
      ratio: seconds / wall,
      target: 1,
      met: seconds / wall >= 1,
      messages,
      messages_per_s: messages / wall,
      file_mb_per_s: bytes / 1e6 / wall,
      raw_signal_mb_per_s: payload / 1e6 / wall,
      file_bytes: bytes,
      simulated_s: seconds,
      compression,
    });
    if (!args.includes('--keep')) rmSync(file, { force: true });
  }
}
