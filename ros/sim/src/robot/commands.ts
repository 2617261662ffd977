/**
 * Checks every motion command shares: a unique command id (a replay is refused), a fresh stamp (older than
 * `maxAgeS` or further ahead than `maxFutureS` is refused: a command queued while a client was offline and
 * flushed on reconnect is stale), and finite numbers within limits. Goals come from clients: untrusted.
 */
import { fromRosTime } from './clock.ts';

export interface CommandChecks {
  maxAgeS: number;
  maxFutureS: number;
}

/** Command ids seen recently (long enough that an older replay is refused for its stamp anyway). */
export class CommandLedger {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly keepS: number,
    private readonly maxEntries = 200_000,
  ) {}
  /** Records `id` at `nowS`; returns false when it was already there. */
  record(id: string, nowS: number): boolean {
    if (this.seen.has(id)) return false;
    if (this.seen.size >= this.maxEntries) this.prune(nowS);
    // Still full of fresh ids (a flood): forget the oldest; their stamps make them stale soon anyway.
    while (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(id, nowS);
    return true;
  }
  prune(nowS: number): void {
    for (const [id, t] of this.seen) {
      if (nowS - t <= this.keepS) break; // insertion order = time order
      this.seen.delete(id);
    }
  }
  get size(): number {
    return this.seen.size;
  }
}

export interface CommonGoalFields {
  leaseId: string;
  commandId: string;
  stampS: number | null;
}

export function commonFields(goal: unknown): CommonGoalFields {
  const g = (typeof goal === 'object' && goal !== null ? goal : {}) as Record<string, unknown>;
  return {
    leaseId: typeof g.lease_id === 'string' ? g.lease_id : '',
    commandId: typeof g.command_id === 'string' ? g.command_id : '',
    stampS: fromRosTime(g.stamp),
  };
}

/**
 * Problems with the command id and stamp (empty when fine). The id is recorded whatever else is wrong with
 * the goal, so that the same command cannot be tried again.
 */
export function commandProblems(
  fields: CommonGoalFields,
  nowS: number,
  ledger: CommandLedger,
  checks: CommandChecks,
): string[] {
  const out: string[] = [];
  const id = fields.commandId;
  if (id === '' || id.length > 128)
    out.push('command_id must be a unique, non-empty string (≤ 128 characters)');
  else if (!ledger.record(id, nowS))
    out.push(`command_id ${JSON.stringify(id)} was already used (a replayed command)`);
  const t = fields.stampS;
  if (t === null) out.push('the stamp is missing or not a valid builtin_interfaces/Time');
  else if (nowS - t > checks.maxAgeS)
    out.push(`the stamp is stale: ${(nowS - t).toFixed(3)} s old (at most ${checks.maxAgeS} s allowed)`);
  else if (t - nowS > checks.maxFutureS)
    out.push(
      `the stamp is ${(t - nowS).toFixed(3)} s in the future (at most ${checks.maxFutureS} s allowed)`,
    );
  return out;
}

/** A finite number field within [min, max], or a reason. */
export function numberField(
  goal: unknown,
  field: string,
  min: number,
  max: number,
  unit: string,
): { ok: true; value: number } | { ok: false; reason: string } {
  const v = (goal as Record<string, unknown> | null)?.[field];
  if (typeof v !== 'number' || !Number.isFinite(v))
    return { ok: false, reason: `${field} must be a finite number (got ${String(v)})` };
  if (v < min || v > max)
    return { ok: false, reason: `${field} = ${v} ${unit} is out of limits [${min}, ${max}] ${unit}` };
  return { ok: true, value: v };
}

export function stringField(goal: unknown, field: string): string {
  const v = (goal as Record<string, unknown> | null)?.[field];
  return typeof v === 'string' ? v : '';
}
