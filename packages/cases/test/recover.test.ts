/**
 * recoverMcap on files cut at arbitrary bytes: the recovered file holds exactly the messages of the chunks that
 * were complete before the cut (counted from the intact file's own chunk index), and reports where it was cut.
 */
import { McapIndexedReader } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';
import { beforeAll, describe, expect, it } from 'vitest';
import { CASE_TOPICS } from '../src/channels.ts';
import { rosMessagesCodec } from '../src/codecRos.ts';
import { CaseRecorder } from '../src/recorder.ts';
import { recoverMcap } from '../src/recover.ts';
import { bytesReadable, openRecording } from '../src/replay.ts';
import { RosGraph, T0_NS, runSimCase } from './simCase.ts';

class MemoryWritable {
  chunks: Uint8Array[] = [];
  #pos = 0n;
  async write(b: Uint8Array) {
    this.chunks.push(b.slice());
    this.#pos += BigInt(b.byteLength);
  }
  position() {
    return this.#pos;
  }
  bytes() {
    return new Uint8Array(Buffer.concat(this.chunks));
  }
}

const codec = rosMessagesCodec();
let full: Uint8Array;
let reader: McapIndexedReader;

beforeAll(async () => {
  const mem = new MemoryWritable();
  const clock = { ns: T0_NS };
  const graph = new RosGraph();
  const rec = await CaseRecorder.start({
    writable: mem,
    codec,
    caseId: 'c',
    softwareVersion: 't',
    clockNs: () => clock.ns,
  });
  rec.recordTopics(graph, CASE_TOPICS);
  runSimCase(rec, graph, clock, { durationMs: 3000 });
  await rec.close();
  full = mem.bytes();
  reader = await McapIndexedReader.Initialize({
    readable: bytesReadable(full),
    decompressHandlers: await loadDecompressHandlers(),
  });
});

/** Messages in each chunk, read from the intact file's Message Index records (opcode, length, channel, entries). */
function messagesPerChunk(): number[] {
  const view = new DataView(full.buffer, full.byteOffset, full.byteLength);
  return reader.chunkIndexes.map((c) => {
    let n = 0;
    for (const off of c.messageIndexOffsets.values()) {
      const o = Number(off);
      expect(view.getUint8(o)).toBe(0x07); // MESSAGE_INDEX
      n += view.getUint32(o + 1 + 8 + 2, true) / 16; // (timestamp, offset) pairs of 8 + 8 bytes
    }
    return n;
  });
}

describe('recoverMcap', () => {
  it('recovers exactly the complete chunks before a cut anywhere in the file, and says where it was cut', async () => {
    const chunkEnds = reader.chunkIndexes.map((c) =>
      Number(c.chunkStartOffset + c.chunkLength + c.messageIndexLength),
    );
    const counts = messagesPerChunk();
    expect(chunkEnds.length).toBeGreaterThan(4);
    for (const frac of [0.23, 0.5, 0.77, 0.999]) {
      const cut = Math.floor(Number(reader.dataEndOffset) * frac);
      const out = new MemoryWritable();
      const report = await recoverMcap(bytesReadable(full.subarray(0, cut)), out);
      expect(report.fileBytes).toBe(cut);
      expect(report.wasComplete).toBe(false);
      // the cut falls inside the first chunk (or its indexes) that does not end before it
      const firstIncomplete = chunkEnds.findIndex((e) => e > cut);
      expect(report.validBytes).toBeLessThanOrEqual(cut);
      expect(report.validBytes).toBeGreaterThanOrEqual(
        firstIncomplete > 0 ? chunkEnds[firstIncomplete - 1]! : 0,
      );
      expect(report.stopReason).toMatch(/byte/);
      const want = counts.slice(0, firstIncomplete).reduce((a, b) => a + b, 0);
      // a cut inside a chunk's trailing message indexes still keeps that chunk's messages
      const chunkRecordEnd = Number(
        reader.chunkIndexes[firstIncomplete]!.chunkStartOffset +
          reader.chunkIndexes[firstIncomplete]!.chunkLength,
      );
      const extra = cut >= chunkRecordEnd ? counts[firstIncomplete]! : 0;
      expect(report.messageCount).toBe(want + extra);
      const rec = await openRecording(bytesReadable(out.bytes()), codec);
      expect(rec.messageCount).toBe(report.messageCount);
      let n = 0;
      for await (const _m of rec.messagesBetween()) n += 1;
      expect(n).toBe(report.messageCount);
    }
  });

  it('rewrites a complete file unchanged in content and reports it as complete', async () => {
    const out = new MemoryWritable();
    const report = await recoverMcap(bytesReadable(full), out);
    expect(report.wasComplete).toBe(true);
    expect(report.messageCount).toBe(Number(reader.statistics!.messageCount));
    expect(report.metadataCount).toBe(reader.metadataIndexes.length);
  });

  it('refuses a file that is not MCAP, naming it', async () => {
    await expect(
      recoverMcap(bytesReadable(new TextEncoder().encode('hello world, not mcap')), new MemoryWritable(), {
        name: 'x.mcap',
      }),
    ).rejects.toThrow(/x\.mcap: not an MCAP file/);
  });
});
