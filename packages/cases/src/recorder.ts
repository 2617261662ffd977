/**
 * CaseRecorder: records an intraoperative session into one MCAP file — ROS topics from a RosGraph (CDR), and
 * operator actions, safety events, the plan, the registration and the audit chain (JSON) — crash-safely: the
 * open chunk is written out at least every `flushIntervalS` (default 0.5 s), so a recorder killed with SIGKILL
 * loses at most that much (plus the OS's scheduling delay), and `recoverMcap` rebuilds the index of the
 * truncated file. Subscriber callbacks are synchronous; each message is serialised at once (a later mutation
 * by the publisher cannot change what was recorded) and written through a serial queue, in order.
 */
import type { IWritable } from '@mcap/core';
import { canonicalSha256 } from '@neuroplan/planning';
import { nextAuditEntry, type AuditEntry, type AuditHead, type AuditInput, type JsonValue } from './audit.ts';
import {
  AUDIT_TOPIC,
  JSON_CHANNELS,
  META_AUDIT_HEAD,
  META_CASE,
  META_ROBOT,
  OPERATOR_ACTIONS_TOPIC,
  PLAN_TOPIC,
  REGISTRATION_TOPIC,
  SAFETY_EVENTS_TOPIC,
  offeredQosProfiles,
  type OperatorAction,
  type RecordedTopic,
  type RegistrationRecord,
  type SafetyEvent,
} from './channels.ts';
import type { RosCodec } from './codec.ts';
import { ChunkedMcapWriter, type ChunkCompressor } from './mcap/writer.ts';
import { SerialQueue } from './mcap/serialQueue.ts';

/** The part of ros-sim's RosGraph the recorder uses (structural, so this package needs no Node-only import). */
export interface GraphLike {
  subscribe(topic: string, type: string | undefined, cb: (msg: unknown) => void): { close(): void };
  topicType(topic: string): string | undefined;
}

/** A writable that can also push what it has to stable storage (fsync); optional. */
export interface SyncableWritable extends IWritable {
  sync?(): Promise<void> | void;
}

export interface CaseRecorderOptions {
  writable: SyncableWritable;
  codec: RosCodec;
  caseId: string;
  softwareVersion: string;
  /** The URDF (stored in a metadata record and, when given, not needed from /robot_description). */
  robotDescription?: string;
  /** Extra `case` metadata (strings only; do not put patient identity here). */
  metadata?: Record<string, string>;
  compressChunk?: ChunkCompressor;
  /** Longest time a received message may stay in memory before its chunk is written (default 0.5 s). */
  flushIntervalS?: number;
  chunkSizeBytes?: number;
  /** Log-time clock in ns since the Unix epoch (default: performance.timeOrigin + performance.now()). */
  clockNs?: () => bigint;
  /** fsync after each chunk when the writable supports it (default true). */
  syncOnFlush?: boolean;
  /** Called once with the first write failure (recording stops writing after it). */
  onError?: (error: unknown) => void;
}

export const defaultClockNs = (): bigint =>
  // timeOrigin is in ms: rounded to µs, times 1000 to ns (times 10^6 gave ms·10^9, past uint64: MCAP wrapped it).
  BigInt(Math.round(performance.timeOrigin * 1e3)) * 1_000n + BigInt(Math.round(performance.now() * 1e6));

interface ChannelSlot {
  id: number;
  sequence: number;
  type: string;
  encoding: 'cdr' | 'json';
}

export interface RecorderSummary {
  messageCount: number;
  chunkCount: number;
  auditHead: AuditHead;
}

const encoder = new TextEncoder();

/** A ROS `builtin_interfaces/Time`-stamped header, if the message has one, as ns. */
function headerStampNs(msg: unknown): bigint | undefined {
  const stamp = (msg as { header?: { stamp?: { sec?: unknown; nanosec?: unknown } } } | null)?.header?.stamp;
  if (!stamp || typeof stamp.sec !== 'number' || typeof stamp.nanosec !== 'number') return undefined;
  return BigInt(stamp.sec) * 1_000_000_000n + BigInt(stamp.nanosec);
}

export class CaseRecorder {
  readonly #writer: ChunkedMcapWriter;
  readonly #opts: CaseRecorderOptions;
  readonly #queue: SerialQueue;
  readonly #slots = new Map<string, ChannelSlot>();
  readonly #subscriptions: Array<{ close(): void }> = [];
  readonly #clock: () => bigint;
  readonly #flushNs: bigint;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastAudit: AuditEntry | undefined;
  #auditCount = 0;
  #closed = false;
  #received = 0;

  private constructor(opts: CaseRecorderOptions) {
    this.#opts = opts;
    this.#writer = new ChunkedMcapWriter({
      writable: opts.writable,
      chunkSizeBytes: opts.chunkSizeBytes,
      compressChunk: opts.compressChunk,
    });
    this.#queue = new SerialQueue(opts.onError);
    this.#clock = opts.clockNs ?? defaultClockNs;
    const flushS = opts.flushIntervalS ?? 0.5;
    if (!(flushS > 0 && flushS <= 60))
      throw new Error(`recorder: flushIntervalS must be in (0, 60], got ${flushS}`);
    this.#flushNs = BigInt(Math.round(flushS * 1e9));
  }

  /** Writes the header and the case metadata, then starts the flush clock. */
  static async start(opts: CaseRecorderOptions): Promise<CaseRecorder> {
    if (!opts.caseId.trim()) throw new Error('recorder: caseId is empty');
    const r = new CaseRecorder(opts);
    await r.#writer.start({ profile: 'ros2', library: `neuroplan-cases ${opts.softwareVersion}` });
    await r.#writer.addMetadata({
      name: META_CASE,
      metadata: new Map(
        Object.entries({
          ...(opts.metadata ?? {}),
          case_id: opts.caseId,
          software_version: opts.softwareVersion,
          started_at: new Date(Number(r.#clock() / 1_000_000n)).toISOString(),
        }),
      ),
    });
    if (opts.robotDescription !== undefined)
      await r.#writer.addMetadata({ name: META_ROBOT, metadata: new Map([['urdf', opts.robotDescription]]) });
    const periodMs = Math.max(10, Number(r.#flushNs / 1_000_000n) / 2);
    r.#timer = setInterval(() => r.#flushIfDue(), periodMs);
    // A recorder must not keep a finished process alive, nor stop it from exiting.
    (r.#timer as { unref?: () => void }).unref?.();
    return r;
  }

  /** Messages received so far (queued or written). */
  get receivedCount(): number {
    return this.#received;
  }

  #flushIfDue(): void {
    if (this.#closed) return;
    this.#queue.push(async () => {
      const oldest = this.#writer.oldestPendingLogTime;
      if (oldest === undefined) return;
      if (this.#clock() - oldest >= this.#flushNs / 2n) await this.#flush();
    });
  }

  async #flush(): Promise<void> {
    await this.#writer.flushChunk();
    if (this.#opts.syncOnFlush !== false) await this.#opts.writable.sync?.();
  }

  #slot(topic: string, type: string, encoding: 'cdr' | 'json', latched = false): ChannelSlot {
    const key = topic;
    let slot = this.#slots.get(key);
    if (slot) {
      if (slot.type !== type) throw new Error(`recorder: ${topic} is recorded as ${slot.type}, not ${type}`);
      return slot;
    }
    slot = { id: -1, sequence: 0, type, encoding };
    this.#slots.set(key, slot);
    const s = slot;
    // Schema text is computed now so an unknown type fails in the caller, not later in the queue.
    const schema =
      encoding === 'cdr'
        ? { name: type, encoding: 'ros2msg', data: encoder.encode(this.#opts.codec.schemaText(type)) }
        : {
            name: JSON_CHANNELS[topic]?.schemaName ?? type,
            encoding: 'jsonschema',
            data: encoder.encode(JSON.stringify(JSON_CHANNELS[topic]?.schema ?? { type: 'object' })),
          };
    this.#queue.push(async () => {
      const schemaId = await this.#writer.registerSchema(schema);
      s.id = await this.#writer.registerChannel({
        schemaId,
        topic,
        messageEncoding: encoding,
        metadata:
          encoding === 'cdr' ? new Map([['offered_qos_profiles', offeredQosProfiles(latched)]]) : new Map(),
      });
    });
    return slot;
  }

  #enqueue(slot: ChannelSlot, data: Uint8Array, logTime: bigint, publishTime: bigint): void {
    if (this.#closed) throw new Error('recorder: the recording is closed');
    const sequence = slot.sequence++;
    this.#received += 1;
    this.#queue.push(async () => {
      await this.#writer.addMessage({ channelId: slot.id, sequence, logTime, publishTime, data });
      const oldest = this.#writer.oldestPendingLogTime;
      if (oldest !== undefined && logTime - oldest >= this.#flushNs) await this.#flush();
    });
  }

  /** Records one ROS message (serialised now). `publishTimeNs` defaults to the header stamp or the log time. */
  recordRos(
    topic: string,
    type: string,
    message: unknown,
    options: { logTimeNs?: bigint; latched?: boolean } = {},
  ): void {
    const slot = this.#slot(topic, type, 'cdr', options.latched);
    const data = this.#opts.codec.serialize(type, message);
    const logTime = options.logTimeNs ?? this.#clock();
    this.#enqueue(slot, data, logTime, headerStampNs(message) ?? logTime);
  }

  /** Records already-serialised CDR bytes (fast path for bulk raw signals). */
  recordSerialized(
    topic: string,
    type: string,
    cdr: Uint8Array,
    logTimeNs?: bigint,
    publishTimeNs?: bigint,
  ): void {
    const slot = this.#slot(topic, type, 'cdr');
    const logTime = logTimeNs ?? this.#clock();
    this.#enqueue(slot, cdr, logTime, publishTimeNs ?? logTime);
  }

  #recordJson(topic: string, value: unknown, logTimeNs?: bigint): void {
    const slot = this.#slot(topic, JSON_CHANNELS[topic]?.schemaName ?? 'json', 'json');
    const logTime = logTimeNs ?? this.#clock();
    this.#enqueue(slot, encoder.encode(JSON.stringify(value)), logTime, logTime);
  }

  /** Subscribes to each topic on the graph (type from the list, else from the graph) and records it. */
  recordTopics(graph: GraphLike, topics: ReadonlyArray<string | RecordedTopic>): void {
    for (const t of topics) {
      const spec = typeof t === 'string' ? { topic: t, type: graph.topicType(t) } : t;
      if (!spec.type) throw new Error(`recorder: ${spec.topic} has no known type (nobody publishes it yet)`);
      const type = spec.type;
      const latched = typeof t === 'string' ? false : (t.latched ?? false);
      this.#slot(spec.topic, type, 'cdr', latched);
      this.#subscriptions.push(
        graph.subscribe(spec.topic, type, (msg) => {
          if (!this.#closed) this.recordRos(spec.topic, type, msg, { latched });
        }),
      );
    }
  }

  /** Appends an audit entry (and records it on /audit); returns the sealed entry. */
  audit(input: AuditInput): AuditEntry {
    const time = input.time ?? new Date(Number(this.#clock() / 1_000_000n));
    const entry = nextAuditEntry(this.#lastAudit, { ...input, time });
    this.#lastAudit = entry;
    this.#auditCount += 1;
    this.#recordJson(AUDIT_TOPIC, entry);
    return entry;
  }

  #nowIso(): string {
    return new Date(Number(this.#clock() / 1_000_000n)).toISOString();
  }

  recordOperatorAction(action: Omit<OperatorAction, 'time'> & { time?: string }): void {
    const rec: OperatorAction = { ...action, time: action.time ?? this.#nowIso() };
    this.#recordJson(OPERATOR_ACTIONS_TOPIC, rec);
    this.audit({
      actor: rec.operator,
      role: rec.role,
      action: rec.action,
      time: rec.time,
      details: {
        ...(rec.trajectoryId !== undefined ? { trajectoryId: rec.trajectoryId } : {}),
        ...((rec.details ?? {}) as { [k: string]: JsonValue }),
      },
    });
  }

  recordSafetyEvent(event: Omit<SafetyEvent, 'time'> & { time?: string }): void {
    const rec: SafetyEvent = { ...event, time: event.time ?? this.#nowIso() };
    this.#recordJson(SAFETY_EVENTS_TOPIC, rec);
    this.audit({
      actor: rec.source ?? 'robot',
      role: 'system',
      action: `safety:${rec.kind}`,
      time: rec.time,
      details: { severity: rec.severity, message: rec.message },
    });
  }

  /** Records the plan as loaded (its canonical SHA-256 goes into the audit entry). */
  recordPlan(plan: unknown, loadedBy: { operator: string; role: string }): string {
    const time = this.#nowIso();
    const sha256 = canonicalSha256(plan);
    this.#recordJson(PLAN_TOPIC, { time, sha256, loadedBy: loadedBy.operator, plan });
    this.audit({
      actor: loadedBy.operator,
      role: loadedBy.role,
      action: 'load_plan',
      time,
      details: { sha256 },
    });
    return sha256;
  }

  recordRegistration(
    result: Omit<RegistrationRecord, 'time'> & { time?: string },
    by: { operator: string; role: string },
  ): void {
    const rec: RegistrationRecord = { ...result, by: by.operator, time: result.time ?? this.#nowIso() };
    this.#recordJson(REGISTRATION_TOPIC, rec);
    this.audit({
      actor: by.operator,
      role: by.role,
      action: 'register_patient',
      time: rec.time,
      details: {
        success: rec.success,
        ...(rec.freMm !== undefined ? { freMm: rec.freMm } : {}),
        ...(rec.predictedTreMm !== undefined ? { predictedTreMm: rec.predictedTreMm } : {}),
      },
    });
  }

  /** Writes everything received so far to the writable (closes the open chunk). */
  async flush(): Promise<void> {
    this.#queue.push(() => this.#flush());
    await this.#queue.drain();
  }

  /** Stops the subscriptions, writes the audit head and the index, and ends the file. */
  async close(): Promise<RecorderSummary> {
    if (this.#closed) throw new Error('recorder: close() called twice');
    for (const s of this.#subscriptions) s.close();
    if (this.#timer) clearInterval(this.#timer);
    const head: AuditHead = { count: this.#auditCount, hash: this.#lastAudit?.hash ?? '' };
    this.#closed = true;
    this.#queue.push(async () => {
      await this.#writer.flushChunk();
      await this.#writer.addMetadata({
        name: META_AUDIT_HEAD,
        metadata: new Map([
          ['count', String(head.count)],
          ['hash', head.hash],
        ]),
      });
      await this.#writer.end();
      await this.#opts.writable.sync?.();
    });
    await this.#queue.drain();
    return {
      messageCount: Number(this.#writer.statistics.messageCount),
      chunkCount: this.#writer.statistics.chunkCount,
      auditHead: head,
    };
  }
}
