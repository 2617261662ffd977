/** Frame-time statistics of the 3D view (plain data: the e2e test reads them too). */
export interface FrameTimeReport {
  frames: number;
  medianMs: number;
  meanMs: number;
  p95Ms: number;
  maxMs: number;
  /** Triangles drawn in the last measured frame. */
  triangles: number;
  drawCalls: number;
}

export function frameReport(
  timesMs: readonly number[],
  triangles: number,
  drawCalls: number,
): FrameTimeReport {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    frames: sorted.length,
    medianMs: at(0.5),
    meanMs: sorted.reduce((s, t) => s + t, 0) / Math.max(1, sorted.length),
    p95Ms: at(0.95),
    maxMs: sorted[sorted.length - 1] ?? 0,
    triangles,
    drawCalls,
  };
}
