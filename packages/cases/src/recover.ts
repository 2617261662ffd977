/**
 * Rebuilds a valid, indexed MCAP file from a truncated one (a recorder killed mid-write). The top-level records
 * are walked by their framing (opcode + length) to find the last complete one; those bytes are then read with
 * McapStreamReader (chunk CRCs checked) and every schema, channel, message and metadata record is written anew
 * with a fresh summary and footer. A chunk cut in half or failing its CRC is dropped with everything after it.
 */
import {
  MCAP_MAGIC,
  McapStreamReader,
  Opcode,
  isKnownOpcode,
  type IReadable,
  type TypedMcapRecord,
} from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';
import { ChunkedMcapWriter, type ChunkCompressor } from './mcap/writer.ts';
import type { IWritable } from '@mcap/core';

export interface RecoveryReport {
  fileBytes: number;
  /** Bytes that held complete, valid records (the file was cut, or went bad, here). */
  validBytes: number;
  /** True when the input already ended with a footer (nothing was lost). */
  wasComplete: boolean;
  messageCount: number;
  channelCount: number;
  metadataCount: number;
  /** Log time of the last recovered message (ns), if any. */
  lastLogTimeNs?: bigint;
  /** Why reading stopped, in words. */
  stopReason: string;
}

const STEP = 4 * 1024 * 1024;

async function scanFraming(
  src: IReadable,
  size: bigint,
  name: string,
): Promise<{ end: bigint; reason: string; complete: boolean }> {
  const magicLen = BigInt(MCAP_MAGIC.length);
  if (size < magicLen) throw new Error(`${name}: ${size} bytes is too short to be an MCAP file`);
  const magic = await src.read(0n, magicLen);
  if (!MCAP_MAGIC.every((b, i) => magic[i] === b))
    throw new Error(`${name}: not an MCAP file (bad magic bytes)`);
  let pos = magicLen;
  while (pos < size) {
    if (pos + 9n > size) return { end: pos, reason: `record header cut at byte ${pos}`, complete: false };
    const head = await src.read(pos, 9n);
    const view = new DataView(head.buffer, head.byteOffset, 9);
    const opcode = view.getUint8(0);
    const len = view.getBigUint64(1, true);
    if (!isKnownOpcode(opcode))
      return {
        end: pos,
        reason: `unknown record opcode 0x${opcode.toString(16)} at byte ${pos} (garbage)`,
        complete: false,
      };
    if (pos + 9n + len > size)
      return {
        end: pos,
        reason: `${Opcode[opcode] ?? 'record'} at byte ${pos} needs ${len} bytes, only ${size - pos - 9n} written`,
        complete: false,
      };
    if (opcode === Opcode.DATA_END) return { end: pos, reason: 'data section ends normally', complete: true };
    pos += 9n + len;
  }
  return {
    end: pos,
    reason: `file ends after a complete record at byte ${pos} (no DataEnd/footer)`,
    complete: false,
  };
}

/**
 * Reads what is valid in `source` and writes a complete indexed MCAP to `out`. `name` names the input in
 * errors. Compression of the rewritten chunks is `compressChunk` (none by default).
 */
export async function recoverMcap(
  source: IReadable,
  out: IWritable,
  options: { name?: string; compressChunk?: ChunkCompressor } = {},
): Promise<RecoveryReport> {
  const name = options.name ?? 'recording';
  const size = await source.size();
  const framing = await scanFraming(source, size, name);
  const reader = new McapStreamReader({
    decompressHandlers: await loadDecompressHandlers(),
    validateCrcs: true,
  });
  const writer = new ChunkedMcapWriter({ writable: out, compressChunk: options.compressChunk });
  const schemaIds = new Map<number, number>();
  const channelIds = new Map<number, number>();
  const report: RecoveryReport = {
    fileBytes: Number(size),
    validBytes: Number(framing.end),
    wasComplete: framing.complete,
    messageCount: 0,
    channelCount: 0,
    metadataCount: 0,
    stopReason: framing.reason,
  };
  let started = false;
  const pendingSchemas = new Map<number, TypedMcapRecord & { type: 'Schema' }>();

  const handle = async (rec: TypedMcapRecord): Promise<void> => {
    switch (rec.type) {
      case 'Header':
        await writer.start({ profile: rec.profile, library: rec.library });
        started = true;
        return;
      case 'Schema':
        if (!schemaIds.has(rec.id)) pendingSchemas.set(rec.id, rec);
        return;
      case 'Channel': {
        if (channelIds.has(rec.id)) return;
        let schemaId = 0;
        if (rec.schemaId !== 0) {
          const known = schemaIds.get(rec.schemaId);
          if (known !== undefined) schemaId = known;
          else {
            const s = pendingSchemas.get(rec.schemaId);
            if (!s)
              throw new Error(
                `channel ${rec.topic} refers to schema ${rec.schemaId} that is not in the file`,
              );
            schemaId = await writer.registerSchema({ name: s.name, encoding: s.encoding, data: s.data });
            schemaIds.set(rec.schemaId, schemaId);
          }
        }
        channelIds.set(
          rec.id,
          await writer.registerChannel({
            schemaId,
            topic: rec.topic,
            messageEncoding: rec.messageEncoding,
            metadata: rec.metadata,
          }),
        );
        report.channelCount += 1;
        return;
      }
      case 'Message': {
        const channelId = channelIds.get(rec.channelId);
        if (channelId === undefined)
          throw new Error(`message on channel ${rec.channelId} before the channel record`);
        await writer.addMessage({ ...rec, channelId });
        report.messageCount += 1;
        if (report.lastLogTimeNs === undefined || rec.logTime > report.lastLogTimeNs)
          report.lastLogTimeNs = rec.logTime;
        return;
      }
      case 'Metadata':
        await writer.addMetadata({ name: rec.name, metadata: rec.metadata });
        report.metadataCount += 1;
        return;
      default:
        return; // indexes, statistics, attachments' indexes: rebuilt by the writer
    }
  };

  try {
    for (let pos = 0n; pos < framing.end; pos += BigInt(STEP)) {
      const len = framing.end - pos < BigInt(STEP) ? framing.end - pos : BigInt(STEP);
      reader.append(await source.read(pos, len));
      for (let rec; (rec = reader.nextRecord());) await handle(rec);
    }
  } catch (e) {
    report.stopReason = `stopped early: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (!started) throw new Error(`${name}: no MCAP header could be read; nothing to recover`);
  await writer.end();
  return report;
}
