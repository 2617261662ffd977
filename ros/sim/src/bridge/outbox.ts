/**
 * One client's outgoing side: a bounded control queue (responses, results, feedback, status) and one bounded
 * queue per subscribed topic, written to the socket only while its send buffer is below a high-water mark.
 * A slow client therefore never blocks the event loop or other clients: its topic queues drop their oldest
 * messages (rosbridge's `queue_length` semantics) and a control backlog beyond its limit closes the connection.
 */

/** One WebSocket frame: text (JSON) or binary (CBOR). */
export type Frame = string | Uint8Array;

export interface SocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Frame, options: { binary: boolean }): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

const OPEN = 1;

/** A source of topic messages (one client subscription), drained round-robin. */
export interface TopicSource {
  /** True when a message may be sent now (queue non-empty and throttle allows). */
  ready(nowMs: number): boolean;
  /** Frames of the next message (encodes lazily) and marks it sent. */
  take(nowMs: number): Frame[] | undefined;
  /** Milliseconds until `ready` may turn true by itself (throttle), or undefined. */
  waitMs(nowMs: number): number | undefined;
}

export interface OutboxOptions {
  highWaterBytes: number;
  maxControlMessages: number;
  drainPollMs: number;
}

export class Outbox {
  private readonly control: Frame[][] = [];
  private readonly sources = new Set<TopicSource>();
  private rr: TopicSource[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Frames written so far (for clients()). */
  framesSent = 0;

  constructor(
    private readonly socket: SocketLike,
    private readonly options: OutboxOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Bytes the socket holds unsent, plus the messages waiting here. */
  get backlog(): { bufferedBytes: number; controlMessages: number } {
    return { bufferedBytes: this.socket.bufferedAmount, controlMessages: this.control.length };
  }

  private writable(): boolean {
    return (
      !this.closed &&
      this.socket.readyState === OPEN &&
      this.socket.bufferedAmount < this.options.highWaterBytes
    );
  }

  private write(frames: Frame[]): void {
    for (const f of frames) {
      this.socket.send(f, { binary: typeof f !== 'string' });
      this.framesSent++;
    }
  }

  /** Queues a control message (never dropped; the connection closes if the backlog passes its limit). */
  sendControl(frames: Frame[]): void {
    if (this.closed) return;
    if (this.control.length === 0 && this.writable()) {
      this.write(frames);
      return;
    }
    if (this.control.length >= this.options.maxControlMessages) {
      this.close(1008, 'client too slow: outgoing backlog over its limit');
      return;
    }
    this.control.push(frames);
    this.schedule(this.options.drainPollMs);
  }

  addSource(s: TopicSource): void {
    this.sources.add(s);
    this.rr = [...this.sources];
  }

  removeSource(s: TopicSource): void {
    this.sources.delete(s);
    this.rr = [...this.sources];
  }

  /** Writes whatever may be written now; re-arms itself for throttled or blocked messages. */
  pump(): void {
    if (this.closed) return;
    const now = this.now();
    while (this.writable()) {
      const c = this.control.shift();
      if (c) {
        this.write(c);
        continue;
      }
      let wrote = false;
      for (let i = 0; i < this.rr.length && this.writable(); i++) {
        const s = this.rr[i]!;
        if (!s.ready(now)) continue;
        const frames = s.take(now);
        if (frames) {
          this.write(frames);
          wrote = true;
        }
      }
      if (!wrote) break;
    }
    // Re-arm: poll while blocked by the socket; wake for the earliest throttled source.
    let wait: number | undefined;
    if (this.control.length > 0 || this.rr.some((s) => s.ready(now))) {
      if (!this.writable()) wait = this.options.drainPollMs;
    }
    for (const s of this.rr) {
      const w = s.waitMs(now);
      if (w !== undefined) wait = wait === undefined ? w : Math.min(wait, w);
    }
    if (wait !== undefined) this.schedule(wait);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(0, Math.ceil(ms)),
    );
  }

  /**
   * Stops sending. With a code, also closes the socket; a client that does not read cannot complete the close
   * handshake, so the connection is cut a second later regardless.
   */
  close(code?: number, reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.control.length = 0;
    if (code !== undefined) {
      this.socket.close(code, reason);
      setTimeout(() => this.socket.terminate(), 1000).unref?.();
      this.onClosedByUs?.(reason ?? '');
    }
  }

  /** Called when the outbox itself closes the connection (backlog over its limit). */
  onClosedByUs: ((reason: string) => void) | undefined;
}

/** A bounded FIFO that drops its oldest entry when full. */
export class DropOldestQueue<T> {
  private items: Array<T | undefined> = [];
  private head = 0;
  dropped = 0;
  constructor(public limit: number) {}
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
    while (this.length > this.limit) {
      this.head++;
      this.dropped++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const x = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head++;
    return x;
  }
  setLimit(limit: number): void {
    this.limit = limit;
    while (this.length > this.limit) {
      this.head++;
      this.dropped++;
    }
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
