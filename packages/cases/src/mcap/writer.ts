/**
 * An MCAP writer with an explicit `flushChunk()`: @mcap/core's McapWriter closes a chunk only when it
 * exceeds `chunkSize`, so a quiet topic could sit in memory for minutes. Crash safety needs chunks closed on a
 * clock (the recorder calls `flushChunk` at least every `flushIntervalS`), so this writer drives @mcap/core's
 * own record and chunk builders (McapRecordBuilder, McapChunkBuilder) with the same layout McapWriter writes:
 * schemas and channels go out at once, outside chunks (a truncated file keeps them), messages go into chunks
 * followed by their message indexes, and `end()` writes the summary (schemas, channels, statistics, metadata
 * and chunk indexes, summary offsets) and the footer. Each flush is one `write()` call.
 *
 * Callers must not overlap calls (await each; the recorder serialises them with a SerialQueue).
 */
import { crc32, crc32Final, crc32Init, crc32Update } from '@foxglove/crc';
import {
  McapChunkBuilder,
  McapRecordBuilder,
  Opcode,
  type Channel,
  type ChunkIndex,
  type Header,
  type IWritable,
  type Message,
  type Metadata,
  type MetadataIndex,
  type Schema,
  type Statistics,
  type SummaryOffset,
} from '@mcap/core';

export type ChunkCompressor = (data: Uint8Array) => { compression: string; compressedData: Uint8Array };

export interface ChunkedMcapWriterOptions {
  writable: IWritable;
  /** Close a chunk once its uncompressed records exceed this many bytes (default 4 MiB). */
  chunkSizeBytes?: number;
  /** Chunk compression (e.g. zstd from `loadZstdCompressor`); none when omitted. */
  compressChunk?: ChunkCompressor;
}

export class ChunkedMcapWriter {
  readonly #writable: IWritable;
  readonly #chunkSize: number;
  readonly #compress: ChunkCompressor | undefined;
  readonly #records = new McapRecordBuilder();
  readonly #chunk = new McapChunkBuilder({ useMessageIndex: true });
  readonly #schemas = new Map<number, Schema>();
  readonly #channels = new Map<number, Channel>();
  readonly #chunkIndexes: ChunkIndex[] = [];
  readonly #metadataIndexes: MetadataIndex[] = [];
  #dataCrc = crc32Init();
  #nextSchemaId = 1;
  #nextChannelId = 0;
  #state: 'new' | 'open' | 'ended' = 'new';
  readonly statistics: Statistics = {
    messageCount: 0n,
    schemaCount: 0,
    channelCount: 0,
    attachmentCount: 0,
    metadataCount: 0,
    chunkCount: 0,
    messageStartTime: 0n,
    messageEndTime: 0n,
    channelMessageCounts: new Map(),
  };
  /** Wall-clock-free bookkeeping for the recorder: log time of the oldest message not yet on disk. */
  oldestPendingLogTime: bigint | undefined;

  constructor(options: ChunkedMcapWriterOptions) {
    this.#writable = options.writable;
    this.#chunkSize = options.chunkSizeBytes ?? 4 * 1024 * 1024;
    this.#compress = options.compressChunk;
  }

  get pendingMessages(): number {
    return this.#chunk.numMessages;
  }

  async #emit(): Promise<void> {
    const buf = this.#records.buffer;
    if (buf.byteLength === 0) return;
    this.#dataCrc = crc32Update(this.#dataCrc, buf);
    await this.#writable.write(buf);
    this.#records.reset();
  }

  #check(what: string): void {
    if (this.#state !== 'open')
      throw new Error(`mcap writer: ${what} called while the writer is ${this.#state}`);
  }

  async start(header: Header): Promise<void> {
    if (this.#state !== 'new') throw new Error('mcap writer: start() called twice');
    this.#state = 'open';
    this.#records.writeMagic();
    this.#records.writeHeader(header);
    await this.#emit();
  }

  async registerSchema(info: Omit<Schema, 'id'>): Promise<number> {
    this.#check('registerSchema');
    const schema: Schema = { ...info, id: this.#nextSchemaId++ };
    this.#schemas.set(schema.id, schema);
    this.statistics.schemaCount += 1;
    this.#records.writeSchema(schema);
    await this.#emit();
    return schema.id;
  }

  async registerChannel(info: Omit<Channel, 'id'>): Promise<number> {
    this.#check('registerChannel');
    if (info.schemaId !== 0 && !this.#schemas.has(info.schemaId))
      throw new Error(`mcap writer: channel ${info.topic} names unknown schema ${info.schemaId}`);
    const channel: Channel = { ...info, id: this.#nextChannelId++ };
    this.#channels.set(channel.id, channel);
    this.statistics.channelCount += 1;
    this.#records.writeChannel(channel);
    await this.#emit();
    return channel.id;
  }

  async addMessage(message: Message): Promise<void> {
    this.#check('addMessage');
    if (!this.#channels.has(message.channelId))
      throw new Error(`mcap writer: message for unknown channel ${message.channelId}`);
    const s = this.statistics;
    if (s.messageCount === 0n || message.logTime < s.messageStartTime) s.messageStartTime = message.logTime;
    if (s.messageCount === 0n || message.logTime > s.messageEndTime) s.messageEndTime = message.logTime;
    s.messageCount += 1n;
    s.channelMessageCounts.set(message.channelId, (s.channelMessageCounts.get(message.channelId) ?? 0n) + 1n);
    if (this.#chunk.numMessages === 0) this.oldestPendingLogTime = message.logTime;
    this.#chunk.addMessage(message);
    if (this.#chunk.byteLength > this.#chunkSize) await this.flushChunk();
  }

  async addMetadata(metadata: Metadata): Promise<void> {
    this.#check('addMetadata');
    const offset = this.#writable.position();
    const length = this.#records.writeMetadata(metadata);
    this.#metadataIndexes.push({ name: metadata.name, offset, length });
    this.statistics.metadataCount += 1;
    await this.#emit();
  }

  /** Writes the open chunk (and its message indexes) to the writable; a no-op when it is empty. */
  async flushChunk(): Promise<void> {
    if (this.#chunk.numMessages === 0) return;
    const data = this.#chunk.buffer;
    const { compression, compressedData } = this.#compress
      ? this.#compress(data)
      : { compression: '', compressedData: data };
    const chunkStartOffset = this.#writable.position();
    const chunkLength = this.#records.writeChunk({
      messageStartTime: this.#chunk.messageStartTime,
      messageEndTime: this.#chunk.messageEndTime,
      uncompressedSize: BigInt(data.byteLength),
      uncompressedCrc: crc32(data),
      compression,
      records: compressedData,
    });
    const messageIndexStart = chunkStartOffset + chunkLength;
    const messageIndexOffsets = new Map<number, bigint>();
    let messageIndexLength = 0n;
    for (const index of this.#chunk.indices) {
      messageIndexOffsets.set(index.channelId, messageIndexStart + messageIndexLength);
      messageIndexLength += this.#records.writeMessageIndex(index);
    }
    this.#chunkIndexes.push({
      messageStartTime: this.#chunk.messageStartTime,
      messageEndTime: this.#chunk.messageEndTime,
      chunkStartOffset,
      chunkLength,
      messageIndexOffsets,
      messageIndexLength,
      compression,
      compressedSize: BigInt(compressedData.byteLength),
      uncompressedSize: BigInt(data.byteLength),
    });
    this.statistics.chunkCount += 1;
    this.#chunk.reset();
    this.oldestPendingLogTime = undefined;
    await this.#emit();
  }

  /** Flushes, then writes DataEnd, the summary section and the footer. */
  async end(): Promise<void> {
    this.#check('end');
    await this.flushChunk();
    this.#state = 'ended';
    this.#records.writeDataEnd({ dataSectionCrc: crc32Final(this.#dataCrc) });
    await this.#writable.write(this.#records.buffer);
    this.#records.reset();

    // Summary: each group's offset is where the group starts in the file.
    const summaryStart = this.#writable.position();
    const offsets: SummaryOffset[] = [];
    const group = (opcode: number, write: () => bigint) => {
      const start = summaryStart + BigInt(this.#records.length);
      let length = 0n;
      length += write();
      if (length > 0n) offsets.push({ groupOpcode: opcode, groupStart: start, groupLength: length });
    };
    group(Opcode.SCHEMA, () =>
      [...this.#schemas.values()].reduce((n, s) => n + this.#records.writeSchema(s), 0n),
    );
    group(Opcode.CHANNEL, () =>
      [...this.#channels.values()].reduce((n, c) => n + this.#records.writeChannel(c), 0n),
    );
    group(Opcode.STATISTICS, () => this.#records.writeStatistics(this.statistics));
    group(Opcode.METADATA_INDEX, () =>
      this.#metadataIndexes.reduce((n, m) => n + this.#records.writeMetadataIndex(m), 0n),
    );
    group(Opcode.CHUNK_INDEX, () =>
      this.#chunkIndexes.reduce((n, c) => n + this.#records.writeChunkIndex(c), 0n),
    );
    const summaryOffsetStart = summaryStart + BigInt(this.#records.length);
    for (const o of offsets) this.#records.writeSummaryOffset(o);
    // The footer's CRC covers the summary up to and including the footer's own first fields.
    const footerPrefix = new DataView(new ArrayBuffer(1 + 8 + 8 + 8));
    footerPrefix.setUint8(0, Opcode.FOOTER);
    footerPrefix.setBigUint64(1, 8n + 8n + 4n, true);
    footerPrefix.setBigUint64(9, summaryStart, true);
    footerPrefix.setBigUint64(17, summaryOffsetStart, true);
    let summaryCrc = crc32Update(crc32Init(), this.#records.buffer);
    summaryCrc = crc32Update(summaryCrc, footerPrefix);
    this.#records.writeFooter({ summaryStart, summaryOffsetStart, summaryCrc: crc32Final(summaryCrc) });
    this.#records.writeMagic();
    await this.#writable.write(this.#records.buffer);
    this.#records.reset();
  }
}
