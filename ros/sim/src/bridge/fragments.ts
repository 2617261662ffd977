/**
 * Reassembles client→server `fragment` ops (`{op:'fragment', id, data, num, total}`: pieces of one JSON text,
 * joined in `num` order). Bounded: at most `maxPending` messages in flight per client, at most
 * `maxMessageSize` characters per message, and each message must complete within `timeoutMs`.
 */

export interface FragmentLimits {
  maxMessageSize: number;
  maxPending: number;
  timeoutMs: number;
}

interface Pending {
  total: number;
  parts: Array<string | undefined>;
  received: number;
  size: number;
  timer: ReturnType<typeof setTimeout>;
}

export type FragmentOutcome =
  { kind: 'incomplete' } | { kind: 'complete'; text: string } | { kind: 'error'; reason: string };

export class Reassembler {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly limits: FragmentLimits,
    /** Called when a message times out incomplete. */
    private readonly onTimeout: (id: string | number, reason: string) => void,
  ) {}

  add(msg: Record<string, unknown>): FragmentOutcome {
    const { id, data, num, total } = msg;
    if (typeof id !== 'string' && typeof id !== 'number')
      return { kind: 'error', reason: 'fragment: "id" must be a string or a number' };
    if (typeof data !== 'string') return { kind: 'error', reason: 'fragment: "data" must be a string' };
    if (!Number.isInteger(total) || (total as number) < 1)
      return { kind: 'error', reason: 'fragment: "total" must be a positive integer' };
    if (!Number.isInteger(num) || (num as number) < 0 || (num as number) >= (total as number))
      return { kind: 'error', reason: `fragment: "num" must be an integer in [0, total)` };
    const t = total as number;
    const n = num as number;
    if (t > this.limits.maxMessageSize)
      return { kind: 'error', reason: `fragment: total ${t} is more than max_message_size allows` };
    const key = `${typeof id}:${id}`;
    let p = this.pending.get(key);
    if (!p) {
      if (this.pending.size >= this.limits.maxPending)
        return {
          kind: 'error',
          reason: `fragment: more than ${this.limits.maxPending} fragmented messages in progress at once`,
        };
      const timer = setTimeout(() => {
        const q = this.pending.get(key);
        if (!q) return;
        this.pending.delete(key);
        this.onTimeout(
          id,
          `fragment: message ${JSON.stringify(id)} incomplete after ${this.limits.timeoutMs / 1000} s ` +
            `(${q.received} of ${q.total} fragments); dropped`,
        );
      }, this.limits.timeoutMs);
      timer.unref?.();
      p = { total: t, parts: new Array<string | undefined>(), received: 0, size: 0, timer };
      this.pending.set(key, p);
    }
    if (p.total !== t) {
      this.drop(key);
      return {
        kind: 'error',
        reason: `fragment: message ${JSON.stringify(id)} changed its total from ${p.total} to ${t}; dropped`,
      };
    }
    if (p.parts[n] !== undefined) return { kind: 'incomplete' }; // duplicate piece: ignored, as roslib does
    p.size += data.length;
    if (p.size > this.limits.maxMessageSize) {
      this.drop(key);
      return {
        kind: 'error',
        reason: `fragment: message ${JSON.stringify(id)} exceeds max_message_size (${this.limits.maxMessageSize}); dropped`,
      };
    }
    p.parts[n] = data;
    p.received++;
    if (p.received < p.total) return { kind: 'incomplete' };
    this.drop(key);
    return { kind: 'complete', text: p.parts.join('') };
  }

  private drop(key: string): void {
    const p = this.pending.get(key);
    if (p) clearTimeout(p.timer);
    this.pending.delete(key);
  }

  get inProgress(): number {
    return this.pending.size;
  }

  clear(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
