/**
 * A case recording (MCAP, see packages/cases) read in the browser through its index: only the summary and
 * the chunks that overlap what is asked are read (a local File through Blob.slice, a server's file through
 * HTTP Range requests). Messages decode with the schemas stored in the file itself (`ros2msg` → CDR through
 * @foxglove/rosmsg2-serialization, `jsonschema` → JSON), so any recording of ours opens without our message
 * registry. zstd chunks decompress with fzstd (pure JS): @mcap/support's WASM decompressors cannot be bundled
 * by Vite (their emscripten loaders `require()` the .wasm file), so this module does not use
 * @neuroplan/cases' `openRecording` (which loads them), only the same file layout.
 */
import { McapIndexedReader, type IReadable, type TypedMcapRecords } from '@mcap/core';
import { parse as parseMessageDefinition } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { decompress as zstdDecompress } from 'fzstd';

export interface ReplayMessage<T = unknown> {
  topic: string;
  type: string;
  logTimeNs: bigint;
  message: T;
}

export interface ReplayEvent {
  timeNs: bigint;
  kind: 'operator_action' | 'safety_event' | 'audit';
  summary: string;
  severity?: 'info' | 'warning' | 'critical';
}

/** Counts the bytes a readable delivers (to show, and test, that seeking reads little of the file). */
export interface CountingReadable extends IReadable {
  readonly name: string;
  bytesRead: number;
  fileSize: number;
}

const MAX_READ = 512 * 1024 * 1024;

/** A local file (File/Blob) read by slices. */
export function blobReadable(blob: Blob, name = (blob as File).name ?? 'recording'): CountingReadable {
  const r: CountingReadable = {
    name,
    bytesRead: 0,
    fileSize: blob.size,
    size: async () => BigInt(blob.size),
    read: async (offset, length) => {
      if (offset + length > BigInt(blob.size)) throw new Error(`${name}: read past the end of the file`);
      if (length > BigInt(MAX_READ)) throw new Error(`${name}: a record of ${length} bytes is implausible`);
      const buf = await blob.slice(Number(offset), Number(offset + length)).arrayBuffer();
      r.bytesRead += buf.byteLength;
      return new Uint8Array(buf);
    },
  };
  return r;
}

/** A file on an HTTP server that honours Range requests (the simulator's /cases/<name>). */
export async function httpReadable(url: string): Promise<CountingReadable> {
  const probe = await fetch(url, { headers: { Range: 'bytes=0-0' } });
  if (probe.status !== 206) {
    await probe.body?.cancel();
    throw new Error(
      probe.ok
        ? `${url}: the server does not answer byte ranges (HTTP ${probe.status})`
        : `${url}: HTTP ${probe.status} ${probe.statusText}`,
    );
  }
  const total = /\/(\d+)$/.exec(probe.headers.get('content-range') ?? '')?.[1];
  await probe.arrayBuffer();
  if (total === undefined) throw new Error(`${url}: no file size in the Content-Range header`);
  const size = Number(total);
  const r: CountingReadable = {
    name: decodeURIComponent(url.split('/').pop() ?? url),
    bytesRead: 0,
    fileSize: size,
    size: async () => BigInt(size),
    read: async (offset, length) => {
      if (length === 0n) return new Uint8Array(0);
      if (offset + length > BigInt(size)) throw new Error(`${url}: read past the end of the file`);
      if (length > BigInt(MAX_READ)) throw new Error(`${url}: a record of ${length} bytes is implausible`);
      const res = await fetch(url, { headers: { Range: `bytes=${offset}-${offset + length - 1n}` } });
      if (res.status !== 206) throw new Error(`${url}: HTTP ${res.status} for a byte range`);
      const buf = new Uint8Array(await res.arrayBuffer());
      if (BigInt(buf.byteLength) !== length)
        throw new Error(`${url}: asked for ${length} bytes, got ${buf.byteLength}`);
      r.bytesRead += buf.byteLength;
      return buf;
    },
  };
  return r;
}

/**
 * Keeps the last few reads (chunks) in memory: playback asks for the same chunks frame after frame, and a
 * server should not see one request per frame.
 */
function cachedReadable(inner: IReadable, maxBytes = 64 * 1024 * 1024): IReadable {
  const cache = new Map<string, Uint8Array>();
  let held = 0;
  return {
    size: () => inner.size(),
    read: async (offset, length) => {
      const key = `${offset}:${length}`;
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const data = await inner.read(offset, length);
      if (data.byteLength <= maxBytes / 4) {
        cache.set(key, data);
        held += data.byteLength;
        for (const [k, v] of cache) {
          if (held <= maxBytes) break;
          cache.delete(k);
          held -= v.byteLength;
        }
      }
      return data;
    },
  };
}

const decoder = new TextDecoder();

type Decode = (data: Uint8Array) => unknown;

/** Plain numbers for int64 fields (the CDR reader gives bigint); the replay only displays them. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

export class ReplayRecording {
  readonly reader: McapIndexedReader;
  readonly source: CountingReadable;
  readonly #channels = new Map<number, { topic: string; type: string; decode: Decode }>();
  readonly startNs: bigint;
  readonly endNs: bigint;

  private constructor(reader: McapIndexedReader, source: CountingReadable) {
    this.reader = reader;
    this.source = source;
    for (const ch of reader.channelsById.values()) {
      const schema = reader.schemasById.get(ch.schemaId);
      const type = schema?.name ?? '';
      let decode: Decode;
      if (ch.messageEncoding === 'json') decode = (d) => JSON.parse(decoder.decode(d));
      else if (ch.messageEncoding === 'cdr' && schema?.encoding === 'ros2msg') {
        let rd: MessageReader | undefined;
        decode = (d) => {
          rd ??= new MessageReader(parseMessageDefinition(decoder.decode(schema.data), { ros2: true }));
          return plain(rd.readMessage(d));
        };
      } else decode = (d) => d;
      this.#channels.set(ch.id, { topic: ch.topic, type, decode });
    }
    const stats = reader.statistics;
    const starts = reader.chunkIndexes.map((c) => c.messageStartTime);
    const ends = reader.chunkIndexes.map((c) => c.messageEndTime);
    this.startNs = stats?.messageStartTime ?? starts.reduce((a, b) => (b < a ? b : a), starts[0] ?? 0n);
    this.endNs = stats?.messageEndTime ?? ends.reduce((a, b) => (b > a ? b : a), ends[0] ?? 0n);
  }

  static async open(source: CountingReadable): Promise<ReplayRecording> {
    try {
      const reader = await McapIndexedReader.Initialize({
        readable: cachedReadable(source),
        decompressHandlers: {
          zstd: (buf, size) => zstdDecompress(buf, new Uint8Array(Number(size))),
        },
      });
      return new ReplayRecording(reader, source);
    } catch (e) {
      throw new Error(
        `${source.name}: cannot open as an indexed MCAP recording (${e instanceof Error ? e.message : String(e)}); an interrupted recording needs \`neuroplan case recover\` first`,
      );
    }
  }

  get durationS(): number {
    return Number(this.endNs - this.startNs) / 1e9;
  }

  hasTopic(topic: string): boolean {
    for (const c of this.#channels.values()) if (c.topic === topic) return true;
    return false;
  }

  #decode(rec: TypedMcapRecords['Message']): ReplayMessage {
    const ch = this.#channels.get(rec.channelId);
    if (!ch) throw new Error(`${this.source.name}: message on unknown channel ${rec.channelId}`);
    return { topic: ch.topic, type: ch.type, logTimeNs: rec.logTime, message: ch.decode(rec.data) };
  }

  async metadata(): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    for await (const m of this.reader.readMetadata()) out.set(m.name, Object.fromEntries(m.metadata));
    return out;
  }

  async collect<T = unknown>(
    topics: readonly string[],
    t0Ns?: bigint,
    t1Ns?: bigint,
  ): Promise<ReplayMessage<T>[]> {
    const wanted = topics.filter((t) => this.hasTopic(t));
    if (wanted.length === 0) return [];
    const out: ReplayMessage<T>[] = [];
    for await (const rec of this.reader.readMessages({ topics: wanted, startTime: t0Ns, endTime: t1Ns }))
      out.push(this.#decode(rec) as ReplayMessage<T>);
    return out;
  }

  /**
   * The latest message of each topic at or before `tNs`: one reverse pass over the last `windowS` seconds
   * (frequent topics), then a reverse pass per topic still missing (latched or rare ones), which the index
   * lets skip chunks without that topic.
   */
  async stateAt(tNs: bigint, topics: readonly string[], windowS = 1): Promise<Map<string, ReplayMessage>> {
    const wanted = topics.filter((t) => this.hasTopic(t));
    const out = new Map<string, ReplayMessage>();
    if (wanted.length === 0) return out;
    const from = tNs - BigInt(Math.round(windowS * 1e9));
    for await (const rec of this.reader.readMessages({
      topics: wanted,
      startTime: from > 0n ? from : 0n,
      endTime: tNs,
      reverse: true,
    })) {
      const topic = this.#channels.get(rec.channelId)?.topic;
      if (topic !== undefined && !out.has(topic)) {
        out.set(topic, this.#decode(rec));
        if (out.size === wanted.length) return out;
      }
    }
    for (const topic of wanted) {
      if (out.has(topic)) continue;
      for await (const rec of this.reader.readMessages({ topics: [topic], endTime: tNs, reverse: true })) {
        out.set(topic, this.#decode(rec));
        break;
      }
    }
    return out;
  }

  /** Operator actions, safety events and (optionally) the audit entries, in time order. */
  async events(): Promise<ReplayEvent[]> {
    const msgs = await this.collect<Record<string, unknown>>([
      '/case/operator_actions',
      '/case/safety_events',
      '/audit',
    ]);
    const s = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));
    return msgs.map((m): ReplayEvent => {
      const r = m.message;
      if (m.topic === '/case/operator_actions')
        return {
          timeNs: m.logTimeNs,
          kind: 'operator_action',
          summary: `${s(r.role)} ${s(r.operator)}: ${s(r.action)}${r.trajectoryId ? ` (${s(r.trajectoryId)})` : ''}`,
        };
      if (m.topic === '/case/safety_events') {
        const sev = r.severity === 'critical' || r.severity === 'warning' ? r.severity : 'info';
        return {
          timeNs: m.logTimeNs,
          kind: 'safety_event',
          severity: sev,
          summary: `${sev} ${s(r.kind)}: ${s(r.message)}`,
        };
      }
      return {
        timeNs: m.logTimeNs,
        kind: 'audit',
        summary: `#${s(r.seq)} ${s(r.actor)} (${s(r.role)}) ${s(r.action)} ${s(r.hash).slice(0, 12)}`,
      };
    });
  }
}
