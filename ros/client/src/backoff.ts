/**
 * Reconnection delays: exponential backoff with "full jitter" (a uniform draw in [0, min(cap, base·2ⁿ)]),
 * which spreads out many clients reconnecting to a restarted server (AWS Architecture Blog, "Exponential
 * Backoff And Jitter", 2015). A floor keeps a tight loop from hammering a dead port.
 */
export interface BackoffOptions {
  /** First ceiling, milliseconds (default 250). */
  initialMs?: number;
  /** Largest ceiling, milliseconds (default 5000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Smallest delay, milliseconds (default 50). */
  minMs?: number;
}

export interface ResolvedBackoff {
  initialMs: number;
  maxMs: number;
  factor: number;
  minMs: number;
}

export function resolveBackoff(o: BackoffOptions = {}): ResolvedBackoff {
  const r = { initialMs: 250, maxMs: 5000, factor: 2, minMs: 50, ...o };
  for (const [k, v] of Object.entries(r))
    if (!Number.isFinite(v) || v < 0) throw new Error(`backoff: ${k} must be a finite number ≥ 0, got ${v}`);
  if (r.factor < 1) throw new Error(`backoff: factor must be ≥ 1, got ${r.factor}`);
  if (r.maxMs < r.minMs) throw new Error(`backoff: maxMs (${r.maxMs}) is below minMs (${r.minMs})`);
  return r;
}

/** The ceiling of attempt `attempt` (0-based): min(maxMs, initialMs · factorᵃᵗᵗᵉᵐᵖᵗ). */
export function backoffCeilingMs(b: ResolvedBackoff, attempt: number): number {
  return Math.min(b.maxMs, b.initialMs * b.factor ** Math.max(0, attempt));
}

/** The delay before attempt `attempt`: uniform in [minMs, ceiling] (`random` in [0, 1)). */
export function backoffDelayMs(
  b: ResolvedBackoff,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.max(b.minMs, backoffCeilingMs(b, attempt));
  return b.minMs + random() * (ceiling - b.minMs);
}
