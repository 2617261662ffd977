/**
 * One rosbridge v2 client: parses its frames, maps each op onto the RosGraph as a GraphPeer with
 * `viaBridge: true`, and answers every problem (the ROS 2 rosbridge_server mostly only logs them): a `status`
 * op for topic/protocol errors, `service_response{result:false}` for calls, `action_result{result:false}` for
 * goals. Nothing a client sends can throw out of here or reach another client.
 */
import type { RawData } from 'ws';
import {
  GoalStatus,
  canonicalType,
  validateName,
  type ClientGoal,
  type GraphPeer,
  type Publisher,
  type RosGraph,
  type ServerGoal,
  type Subscription,
} from '../graph.ts';
import type { AccessKind, AccessRules } from './access.ts';
import type { BridgeCodec, InterfacePart } from './codec.ts';
import { Reassembler } from './fragments.ts';
import { DropOldestQueue, Outbox, type Frame, type SocketLike, type TopicSource } from './outbox.ts';
import { encodeCbor, fragmentJson, toCborValue, toJsonValue } from './wire.ts';

export interface SessionConfig {
  graph: RosGraph;
  access: AccessRules;
  codec: BridgeCodec;
  maxMessageSize: number;
  fragmentTimeoutMs: number;
  maxPendingFragments: number;
  defaultCallServiceTimeoutS: number;
  highWaterBytes: number;
  maxControlMessages: number;
  /** Per-subscription queue bound when the client asked for `queue_length` 0. */
  defaultQueueLength: number;
  drainPollMs: number;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
  /** Shared per-server cache so one published object is encoded once for all clients. */
  publications: PublicationTracker;
}

type MsgId = string | number;
type Compression = 'none' | 'cbor';
type StatusLevel = 'info' | 'warning' | 'error' | 'none';
const LEVEL_RANK: Record<StatusLevel, number> = { info: 0, warning: 1, error: 2, none: 3 };

export const SUPPORTED_OPS = [
  'advertise',
  'unadvertise',
  'publish',
  'subscribe',
  'unsubscribe',
  'call_service',
  'advertise_service',
  'unadvertise_service',
  'service_response',
  'send_action_goal',
  'cancel_action_goal',
  'advertise_action',
  'unadvertise_action',
  'action_feedback',
  'action_result',
  'fragment',
  'set_level',
  'auth',
] as const;

/** A client-caused problem: answered to the client, never thrown further. */
class OpError extends Error {}

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'id';

function get(msg: Record<string, unknown>, op: string, name: string, kind: 'string', req: true): string;
function get(
  msg: Record<string, unknown>,
  op: string,
  name: string,
  kind: 'string',
  req?: false,
): string | undefined;
function get(
  msg: Record<string, unknown>,
  op: string,
  name: string,
  kind: 'number' | 'integer',
  req?: boolean,
): number | undefined;
function get(
  msg: Record<string, unknown>,
  op: string,
  name: string,
  kind: 'boolean',
  req?: boolean,
): boolean | undefined;
function get(
  msg: Record<string, unknown>,
  op: string,
  name: string,
  kind: 'object',
  req?: boolean,
): Record<string, unknown> | undefined;
function get(
  msg: Record<string, unknown>,
  op: string,
  name: string,
  kind: 'id',
  req?: boolean,
): MsgId | undefined;
function get(msg: Record<string, unknown>, op: string, name: string, kind: Kind, req = false): unknown {
  const v = msg[name];
  if (v === undefined || v === null) {
    if (req) throw new OpError(`${op}: missing required field "${name}"`);
    return undefined;
  }
  const ok =
    kind === 'string'
      ? typeof v === 'string'
      : kind === 'number'
        ? typeof v === 'number' && Number.isFinite(v)
        : kind === 'integer'
          ? Number.isInteger(v)
          : kind === 'boolean'
            ? typeof v === 'boolean'
            : kind === 'object'
              ? typeof v === 'object' && !Array.isArray(v)
              : typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  if (!ok) {
    const want = kind === 'id' ? 'a string or a number' : kind === 'object' ? 'a JSON object' : `a ${kind}`;
    throw new OpError(`${op}: field "${name}" must be ${want}, not ${JSON.stringify(v)?.slice(0, 60)}`);
  }
  return v;
}

function nonNegative(op: string, name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (v < 0) throw new OpError(`${op}: field "${name}" must not be negative`);
  return v;
}

function rosName(op: string, name: string, what: 'topic' | 'service' | 'action'): void {
  try {
    validateName(name, what);
  } catch (e) {
    throw new OpError(`${op}: ${(e as Error).message}`);
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

interface SubEntry {
  throttleMs: number;
  queueLength: number;
  fragmentSize: number | undefined;
  compression: Compression;
}

/** One client's subscription to one topic (rosbridge merges a client's several subscribe ids per topic). */
class ClientSubscription implements TopicSource {
  readonly entries = new Map<string, SubEntry>();
  throttleMs = 0;
  queueLength = 0;
  fragmentSize: number | undefined;
  compression: Compression = 'none';
  readonly queue: DropOldestQueue<Publication>;
  lastPublication: Publication | undefined;
  private lastSentMs = -Infinity;
  private lastAcceptedMs = -Infinity;
  graphSub: Subscription | undefined;
  received = 0;
  sent = 0;

  constructor(
    readonly topic: string,
    private readonly session: Session,
    private readonly defaultQueueLength: number,
  ) {
    this.queue = new DropOldestQueue(defaultQueueLength);
  }

  update(): void {
    const es = [...this.entries.values()];
    this.throttleMs = Math.min(...es.map((e) => e.throttleMs));
    this.queueLength = Math.min(...es.map((e) => e.queueLength));
    const frags = es.map((e) => e.fragmentSize).filter((f): f is number => f !== undefined);
    this.fragmentSize = frags.length ? Math.min(...frags) : undefined;
    this.compression = es.some((e) => e.compression === 'cbor') ? 'cbor' : 'none';
    this.queue.setLimit(this.queueLength > 0 ? this.queueLength : this.defaultQueueLength);
  }

  /** Graph callback. */
  onMessage(publication: Publication, now: number): void {
    this.received++;
    // Throttle without a queue drops messages that arrive too soon (rosbridge's ThrottleMessageHandler).
    if (this.throttleMs > 0 && this.queueLength === 0) {
      if (now - this.lastAcceptedMs < this.throttleMs) return;
      this.lastAcceptedMs = now;
    }
    this.queue.push(publication);
  }

  ready(now: number): boolean {
    if (this.queue.length === 0) return false;
    if (this.throttleMs > 0 && this.queueLength > 0) return now - this.lastSentMs >= this.throttleMs;
    return true;
  }

  take(now: number): Frame[] | undefined {
    if (!this.ready(now)) return undefined;
    const publication = this.queue.shift()!;
    this.lastSentMs = now;
    this.sent++;
    return this.session.encodePublish(this.topic, publication, this.compression, this.fragmentSize);
  }

  waitMs(now: number): number | undefined {
    if (this.queue.length === 0 || !(this.throttleMs > 0 && this.queueLength > 0)) return undefined;
    return Math.max(0, this.lastSentMs + this.throttleMs - now);
  }
}

/** One publication of a message on a topic, shared by every client it is delivered to (encoded once each way). */
export interface Publication {
  readonly msg: unknown;
  readonly frames: Map<Compression, Frame>;
}

/**
 * Recognises one publication across clients: the graph calls every subscriber in turn, synchronously, with
 * the same object. A client seeing the object its last publication held again means a new publication (the
 * publisher reused and changed its object), so the cached frames are never stale.
 */
export class PublicationTracker {
  private readonly last = new Map<string, Publication>();
  of(topic: string, msg: unknown, clientLast: Publication | undefined): Publication {
    const p = this.last.get(topic);
    if (p && p.msg === msg && p !== clientLast) return p;
    const fresh: Publication = { msg, frames: new Map() };
    this.last.set(topic, fresh);
    return fresh;
  }
  forget(topic: string): void {
    this.last.delete(topic);
  }
}

interface PendingClientCall {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  service: string;
}

interface AdvertisedService {
  type: string;
  unadvertise: () => void;
  pending: Map<string, PendingClientCall>;
}

interface AdvertisedAction {
  type: string;
  unadvertise: () => void;
  goals: Map<string, ServerGoal>;
}

interface SentGoal {
  action: string;
  goal: ClientGoal | undefined;
  done: boolean;
  cancelRequested: boolean;
}

let clientCounter = 0;

export class Session {
  readonly peer: GraphPeer;
  readonly outbox: Outbox;
  readonly connectedAt = new Date();
  private readonly cfg: SessionConfig;
  private readonly publishers = new Map<string, { pub: Publisher; ids: Set<string> }>();
  private readonly subscriptions = new Map<string, ClientSubscription>();
  private readonly services = new Map<string, AdvertisedService>();
  private readonly actions = new Map<string, AdvertisedAction>();
  private readonly goals = new Map<string, SentGoal>();
  private readonly reassembler: Reassembler;
  private statusLevel: StatusLevel = 'error';
  /** rosbridge: any op's `fragment_size` sets the client's; the default is max_message_size. */
  private fragmentSize: number;
  private requestCounter = 0;
  private fragmentCounter = 0;
  private closed = false;
  errorsAnswered = 0;

  constructor(socket: SocketLike, remoteAddress: string | undefined, cfg: SessionConfig) {
    this.cfg = cfg;
    this.peer = Object.freeze({
      id: `bridge-${++clientCounter}`,
      viaBridge: true,
      ...(remoteAddress !== undefined ? { remoteAddress } : {}),
    });
    this.outbox = new Outbox(socket, {
      highWaterBytes: cfg.highWaterBytes,
      maxControlMessages: cfg.maxControlMessages,
      drainPollMs: cfg.drainPollMs,
    });
    this.fragmentSize = cfg.maxMessageSize;
    this.outbox.onClosedByUs = (reason) => {
      this.cfg.log('warn', `${this.peer.id}: disconnected: ${reason}`);
      this.close();
    };
    this.reassembler = new Reassembler(
      {
        maxMessageSize: cfg.maxMessageSize,
        maxPending: cfg.maxPendingFragments,
        timeoutMs: cfg.fragmentTimeoutMs,
      },
      (id, reason) => this.status('error', reason, id),
    );
  }

  // ---------------------------------------------------------------- outgoing

  /** Sends a control message as JSON (fragmented when larger than the client's fragment_size). */
  private sendJson(message: Record<string, unknown>): void {
    if (this.closed) return;
    let text: string;
    try {
      text = JSON.stringify(toJsonValue(message));
    } catch (e) {
      this.cfg.log('error', `${this.peer.id}: cannot encode ${String(message.op)}: ${errorText(e)}`);
      return;
    }
    const id = (message.id as MsgId | undefined) ?? `fragment:${++this.fragmentCounter}`;
    this.outbox.sendControl(fragmentJson(text, this.fragmentSize, id));
  }

  private sendCompressed(message: Record<string, unknown>, compression: Compression, type?: string): void {
    if (compression === 'none') return this.sendJson(message);
    const values = message.values;
    const body = { ...message, values: toCborValue(values, type, this.cfg.codec.shapeOf) };
    this.outbox.sendControl([encodeCbor(body)]);
  }

  /** Frames for one topic message, from its publication's cache when another client already encoded it. */
  encodePublish(
    topic: string,
    publication: Publication,
    compression: Compression,
    subFragmentSize?: number,
  ): Frame[] {
    let frame = publication.frames.get(compression);
    if (frame === undefined) {
      const msg = publication.msg;
      if (compression === 'cbor') {
        const type = this.cfg.graph.topicType(topic);
        frame = encodeCbor({
          op: 'publish',
          topic,
          msg: toCborValue(msg, type && canonicalType(type), this.cfg.codec.shapeOf),
        });
      } else {
        frame = JSON.stringify({ op: 'publish', topic, msg: toJsonValue(msg) });
      }
      publication.frames.set(compression, frame);
    }
    if (typeof frame !== 'string') return [frame]; // binary frames are never fragmented (as rosbridge)
    const size = Math.min(this.fragmentSize, subFragmentSize ?? Infinity);
    return fragmentJson(frame, size, `fragment:${++this.fragmentCounter}`);
  }

  /** A `status` op (not sent by the ROS 2 rosbridge_server, which only logs; see README). */
  status(level: Exclude<StatusLevel, 'none'>, msg: string, id?: MsgId): void {
    if (level === 'error') this.errorsAnswered++;
    this.cfg.log(level === 'warning' ? 'warn' : level, `${this.peer.id}: ${msg}`);
    if (LEVEL_RANK[level] < LEVEL_RANK[this.statusLevel]) return;
    this.sendJson({ op: 'status', level, msg, ...(id !== undefined ? { id } : {}) });
  }

  // ---------------------------------------------------------------- incoming

  /** One WebSocket frame from the client. */
  onFrame(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    try {
      if (isBinary)
        throw new OpError(
          'binary frames are not accepted: send JSON text (rosbridge cannot receive CBOR from clients either)',
        );
      const bytes = rawLength(data);
      if (bytes > this.cfg.maxMessageSize)
        throw new OpError(
          `message of ${bytes} bytes exceeds max_message_size (${this.cfg.maxMessageSize} bytes); ` +
            'send it in fragments',
        );
      this.onText(rawToString(data), false);
    } catch (e) {
      this.answerUnexpected(e);
    }
  }

  private onText(text: string, fromFragments: boolean): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      throw new OpError(
        `${fromFragments ? 'reassembled fragments are' : 'message is'} not valid JSON (${errorText(e)})`,
      );
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg))
      throw new OpError('message must be a JSON object with an "op" field');
    this.dispatch(msg as Record<string, unknown>, fromFragments);
  }

  private answerUnexpected(e: unknown): void {
    if (e instanceof OpError) this.status('error', e.message);
    else {
      this.cfg.log('error', `${this.peer.id}: internal error: ${errorText(e)}`);
      this.status('error', `internal error: ${errorText(e)}`);
    }
  }

  private dispatch(msg: Record<string, unknown>, fromFragments: boolean): void {
    const rawId = msg.id;
    const id = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : undefined;
    const op = msg.op;
    try {
      if (typeof op !== 'string')
        throw new OpError(`message has no "op" field (ops: ${SUPPORTED_OPS.join(', ')})`);
      if (rawId !== undefined && id === undefined)
        throw new OpError(`${op}: field "id" must be a string or a number`);
      if (msg.fragment_size !== undefined && op !== 'fragment') {
        const fs = get(msg, op, 'fragment_size', 'integer');
        if (fs !== undefined) {
          if (fs < 1) throw new OpError(`${op}: field "fragment_size" must be a positive integer`);
          this.fragmentSize = fs;
        }
      }
      switch (op) {
        case 'fragment':
          if (fromFragments) throw new OpError('fragment: a fragment may not contain another fragment');
          return this.onFragment(msg);
        case 'advertise':
          return this.advertise(msg, id);
        case 'unadvertise':
          return this.unadvertise(msg, id);
        case 'publish':
          return this.publish(msg);
        case 'subscribe':
          return this.subscribe(msg, id);
        case 'unsubscribe':
          return this.unsubscribe(msg, id);
        case 'call_service':
          return this.callService(msg, id);
        case 'advertise_service':
          return this.advertiseService(msg);
        case 'unadvertise_service':
          return this.unadvertiseService(msg);
        case 'service_response':
          return this.serviceResponse(msg, id);
        case 'send_action_goal':
          return this.sendActionGoal(msg, id);
        case 'cancel_action_goal':
          return this.cancelActionGoal(msg, id);
        case 'advertise_action':
          return this.advertiseAction(msg);
        case 'unadvertise_action':
          return this.unadvertiseAction(msg);
        case 'action_feedback':
          return this.actionFeedback(msg, id);
        case 'action_result':
          return this.actionResult(msg, id);
        case 'set_level':
          return this.setLevel(msg);
        case 'auth':
          throw new OpError(
            'auth: the ROS 2 rosbridge has no auth op (removed in rosbridge_suite 1.0.5); this bridge does not ' +
              'authenticate connections: control is claimed with the /robot/claim_control service, and ' +
              'transport security belongs to TLS and the network in front of the bridge',
          );
        default:
          throw new OpError(`unknown operation "${op}" (ops: ${SUPPORTED_OPS.join(', ')})`);
      }
    } catch (e) {
      if (e instanceof OpError) this.status('error', e.message, id);
      else {
        this.cfg.log('error', `${this.peer.id}: internal error in ${String(op)}: ${errorText(e)}`);
        this.status('error', `${String(op)}: internal error: ${errorText(e)}`, id);
      }
    }
  }

  private onFragment(msg: Record<string, unknown>): void {
    const r = this.reassembler.add(msg);
    if (r.kind === 'error') throw new OpError(r.reason);
    if (r.kind === 'complete') this.onText(r.text, true);
  }

  private checkAccess(op: string, kind: AccessKind, name: string): void {
    const reason = this.cfg.access.check(kind, name);
    if (reason) throw new OpError(`${op}: ${reason}`);
  }

  private incoming(op: string, type: string, part: InterfacePart, value: unknown): unknown {
    try {
      return this.cfg.codec.incoming(type, part, value);
    } catch (e) {
      throw new OpError(`${op}: ${errorText(e)}`);
    }
  }

  // ---------------------------------------------------------------- topics

  private advertise(msg: Record<string, unknown>, id: MsgId | undefined): void {
    const topic = get(msg, 'advertise', 'topic', 'string', true);
    const type = get(msg, 'advertise', 'type', 'string', true);
    const latch = get(msg, 'advertise', 'latch', 'boolean');
    get(msg, 'advertise', 'queue_size', 'integer');
    rosName('advertise', topic, 'topic');
    this.checkAccess('advertise', 'topics', topic);
    this.checkAccess('advertise', 'publish', topic);
    const key = id === undefined ? '' : String(id);
    const existing = this.publishers.get(topic);
    if (existing) {
      if (canonicalType(existing.pub.type) !== canonicalType(type))
        throw new OpError(`advertise: topic ${topic} has type ${existing.pub.type}, not ${type}`);
      existing.ids.add(key);
      return;
    }
    let pub: Publisher;
    try {
      pub = this.cfg.graph.advertise(topic, type, { latched: latch === true }, this.peer);
    } catch (e) {
      throw new OpError(`advertise: ${errorText(e)}`);
    }
    this.publishers.set(topic, { pub, ids: new Set([key]) });
  }

  private unadvertise(msg: Record<string, unknown>, id: MsgId | undefined): void {
    const topic = get(msg, 'unadvertise', 'topic', 'string', true);
    const p = this.publishers.get(topic);
    if (!p) {
      this.status('warning', `unadvertise: topic ${topic} is not advertised by this client`, id);
      return;
    }
    if (id !== undefined) p.ids.delete(String(id));
    if (id === undefined || p.ids.size === 0) {
      p.pub.close();
      this.publishers.delete(topic);
    }
  }

  private publish(msg: Record<string, unknown>): void {
    const topic = get(msg, 'publish', 'topic', 'string', true);
    const body = get(msg, 'publish', 'msg', 'object') ?? {};
    rosName('publish', topic, 'topic');
    this.checkAccess('publish', 'topics', topic);
    this.checkAccess('publish', 'publish', topic);
    let p = this.publishers.get(topic);
    if (!p) {
      // rosbridge registers a publisher on first publish when the topic's type is known.
      const type = this.cfg.graph.topicType(topic);
      if (type === undefined)
        throw new OpError(`publish: topic ${topic} has no known type yet: advertise it first`);
      try {
        p = { pub: this.cfg.graph.advertise(topic, type, {}, this.peer), ids: new Set(['']) };
      } catch (e) {
        throw new OpError(`publish: ${errorText(e)}`);
      }
      this.publishers.set(topic, p);
    }
    const value = this.incoming('publish', p.pub.type, 'message', body);
    try {
      p.pub.publish(value);
    } catch (e) {
      throw new OpError(`publish: ${errorText(e)}`);
    }
  }

  private subscribe(msg: Record<string, unknown>, id: MsgId | undefined): void {
    const op = 'subscribe';
    const topic = get(msg, op, 'topic', 'string', true);
    const type = get(msg, op, 'type', 'string');
    const throttleMs = nonNegative(op, 'throttle_rate', get(msg, op, 'throttle_rate', 'number'));
    const queueLength = nonNegative(op, 'queue_length', get(msg, op, 'queue_length', 'integer'));
    const fragmentSize = get(msg, op, 'fragment_size', 'integer');
    const compressionRaw = get(msg, op, 'compression', 'string') ?? 'none';
    rosName(op, topic, 'topic');
    if (compressionRaw !== 'none' && compressionRaw !== 'cbor')
      throw new OpError(
        compressionRaw === 'png' || compressionRaw === 'cbor-raw'
          ? `subscribe: compression "${compressionRaw}" is not supported by this bridge (use "cbor" or "none")`
          : `subscribe: unknown compression "${compressionRaw}" (use "cbor" or "none")`,
      );
    this.checkAccess(op, 'topics', topic);
    const existingType = this.cfg.graph.topicType(topic);
    if (
      type !== undefined &&
      existingType !== undefined &&
      canonicalType(type) !== canonicalType(existingType)
    )
      throw new OpError(`subscribe: topic ${topic} has type ${existingType}, not ${type}`);
    const entry: SubEntry = { throttleMs, queueLength, fragmentSize, compression: compressionRaw };
    const key = id === undefined ? '' : String(id);
    const sub = this.subscriptions.get(topic);
    if (!sub) {
      const s = new ClientSubscription(topic, this, this.cfg.defaultQueueLength);
      s.entries.set(key, entry);
      s.update();
      this.subscriptions.set(topic, s);
      this.outbox.addSource(s);
      try {
        s.graphSub = this.cfg.graph.subscribe(topic, type, (m) => {
          const publication = this.cfg.publications.of(topic, m, s.lastPublication);
          s.lastPublication = publication;
          s.onMessage(publication, performance.now());
          this.outbox.pump();
        });
      } catch (e) {
        this.subscriptions.delete(topic);
        this.outbox.removeSource(s);
        throw new OpError(`subscribe: ${errorText(e)}`);
      }
      return;
    }
    sub.entries.set(key, entry);
    sub.update();
  }

  private unsubscribe(msg: Record<string, unknown>, id: MsgId | undefined): void {
    const topic = get(msg, 'unsubscribe', 'topic', 'string', true);
    const sub = this.subscriptions.get(topic);
    if (!sub) {
      this.status('warning', `unsubscribe: not subscribed to ${topic}`, id);
      return;
    }
    if (id === undefined) sub.entries.clear();
    else sub.entries.delete(String(id));
    if (sub.entries.size === 0) this.dropSubscription(sub);
    else sub.update();
  }

  private dropSubscription(sub: ClientSubscription): void {
    sub.graphSub?.close();
    sub.queue.clear();
    this.outbox.removeSource(sub);
    this.subscriptions.delete(sub.topic);
  }

  // ---------------------------------------------------------------- services

  private callService(msg: Record<string, unknown>, id: MsgId | undefined): void {
    const op = 'call_service';
    const service = typeof msg.service === 'string' ? msg.service : undefined;
    const fail = (reason: string) => {
      this.status('error', reason, id);
      this.sendJson({
        op: 'service_response',
        ...(id !== undefined ? { id } : {}),
        service: service ?? '',
        values: reason,
        result: false,
      });
    };
    let compression: Compression;
    let timeoutS: number;
    let request: unknown;
    let name: string;
    try {
      name = get(msg, op, 'service', 'string', true);
      const args = msg.args;
      if (args !== undefined && args !== null && (typeof args !== 'object' || Array.isArray(args)))
        throw new OpError(
          `${op}: field "args" must be a JSON object (positional argument lists are not supported)`,
        );
      timeoutS =
        nonNegative(op, 'timeout', get(msg, op, 'timeout', 'number')) || this.cfg.defaultCallServiceTimeoutS;
      const c = get(msg, op, 'compression', 'string') ?? 'none';
      if (c !== 'none' && c !== 'cbor')
        throw new OpError(`${op}: compression "${c}" is not supported by this bridge (use "cbor" or "none")`);
      compression = c;
      rosName(op, name, 'service');
      this.checkAccess(op, 'services', name);
      const type = this.cfg.graph.serviceType(name);
      if (type === undefined) throw new OpError(`${op}: service ${name} does not exist`);
      request = this.incoming(op, type, 'request', args ?? {});
    } catch (e) {
      fail(e instanceof OpError ? e.message : `${op}: internal error: ${errorText(e)}`);
      return;
    }
    const type = this.cfg.graph.serviceType(name);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const call = this.cfg.graph.callService(name, request, this.peer);
    const timeout =
      timeoutS > 0
        ? new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`${op}: service ${name} did not answer within ${timeoutS} s`)),
              timeoutS * 1000,
            );
          })
        : undefined;
    (timeout ? Promise.race([call, timeout]) : call).then(
      (values) => {
        if (timer) clearTimeout(timer);
        this.sendCompressed(
          {
            op: 'service_response',
            ...(id !== undefined ? { id } : {}),
            service: name,
            values,
            result: true,
          },
          compression,
          type && this.cfg.codec.partType?.(type, 'response'),
        );
      },
      (e: unknown) => {
        if (timer) clearTimeout(timer);
        const reason = errorText(e);
        this.sendJson({
          op: 'service_response',
          ...(id !== undefined ? { id } : {}),
          service: name,
          values: reason,
          result: false,
        });
      },
    );
    call.catch(() => undefined); // a late rejection after the timeout is already answered
  }

  private advertiseService(msg: Record<string, unknown>): void {
    const op = 'advertise_service';
    const name = get(msg, op, 'service', 'string', true);
    const type = get(msg, op, 'type', 'string', true);
    rosName(op, name, 'service');
    this.checkAccess(op, 'services', name);
    // rosbridge (ROS 2) lets a client re-advertise its own service: the old one is replaced.
    if (this.services.has(name)) this.dropService(name, `service ${name} was re-advertised by its provider`);
    const state: AdvertisedService = { type, unadvertise: () => undefined, pending: new Map() };
    try {
      state.unadvertise = this.cfg.graph.advertiseService(
        name,
        type,
        (request) =>
          new Promise((resolve, reject) => {
            if (this.closed) return reject(new Error(`service ${name}: its provider disconnected`));
            const reqId = `service_request:${name}:${++this.requestCounter}`;
            state.pending.set(reqId, { resolve, reject, service: name });
            this.sendJson({ op: 'call_service', id: reqId, service: name, args: request ?? {} });
          }),
        this.peer,
      );
    } catch (e) {
      throw new OpError(`${op}: ${errorText(e)}`);
    }
    this.services.set(name, state);
  }

  private dropService(name: string, reason: string): void {
    const s = this.services.get(name);
    if (!s) return;
    s.unadvertise();
    for (const p of s.pending.values()) p.reject(new Error(reason));
    s.pending.clear();
    this.services.delete(name);
  }

  private unadvertiseService(msg: Record<string, unknown>): void {
    const name = get(msg, 'unadvertise_service', 'service', 'string', true);
    if (!this.services.has(name))
      throw new OpError(`unadvertise_service: service ${name} is not advertised by this client`);
    this.dropService(name, `service ${name} was unadvertised by its provider`);
  }

  private serviceResponse(msg: Record<string, unknown>, id: MsgId | undefined): void {
    const op = 'service_response';
    const name = get(msg, op, 'service', 'string', true);
    const result = get(msg, op, 'result', 'boolean', true);
    if (id === undefined) throw new OpError(`${op}: missing required field "id"`);
    const s = this.services.get(name);
    const p = s?.pending.get(String(id));
    if (!s || !p) throw new OpError(`${op}: no pending call ${JSON.stringify(id)} for service ${name}`);
    s.pending.delete(String(id));
    if (!result) {
      const v = msg.values;
      p.reject(
        new Error(
          typeof v === 'string' && v ? v : `service ${name} failed${v ? `: ${JSON.stringify(v)}` : ''}`,
        ),
      );
      return;
    }
    try {
      p.resolve(this.incoming(op, s.type, 'response', msg.values ?? {}));
    } catch (e) {
      p.reject(new Error(errorText(e)));
      throw e;
    }
  }

  // ---------------------------------------------------------------- actions (client side of the graph)

  private sendActionGoal(msg: Record<string, unknown>, id: MsgId | undefined): void {
    const op = 'send_action_goal';
    const action = typeof msg.action === 'string' ? msg.action : '';
    const goalId = id === undefined ? `${op}:${action}:${++this.requestCounter}` : String(id);
    const fail = (reason: string) => {
      this.status('error', reason, id);
      this.sendJson({
        op: 'action_result',
        id: id ?? goalId,
        action,
        values: reason,
        status: GoalStatus.ABORTED,
        result: false,
      });
    };
    let goalValue: unknown;
    let feedback: boolean;
    let compression: Compression;
    try {
      get(msg, op, 'action', 'string', true);
      const actionType = get(msg, op, 'action_type', 'string', true);
      const args = msg.args;
      if (args !== undefined && args !== null && (typeof args !== 'object' || Array.isArray(args)))
        throw new OpError(`${op}: field "args" must be a JSON object`);
      feedback = get(msg, op, 'feedback', 'boolean') ?? false;
      const c = get(msg, op, 'compression', 'string') ?? 'none';
      if (c !== 'none' && c !== 'cbor')
        throw new OpError(`${op}: compression "${c}" is not supported by this bridge (use "cbor" or "none")`);
      compression = c;
      rosName(op, action, 'action');
      this.checkAccess(op, 'actions', action);
      const type = this.cfg.graph.actionType(action);
      if (type === undefined) throw new OpError(`${op}: action ${action} does not exist`);
      if (canonicalActionType(type) !== canonicalActionType(actionType))
        throw new OpError(`${op}: action ${action} has type ${type}, not ${actionType}`);
      const existing = this.goals.get(goalId);
      if (existing && !existing.done) {
        // Answering with action_result would finish the running goal in the client's eyes: status only.
        this.status('error', `${op}: goal id ${JSON.stringify(goalId)} is already in progress`, id);
        return;
      }
      goalValue = this.incoming(op, type, 'goal', args ?? {});
    } catch (e) {
      fail(e instanceof OpError ? e.message : `${op}: internal error: ${errorText(e)}`);
      return;
    }
    const type = this.cfg.graph.actionType(action)!;
    const record: SentGoal = { action, goal: undefined, done: false, cancelRequested: false };
    this.goals.set(goalId, record);
    try {
      record.goal = this.cfg.graph.sendActionGoal(
        action,
        goalValue,
        {
          onFeedback: feedback
            ? (values) =>
                this.sendCompressed(
                  { op: 'action_feedback', id: id ?? goalId, action, values },
                  compression,
                  this.cfg.codec.partType?.(type, 'feedback'),
                )
            : undefined,
          onResult: (status, values) => {
            record.done = true;
            if (this.goals.get(goalId) === record) this.goals.delete(goalId);
            // As rosbridge_suite: a goal the server finished reports result:true with its real status
            // (roslib turns non-SUCCEEDED into a GoalError carrying the JSON of the result).
            this.sendCompressed(
              { op: 'action_result', id: id ?? goalId, action, values, status, result: true },
              compression,
              this.cfg.codec.partType?.(type, 'result'),
            );
          },
        },
        this.peer,
        goalId,
      );
      if (record.done) record.goal = undefined;
      else if (record.cancelRequested) record.goal.cancel();
    } catch (e) {
      this.goals.delete(goalId);
      fail(`${op}: ${errorText(e)}`);
    }
  }

  private cancelActionGoal(msg: Record<string, unknown>, id: MsgId | undefined): void {
    const op = 'cancel_action_goal';
    const action = get(msg, op, 'action', 'string', true);
    if (id === undefined) throw new OpError(`${op}: missing required field "id" (the goal's id)`);
    const g = this.goals.get(String(id));
    if (!g || g.action !== action) {
      this.status('warning', `${op}: no goal ${JSON.stringify(id)} of action ${action} is in progress`, id);
      return;
    }
    g.cancelRequested = true;
    g.goal?.cancel();
  }

  // ---------------------------------------------------------------- actions (client-side action servers)

  private advertiseAction(msg: Record<string, unknown>): void {
    const op = 'advertise_action';
    const name = get(msg, op, 'action', 'string', true);
    const type = get(msg, op, 'type', 'string', true);
    rosName(op, name, 'action');
    this.checkAccess(op, 'actions', name);
    if (this.actions.has(name)) this.dropAction(name, `action ${name} was re-advertised by its provider`);
    const state: AdvertisedAction = { type, unadvertise: () => undefined, goals: new Map() };
    try {
      state.unadvertise = this.cfg.graph.advertiseAction(
        name,
        type,
        {
          onGoal: (goal) => {
            if (this.closed) return goal.abort({ error: `action ${name}: its provider disconnected` });
            if (state.goals.has(goal.goalId))
              return goal.abort({ error: `action ${name}: goal id ${goal.goalId} is already in progress` });
            state.goals.set(goal.goalId, goal);
            goal.onCancel(() => this.sendJson({ op: 'cancel_action_goal', id: goal.goalId, action: name }));
            this.sendJson({
              op: 'send_action_goal',
              id: goal.goalId,
              action: name,
              action_type: type,
              args: goal.goal ?? {},
              feedback: true,
            });
          },
        },
        this.peer,
      );
    } catch (e) {
      throw new OpError(`${op}: ${errorText(e)}`);
    }
    this.actions.set(name, state);
  }

  private dropAction(name: string, reason: string): void {
    const a = this.actions.get(name);
    if (!a) return;
    a.unadvertise();
    for (const g of a.goals.values()) g.abort({ error: reason });
    a.goals.clear();
    this.actions.delete(name);
  }

  private unadvertiseAction(msg: Record<string, unknown>): void {
    const name = get(msg, 'unadvertise_action', 'action', 'string', true);
    if (!this.actions.has(name))
      throw new OpError(`unadvertise_action: action ${name} is not advertised by this client`);
    this.dropAction(name, `action ${name} was unadvertised by its provider`);
  }

  private serverGoal(op: string, msg: Record<string, unknown>, id: MsgId | undefined) {
    const name = get(msg, op, 'action', 'string', true);
    if (id === undefined) throw new OpError(`${op}: missing required field "id" (the goal's id)`);
    const a = this.actions.get(name);
    const g = a?.goals.get(String(id));
    if (!a || !g)
      throw new OpError(`${op}: no goal ${JSON.stringify(id)} of action ${name} is in progress here`);
    return { a, g };
  }

  private actionFeedback(msg: Record<string, unknown>, id: MsgId | undefined): void {
    const op = 'action_feedback';
    const { a, g } = this.serverGoal(op, msg, id);
    g.publishFeedback(this.incoming(op, a.type, 'feedback', msg.values ?? {}));
  }

  private actionResult(msg: Record<string, unknown>, id: MsgId | undefined): void {
    const op = 'action_result';
    const status = get(msg, op, 'status', 'integer', true);
    const result = get(msg, op, 'result', 'boolean', true);
    const { a, g } = this.serverGoal(op, msg, id);
    const finish = (how: 'succeed' | 'canceled' | 'abort', values: unknown) => {
      a.goals.delete(g.goalId);
      g[how](values);
    };
    if (!result) {
      const v = msg.values;
      return finish(
        'abort',
        v === undefined || v === null
          ? { error: 'failed by its provider' }
          : typeof v === 'string'
            ? { error: v }
            : v,
      );
    }
    const values = this.incoming(op, a.type, 'result', msg.values ?? {});
    if (status === GoalStatus.SUCCEEDED) return finish('succeed', values);
    if (status === GoalStatus.CANCELED) return finish('canceled', values);
    if (status === GoalStatus.ABORTED) return finish('abort', values);
    throw new OpError(
      `${op}: status ${status} is not a terminal goal status (use ${GoalStatus.SUCCEEDED}, ${GoalStatus.CANCELED} or ${GoalStatus.ABORTED})`,
    );
  }

  private setLevel(msg: Record<string, unknown>): void {
    const level = get(msg, 'set_level', 'level', 'string', true);
    if (!(level in LEVEL_RANK))
      throw new OpError(
        `set_level: level must be one of ${Object.keys(LEVEL_RANK).join(', ')}, not "${level}"`,
      );
    this.statusLevel = level as StatusLevel;
  }

  // ---------------------------------------------------------------- lifecycle

  /** The connection closed: everything this client held leaves the graph. */
  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.outbox.close();
    this.reassembler.clear();
    for (const p of this.publishers.values()) p.pub.close();
    this.publishers.clear();
    for (const s of [...this.subscriptions.values()]) this.dropSubscription(s);
    for (const name of [...this.services.keys()])
      this.dropService(name, `service ${name}: its provider disconnected`);
    for (const name of [...this.actions.keys()])
      this.dropAction(name, `action ${name}: its provider disconnected`);
    // Goals this client sent are cancelled: nobody is left to receive their result (see README).
    for (const g of this.goals.values()) if (!g.done) g.goal?.cancel();
    this.goals.clear();
  }

  info(): BridgeClientInfo {
    return {
      id: this.peer.id,
      remoteAddress: this.peer.remoteAddress,
      connectedAt: this.connectedAt.toISOString(),
      subscriptions: [...this.subscriptions.values()].map((s) => ({
        topic: s.topic,
        compression: s.compression,
        throttleMs: s.throttleMs,
        queueLength: s.queueLength,
        received: s.received,
        sent: s.sent,
        dropped: s.queue.dropped,
        queued: s.queue.length,
      })),
      publishing: [...this.publishers.keys()],
      services: [...this.services.keys()],
      actions: [...this.actions.keys()],
      goalsInProgress: [...this.goals.values()].filter((g) => !g.done).length,
      framesSent: this.outbox.framesSent,
      bufferedBytes: this.outbox.backlog.bufferedBytes,
      queuedControlMessages: this.outbox.backlog.controlMessages,
      errorsAnswered: this.errorsAnswered,
    };
  }
}

export interface BridgeClientInfo {
  id: string;
  remoteAddress: string | undefined;
  connectedAt: string;
  subscriptions: Array<{
    topic: string;
    compression: Compression;
    throttleMs: number;
    queueLength: number;
    received: number;
    sent: number;
    dropped: number;
    queued: number;
  }>;
  publishing: string[];
  services: string[];
  actions: string[];
  goalsInProgress: number;
  framesSent: number;
  /** Bytes written to the socket but not yet sent (ws bufferedAmount). */
  bufferedBytes: number;
  queuedControlMessages: number;
  errorsAnswered: number;
}

/** `pkg/action/T` and `pkg/T` name the same action. */
function canonicalActionType(type: string): string {
  const parts = type.split('/');
  return parts.length === 2 ? `${parts[0]}/action/${parts[1]}` : type;
}

function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function rawToString(data: RawData): string {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
