/** Round-trip times of recent probes: the last one, the median (p50), the 95th percentile and the count. */
export interface LatencyStats {
  /** Last round trip, milliseconds (null before the first). */
  lastMs: number | null;
  /** Median of the window, milliseconds (null when empty). */
  p50Ms: number | null;
  /** 95th percentile (nearest rank) of the window, milliseconds. */
  p95Ms: number | null;
  /** Samples in the window. */
  count: number;
  /** Probes that got no answer in time since connecting. */
  lost: number;
}

/** Nearest-rank percentile of sorted values (p in (0, 100]). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** Median: the mean of the two middle values for an even count. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const m = n >> 1;
  return n % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** A sliding window of round-trip samples. */
export class LatencyWindow {
  private readonly samples: number[] = [];
  private last: number | null = null;
  private lostCount = 0;
  constructor(private readonly size = 100) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`latency window: size must be ≥ 1, got ${size}`);
  }
  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.last = ms;
    this.samples.push(ms);
    if (this.samples.length > this.size) this.samples.shift();
  }
  addLost(): void {
    this.lostCount++;
  }
  reset(): void {
    this.samples.length = 0;
    this.last = null;
    this.lostCount = 0;
  }
  stats(): LatencyStats {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return {
      lastMs: this.last,
      p50Ms: median(sorted),
      p95Ms: percentile(sorted, 95),
      count: sorted.length,
      lost: this.lostCount,
    };
  }
}
