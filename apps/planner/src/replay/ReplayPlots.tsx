/** The replay's two small drawings, in SVG: the needle along its trajectory, and the tracking error so far. */

/** The trajectory as a vertical line from the entry (top) to the target (bottom), the tip at its depth. */
export function DepthGauge({
  depthMm,
  targetMm,
  phase,
}: {
  depthMm: number;
  targetMm: number;
  phase: string;
}) {
  const h = 180;
  const top = 16;
  const x = 80;
  const len = Math.max(targetMm, depthMm, 1);
  const y = (mm: number) => top + (Math.max(0, mm) / len) * (h - 2 * top);
  const tipY = y(depthMm);
  const stopped = phase === 'estopped' || phase === 'stopped';
  return (
    <svg
      viewBox={`0 0 170 ${h}`}
      className="rp-gauge"
      data-testid="replay-gauge"
      role="img"
      aria-label={`needle at ${depthMm.toFixed(2)} mm`}
    >
      <line x1={x} y1={top} x2={x} y2={y(targetMm)} stroke="#3d4a56" strokeWidth={6} strokeLinecap="round" />
      <line x1={x} y1={top} x2={x} y2={tipY} stroke={stopped ? '#e05050' : '#4fc3f7'} strokeWidth={3} />
      <circle cx={x} cy={tipY} r={5} fill="#ffd54f" />
      <line x1={x - 14} y1={y(targetMm)} x2={x + 14} y2={y(targetMm)} stroke="#81c784" strokeWidth={2} />
      <text x={x + 18} y={top + 4} fill="#9aa7b2" fontSize={10}>
        entry
      </text>
      <text x={x + 18} y={y(targetMm) + 4} fill="#81c784" fontSize={10}>
        target {targetMm.toFixed(1)}
      </text>
      <text
        x={x - 10}
        y={Math.min(h - 4, Math.max(top + 4, tipY + 4))}
        fill="#ffd54f"
        fontSize={11}
        textAnchor="end"
      >
        {depthMm.toFixed(2)} mm
      </text>
    </svg>
  );
}

/** Tracking error (µm) against recording time (s), the window ending now. */
export function ErrorPlot({
  points,
  nowS,
  windowS,
}: {
  points: Array<[number, number]>;
  nowS: number;
  windowS: number;
}) {
  const w = 600;
  const h = 120;
  const pad = 28;
  const t0 = Math.max(0, nowS - windowS);
  const span = Math.max(nowS - t0, 1e-3);
  const visible = points.filter(([t]) => t >= t0 && t <= nowS);
  const maxY = Math.max(10, ...visible.map(([, v]) => v));
  const x = (t: number) => pad + ((t - t0) / span) * (w - pad - 4);
  const y = (v: number) => h - 14 - (v / maxY) * (h - 24);
  const path = visible.map(([t, v], i) => `${i ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
  return (
    <svg
      viewBox={`0 0 ${w} ${h}`}
      className="rp-errplot"
      data-testid="replay-error-plot"
      data-points={visible.length}
      preserveAspectRatio="none"
    >
      <line x1={pad} y1={h - 14} x2={w - 4} y2={h - 14} stroke="#3d4a56" />
      <line x1={pad} y1={8} x2={pad} y2={h - 14} stroke="#3d4a56" />
      <text x={2} y={14} fill="#9aa7b2" fontSize={10}>
        {maxY.toFixed(0)}
      </text>
      <text x={2} y={h - 14} fill="#9aa7b2" fontSize={10}>
        0
      </text>
      <text x={pad} y={h - 2} fill="#9aa7b2" fontSize={10}>
        {t0.toFixed(1)} s
      </text>
      <text x={w - 50} y={h - 2} fill="#9aa7b2" fontSize={10}>
        {nowS.toFixed(1)} s
      </text>
      {path && (
        <path d={path} fill="none" stroke="#ffb74d" strokeWidth={1.5} vectorEffect="non-scaling-stroke" />
      )}
    </svg>
  );
}
