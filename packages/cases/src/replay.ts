/**
 * Replay: open a recording through its index (McapIndexedReader with @mcap/support's decompressors) and read
 * messages by time range and topic, the state at an instant, the event list and the audit chain. Seeking
 * loads only the chunks that overlap the requested time (and, for `stateAt`, walks chunks backwards from the
 * instant until each topic has a message), never the whole file.
 */
import { McapIndexedReader, type IReadable, type TypedMcapRecords } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';
import type { AuditEntry, AuditHead } from './audit.ts';
import {
  AUDIT_TOPIC,
  META_AUDIT_HEAD,
  OPERATOR_ACTIONS_TOPIC,
  SAFETY_EVENTS_TOPIC,
  type OperatorAction,
  type SafetyEvent,
} from './channels.ts';
import type { RosCodec } from './codec.ts';

export interface RecordedMessage<T = unknown> {
  topic: string;
  /** The channel's type: a ROS type (`pkg/msg/T`) or our JSON schema name. */
  type: string;
  logTimeNs: bigint;
  publishTimeNs: bigint;
  sequence: number;
  /** Decoded: CDR through the codec, JSON parsed. */
  message: T;
  /** The bytes as stored. */
  data: Uint8Array;
}

export interface TopicInfo {
  topic: string;
  type: string;
  messageEncoding: string;
  schemaEncoding: string;
  messageCount: number;
  metadata: Record<string, string>;
}

export interface CaseEvent {
  timeNs: bigint;
  kind: 'operator_action' | 'safety_event';
  summary: string;
  record: OperatorAction | SafetyEvent;
}

const decoder = new TextDecoder();

export class CaseRecording {
  readonly #reader: McapIndexedReader;
  readonly #codec: RosCodec | undefined;
  readonly #channelTopic = new Map<number, { topic: string; type: string; encoding: string }>();

  /** Use `openRecording`. */
  constructor(reader: McapIndexedReader, codec: RosCodec | undefined) {
    this.#reader = reader;
    this.#codec = codec;
    for (const ch of reader.channelsById.values()) {
      const schema = reader.schemasById.get(ch.schemaId);
      this.#channelTopic.set(ch.id, {
        topic: ch.topic,
        type: schema?.name ?? '',
        encoding: ch.messageEncoding,
      });
    }
  }

  get reader(): McapIndexedReader {
    return this.#reader;
  }

  get profile(): string {
    return this.#reader.header.profile;
  }

  get startTimeNs(): bigint {
    return (
      this.#reader.statistics?.messageStartTime ??
      minBy(this.#reader.chunkIndexes.map((c) => c.messageStartTime))
    );
  }

  get endTimeNs(): bigint {
    return (
      this.#reader.statistics?.messageEndTime ?? maxBy(this.#reader.chunkIndexes.map((c) => c.messageEndTime))
    );
  }

  get durationS(): number {
    return Number(this.endTimeNs - this.startTimeNs) / 1e9;
  }

  get messageCount(): number {
    return Number(this.#reader.statistics?.messageCount ?? 0n);
  }

  topics(): TopicInfo[] {
    const counts = this.#reader.statistics?.channelMessageCounts;
    return [...this.#reader.channelsById.values()].map((ch) => {
      const schema = this.#reader.schemasById.get(ch.schemaId);
      return {
        topic: ch.topic,
        type: schema?.name ?? '',
        messageEncoding: ch.messageEncoding,
        schemaEncoding: schema?.encoding ?? '',
        messageCount: Number(counts?.get(ch.id) ?? 0n),
        metadata: Object.fromEntries(ch.metadata),
      };
    });
  }

  /** All metadata records, by name (a later record of the same name wins). */
  async metadata(): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    for await (const m of this.#reader.readMetadata()) out.set(m.name, Object.fromEntries(m.metadata));
    return out;
  }

  #decode(record: TypedMcapRecords['Message']): RecordedMessage {
    const ch = this.#channelTopic.get(record.channelId);
    if (!ch) throw new Error(`recording: message on unknown channel ${record.channelId}`);
    let message: unknown;
    if (ch.encoding === 'json') message = JSON.parse(decoder.decode(record.data));
    else if (ch.encoding === 'cdr') {
      if (!this.#codec)
        throw new Error(`recording: ${ch.topic} is CDR and no codec was given to openRecording`);
      message = this.#codec.deserialize(ch.type, record.data);
    } else message = record.data;
    return {
      topic: ch.topic,
      type: ch.type,
      logTimeNs: record.logTime,
      publishTimeNs: record.publishTime,
      sequence: record.sequence,
      message,
      data: record.data,
    };
  }

  /** Messages with t0 ≤ log time ≤ t1 (ns; defaults: the whole recording), in log-time order. */
  async *messagesBetween(
    t0Ns?: bigint,
    t1Ns?: bigint,
    topics?: readonly string[],
    options: { reverse?: boolean } = {},
  ): AsyncGenerator<RecordedMessage> {
    for await (const rec of this.#reader.readMessages({
      startTime: t0Ns,
      endTime: t1Ns,
      topics,
      reverse: options.reverse,
    }))
      yield this.#decode(rec);
  }

  /** Every message of the given topics, in order (convenience for small topics). */
  async collect<T = unknown>(
    topics: readonly string[],
    t0Ns?: bigint,
    t1Ns?: bigint,
  ): Promise<RecordedMessage<T>[]> {
    const out: RecordedMessage<T>[] = [];
    for await (const m of this.messagesBetween(t0Ns, t1Ns, topics)) out.push(m as RecordedMessage<T>);
    return out;
  }

  /**
   * The latest message of each topic at or before `tNs` (topics with none yet are absent). One reverse pass
   * over the last `windowS` seconds finds the frequent topics while loading each chunk once; a topic not seen
   * in that window (latched or rare) gets its own reverse pass, which skips chunks without its channel.
   */
  async stateAt(tNs: bigint, topics?: readonly string[], windowS = 2): Promise<Map<string, RecordedMessage>> {
    const wanted = topics ?? [...new Set([...this.#reader.channelsById.values()].map((c) => c.topic))];
    const out = new Map<string, RecordedMessage>();
    const from = tNs - BigInt(Math.round(windowS * 1e9));
    for await (const rec of this.#reader.readMessages({
      topics: wanted,
      startTime: from > 0n ? from : 0n,
      endTime: tNs,
      reverse: true,
    })) {
      const topic = this.#channelTopic.get(rec.channelId)?.topic;
      if (topic !== undefined && !out.has(topic)) {
        out.set(topic, this.#decode(rec));
        if (out.size === wanted.length) break;
      }
    }
    for (const topic of wanted) {
      if (out.has(topic)) continue;
      for await (const rec of this.#reader.readMessages({ topics: [topic], endTime: tNs, reverse: true })) {
        out.set(topic, this.#decode(rec));
        break;
      }
    }
    return out;
  }

  /** Operator actions and safety events, in time order. */
  async events(): Promise<CaseEvent[]> {
    const out: CaseEvent[] = [];
    for await (const m of this.messagesBetween(undefined, undefined, [
      OPERATOR_ACTIONS_TOPIC,
      SAFETY_EVENTS_TOPIC,
    ])) {
      if (m.topic === OPERATOR_ACTIONS_TOPIC) {
        const a = m.message as OperatorAction;
        out.push({
          timeNs: m.logTimeNs,
          kind: 'operator_action',
          summary: `${a.role} ${a.operator}: ${a.action}${a.trajectoryId ? ` (${a.trajectoryId})` : ''}`,
          record: a,
        });
      } else {
        const e = m.message as SafetyEvent;
        out.push({
          timeNs: m.logTimeNs,
          kind: 'safety_event',
          summary: `${e.severity} ${e.kind}: ${e.message}`,
          record: e,
        });
      }
    }
    return out;
  }

  /** The audit entries as recorded, and the head stored at close (absent in a recovered file). */
  async audit(): Promise<{ entries: AuditEntry[]; head?: AuditHead }> {
    const entries = (await this.collect<AuditEntry>([AUDIT_TOPIC])).map((m) => m.message);
    const h = (await this.metadata()).get(META_AUDIT_HEAD);
    const head = h && h.count !== undefined ? { count: Number(h.count), hash: h.hash ?? '' } : undefined;
    return head ? { entries, head } : { entries };
  }
}

function minBy(xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b < a ? b : a), xs[0] ?? 0n);
}
function maxBy(xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b > a ? b : a), xs[0] ?? 0n);
}

/**
 * Opens an indexed recording. `readable` gives random access (`@mcap/nodejs` FileHandleReadable in Node,
 * `@mcap/browser` BlobReadable in a browser); `codec` decodes CDR channels (JSON channels need none).
 */
export async function openRecording(
  readable: IReadable,
  codec?: RosCodec,
  name = 'recording',
): Promise<CaseRecording> {
  try {
    const reader = await McapIndexedReader.Initialize({
      readable,
      decompressHandlers: await loadDecompressHandlers(),
    });
    return new CaseRecording(reader, codec);
  } catch (e) {
    throw new Error(
      `${name}: cannot open as an indexed MCAP file (${e instanceof Error ? e.message : String(e)}); if the recorder was interrupted, run \`neuroplan case recover\``,
    );
  }
}

/** An IReadable over bytes in memory. */
export function bytesReadable(bytes: Uint8Array): IReadable {
  return {
    size: async () => BigInt(bytes.byteLength),
    read: async (offset, length) => {
      if (offset + length > BigInt(bytes.byteLength)) throw new Error('read past the end of the data');
      return bytes.subarray(Number(offset), Number(offset + length));
    },
  };
}
