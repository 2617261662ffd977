/**
 * Who may move the robot: one authenticated operator at a time holds a lease (a random id, known only to
 * that client) that heartbeats keep alive. The deadman is the heartbeat's age: older than the limit and the
 * robot stops; the lease itself lapses after `leaseDurationS` without a heartbeat, so that another operator
 * can take over. Observers are authenticated but get no lease: nothing they send can command motion.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fromRosTime } from './clock.ts';
import type { OperatorCredentials } from './credentials.ts';
import type { ClaimControlResponse } from '@neuroplan/ros-messages';

export interface AuthorityConfig {
  /** A lease lapses this long after the last valid heartbeat (s). */
  leaseDurationS: number;
  /** Motion stops when the last valid heartbeat is older than this (s). */
  deadmanLimitS: number;
  /** A heartbeat whose stamp is older than this (s) is ignored (e.g. queued while offline, flushed later). */
  heartbeatMaxAgeS: number;
  /** A stamp further in the future than this is ignored (s). */
  maxFutureS: number;
}

export interface LeaseHolder {
  readonly operator: string;
  readonly leaseId: string;
  /** First 16 hex digits of SHA-256(lease id): safe to publish. */
  readonly leaseIdHash: string;
  readonly grantedAtS: number;
  /** Arrival time (robot clock) of the last valid heartbeat, or of the grant. */
  lastHeartbeatS: number;
  lastSeq: number;
  /** Whether any heartbeat has arrived since the grant. */
  heartbeatSeen: boolean;
}

export const leaseIdHash = (leaseId: string): string =>
  createHash('sha256').update(leaseId, 'utf8').digest('hex').slice(0, 16);

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export class ControlAuthority {
  private current: LeaseHolder | null = null;
  /** Called whenever the holder changes (grant, release, expiry). */
  onChange: () => void = () => {};

  constructor(
    private readonly credentials: OperatorCredentials | null,
    readonly config: AuthorityConfig,
    private readonly now: () => number,
    /** ROS time now (s since 1970), for the heartbeats' stamps. */
    private readonly rosNow: () => number = now,
  ) {}

  get holder(): Readonly<LeaseHolder> | null {
    return this.current;
  }

  /** ClaimControl. The credential check is asynchronous (scrypt); time is read after it. */
  async claim(request: unknown): Promise<ClaimControlResponse> {
    const refuse = (reason: string): ClaimControlResponse => ({
      granted: false,
      reason,
      lease_id: '',
      lease_duration_s: 0,
      heartbeat_limit_s: this.config.deadmanLimitS,
    });
    const r = (request ?? {}) as Record<string, unknown>;
    const operator = str(r.operator)?.trim() ?? '';
    const credential = str(r.credential) ?? '';
    const observerOnly = r.observer_only === true;
    if (operator === '') return refuse('an operator name is required');
    if (!this.credentials)
      return refuse('no operator credentials are configured on the robot (NEUROPLAN_OPERATOR_SECRETS)');
    const ok = await this.credentials.verify(operator, credential);
    if (!ok) return refuse(`the credential for operator ${JSON.stringify(operator)} was not accepted`);
    if (observerOnly)
      return {
        granted: true,
        reason: 'observer: you may watch; motion commands need control',
        lease_id: '',
        lease_duration_s: 0,
        heartbeat_limit_s: this.config.deadmanLimitS,
      };
    this.expireIfDue();
    if (this.current)
      return refuse(
        `control is held by ${this.current.operator}; it is released by them or lapses ` +
          `${this.config.leaseDurationS} s after their last heartbeat`,
      );
    const t = this.now();
    const leaseId = randomBytes(16).toString('hex');
    this.current = {
      operator,
      leaseId,
      leaseIdHash: leaseIdHash(leaseId),
      grantedAtS: t,
      lastHeartbeatS: t,
      lastSeq: -1,
      heartbeatSeen: false,
    };
    this.onChange();
    return {
      granted: true,
      reason: `control granted to ${operator}; send heartbeats on /operator/heartbeat at least every ${Math.round(this.config.deadmanLimitS * 1000)} ms`,
      lease_id: leaseId,
      lease_duration_s: this.config.leaseDurationS,
      heartbeat_limit_s: this.config.deadmanLimitS,
    };
  }

  /** ReleaseControl: only the holder's lease releases. */
  release(request: unknown): { success: boolean; reason: string } {
    const leaseId = str((request as Record<string, unknown> | null)?.lease_id);
    const problem = this.leaseProblem(leaseId);
    if (problem) return { success: false, reason: problem };
    const who = this.current!.operator;
    this.current = null;
    this.onChange();
    return { success: true, reason: `control released by ${who}` };
  }

  /** A heartbeat message; returns true when it renewed the lease. */
  heartbeat(msg: unknown): boolean {
    const m = (msg ?? {}) as Record<string, unknown>;
    const c = this.current;
    if (!c || str(m.lease_id) !== c.leaseId) return false;
    const seq = typeof m.seq === 'number' && Number.isInteger(m.seq) ? m.seq : null;
    if (seq === null || seq <= c.lastSeq) return false; // replayed or out of order
    const stamp = fromRosTime(m.stamp);
    const ros = this.rosNow();
    if (stamp === null || ros - stamp > this.config.heartbeatMaxAgeS || stamp - ros > this.config.maxFutureS)
      return false;
    const t = this.now();
    this.expireIfDue();
    if (this.current !== c) return false;
    c.lastSeq = seq;
    c.lastHeartbeatS = t;
    c.heartbeatSeen = true;
    return true;
  }

  /** Drops a lapsed lease; returns true when it did. */
  expireIfDue(): boolean {
    const c = this.current;
    if (c && this.now() - c.lastHeartbeatS > this.config.leaseDurationS) {
      this.current = null;
      this.onChange();
      return true;
    }
    return false;
  }

  /** Seconds since the last valid heartbeat (Infinity without a holder). */
  heartbeatAgeS(): number {
    return this.current ? this.now() - this.current.lastHeartbeatS : Infinity;
  }

  deadmanOk(): boolean {
    return this.heartbeatAgeS() <= this.config.deadmanLimitS;
  }

  /** Why `leaseId` does not hold control now, or null when it does. */
  leaseProblem(leaseId: string | null | undefined): string | null {
    this.expireIfDue();
    if (typeof leaseId !== 'string' || leaseId === '')
      return 'no lease: claim control (/robot/claim_control) and send its lease_id with every command';
    const c = this.current;
    if (!c)
      return 'the lease is not valid: nobody holds control (it was released or has lapsed); claim control again';
    // Constant-length comparison of equal-length hex strings.
    if (
      leaseId.length !== c.leaseId.length ||
      leaseIdHash(leaseId) !== c.leaseIdHash ||
      leaseId !== c.leaseId
    )
      return `the lease is not valid: control is held by ${c.operator}`;
    return null;
  }
}
