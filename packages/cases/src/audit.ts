/**
 * The case audit log: who did what and when, append-only and chained by hashes. Each entry's `hash` is the
 * SHA-256 (hex) of the RFC 8785 canonical JSON of the entry without `hash` — which includes `prevHash`, the
 * previous entry's hash (64 zeros for the first). Changing, removing or reordering an entry breaks the chain
 * at that entry; removing entries at the end is caught by comparing with the head (count and last hash) that
 * the recorder stores in the recording's `audit` metadata record when it closes.
 */
import { canonicalJson, sha256Hex } from '@neuroplan/planning';

export const GENESIS_HASH = '0'.repeat(64);

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface AuditEntry {
  /** 0, 1, 2, … without gaps. */
  seq: number;
  /** ISO 8601 UTC. */
  time: string;
  /** Who: an operator name, or a system component such as `recorder` or `robot`. */
  actor: string;
  /** The actor's role (surgeon, engineer, observer, system); de-identified exports keep only this. */
  role: string;
  /** What, as a short verb phrase: `claim_control`, `approve_plan`, `estop`, … */
  action: string;
  details: { [key: string]: JsonValue };
  prevHash: string;
  hash: string;
}

export type AuditInput = Pick<AuditEntry, 'actor' | 'role' | 'action'> & {
  details?: { [key: string]: JsonValue };
  time?: Date | string;
};

export function auditEntryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, time, actor, role, action, details, prevHash } = entry;
  return sha256Hex(canonicalJson({ seq, time, actor, role, action, details, prevHash }));
}

/** Builds and seals the next entry after `previous` (undefined for the first). */
export function nextAuditEntry(previous: AuditEntry | undefined, input: AuditInput): AuditEntry {
  const time = input.time === undefined ? new Date() : new Date(input.time);
  if (Number.isNaN(time.getTime()))
    throw new Error(`audit: ${JSON.stringify(input.time)} is not a valid time`);
  for (const [k, v] of Object.entries({ actor: input.actor, role: input.role, action: input.action }))
    if (typeof v !== 'string' || v.trim() === '') throw new Error(`audit: the entry needs a non-empty ${k}`);
  const body = {
    seq: previous ? previous.seq + 1 : 0,
    time: time.toISOString(),
    actor: input.actor,
    role: input.role,
    action: input.action,
    details: structuredClone(input.details ?? {}),
    prevHash: previous ? previous.hash : GENESIS_HASH,
  };
  return { ...body, hash: auditEntryHash(body) };
}

/** Builds a whole chain from inputs (used when re-sealing a de-identified copy). */
export function buildAuditChain(inputs: readonly AuditInput[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const input of inputs) out.push(nextAuditEntry(out[out.length - 1], input));
  return out;
}

export interface AuditProblem {
  /** Position in the list that was checked. */
  index: number;
  /** The entry's own `seq` (undefined when the entry is not even an object). */
  seq?: number;
  reason: string;
}

export interface AuditHead {
  count: number;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  problems: AuditProblem[];
}

function describe(e: Partial<AuditEntry>): string {
  return `entry seq ${String(e.seq)} (${String(e.actor)}: ${String(e.action)} at ${String(e.time)})`;
}

/**
 * Checks the chain: each entry's hash matches its content, links to the previous entry's hash, carries the
 * next sequence number and a time not before the previous one; with `head`, also that nothing is missing at
 * the end. Each problem names the entry.
 */
export function verifyAuditChain(entries: readonly unknown[], head?: AuditHead): AuditVerification {
  const problems: AuditProblem[] = [];
  let prev: AuditEntry | undefined;
  entries.forEach((raw, index) => {
    const e = raw as Partial<AuditEntry>;
    if (
      typeof raw !== 'object' ||
      raw === null ||
      typeof e.hash !== 'string' ||
      typeof e.prevHash !== 'string'
    ) {
      problems.push({ index, reason: `entry at position ${index} is not an audit entry` });
      return;
    }
    const name = describe(e);
    const expectedSeq = prev ? prev.seq + 1 : 0;
    if (auditEntryHash(e as AuditEntry) !== e.hash)
      problems.push({ index, seq: e.seq, reason: `${name}: content was altered (its hash does not match)` });
    if (e.prevHash !== (prev ? prev.hash : GENESIS_HASH)) {
      const reason =
        typeof e.seq === 'number' && e.seq > expectedSeq
          ? `${name}: ${e.seq - expectedSeq} entr${e.seq - expectedSeq === 1 ? 'y' : 'ies'} before it ${e.seq - expectedSeq === 1 ? 'was' : 'were'} removed (seq ${expectedSeq}${e.seq - expectedSeq > 1 ? `..${e.seq - 1}` : ''} missing)`
          : typeof e.seq === 'number' && e.seq < expectedSeq
            ? `${name}: out of order (expected seq ${expectedSeq} here)`
            : `${name}: does not link to the entry before it (chain broken)`;
      problems.push({ index, seq: e.seq, reason });
    } else if (e.seq !== expectedSeq) {
      problems.push({ index, seq: e.seq, reason: `${name}: sequence number should be ${expectedSeq}` });
    }
    if (prev && typeof e.time === 'string' && e.time < prev.time)
      problems.push({ index, seq: e.seq, reason: `${name}: time is earlier than the entry before it` });
    prev = e as AuditEntry;
  });
  if (head) {
    if (entries.length < head.count)
      problems.push({
        index: entries.length,
        seq: entries.length,
        reason: `${head.count - entries.length} entr${head.count - entries.length === 1 ? 'y' : 'ies'} missing at the end (seq ${entries.length}..${head.count - 1}; the recording's audit head says ${head.count})`,
      });
    else if (prev && prev.hash !== head.hash)
      problems.push({
        index: entries.length - 1,
        seq: prev.seq,
        reason: `${describe(prev)}: last entry does not match the recorded audit head`,
      });
  }
  return { ok: problems.length === 0, problems };
}
